#include <superconv/viz/line_chart.hpp>

#include "support.hpp"

#include <superconv/optim/cyclic_lr.hpp>

#include <cmath>
#include <iomanip>
#include <limits>
#include <utility>
#include <vector>

using namespace superconv::viz;

namespace {
bool is(const Color& p, const Color& c, int tol = 40) {
  return std::abs(p.r - c.r) <= tol && std::abs(p.g - c.g) <= tol && std::abs(p.b - c.b) <= tol;
}
/// Top-most row in column x with the colour c, or -1.
int top_of(const Canvas& canvas, int x, const Color& c, int y0, int y1) {
  for (int y = y0; y <= y1; ++y)
    if (is(canvas.at(x, y), c)) return y;
  return -1;
}
/// Bottom-most row in column x with the colour c, or -1.
int bottom_of(const Canvas& canvas, int x, const Color& c, int y0, int y1) {
  for (int y = y1; y >= y0; --y)
    if (is(canvas.at(x, y), c)) return y;
  return -1;
}
}  // namespace

TEST_CASE("The zigzag: CyclicLR drawn as a chart peaks at odd step-size multiples", "[viz][line_chart]") {
  superconv::optim::CyclicLR clr(superconv::optim::CyclicLROptions(0.001, 0.006).step_size_up(100));
  std::vector<double> x, y;
  for (int i = 0; i <= 600; ++i) x.push_back(i), y.push_back(clr.lr_at(i));
  LineChart chart(LineChartOptions().title("zigzag").x_label("iterations").y_label("learning rate").legend(false));
  chart.add({"lr", x, y, colors::kBlue, 3.0});
  auto c = chart.render();
  const auto a = chart.area();
  const int peak_y = static_cast<int>(chart.py(0.006)), trough_y = static_cast<int>(chart.py(0.001));
  for (int k = 1; k <= 5; ++k) {                           // interior step-size multiples (the ends sit on the frame)
    const int px = static_cast<int>(chart.px(k * 100.0));  // the pixel column holding the vertex
    // A peak is the highest ink of its column, a trough the lowest (the V's arms fill the column above it).
    const int edge =
        k % 2 ? top_of(c, px, colors::kBlue, a.top, a.bottom) : bottom_of(c, px, colors::kBlue, a.top, a.bottom);
    INFO("k = " << k << ", x = " << px << ", edge = " << edge);
    CHECK(std::abs(edge - (k % 2 ? peak_y : trough_y)) <= 3);
  }
  // Half-way up the first rise the stroke is centred half-way between.
  const int x50 = static_cast<int>(chart.px(50));
  const int centre =
      (top_of(c, x50, colors::kBlue, a.top, a.bottom) + bottom_of(c, x50, colors::kBlue, a.top, a.bottom)) / 2;
  CHECK(std::abs(centre - static_cast<int>(chart.py(0.0035))) <= 2);
}

TEST_CASE("LineChart: log x, second axis, legend, markers, labels", "[viz][line_chart]") {
  LineChart chart(LineChartOptions().title("t").x_label("lr").y_label("loss").y2_label("m").log_x(true));
  chart.add({"loss", {1e-4, 1e-2, 1}, {2, 1, 3}, colors::kBlue});
  chart.add({"m", {1e-4, 1}, {0.85, 0.95}, colors::kOrange, 2.0, true});
  chart.add_vline({1e-2, "valley", colors::kRed});
  auto c = chart.render();
  // Log axis: 1e-2 sits half-way between 1e-4 and 1.
  CHECK(chart.px(1e-2) == Approx((chart.px(1e-4) + chart.px(1)) / 2));
  const double x35 = std::pow(10.0, -3.5);  // loss 1.75 there; the orange line is far away
  CHECK(is(c.at(static_cast<int>(chart.px(x35)), static_cast<int>(chart.py(1.75))), colors::kBlue, 60));
  CHECK(is(c.at(static_cast<int>(chart.px(1e-2)), static_cast<int>(chart.py(2.5))), colors::kRed, 60));  // marker
  CHECK(is(c.at(static_cast<int>(chart.px(1e-2)) + 1, static_cast<int>(chart.py(0.9, true))), colors::kOrange, 60));
  CHECK_THROWS_WITH(LineChart().add({"bad", {1, 2}, {1}}), SC_CONTAINS("'bad' has 2 x values and 1 y values"));
  CHECK_THROWS_WITH(LineChart().render(), SC_CONTAINS("no finite points"));
}

TEST_CASE("LineChart: on a log x axis, points at x <= 0 are skipped and break the line", "[viz][line_chart]") {
  LineChart chart(LineChartOptions().log_x(true));
  chart.add({"loss", {0, -1, 1e-3, 1e-2, 1e-1}, {5, 5, 1, 2, 3}, colors::kBlue, 3.0});
  chart.x_ticks({0, -1, 1e-3, 1e-2}, {"0", "-1", "1e-3", "1e-2"});  // custom ticks at x <= 0 are left out too
  Canvas c(1, 1);
  REQUIRE_NOTHROW(c = chart.render());
  CHECK(c.width() == 960);
  const auto a = chart.area();
  // The x range comes from the positive points only, the y range from the drawn points only.
  CHECK(chart.px(1e-3) == Approx(a.left));
  CHECK(chart.px(1e-1) == Approx(a.right));
  CHECK(std::isnan(chart.px(0)));
  CHECK(std::isnan(chart.px(-1)));
  CHECK(chart.py(5) < a.top);
  // Ink half-way along both segments between positive points.
  CHECK(is(c.at(static_cast<int>(chart.px(std::pow(10.0, -2.5))), static_cast<int>(chart.py(1.5))), colors::kBlue));
  CHECK(is(c.at(static_cast<int>(chart.px(std::pow(10.0, -1.5))), static_cast<int>(chart.py(2.5))), colors::kBlue));
}

TEST_CASE("LineChart: a log x chart with no point at x > 0 renders an empty decade", "[viz][line_chart]") {
  LineChart chart(LineChartOptions().log_x(true).legend(false));
  chart.add({"a", {0, -1, -2}, {1, 2, 3}, colors::kBlue});
  chart.add({"b", {-5, 0}, {0.5, 0.7}, colors::kOrange, 2.0, true});
  chart.add_vline({0, "at zero", colors::kRed});
  Canvas c(1, 1);
  REQUIRE_NOTHROW(c = chart.render());
  const auto a = chart.area();
  CHECK(chart.px(1) == Approx(a.left));
  CHECK(chart.px(10) == Approx(a.right));
  int ink = 0;  // nothing of the series or the marker inside the plot area
  for (int y = a.top + 1; y < a.bottom; ++y) {
    for (int x = a.left + 1; x < a.right; ++x) {
      const auto p = c.at(x, y);
      ink += is(p, colors::kBlue) || is(p, colors::kOrange) || is(p, colors::kRed);
    }
  }
  CHECK(ink == 0);
  // Still an error when nothing at all is finite.
  LineChart none(LineChartOptions().log_x(true));
  none.add({"nan", {NAN, 1}, {1, NAN}});
  CHECK_THROWS_WITH(none.render(), SC_CONTAINS("no finite points"));
}
