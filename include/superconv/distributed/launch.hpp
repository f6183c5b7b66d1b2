// SPDX-License-Identifier: MIT
// A training program's process in one call: its runtime (device, threads, autocast) and its replicas, whether it
// was started alone or by torchrun.
#pragma once

#include <superconv/distributed/device.hpp>
#include <superconv/distributed/environment.hpp>
#include <superconv/distributed/backend_environment.hpp>
#include <superconv/system/runtime.hpp>
#include <superconv/train/replicas.hpp>

namespace superconv {
namespace distributed {

/// What set_up_process() gives: the runtime (its device is this rank's), the replicas (one process without a
/// launcher) and what the launcher said.
struct Process {
  system::Runtime runtime;
  train::ReplicasPtr replicas;
  LaunchEnvironment world;
  /// "gloo" or "nccl" for a world of several processes, "none" for one.
  std::string backend() const {
    if (replicas == nullptr || replicas->size() == 1) return "none";
    return runtime.device.is_cuda() ? "nccl" : "gloo";
  }
};

/// Sets up the runtime (threads 0: the CPUs shared among the launcher's local processes, or every core alone), puts
/// a CUDA device on cuda:LOCAL_RANK, and makes the replicas the environment describes on that device. Example:
/// `auto p = set_up_process(system::RuntimeOptions().device("auto"));  Trainer t(...,
/// TrainerOptions().replicas(p.replicas));`
inline Process set_up_process(system::RuntimeOptions options, ProcessGroupOptions group = {}) {
  // The environment is written before any thread starts (see enable_nccl_blocking_wait): set_up_runtime starts
  // LibTorch's thread pools. Harmless where no NCCL group follows (CPU, one process).
  if (options.device() != "cpu") enable_nccl_blocking_wait();
  Process p;
  p.world = launch_environment();
  if (options.threads() <= 0) options.threads(threads_per_local_rank());
  p.runtime = system::set_up_runtime(options);
  p.runtime.device = device_for_local_rank(p.runtime.device, p.world.local_rank);
  p.replicas = from_environment(group.device(p.runtime.device));
  return p;
}

}  // namespace distributed
}  // namespace superconv
