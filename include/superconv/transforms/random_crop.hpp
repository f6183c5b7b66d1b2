// SPDX-License-Identifier: MIT
// RandomCrop: a batch padded and each image cropped at its own random offset (the CIFAR recipe's pad-4 crop).
#pragma once

#include <superconv/random.hpp>
#include <superconv/transforms/shift.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>

#include <cstdint>

namespace superconv {
namespace transforms {

/// Options for RandomCrop. Example: `RandomCropOptions(32).padding(4).padding_mode(Padding::kReflect)`
struct RandomCropOptions {
  /* implicit */ RandomCropOptions(std::int64_t size = 32) : size_(size) {}
  /// Output height and width.
  TORCH_ARG(std::int64_t, size);
  /// Pixels added on each side before cropping.
  TORCH_ARG(std::int64_t, padding) = 4;
  /// Reflect (default) or zero padding. Zero pads with 0 in the input's units (the mean after normalisation).
  TORCH_ARG(Padding, padding_mode) = Padding::kReflect;
};

/// Pads a batch `[B, C, H, W]` and crops each sample at its own uniformly drawn offset: with the defaults on 32x32
/// images, one of the 81 offsets (0..8 in each direction). Runs on the batch's device with two gathers.
class RandomCrop {
 public:
  explicit RandomCrop(RandomCropOptions options = {}) : options_(options) {
    TORCH_CHECK(options_.size() > 0, "RandomCrop: size must be > 0, got ", options_.size());
    TORCH_CHECK(options_.padding() >= 0, "RandomCrop: padding must be >= 0, got ", options_.padding());
    TORCH_CHECK(options_.padding_mode() == Padding::kReflect || options_.padding_mode() == Padding::kZero,
                "RandomCrop: padding_mode must be Padding::kReflect or Padding::kZero, got ",
                static_cast<int>(options_.padding_mode()));
  }

  at::Tensor operator()(const at::Tensor& x, at::Generator& gen) const {
    TORCH_CHECK(x.dim() == 4, "RandomCrop: expected a batch [B, C, H, W], got ", x.sizes());
    detail::check_generator(gen, x.device(), "RandomCrop");
    const auto p = options_.padding(), s = options_.size();
    const auto padded = pad_images(x, p, options_.padding_mode(), "RandomCrop");
    const auto b = x.size(0), hp = padded.size(2), wp = padded.size(3);
    TORCH_CHECK(hp >= s && wp >= s, "RandomCrop: size ", s, " exceeds the padded image ", hp, "x", wp);
    auto lopt = at::TensorOptions().dtype(at::kLong).device(x.device());
    const auto oy = at::randint(0, hp - s + 1, {b}, gen, lopt);
    const auto ox = at::randint(0, wp - s + 1, {b}, gen, lopt);
    return crop_each(padded, oy, ox, s, s);
  }

  const RandomCropOptions& options() const { return options_; }

 private:
  RandomCropOptions options_;
};

}  // namespace transforms
}  // namespace superconv
