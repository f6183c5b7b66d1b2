// SPDX-License-Identifier: MIT
// Progressive resizing, as FFCV's ImageNet ResNet configurations train: small training images in the first epochs,
// rising linearly to the full size, evaluation at the loader's own (larger) size throughout. StreamingLoader takes
// it as an option.
#pragma once

#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <torch/arg.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

namespace superconv {
namespace data {

/// Training images of `from` pixels up to epoch `start_epoch`, of `to` pixels from `end_epoch` on (epochs count from
/// 0), and in between the linear interpolation rounded to the nearest multiple of `step`, halves to even: FFCV's
/// `get_resolution` (its rn50 configurations: 160 -> 192 between epochs 65 and 76 of 88, step 32). A size rounded
/// outside [from, to] (when they are no multiples of `step`) is brought back into it. Default-constructed: off.
/// Example: `StreamingLoaderOptions(224).progressive(ProgressiveResize(160, 192, 65, 76))`.
struct ProgressiveResize {
  ProgressiveResize() = default;
  ProgressiveResize(std::int64_t from, std::int64_t to, std::int64_t start_epoch, std::int64_t end_epoch)
      : from_(from), to_(to), start_epoch_(start_epoch), end_epoch_(end_epoch) {}
  TORCH_ARG(std::int64_t, from) = 0;  ///< 0: off
  TORCH_ARG(std::int64_t, to) = 0;
  TORCH_ARG(std::int64_t, start_epoch) = 0;
  TORCH_ARG(std::int64_t, end_epoch) = 0;
  TORCH_ARG(std::int64_t, step) = 32;

 public:
  bool enabled() const { return from_ > 0; }

  /// The training image size of epoch `epoch`.
  std::int64_t size_at(std::int64_t epoch) const {
    if (epoch <= start_epoch_) return from_;
    if (epoch >= end_epoch_) return to_;
    const double t = static_cast<double>(epoch - start_epoch_) / static_cast<double>(end_epoch_ - start_epoch_);
    const double size = static_cast<double>(from_) + t * static_cast<double>(to_ - from_);
    const auto rounded = static_cast<std::int64_t>(std::nearbyint(size / static_cast<double>(step_))) * step_;
    return std::clamp(rounded, from_, to_);
  }

  /// Checks the settings; the error names the setting and the value.
  void check() const {
    if (!enabled()) return;
    TORCH_CHECK(from_ >= 1 && to_ <= 16384 && from_ <= to_, "ProgressiveResize: sizes must satisfy 1 <= from <= to ",
                "<= 16384, got from ", from_, ", to ", to_);
    TORCH_CHECK(start_epoch_ >= 0 && start_epoch_ <= end_epoch_,
                "ProgressiveResize: epochs must satisfy 0 <= ", "start_epoch <= end_epoch, got start_epoch ",
                start_epoch_, ", end_epoch ", end_epoch_);
    TORCH_CHECK(step_ >= 1, "ProgressiveResize: step must be >= 1, got ", step_);
  }

  /// E.g. "160 px to epoch 65, then rising to 192 px at epoch 76 (multiples of 32)"; "off".
  std::string describe() const {
    if (!enabled()) return "off";
    return fmt::format("{} px to epoch {}, then rising to {} px at epoch {} (multiples of {})", from_, start_epoch_,
                       to_, end_epoch_, step_);
  }
};

}  // namespace data
}  // namespace superconv
