// SPDX-License-Identifier: MIT
// Axis ticks: "nice" linear tick positions (1, 2, 2.5, 5 x 10^k) for a range, a log axis's decades, and short tick
// labels.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace superconv {
namespace viz {

/// "Nice" linear ticks (1, 2, 2.5, 5 x 10^k) covering [lo, hi], about `target` of them (at most 2 * target + 2).
/// Non-finite bounds give no ticks, an empty range {lo}, and a range whose nice step the doubles cannot resolve
/// next to lo and hi (hi - lo a few ulps of them, or overflowing) just {lo, hi}.
inline std::vector<double> nice_ticks(double lo, double hi, int target = 6) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {};
  if (!(hi > lo)) return {lo};
  target = std::max(target, 1);
  const double raw = (hi - lo) / target;
  double step = raw;
  if (std::isfinite(raw) && raw > 0) {
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
      step = m * mag;
      if (raw <= step) break;
    }
  }
  // Ticks are (k0 + i) * step. With step >= 16 ulps of the larger bound, |k| < 2^49 is exact and the products are
  // distinct and increasing; below that (or when the step overflows or underflows) there are no nice ticks to give.
  const double scale = std::max(std::abs(lo), std::abs(hi));
  if (!std::isfinite(step) || !(step > 0) || step < scale * std::numeric_limits<double>::epsilon() * 16) {
    return {lo, hi};
  }
  const double k0 = std::ceil(lo / step - 1e-9), k1 = std::floor(hi / step + 1e-9);
  const double n = k1 - k0 + 1;  // at most about target + 1, since step >= (hi - lo) / target
  if (!(n >= 1)) return {};      // no multiple of the step inside (a narrow range and target 1)
  if (!(n <= 2.0 * target + 2)) return {lo, hi};
  std::vector<double> t;
  const auto count = static_cast<std::size_t>(n);
  t.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const double v = (k0 + static_cast<double>(i)) * step;
    t.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  }
  return t;
}

inline std::string tick_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  std::string s = buf;
  return s;
}

/// Ticks at the powers of ten within [lo, hi] (0 < lo < hi, finite), labelled "1e<k>": a log axis's decades.
inline std::pair<std::vector<double>, std::vector<std::string>> decade_ticks(double lo, double hi) {
  std::pair<std::vector<double>, std::vector<std::string>> out;
  if (!(lo > 0) || !(hi >= lo) || !std::isfinite(hi)) return out;
  const int e0 = static_cast<int>(std::ceil(std::log10(lo) - 1e-9));
  const int e1 = static_cast<int>(std::floor(std::log10(hi) + 1e-9));
  for (int e = e0; e <= e1; ++e) {
    out.first.push_back(std::pow(10.0, e));
    out.second.push_back("1e" + tick_label(e));
  }
  return out;
}

}  // namespace viz
}  // namespace superconv
