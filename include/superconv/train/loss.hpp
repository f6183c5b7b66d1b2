// SPDX-License-Identifier: MIT
// The loss a trainer minimises: any callable (logits, target) -> scalar; cross-entropy with label smoothing by default.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/nn/functional/loss.h>

#include <functional>

namespace superconv {
namespace train {

/// A training loss: `loss(logits, target)` returns a scalar tensor (the batch mean), on the logits' device.
using LossFunction = std::function<at::Tensor(const at::Tensor& logits, const at::Tensor& target)>;

/// Mean cross-entropy over the batch with `label_smoothing` in [0, 1). Example: `cross_entropy_loss(0.1)`
inline LossFunction cross_entropy_loss(double label_smoothing = 0.0) {
  TORCH_CHECK(label_smoothing >= 0 && label_smoothing < 1, "cross_entropy_loss: label_smoothing must be in [0, 1), ",
              "got ", label_smoothing);
  const auto options = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(label_smoothing);
  return [options](const at::Tensor& logits, const at::Tensor& target) {
    return torch::nn::functional::cross_entropy(logits, target, options);
  };
}

}  // namespace train
}  // namespace superconv
