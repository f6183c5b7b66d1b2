// SPDX-License-Identifier: MIT
#pragma once

#include <superconv/random.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>

#include <cmath>
#include <cstdint>

namespace superconv {
namespace transforms {

/// Options for Cutout. Example: `CutoutOptions(8).fill(0.0)`
struct CutoutOptions {
  /* implicit */ CutoutOptions(std::int64_t size = 8) : size_(size) {}
  /// Side of the square hole, in pixels.
  TORCH_ARG(std::int64_t, size);
  /// Value written into the hole (0 after normalisation is the mean colour).
  TORCH_ARG(double, fill) = 0.0;
  /// Probability that a sample gets a hole.
  TORCH_ARG(double, p) = 1.0;
};

/// Cutout (DeVries & Taylor, 2017): per sample, a size x size square whose centre is uniform over the image
/// (rows [cy - size/2, cy - size/2 + size)), clipped at the borders, set to `fill` in every channel.
class Cutout {
 public:
  explicit Cutout(CutoutOptions options = {}) : options_(options) {
    TORCH_CHECK(options_.size() > 0, "Cutout: size must be > 0, got ", options_.size());
    TORCH_CHECK(options_.p() >= 0.0 && options_.p() <= 1.0, "Cutout: p must be in [0, 1], got ", options_.p());
    TORCH_CHECK(std::isfinite(options_.fill()), "Cutout: fill must be finite, got ", options_.fill());
  }

  at::Tensor operator()(const at::Tensor& x, at::Generator& gen) const {
    TORCH_CHECK(x.dim() == 4, "Cutout: expected a batch [B, C, H, W], got ", x.sizes());
    detail::check_generator(gen, x.device(), "Cutout");
    const auto b = x.size(0), h = x.size(2), w = x.size(3), s = options_.size();
    auto lopt = at::TensorOptions().dtype(at::kLong).device(x.device());
    const auto y0 = at::randint(0, h, {b, 1}, gen, lopt) - s / 2;
    const auto x0 = at::randint(0, w, {b, 1}, gen, lopt) - s / 2;
    const auto apply = at::rand({b, 1}, gen, at::TensorOptions().dtype(at::kFloat).device(x.device())).lt(options_.p());
    const auto ry = at::arange(h, lopt).unsqueeze(0), rx = at::arange(w, lopt).unsqueeze(0);
    const auto in_rows = ry.ge(y0).logical_and(ry.lt(y0 + s)).logical_and(apply);  // [B, H]
    const auto in_cols = rx.ge(x0).logical_and(rx.lt(x0 + s));                     // [B, W]
    const auto mask = in_rows.view({b, 1, h, 1}).logical_and(in_cols.view({b, 1, 1, w}));
    return x.masked_fill(mask, options_.fill());
  }

  const CutoutOptions& options() const { return options_; }

 private:
  CutoutOptions options_;
};

}  // namespace transforms
}  // namespace superconv
