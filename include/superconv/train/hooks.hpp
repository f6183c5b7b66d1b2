// SPDX-License-Identifier: MIT
// What a Trainer's hooks see: a finished batch (on the device, no host sync) and a finished, evaluated epoch.
#pragma once

#include <superconv/train/metrics.hpp>

#include <ATen/ATen.h>

#include <cstdint>
#include <limits>

namespace superconv {
namespace train {

/// What a batch-end hook sees. The tensors live on the device: reading one (`.item()`) waits for the GPU. They are
/// valid during the hook only: with TrainerOptions::cuda_graph, `loss` and `logits` (and the parameters'
/// gradients) are the captured graph's memory, overwritten by the next replay - clone what a hook keeps.
struct BatchEnd {
  std::int64_t epoch, epochs, batch, batches;  ///< epoch is 1-based, batch 0-based
  double lr;                                   ///< the LR this step used
  const at::Tensor& loss;                      ///< detached scalar, as the loss returned it (mean or sum)
  const at::Tensor& logits;
  const at::Tensor& target;
  double momentum = std::numeric_limits<double>::quiet_NaN();  ///< the step's momentum (NaN without a scheduler)
  /// The step's figures as the Trainer logs them, float64 on the device: [loss x records (the per-record loss times
  /// the records, whatever the loss's reduction), correct predictions, records] - over every replica under
  /// data parallelism - computed once per step: a hook adds them up instead of recomputing an argmax.
  const at::Tensor& figures;
  /// Training steps done in the run, this one included (1-based; epochs x batches before this epoch + batch + 1).
  std::int64_t global_step() const { return (epoch - 1) * batches + batch + 1; }
};
/// What an epoch-end hook sees: the epoch's figures and its evaluation (predictions in record order).
struct EpochEnd {
  const EpochStats& stats;
  const EvalResult& eval;
  std::int64_t epochs;
};

}  // namespace train
}  // namespace superconv
