// SPDX-License-Identifier: MIT
// What the engine needs from data-parallel training, without knowing how it is done: rank, size, sums across
// replicas, gradient averaging, broadcast from rank 0, agreement on a stop. The default is one process (no cost).
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <memory>

namespace superconv {
namespace train {

/// The replicas of one model that train together, one per process. This base class is the single process: every
/// collective is the identity and costs nothing, so an engine given no replicas (or these) runs exactly as before.
/// superconv::distributed implements it on c10d process groups (Gloo, NCCL); any other transport can too.
///
/// ```
/// auto replicas = superconv::distributed::from_environment();  // torchrun's RANK, WORLD_SIZE, ... (or size 1)
/// Trainer trainer(model, sgd, &schedule, TrainerOptions().replicas(replicas));
/// ```
class Replicas {
 public:
  virtual ~Replicas() = default;

  /// This process's rank in [0, size()).
  virtual int rank() const { return 0; }
  /// Processes in the world.
  virtual int size() const { return 1; }
  /// Rank 0: the one that prints, writes files and checkpoints.
  bool is_main() const { return rank() == 0; }

  /// Sums `tensor` over the replicas, in place. (Tensors are handles: a `const at::Tensor&` still has its values
  /// replaced, so temporaries and `p.grad()` can be passed.)
  virtual void all_reduce_sum(const at::Tensor& tensor) { (void)tensor; }
  /// Overwrites `tensor` with rank `root`'s, in place.
  virtual void broadcast(const at::Tensor& tensor, int root = 0) {
    (void)tensor;
    (void)root;
  }
  /// Every replica's `tensor` (same dtype and trailing shape, any first dimension), concatenated in rank order.
  virtual at::Tensor all_gather(const at::Tensor& tensor) { return tensor; }
  /// Returns once every replica has called it.
  virtual void barrier() {}

  /// After backward: replaces each parameter's gradient with its mean over the replicas (a parameter without a
  /// gradient counts as zeros), and sums `extra` (a small 1-D tensor the caller wants reduced too, such as the
  /// step's loss, correct count and a stop flag) in the same collective.
  virtual void average_gradients(torch::nn::Module& module, const at::Tensor& extra) {
    (void)module;
    (void)extra;
  }
  /// Copies rank 0's parameters and buffers to every replica (at the start, so that all begin equal).
  virtual void broadcast_module(torch::nn::Module& module) { (void)module; }
  /// Replaces each floating-point buffer (BatchNorm's running mean and variance) with its mean over the replicas.
  virtual void average_buffers(torch::nn::Module& module) { (void)module; }

  /// True on every replica when any replica passes true (a stop that all take at the same step).
  bool any(bool flag) {
    if (size() == 1) return flag;
    auto t = at::full({1}, flag ? 1.0 : 0.0, at::kFloat);
    all_reduce_sum(t);
    return t.item<float>() > 0.5f;
  }
};

using ReplicasPtr = std::shared_ptr<Replicas>;

/// True when `replicas` is more than one process.
inline bool is_distributed(const ReplicasPtr& replicas) {
  return replicas != nullptr && replicas->size() > 1;
}

/// What the replicas agreed on in a step's gradient collective: whether any asked to stop, and the records the
/// step took over all of them.
struct StepAgreement {
  bool stop = false;
  std::int64_t records = 0;
};
/// Averages the gradients with the step's `figures` ([loss x records, correct, records], summed over the replicas in
/// place, a stop flag appended) in one collective, then reads the agreement (one host read per step).
inline StepAgreement agree_on_step(Replicas& replicas, torch::nn::Module& model, at::Tensor& figures,
                                   bool stop_requested) {
  figures = at::cat({figures, at::full({1}, stop_requested ? 1.0 : 0.0, figures.options())});
  replicas.average_gradients(model, figures);
  const auto host = figures.cpu();
  return {host[3].item().toDouble() > 0.5, static_cast<std::int64_t>(host[2].item().toDouble())};
}

}  // namespace train
}  // namespace superconv
