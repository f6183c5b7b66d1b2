// SPDX-License-Identifier: MIT
// RandomTranslate: each image shifted by its own random offset of up to `max_shift` pixels, the border reflected.
#pragma once

#include <superconv/random.hpp>
#include <superconv/transforms/shift.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>

#include <cstdint>

namespace superconv {
namespace transforms {

/// Options for RandomTranslate. Example: `RandomTranslateOptions(2).padding_mode(Padding::kReflect)`
struct RandomTranslateOptions {
  /* implicit */ RandomTranslateOptions(std::int64_t max_shift = 2) : max_shift_(max_shift) {}
  /// Largest shift in pixels, in each direction and on each axis: offsets are uniform in [-max_shift, max_shift].
  TORCH_ARG(std::int64_t, max_shift);
  /// How the pixels that move in are filled: reflected (default) or 0 (the mean after normalisation).
  TORCH_ARG(Padding, padding_mode) = Padding::kReflect;
};

/// Translates each sample of a batch `[B, C, H, W]` by its own uniformly drawn (dy, dx): a pad of max_shift and a
/// crop back to H x W (airbench's "translate 2"; RandomCrop with the input's size, for any H and W).
class RandomTranslate {
 public:
  explicit RandomTranslate(RandomTranslateOptions options = {}) : options_(options) {
    TORCH_CHECK(options_.max_shift() >= 0, "RandomTranslate: max_shift must be >= 0, got ", options_.max_shift());
  }

  at::Tensor operator()(const at::Tensor& x, at::Generator& gen) const {
    TORCH_CHECK(x.dim() == 4, "RandomTranslate: expected a batch [B, C, H, W], got ", x.sizes());
    detail::check_generator(gen, x.device(), "RandomTranslate");
    const auto p = options_.max_shift();
    if (p == 0) return x;
    const auto padded = pad_images(x, p, options_.padding_mode(), "RandomTranslate");
    const auto b = x.size(0);
    const auto lopt = at::TensorOptions().dtype(at::kLong).device(x.device());
    const auto oy = at::randint(0, 2 * p + 1, {b}, gen, lopt), ox = at::randint(0, 2 * p + 1, {b}, gen, lopt);
    return crop_each(padded, oy, ox, x.size(2), x.size(3));
  }

  const RandomTranslateOptions& options() const { return options_; }

 private:
  RandomTranslateOptions options_;
};

}  // namespace transforms
}  // namespace superconv
