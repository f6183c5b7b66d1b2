// SPDX-License-Identifier: MIT
// One training step as the Trainer runs it: what it leaves behind (loss, logits, the step's figures) and its
// figures - loss x records, correct predictions, records - computed once, on the device.
#pragma once

#include <superconv/train/loss.hpp>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <functional>

namespace superconv {
namespace train {

/// What one training step leaves behind: the loss (detached), the logits and the step's figures (see Trainer).
/// From a replayed step these are the captured graph's own tensors, overwritten by the next replay: clone what must
/// outlive the step.
struct StepOutputs {
  at::Tensor loss, logits, figures;
};
/// One training step on a batch: zero the gradients, forward, backward, optimizer (and schedule) step.
using StepFunction = std::function<StepOutputs(const at::Tensor& input, const at::Tensor& target)>;

/// A step's figures as float64 on the device (no host read): [the per-record loss x records, correct predictions,
/// records], the loss turned per record by its reduction (a summed loss is its own loss x records).
inline at::Tensor step_figures(const at::Tensor& loss, const at::Tensor& logits, const at::Tensor& target,
                               Reduction reduction) {
  at::NoGradGuard no_grad;
  const auto count = static_cast<double>(target.size(0));
  const auto l = loss.detach().to(at::kDouble);
  return at::stack({reduction == Reduction::kSum ? l : l * count, logits.argmax(1).eq(target).sum().to(at::kDouble),
                    at::full({}, count, loss.options().dtype(at::kDouble))});
}

}  // namespace train
}  // namespace superconv
