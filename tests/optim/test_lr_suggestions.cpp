#include <superconv/optim/lr_suggestions.hpp>

#include "support.hpp"

#include <cmath>

using namespace superconv::optim;

namespace {
std::vector<double> geom(double a, double b, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(a * std::pow(b / a, i / double(n - 1)));
  return v;
}
}  // namespace

TEST_CASE("Suggestions on crafted curves", "[optim][lr_range_test]") {
  const auto lrs = geom(1e-4, 10, 101);
  std::vector<double> loss;
  for (int i = 0; i <= 100; ++i) loss.push_back(2.0 - std::tanh((i - 50) / 8.0) + (i > 80 ? (i - 80) * 0.3 : 0.0));
  // Steepest descent of 2 - tanh((i - 50) / 8) is at i = 50.
  CHECK(suggest_steepest(lrs, loss) == Approx(lrs[50]));
  // Lowest loss at i = 80 (then rises): min_loss = lr / 10.
  CHECK(suggest_min_loss(lrs, loss) == Approx(lrs[80] / 10));
  const double v = suggest_valley(lrs, loss);
  CHECK(v > lrs[5]);
  CHECK(v < lrs[80]);
  // NaN cuts the curve (then skip_end = 3 more points); an early spike (skipped points) does not count.
  auto spiked = loss;
  spiked[1] = 100, spiked[2] = -100, spiked[60] = NAN;
  CHECK(suggest_min_loss(lrs, spiked) == Approx(lrs[56] / 10));
  CHECK(std::isnan(suggest_steepest(lrs, std::vector<double>(5, 1.0))));
  // A spike after the lowest loss and a steep fall back from it (seen at width 64: the loss jumped at LR ~1.5 and
  // fell again, and steepest picked 3.13): neither rule may look past the minimum.
  auto recovering = loss;
  for (int i = 84; i <= 88; ++i) recovering[i] += 3.0;
  CHECK(suggest_steepest(lrs, recovering) == Approx(lrs[50]));
  CHECK(suggest_valley(lrs, recovering) == Approx(v));
  CHECK(suggest_min_loss(lrs, recovering) == Approx(lrs[80] / 10));
  // A curve that only rises has no descent to suggest from.
  std::vector<double> rising;
  for (int i = 0; i <= 100; ++i) rising.push_back(1.0 + 0.01 * i);
  CHECK(std::isnan(suggest_steepest(lrs, rising)));
  CHECK(std::isnan(suggest_valley(lrs, rising)));
}
