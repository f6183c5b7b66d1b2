// SPDX-License-Identifier: MIT
// Moving images within their frame: padding (reflected or zero), a crop at each sample's own offset, and one shift
// of a whole batch - what RandomCrop, RandomTranslate and the test-time views share.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace superconv {
namespace transforms {

/// How the pixels that move in are filled.
enum class Padding { kReflect, kZero };

/// `x` [B, C, H, W] padded by `p` pixels on each side: reflected (which needs p < H and p < W) or with 0 (in the
/// input's units: the mean after normalisation). `who` names the caller in the error.
inline at::Tensor pad_images(const at::Tensor& x, std::int64_t p, Padding mode, const char* who) {
  TORCH_CHECK(x.dim() == 4, who, ": expected a batch [B, C, H, W], got ", x.sizes());
  TORCH_CHECK(mode == Padding::kReflect || mode == Padding::kZero, who,
              ": padding_mode must be Padding::kReflect or Padding::kZero, got ", static_cast<int>(mode));
  if (p == 0) return x;
  TORCH_CHECK(mode != Padding::kReflect || (p < x.size(2) && p < x.size(3)), who, ": reflected padding of ", p,
              " pixels needs images larger than ", p, ", got ", x.size(2), "x", x.size(3));
  return mode == Padding::kReflect ? at::reflection_pad2d(x, {p, p, p, p}) : at::constant_pad_nd(x, {p, p, p, p}, 0);
}

/// Each sample b of `padded` [B, C, Hp, Wp] cropped to h x w at its own offset (oy[b], ox[b]) (int64 [B] on the
/// batch's device): two gathers, no host read.
inline at::Tensor crop_each(const at::Tensor& padded, const at::Tensor& oy, const at::Tensor& ox, std::int64_t h,
                            std::int64_t w) {
  const auto b = padded.size(0), c = padded.size(1), wp = padded.size(3);
  const auto lopt = at::TensorOptions().dtype(at::kLong).device(padded.device());
  const auto rows = (oy.unsqueeze(1) + at::arange(h, lopt)).view({b, 1, h, 1}).expand({b, c, h, wp});
  const auto cols = (ox.unsqueeze(1) + at::arange(w, lopt)).view({b, 1, 1, w}).expand({b, c, h, w});
  return padded.gather(2, rows).gather(3, cols);
}

/// Every sample of `x` [B, C, H, W] moved by (dy, dx) pixels (positive: down, right), the border filled as `mode`
/// says, the size kept: `shift(x, -1, -1)` is the crop [0, H) x [0, W) of the image padded by one pixel, the
/// content moved up-left.
inline at::Tensor shift(const at::Tensor& x, std::int64_t dy, std::int64_t dx, Padding mode = Padding::kReflect) {
  const auto p = std::max(std::abs(dy), std::abs(dx));
  const auto padded = pad_images(x, p, mode, "shift");
  if (p == 0) return x;
  return padded.narrow(2, p - dy, x.size(2)).narrow(3, p - dx, x.size(3));
}

}  // namespace transforms
}  // namespace superconv
