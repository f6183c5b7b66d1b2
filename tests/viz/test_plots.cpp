#include <superconv/viz/plots.hpp>

#include "support.hpp"

using namespace superconv::viz;

TEST_CASE("Ready-made charts render with their series and markers", "[viz][plots]") {
  std::vector<double> lrs, loss;
  for (int i = 0; i < 50; ++i)
    lrs.push_back(1e-4 * std::pow(1e5, i / 49.0)), loss.push_back(2.3 - 0.02 * i + (i > 40 ? 0.5 * (i - 40) : 0));
  auto c = plot_lr_finder(lrs, loss, loss, {{"valley", lrs[20]}, {"bad", NAN}});
  CHECK(c.width() == 960);
  // The valley marker is red and dashed at its x.
  LineChart probe(LineChartOptions().log_x(true));
  int red = 0;
  for (int y = 0; y < c.height(); ++y)
    for (int x = 0; x < c.width(); ++x) red += c.at(x, y) == colors::kRed;
  CHECK(red > 50);
  auto s = plot_schedule({0, 1, 2}, {0.1, 0.2, 0.1}, {0.95, 0.85, 0.95});
  auto t = plot_training_curves({1, 2}, {2, 1}, {2.1, 1.2}, {0.3, 0.6}, {0.35, 0.55});
  CHECK(s.height() == 600);
  CHECK(t.height() == 600);
}
