// SPDX-License-Identifier: MIT
// The loss a trainer minimises and how it reduces the batch: any callable (logits, target) -> scalar, carried with
// its reduction (mean or sum); cross-entropy with label smoothing by default.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/nn/functional/loss.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace superconv {
namespace train {

/// A plain loss callable: `loss(logits, target)` returns a scalar tensor on the logits' device.
using LossFunction = std::function<at::Tensor(const at::Tensor& logits, const at::Tensor& target)>;

/// How a loss reduces the batch: the mean (gradients independent of the batch size) or the sum (airbench: the
/// gradient grows with the batch, the LRs are set for it). Logs report the per-record mean either way.
enum class Reduction { kMean, kSum };

/// "mean" or "sum", for messages.
inline const char* reduction_name(Reduction r) {
  return r == Reduction::kSum ? "sum" : "mean";
}

/// A training loss together with its reduction, so that whoever reads its value (the Trainer's logs, evaluate(),
/// TensorBoard) turns it into a per-record figure without being told twice. Made from any callable; a callable
/// given without a reduction is taken as a batch mean. Example: `Loss(my_summed_loss, Reduction::kSum)`,
/// `cross_entropy_loss(0.2, Reduction::kSum)` (which carries its reduction itself).
class Loss {
 public:
  Loss() = default;
  /// No loss (an empty one; the Trainer refuses it).
  /* implicit */ Loss(std::nullptr_t) {}
  template <typename F,
            typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Loss> &&
                                        std::is_invocable_r_v<at::Tensor, F&, const at::Tensor&, const at::Tensor&>>>
  /* implicit */ Loss(F fn) : fn_(std::move(fn)) {}
  template <typename F,
            typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Loss> &&
                                        std::is_invocable_r_v<at::Tensor, F&, const at::Tensor&, const at::Tensor&>>>
  Loss(F fn, Reduction reduction) : fn_(std::move(fn)), reduction_(reduction) {
    TORCH_CHECK(reduction == Reduction::kMean || reduction == Reduction::kSum,
                "Loss: reduction must be Reduction::kMean or kSum, got ", static_cast<int>(reduction));
  }

  at::Tensor operator()(const at::Tensor& logits, const at::Tensor& target) const {
    TORCH_CHECK(fn_, "Loss: the loss function is empty");
    return fn_(logits, target);
  }
  explicit operator bool() const { return static_cast<bool>(fn_); }
  /// The batch reduction: the one given, else the mean.
  Reduction reduction() const { return reduction_.value_or(Reduction::kMean); }
  /// Whether the reduction was given (false: a plain callable, taken as a mean).
  bool declares_reduction() const { return reduction_.has_value(); }
  /// This loss with its reduction given as `reduction`.
  Loss with_reduction(Reduction reduction) const {
    Loss l = *this;
    l.reduction_ = reduction;
    return l;
  }
  /// The loss of a batch of `records` as a per-record mean (the loss itself when it is one).
  at::Tensor per_record(const at::Tensor& loss, std::int64_t records) const {
    return reduction() == Reduction::kSum ? loss / static_cast<double>(std::max<std::int64_t>(records, 1)) : loss;
  }

 private:
  LossFunction fn_;
  std::optional<Reduction> reduction_;
};

/// Cross-entropy over the batch with `label_smoothing` in [0, 1), averaged (default) or summed; the Loss carries
/// that reduction. Example: `cross_entropy_loss(0.1)`, `cross_entropy_loss(0.2, Reduction::kSum)`
inline Loss cross_entropy_loss(double label_smoothing = 0.0, Reduction reduction = Reduction::kMean) {
  TORCH_CHECK(label_smoothing >= 0 && label_smoothing < 1, "cross_entropy_loss: label_smoothing must be in [0, 1), ",
              "got ", label_smoothing);
  TORCH_CHECK(reduction == Reduction::kMean || reduction == Reduction::kSum,
              "cross_entropy_loss: reduction must be Reduction::kMean or kSum, got ", static_cast<int>(reduction));
  auto options = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(label_smoothing);
  if (reduction == Reduction::kSum) options.reduction(torch::kSum);
  return Loss(
      [options](const at::Tensor& logits, const at::Tensor& target) {
        return torch::nn::functional::cross_entropy(logits, target, options);
      },
      reduction);
}

}  // namespace train
}  // namespace superconv
