// SPDX-License-Identifier: MIT
// Antialiased bilinear resampling of a box of an 8-bit image, as Pillow's Image.resize(size, BILINEAR, box) computes
// it (the filter widened by the scale when shrinking, fixed-point coefficients, horizontal then vertical pass):
// what torchvision's Resize, CenterCrop and RandomResizedCrop give on PIL images.
#pragma once

#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace superconv {
namespace data {

/// A box in an image's pixel coordinates: [x0, x1) x [y0, y1), fractional edges allowed (Pillow's `box`).
struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  double width() const { return x1 - x0; }
  double height() const { return y1 - y0; }
};

namespace detail {

/// One output position's taps: the first input index and the fixed-point weights (Pillow's precompute_coeffs).
struct ResampleTaps {
  std::vector<int> first, count;
  std::vector<std::int32_t> weights;  ///< `max_taps` a position
  int max_taps = 0;
};

constexpr int kResamplePrecision = 32 - 8 - 2;  // Pillow's PRECISION_BITS

inline double triangle(double x) {
  x = std::abs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

inline ResampleTaps resample_taps(int in_size, double in0, double in1, int out_size) {
  const double scale = (in1 - in0) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = 1.0 * filterscale;  // bilinear: support 1, widened when shrinking (antialias)
  ResampleTaps t;
  t.max_taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  t.first.resize(static_cast<std::size_t>(out_size));
  t.count.resize(static_cast<std::size_t>(out_size));
  t.weights.assign(static_cast<std::size_t>(out_size) * static_cast<std::size_t>(t.max_taps), 0);
  std::vector<double> k(static_cast<std::size_t>(t.max_taps));
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0;
    for (int x = 0; x < xmax; ++x) {
      const double w = triangle((x + xmin - center + 0.5) / filterscale);
      k[static_cast<std::size_t>(x)] = w;
      ww += w;
    }
    t.first[static_cast<std::size_t>(xx)] = xmin;
    t.count[static_cast<std::size_t>(xx)] = xmax;
    for (int x = 0; x < xmax; ++x) {
      const double w = ww != 0 ? k[static_cast<std::size_t>(x)] / ww : 0.0;
      // Pillow rounds half away from zero when it turns the weights to fixed point.
      const double f = w * (1 << kResamplePrecision);
      t.weights[static_cast<std::size_t>(xx) * static_cast<std::size_t>(t.max_taps) + static_cast<std::size_t>(x)] =
          static_cast<std::int32_t>(f < 0 ? f - 0.5 : f + 0.5);
    }
  }
  return t;
}

inline std::uint8_t clip8(std::int32_t v) {
  v >>= kResamplePrecision;
  return static_cast<std::uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

}  // namespace detail

/// The box `box` of the interleaved 8-bit image `src` (h x w x c, row-major) resampled to out_h x out_w into `dst`
/// (out_h x out_w x c), antialiased bilinear as Pillow: bit for bit what `Image.resize((out_w, out_h),
/// Image.BILINEAR, box)` gives for the same pixels. Runs on any thread (no ATen); its buffers are the thread's own and
/// kept for its next image (no allocation per image once they have grown).
inline void resample(const std::uint8_t* src, int h, int w, int c, const Box& box, int out_h, int out_w,
                     std::uint8_t* dst) {
  TORCH_CHECK(h > 0 && w > 0 && c > 0 && out_h > 0 && out_w > 0, "resample: sizes must be > 0, got ", h, "x", w, "x", c,
              " to ", out_h, "x", out_w);
  TORCH_CHECK(box.x0 >= 0 && box.y0 >= 0 && box.x1 <= w && box.y1 <= h && box.width() > 0 && box.height() > 0,
              "resample: the box [", box.x0, ", ", box.x1, ") x [", box.y0, ", ", box.y1, ") is not inside the image ",
              w, "x", h);
  const auto horizontal = detail::resample_taps(w, box.x0, box.x1, out_w);
  const auto vertical = detail::resample_taps(h, box.y0, box.y1, out_h);
  // The rows the vertical pass reads, resampled horizontally first (Pillow's order and 8-bit intermediate). Sums
  // are 32-bit as Pillow's: the weights are at most 2^22 in all, so 255 of them and the rounding half fit.
  const int ybegin = vertical.first.front();
  const int yend = vertical.first.back() + vertical.count.back();
  const int rows = yend - ybegin;
  const std::size_t line = static_cast<std::size_t>(out_w) * static_cast<std::size_t>(c);
  thread_local std::vector<std::uint8_t> tmp;
  thread_local std::vector<std::int32_t> acc;
  tmp.resize(static_cast<std::size_t>(rows) * line);
  acc.resize(line);
  const std::int32_t half = std::int32_t{1} << (detail::kResamplePrecision - 1);
  for (int y = 0; y < rows; ++y) {
    const auto* in = src + static_cast<std::size_t>(y + ybegin) * static_cast<std::size_t>(w) * c;
    auto* out = tmp.data() + static_cast<std::size_t>(y) * line;
    for (int xx = 0; xx < out_w; ++xx) {
      const auto* k = horizontal.weights.data() + static_cast<std::size_t>(xx) * horizontal.max_taps;
      const int n = horizontal.count[static_cast<std::size_t>(xx)];
      const auto* p = in + static_cast<std::size_t>(horizontal.first[static_cast<std::size_t>(xx)]) * c;
      if (c == 3) {  // the three channels of a tap together, as Pillow's 8-bit RGB loop
        std::int32_t s0 = half, s1 = half, s2 = half;
        for (int x = 0; x < n; ++x, p += 3) {
          s0 += p[0] * k[x];
          s1 += p[1] * k[x];
          s2 += p[2] * k[x];
        }
        out[xx * 3] = detail::clip8(s0);
        out[xx * 3 + 1] = detail::clip8(s1);
        out[xx * 3 + 2] = detail::clip8(s2);
      } else {
        for (int ch = 0; ch < c; ++ch) {
          std::int32_t ss = half;
          for (int x = 0; x < n; ++x) ss += p[x * c + ch] * k[x];
          out[xx * c + ch] = detail::clip8(ss);
        }
      }
    }
  }
  // Vertically, a whole output row at a time: each tap adds its weighted input row to the row's sums (a loop the
  // compiler vectorises).
  for (int yy = 0; yy < out_h; ++yy) {
    const auto* k = vertical.weights.data() + static_cast<std::size_t>(yy) * vertical.max_taps;
    const int y0 = vertical.first[static_cast<std::size_t>(yy)] - ybegin,
              n = vertical.count[static_cast<std::size_t>(yy)];
    std::int32_t* sums = acc.data();
    std::fill(acc.begin(), acc.end(), half);
    for (int y = 0; y < n; ++y) {
      const std::uint8_t* row = tmp.data() + static_cast<std::size_t>(y0 + y) * line;
      const std::int32_t ky = k[y];
      for (std::size_t i = 0; i < line; ++i) sums[i] += row[i] * ky;
    }
    auto* out = dst + static_cast<std::size_t>(yy) * line;
    for (std::size_t i = 0; i < line; ++i) out[i] = detail::clip8(sums[i]);
  }
}

}  // namespace data
}  // namespace superconv
