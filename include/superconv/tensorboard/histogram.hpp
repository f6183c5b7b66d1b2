// SPDX-License-Identifier: MIT
// A histogram of a tensor's values in TensorBoard's shape (min, max, count, sum, sum of squares, bucket right edges
// and counts), computed on the tensor's device with one host read.
#pragma once

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace superconv {
namespace tensorboard {

/// TensorBoard's HistogramProto: `bucket_limit[i]` is bucket i's right edge (its left edge is the previous limit,
/// or `min` for the first); the last limit is `max`.
struct Histogram {
  double min = 0, max = 0, num = 0, sum = 0, sum_squares = 0;
  std::vector<double> bucket_limit, bucket;
};

/// `bins` equal-width buckets from the smallest to the largest of `values` (any shape, dtype and device; one
/// bucket when all values are equal). Errors name `what` when `values` is empty or holds NaN or infinity.
inline Histogram histogram(const at::Tensor& values, std::int64_t bins = 30, const std::string& what = "histogram") {
  TORCH_CHECK(bins >= 1, what, ": bins must be >= 1, got ", bins);
  TORCH_CHECK(values.defined() && values.numel() > 0, what, ": no values");
  at::NoGradGuard no_grad;
  const auto v = values.detach().reshape({-1}).to(at::kDouble);
  auto stats = at::stack({v.min(), v.max(), v.sum(), (v * v).sum()});
  // The bucket counts use the device's min and max; one copy brings everything to the host.
  const auto lo = stats[0], hi = stats[1];
  const auto width = (hi - lo).clamp_min(1e-300) / static_cast<double>(bins);
  // NaN or infinity (refused below, after the one read) must not index out of range on the device.
  auto index = ((v - lo) / width).floor().nan_to_num(0, 0, 0).clamp(0, static_cast<double>(bins - 1)).to(at::kLong);
  auto counts = at::zeros({bins}, v.options()).index_add_(0, index, at::ones_like(v));
  const auto host = at::cat({stats, counts}).cpu();
  const double* h = host.data_ptr<double>();
  Histogram out;
  out.min = h[0], out.max = h[1], out.sum = h[2], out.sum_squares = h[3];
  out.num = static_cast<double>(v.numel());
  TORCH_CHECK(std::isfinite(out.min) && std::isfinite(out.max) && std::isfinite(out.sum), what,
              ": the values must be finite, got min ", out.min, ", max ", out.max, ", sum ", out.sum);
  if (out.min == out.max) {
    out.bucket_limit = {out.max};
    out.bucket = {out.num};
    return out;
  }
  for (std::int64_t i = 0; i < bins; ++i) {
    out.bucket_limit.push_back(i + 1 == bins ? out.max
                                             : out.min + (out.max - out.min) * static_cast<double>(i + 1) /
                                                             static_cast<double>(bins));
    out.bucket.push_back(h[4 + i]);
  }
  return out;
}

}  // namespace tensorboard
}  // namespace superconv
