#include <superconv/viz/ticks.hpp>

#include "support.hpp"

#include <cmath>
#include <iomanip>
#include <limits>
#include <utility>
#include <vector>

TEST_CASE("nice_ticks: bounded for ranges below the resolution of the doubles, none for non-finite bounds",
          "[viz][ticks]") {
  using superconv::viz::nice_ticks;
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

TEST_CASE("nice_ticks: ordinary ranges keep their 1-2-2.5-5 steps", "[viz][ticks]") {
  using superconv::viz::nice_ticks;
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

TEST_CASE("tick_label: short labels without trailing zeros", "[viz][ticks]") {
  using superconv::viz::tick_label;
  CHECK(tick_label(0.0) == "0");
  CHECK(tick_label(0.25) == "0.25");
  CHECK(tick_label(600) == "600");
}
