// SPDX-License-Identifier: MIT
// Where an image is cropped before it is decoded and resized, with torchvision's semantics: RandomResizedCrop's box
// (scale, ratio, 10 tries, the centre fallback) and the evaluation's Resize(shorter side) + CenterCrop, each a box in
// the source image; draws come from a small generator seeded per (seed, epoch, record), so any worker makes them.
#pragma once

#include <superconv/data/resample.hpp>

#include <c10/util/Exception.h>
#include <torch/arg.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

namespace superconv {
namespace data {

/// SplitMix64: a small, fast generator whose stream depends on its seed alone (the same draws on every platform).
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}
  /// The generator of one record in one epoch of a run seeded `seed`.
  static SplitMix for_record(std::uint64_t seed, std::int64_t epoch, std::int64_t record) {
    SplitMix mix(seed ^ 0x5DEECE66DULL);
    mix.state_ ^= mix.next() + static_cast<std::uint64_t>(epoch) * 0x9E3779B97F4A7C15ULL;
    mix.state_ ^= mix.next() + static_cast<std::uint64_t>(record) * 0xBF58476D1CE4E5B9ULL;
    return mix;
  }
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [lo, hi) (hi > lo).
  std::int64_t integer(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo));
  }

 private:
  std::uint64_t state_;
};

/// Options for random_resized_crop (torchvision's RandomResizedCrop). Example:
/// `RandomResizedCropOptions().scale(0.35, 1)` for small images
struct RandomResizedCropOptions {
  /// The box's area as a share of the image's: uniform in [scale_min, scale_max].
  TORCH_ARG(double, scale_min) = 0.08;
  TORCH_ARG(double, scale_max) = 1.0;
  /// The box's width / height: log-uniform in [ratio_min, ratio_max].
  TORCH_ARG(double, ratio_min) = 3.0 / 4.0;
  TORCH_ARG(double, ratio_max) = 4.0 / 3.0;

 public:
  RandomResizedCropOptions& scale(double lo, double hi) {
    scale_min_ = lo, scale_max_ = hi;
    return *this;
  }
  RandomResizedCropOptions& ratio(double lo, double hi) {
    ratio_min_ = lo, ratio_max_ = hi;
    return *this;
  }
  void check() const {
    TORCH_CHECK(scale_min_ > 0 && scale_min_ <= scale_max_ && scale_max_ <= 1, "RandomResizedCrop: scale must be 0 < ",
                "min <= max <= 1, got (", scale_min_, ", ", scale_max_, ")");
    TORCH_CHECK(ratio_min_ > 0 && ratio_min_ <= ratio_max_ && std::isfinite(ratio_max_),
                "RandomResizedCrop: ratio must be 0 < min <= max, got (", ratio_min_, ", ", ratio_max_, ")");
  }
};

/// torchvision's RandomResizedCrop.get_params on an image of height x width: up to 10 tries of an area share and a
/// log-uniform aspect ratio whose box (rounded to whole pixels) fits, placed uniformly; else the centre crop at
/// the ratio range's nearest end. Integer box edges, as torchvision's (top, left, h, w).
inline Box random_resized_crop(std::int64_t height, std::int64_t width, const RandomResizedCropOptions& o,
                               SplitMix& gen) {
  const double area = static_cast<double>(height * width);
  const double log_lo = std::log(o.ratio_min()), log_hi = std::log(o.ratio_max());
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * gen.uniform(o.scale_min(), o.scale_max());
    const double aspect = std::exp(gen.uniform(log_lo, log_hi));
    const auto w = static_cast<std::int64_t>(std::nearbyint(std::sqrt(target * aspect)));
    const auto h = static_cast<std::int64_t>(std::nearbyint(std::sqrt(target / aspect)));
    if (0 < w && w <= width && 0 < h && h <= height) {
      const auto top = gen.integer(0, height - h + 1), left = gen.integer(0, width - w + 1);
      return {static_cast<double>(left), static_cast<double>(top), static_cast<double>(left + w),
              static_cast<double>(top + h)};
    }
  }
  const double in_ratio = static_cast<double>(width) / static_cast<double>(height);
  std::int64_t w = width, h = height;
  if (in_ratio < o.ratio_min()) {
    h = static_cast<std::int64_t>(std::nearbyint(static_cast<double>(w) / o.ratio_min()));
  } else if (in_ratio > o.ratio_max()) {
    w = static_cast<std::int64_t>(std::nearbyint(static_cast<double>(h) * o.ratio_max()));
  }
  const auto top = (height - h) / 2, left = (width - w) / 2;
  return {static_cast<double>(left), static_cast<double>(top), static_cast<double>(left + w),
          static_cast<double>(top + h)};
}

/// torchvision's Resize(resize) + CenterCrop(crop) as one box of the source image: the shorter side resized to
/// `resize` (the longer to int(resize x long / short), as Resize does), then the centred crop x crop (its offsets
/// rounded as CenterCrop's). Resampling this box to crop x crop gives what resizing the whole image and cropping
/// gives. A crop larger than the resized image is an error naming both.
inline Box resize_center_crop(std::int64_t height, std::int64_t width, std::int64_t resize, std::int64_t crop) {
  TORCH_CHECK(height > 0 && width > 0 && resize > 0 && crop > 0, "resize_center_crop: sizes must be > 0, got ", height,
              "x", width, ", resize ", resize, ", crop ", crop);
  const bool tall = height > width;
  const auto short_side = tall ? width : height, long_side = tall ? height : width;
  const auto new_long = static_cast<std::int64_t>(static_cast<double>(resize) * long_side / short_side);
  const auto new_h = tall ? new_long : resize, new_w = tall ? resize : new_long;
  TORCH_CHECK(crop <= new_h && crop <= new_w, "resize_center_crop: a ", crop, "x", crop, " crop does not fit the ",
              new_h, "x", new_w, " resized image (shorter side ", resize, ")");
  const auto top = static_cast<std::int64_t>(std::nearbyint((new_h - crop) / 2.0));
  const auto left = static_cast<std::int64_t>(std::nearbyint((new_w - crop) / 2.0));
  const double sy = static_cast<double>(height) / static_cast<double>(new_h);
  const double sx = static_cast<double>(width) / static_cast<double>(new_w);
  return {left * sx, top * sy, (left + crop) * sx, (top + crop) * sy};
}

}  // namespace data
}  // namespace superconv
