// SPDX-License-Identifier: MIT
#pragma once

#include <superconv/random.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>

#include <cstdint>

namespace superconv {
namespace transforms {

/// How RandomCrop fills the padding.
enum class Padding { kReflect, kZero };

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
    TORCH_CHECK(reflect_ok(x, p), "RandomCrop: reflect padding ", p, " needs images larger than ", p, " pixels, got ",
                x.size(2), "x", x.size(3));
    at::Tensor padded = x;
    if (p > 0) {
      padded = options_.padding_mode() == Padding::kReflect ? at::reflection_pad2d(x, {p, p, p, p})
                                                            : at::constant_pad_nd(x, {p, p, p, p}, 0);
    }
    const auto b = x.size(0), c = x.size(1), hp = padded.size(2), wp = padded.size(3);
    TORCH_CHECK(hp >= s && wp >= s, "RandomCrop: size ", s, " exceeds the padded image ", hp, "x", wp);
    auto lopt = at::TensorOptions().dtype(at::kLong).device(x.device());
    const auto oy = at::randint(0, hp - s + 1, {b}, gen, lopt);
    const auto ox = at::randint(0, wp - s + 1, {b}, gen, lopt);
    const auto ar = at::arange(s, lopt);
    const auto rows = (oy.unsqueeze(1) + ar).view({b, 1, s, 1}).expand({b, c, s, wp});
    const auto cols = (ox.unsqueeze(1) + ar).view({b, 1, 1, s}).expand({b, c, s, s});
    return padded.gather(2, rows).gather(3, cols);
  }

  const RandomCropOptions& options() const { return options_; }

 private:
  bool reflect_ok(const at::Tensor& x, std::int64_t p) const {
    return options_.padding_mode() != Padding::kReflect || (p < x.size(2) && p < x.size(3));
  }
  RandomCropOptions options_;
};

}  // namespace transforms
}  // namespace superconv
