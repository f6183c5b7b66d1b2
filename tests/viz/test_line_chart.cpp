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

TEST_CASE("nice_ticks: bounded for ranges below the resolution of the doubles, none for non-finite bounds",
          "[viz][line_chart]") {
  using superconv::viz::detail::nice_ticks;
  const double inf = std::numeric_limits<double>::infinity();
  const std::pair<double, double> ranges[] = {
      {1e16, 1e16 + 2},   {1e16, 1e16 + 64},   {-1e16 - 2, -1e16},     {1.0, std::nextafter(1.0, 2.0)},
      {1e16, 1e16 + 1e3}, {-1.7e308, 1.7e308}, {0, 4.9e-324},          {1e300, 1.5e300},
      {0, 1e-310},        {-1e-3, 1e-3},       {123456789, 123456790}, {1e-300, 2e-300}};
  for (const auto& [lo, hi] : ranges) {
    for (int target : {-1, 0, 1, 6, 8}) {
      INFO(std::setprecision(17) << "lo = " << lo << ", hi = " << hi << ", target = " << target);
      const auto t = nice_ticks(lo, hi, target);
      CHECK(t.size() <= 50);
      const double eps = (hi - lo) * 1e-6;
      for (std::size_t i = 0; i < t.size(); ++i) {
        CHECK(t[i] >= lo - eps);
        CHECK(t[i] <= hi + eps);
        if (i > 0) CHECK(t[i] > t[i - 1]);
      }
    }
  }
  CHECK(nice_ticks(1e16, 1e16 + 2) == std::vector<double>{1e16, 1e16 + 2});  // the step 0.5 is below the ulp 2
  CHECK(nice_ticks(1.0, std::nextafter(1.0, 2.0)).size() == 2);
  CHECK(nice_ticks(-1.7e308, 1.7e308).size() == 2);  // hi - lo overflows
  CHECK(nice_ticks(NAN, 1).empty());
  CHECK(nice_ticks(0, NAN).empty());
  CHECK(nice_ticks(-inf, 0).empty());
  CHECK(nice_ticks(0, inf).empty());
  CHECK(nice_ticks(2, 2) == std::vector<double>{2});
  CHECK(nice_ticks(3, 2) == std::vector<double>{3});
}

TEST_CASE("nice_ticks: ordinary ranges keep their 1-2-2.5-5 steps", "[viz][line_chart]") {
  using superconv::viz::detail::nice_ticks;
  auto approx = [](std::vector<double> got, std::vector<double> want) {
    INFO("got " << got.size() << " ticks, want " << want.size());
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).margin(1e-12));
  };
  approx(nice_ticks(0, 1), {0, 0.2, 0.4, 0.6, 0.8, 1});
  approx(nice_ticks(-0.3, 0.3), {-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3});
  approx(nice_ticks(0.001, 0.006, 8), {0.001, 0.002, 0.003, 0.004, 0.005, 0.006});
  approx(nice_ticks(0.0013, 0.0061), {0.002, 0.003, 0.004, 0.005, 0.006});
  CHECK(nice_ticks(7, 2109, 1).empty());  // no multiple of the step 2500 inside
  approx(nice_ticks(0, 600, 8), {0, 100, 200, 300, 400, 500, 600});
  approx(nice_ticks(1e16, 1.25e16), {1e16, 1.05e16, 1.1e16, 1.15e16, 1.2e16, 1.25e16});
  CHECK(nice_ticks(-0.3, 0.3)[3] == 0.0);  // exactly zero, not 5.5e-17
}
