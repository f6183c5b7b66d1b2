// SPDX-License-Identifier: MIT
// The world a launcher describes (torchrun's RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) as replicas,
// the per-rank batch of a global batch, and the device of a local rank.
#pragma once

#include <superconv/distributed/device.hpp>
#include <superconv/distributed/process_group.hpp>
#include <superconv/system/cpus.hpp>
#include <superconv/train/replicas.hpp>

#include <c10/core/Device.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace superconv {
namespace distributed {

namespace detail {
inline std::string env(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}
inline int env_int(const char* name, int fallback) {
  const auto s = env(name);
  if (s.empty()) return fallback;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  TORCH_CHECK(
      end && *end == '\0' && errno == 0 && v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max(),
      "distributed: environment variable ", name, " must be an integer, got '", s, "'");
  return static_cast<int>(v);
}
}  // namespace detail

/// What the launcher's environment says about this process.
struct LaunchEnvironment {
  int rank = 0, world_size = 1, local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  bool agent_store = false;  ///< torchrun's agent hosts the TCPStore: every rank is a client
  int restart = 0;           ///< torchrun's TORCHELASTIC_RESTART_COUNT
};

/// Reads RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT, TORCHELASTIC_USE_AGENT_STORE and
/// TORCHELASTIC_RESTART_COUNT; without them, a world of one.
inline LaunchEnvironment launch_environment() {
  LaunchEnvironment e;
  e.world_size = detail::env_int("WORLD_SIZE", 1);
  e.rank = detail::env_int("RANK", 0);
  e.local_rank = detail::env_int("LOCAL_RANK", e.rank);
  e.master_addr = detail::env("MASTER_ADDR", e.master_addr);
  e.master_port = detail::env_int("MASTER_PORT", e.master_port);
  const auto agent = detail::env("TORCHELASTIC_USE_AGENT_STORE");
  e.agent_store = agent == "True" || agent == "true" || agent == "1";
  e.restart = detail::env_int("TORCHELASTIC_RESTART_COUNT", 0);
  TORCH_CHECK(e.world_size >= 1, "distributed: WORLD_SIZE must be >= 1, got ", e.world_size);
  TORCH_CHECK(e.rank >= 0 && e.rank < e.world_size, "distributed: RANK must be in [0, WORLD_SIZE = ", e.world_size,
              "), got ", e.rank);
  TORCH_CHECK(e.local_rank >= 0, "distributed: LOCAL_RANK must be >= 0, got ", e.local_rank);
  TORCH_CHECK(e.master_port >= 1 && e.master_port <= 65535, "distributed: MASTER_PORT must be a port in 1..65535, got ",
              e.master_port);
  return e;
}

/// Replicas for the world the environment describes: one process (train::Replicas, no store, no cost) when
/// WORLD_SIZE is unset or 1, a ProcessGroup otherwise. `options` gives the timeout, device and bucket size; rank,
/// local rank, world size and store come from the environment (a bare `cuda` device becomes cuda:LOCAL_RANK, made
/// the current device). Example: `auto replicas = from_environment(ProcessGroupOptions().device(model_device));`
inline train::ReplicasPtr from_environment(ProcessGroupOptions options = {}) {
  const auto e = launch_environment();
  if (e.world_size == 1) return std::make_shared<train::Replicas>();
  options.rank(e.rank).world_size(e.world_size).local_rank(e.local_rank);
  options.master_addr(e.master_addr).master_port(e.master_port);
  options.host_store(!e.agent_store).store_prefix(options.store_prefix() + "/attempt_" + std::to_string(e.restart));
  return std::make_shared<ProcessGroup>(options);
}

/// The per-rank batch of a global batch over `world_size` ranks; refuses a world that does not divide it.
inline std::int64_t per_rank_batch(std::int64_t global_batch, int world_size) {
  TORCH_CHECK(world_size >= 1, "distributed: world size must be >= 1, got ", world_size);
  TORCH_CHECK(global_batch > 0 && global_batch % world_size == 0, "distributed: the global batch size ", global_batch,
              " is not divisible by the world size ", world_size,
              "; choose a batch size that is a multiple of the number of processes");
  return global_batch / world_size;
}

/// CPU threads for one of the processes a launcher started on this machine: the CPUs this process may use
/// (system::usable_cpus()) shared among LOCAL_WORLD_SIZE processes (torchrun sets it); 0 ("every core", the
/// single-process default) without one.
inline int threads_per_local_rank() {
  const int local_world = detail::env_int("LOCAL_WORLD_SIZE", 1);
  if (local_world <= 1) return 0;
  return std::max(1, system::usable_cpus() / local_world);
}

/// Overwrites each value with rank 0's (for numbers only rank 0 computed, such as the LR range test's result).
inline void broadcast_values(train::Replicas& replicas, std::initializer_list<double*> values) {
  if (replicas.size() == 1 || values.size() == 0) return;
  std::vector<double> v;
  for (const double* x : values) v.push_back(*x);
  auto t = at::tensor(v, at::kDouble);
  replicas.broadcast(t, 0);
  std::size_t i = 0;
  for (double* x : values) *x = t[static_cast<std::int64_t>(i++)].item<double>();
}

}  // namespace distributed
}  // namespace superconv
