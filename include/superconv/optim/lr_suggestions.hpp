// SPDX-License-Identifier: MIT
// The rules that turn an LR range test's loss curve into one learning rate: steepest descent, fastai's valley, and
// the lowest loss divided by 10.
#pragma once

#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace superconv {
namespace optim {

/// Which rule turns a range-test curve into one LR.
enum class Suggestion {
  kSteepest,  ///< where the smoothed loss falls fastest (per log-LR step)
  kValley,    ///< fastai's "valley": inside the longest falling stretch, 1/2 of the way down it
  kMinLoss,   ///< the LR of the lowest smoothed loss, divided by 10
};

inline const char* to_string(Suggestion s) {
  switch (s) {
    case Suggestion::kSteepest:
      return "steepest";
    case Suggestion::kValley:
      return "valley";
    case Suggestion::kMinLoss:
      return "min_loss";
  }
  return "?";
}

/// Parses "steepest", "valley" or "min_loss" (also "min-loss").
inline Suggestion suggestion_from_string(const std::string& name) {
  if (name == "steepest") return Suggestion::kSteepest;
  if (name == "valley") return Suggestion::kValley;
  if (name == "min_loss" || name == "min-loss") return Suggestion::kMinLoss;
  TORCH_CHECK(false, "LRRangeTest: unknown suggestion '", name, "'; use steepest, valley or min_loss");
}

namespace detail {

/// The usable stretch [first, last) of a curve: finite points, less the skipped ends.
inline std::pair<std::size_t, std::size_t> usable_range(const std::vector<double>& y, std::int64_t skip_start,
                                                        std::int64_t skip_end) {
  std::size_t n = 0;
  while (n < y.size() && std::isfinite(y[n])) ++n;
  const auto s = static_cast<std::size_t>(std::max<std::int64_t>(skip_start, 0));
  const auto e = static_cast<std::size_t>(std::max<std::int64_t>(skip_end, 0));
  if (n < s + e + 3) return {0, 0};
  return {s, n - e};
}

/// The usable stretch up to and including its lowest loss: beyond the minimum the loss diverges, and a fall after
/// a spike there (the network recovering from a too-high LR) is no LR to train with. {0, 0} when under 2 points.
inline std::pair<std::size_t, std::size_t> descent_range(const std::vector<double>& y, std::int64_t skip_start,
                                                         std::int64_t skip_end) {
  const auto r = usable_range(y, skip_start, skip_end);
  if (r.second == 0) return r;
  const auto lowest = std::min_element(y.begin() + static_cast<std::ptrdiff_t>(r.first),
                                       y.begin() + static_cast<std::ptrdiff_t>(r.second));
  const auto last = static_cast<std::size_t>(lowest - y.begin()) + 1;
  if (last - r.first < 2) return {0, 0};
  return {r.first, last};
}

}  // namespace detail

/// LR where the curve falls fastest before its lowest loss: the most negative d(loss)/d(log lr) (central
/// differences, as numpy.gradient). NaN when the curve has no descent (it rises from the start).
inline double suggest_steepest(const std::vector<double>& lrs, const std::vector<double>& loss,
                               std::int64_t skip_start = 5, std::int64_t skip_end = 3) {
  const auto r = detail::descent_range(loss, skip_start, skip_end);
  if (r.second == 0) return std::numeric_limits<double>::quiet_NaN();
  std::size_t best = r.first;
  double best_g = std::numeric_limits<double>::infinity();
  for (std::size_t i = r.first; i < r.second; ++i) {
    const std::size_t a = i == r.first ? i : i - 1, b = i + 1 == r.second ? i : i + 1;
    const double g = (loss[b] - loss[a]) / (std::log(lrs[b]) - std::log(lrs[a]));
    if (g < best_g) {
      best_g = g;
      best = i;
    }
  }
  return lrs[best];
}

/// fastai's "valley": the longest strictly decreasing subsequence of the loss up to its lowest point; the LR 1/3 +
/// 1/6 of the way along. NaN when the curve has no descent.
inline double suggest_valley(const std::vector<double>& lrs, const std::vector<double>& loss,
                             std::int64_t skip_start = 5, std::int64_t skip_end = 3) {
  const auto r = detail::descent_range(loss, skip_start, skip_end);
  if (r.second == 0) return std::numeric_limits<double>::quiet_NaN();
  const std::size_t n = r.second - r.first;
  std::vector<std::size_t> lds(n, 1);
  std::size_t max_start = 0, max_end = 0;
  for (std::size_t i = 1; i < n; ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (loss[r.first + i] < loss[r.first + j] && lds[i] < lds[j] + 1) lds[i] = lds[j] + 1;
    }
    if (lds[max_end] < lds[i]) {
      max_end = i;
      max_start = max_end - lds[max_end];
    }
  }
  const double sections = static_cast<double>(max_end - max_start) / 3.0;
  const auto idx = max_start + static_cast<std::size_t>(sections) + static_cast<std::size_t>(sections / 2);
  return lrs[r.first + std::min(idx, n - 1)];
}

/// The LR of the lowest loss, divided by 10.
inline double suggest_min_loss(const std::vector<double>& lrs, const std::vector<double>& loss,
                               std::int64_t skip_start = 5, std::int64_t skip_end = 3) {
  const auto r = detail::usable_range(loss, skip_start, skip_end);
  if (r.second == 0) return std::numeric_limits<double>::quiet_NaN();
  const auto it = std::min_element(loss.begin() + static_cast<std::ptrdiff_t>(r.first),
                                   loss.begin() + static_cast<std::ptrdiff_t>(r.second));
  return lrs[static_cast<std::size_t>(it - loss.begin())] / 10.0;
}

}  // namespace optim
}  // namespace superconv
