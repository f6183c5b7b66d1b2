// SPDX-License-Identifier: MIT
// The loss a trainer minimises: any callable (logits, target) -> scalar; cross-entropy with label smoothing by default.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/nn/functional/loss.h>

#include <functional>

namespace superconv {
namespace train {

/// A training loss: `loss(logits, target)` returns a scalar tensor (the batch mean, or the sum with
/// Reduction::kSum), on the logits' device.
using LossFunction = std::function<at::Tensor(const at::Tensor& logits, const at::Tensor& target)>;

/// How a loss reduces the batch: the mean (gradients independent of the batch size) or the sum (airbench: the
/// gradient grows with the batch, the LRs are set for it). Logs report the per-record mean either way.
enum class Reduction { kMean, kSum };

/// Cross-entropy over the batch with `label_smoothing` in [0, 1), averaged (default) or summed.
/// Example: `cross_entropy_loss(0.1)`, `cross_entropy_loss(0.2, Reduction::kSum)`
inline LossFunction cross_entropy_loss(double label_smoothing = 0.0, Reduction reduction = Reduction::kMean) {
  TORCH_CHECK(label_smoothing >= 0 && label_smoothing < 1, "cross_entropy_loss: label_smoothing must be in [0, 1), ",
              "got ", label_smoothing);
  TORCH_CHECK(reduction == Reduction::kMean || reduction == Reduction::kSum,
              "cross_entropy_loss: reduction must be Reduction::kMean or kSum, got ", static_cast<int>(reduction));
  auto options = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(label_smoothing);
  if (reduction == Reduction::kSum) options.reduction(torch::kSum);
  return [options](const at::Tensor& logits, const at::Tensor& target) {
    return torch::nn::functional::cross_entropy(logits, target, options);
  };
}

}  // namespace train
}  // namespace superconv
