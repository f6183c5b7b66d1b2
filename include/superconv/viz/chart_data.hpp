// SPDX-License-Identifier: MIT
// What a line chart draws - its series and vertical markers - and the ranges of its axes computed from them
// (padded, an empty or one-point range widened, a log x axis kept above 0).
#pragma once

#include <superconv/viz/canvas.hpp>

#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace superconv {
namespace viz {

/// One line. Points with a non-finite coordinate break the line, and so do points at x <= 0 on a log x axis.
struct Series {
  std::string name;
  std::vector<double> x, y;
  Color color = colors::kBlue;
  double thickness = 2.0;
  bool right_axis = false;  ///< plot against the second y axis
  bool dashed = false;
};

/// A vertical marker line with a label at its top.
struct VLine {
  double x = 0;
  std::string label;
  Color color = colors::kRed;
};

/// Finite, and at x > 0 on a log axis: the points of `s` that are drawn and set the ranges.
inline bool drawable(const Series& s, std::size_t i, bool log_x) {
  return std::isfinite(s.x[i]) && std::isfinite(s.y[i]) && (!log_x || s.x[i] > 0);
}

/// The data ranges of a chart: x, the left y axis and the right one.
struct DataRanges {
  double xlo = 0, xhi = 1, ylo = 0, yhi = 1, y2lo = 0, y2hi = 1;
};

namespace detail {
/// [lo, hi] with 5 % of its width added on each side; an empty range first widened by 10 % of |lo| (or 1 at 0).
inline void pad(double& lo, double& hi) {
  if (!(hi > lo)) {
    const double d = lo == 0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= d, hi += d;
  }
  const double m = (hi - lo) * 0.05;
  lo -= m, hi += m;
}
}  // namespace detail

/// The ranges that show every drawable point of `series` (the y ranges padded, x as the data span it). An error when
/// no point is finite at all.
inline DataRanges data_ranges(const std::vector<Series>& series, bool log_x, bool y_from_zero, bool right_axis) {
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo;
  double ylo = xlo, yhi = -xlo, y2lo = xlo, y2hi = -xlo;
  bool any_finite = false;
  for (const auto& s : series) {
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      any_finite = any_finite || (std::isfinite(s.x[i]) && std::isfinite(s.y[i]));
      if (!drawable(s, i, log_x)) continue;
      xlo = std::min(xlo, s.x[i]), xhi = std::max(xhi, s.x[i]);
      auto& lo = s.right_axis ? y2lo : ylo;
      auto& hi = s.right_axis ? y2hi : yhi;
      lo = std::min(lo, s.y[i]), hi = std::max(hi, s.y[i]);
    }
  }
  TORCH_CHECK(any_finite, "LineChart: no finite points to draw");
  if (!std::isfinite(xlo)) {
    xlo = 1, xhi = 10;        // log axis, no point at x > 0: an empty plot over one decade
  } else if (!(xhi > xlo)) {  // one x: a decade (log) or a unit from there, or up to there near the limits
    if (log_x) {
      if (xlo <= std::numeric_limits<double>::max() / 10) {
        xhi = xlo * 10;
      } else {
        xlo = xhi / 10;
      }
    } else {
      xhi = xlo + 1;
      if (!(xhi > xlo)) {  // |x| >= 2^53, where x + 1 == x: a tenth of |x| instead
        if (xlo > 0) {
          xlo = xhi * 0.9;
        } else {
          xhi = xlo * 0.9;
        }
      }
    }
  }
  if (!std::isfinite(ylo)) ylo = 0, yhi = 1;
  if (y_from_zero) ylo = std::min(ylo, 0.0);
  detail::pad(ylo, yhi);
  if (right_axis) {
    if (!std::isfinite(y2lo)) y2lo = 0, y2hi = 1;
    detail::pad(y2lo, y2hi);
  }
  return {xlo, xhi, ylo, yhi, y2lo, y2hi};
}

}  // namespace viz
}  // namespace superconv
