// SPDX-License-Identifier: MIT
#pragma once

#include <ATen/ATen.h>
#include <ATen/core/Generator.h>
#include <c10/util/Exception.h>

#include <utility>
#include <vector>

namespace superconv {
namespace transforms {

/// Per-channel (x - mean) / std of a float batch `[B, C, H, W]`; deterministic (the generator is unused).
/// Example: `Normalize({0.4914, 0.4822, 0.4465}, {0.2470, 0.2435, 0.2616})` on images in [0, 1].
class Normalize {
 public:
  Normalize(std::vector<double> mean, std::vector<double> std) : mean_(std::move(mean)), std_(std::move(std)) {
    TORCH_CHECK(!mean_.empty() && mean_.size() == std_.size(), "Normalize: mean and std need the same, non-zero ",
                "number of values, got ", mean_.size(), " and ", std_.size());
    for (double s : std_) TORCH_CHECK(s > 0, "Normalize: std must be > 0, got ", s);
  }

  at::Tensor operator()(const at::Tensor& x, at::Generator& /*gen*/) const { return (*this)(x); }

  at::Tensor operator()(const at::Tensor& x) const {
    TORCH_CHECK(x.dim() == 4 && x.size(1) == static_cast<std::int64_t>(mean_.size()), "Normalize: expected [B, ",
                mean_.size(), ", H, W], got ", x.sizes());
    TORCH_CHECK(at::isFloatingType(x.scalar_type()), "Normalize: expected a floating-point batch, got ",
                x.scalar_type(), " (convert uint8 with x.to(at::kFloat) / 255 first)");
    auto opt = at::TensorOptions().dtype(x.scalar_type());
    const auto c = static_cast<std::int64_t>(mean_.size());
    const auto m = at::tensor(mean_, opt.dtype(at::kDouble)).to(x.device(), x.scalar_type()).view({1, c, 1, 1});
    const auto s = at::tensor(std_, opt.dtype(at::kDouble)).to(x.device(), x.scalar_type()).view({1, c, 1, 1});
    return (x - m) / s;
  }

  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& std() const { return std_; }

 private:
  std::vector<double> mean_, std_;
};

}  // namespace transforms
}  // namespace superconv
