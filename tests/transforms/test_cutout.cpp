#include <superconv/transforms/cutout.hpp>

#include "support.hpp"
#include "devices.hpp"

using namespace superconv::transforms;

TEST_CASE("Cutout: one clipped 8x8 square per sample, same in every channel, mean area as predicted",
          "[transforms][cutout]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto gen = superconv::make_generator(dev, 5);
      const std::int64_t b = 20000;
      auto x = at::ones({b, 3, 32, 32}, at::TensorOptions().device(dev));
      auto y = Cutout()(x, gen);
      CHECK(y.device() == dev);
      const auto hole = y.eq(0);
      CHECK(at::equal(hole.select(1, 0), hole.select(1, 1)));
      CHECK(at::equal(hole.select(1, 0), hole.select(1, 2)));
      const auto h = hole.select(1, 0);
      const auto rows = h.any(2).sum(1), cols = h.any(1).sum(1), area = h.sum({1, 2});
      CHECK(at::equal(area, rows * cols));  // a rectangle
      CHECK(rows.max().item<std::int64_t>() == 8);
      CHECK(rows.min().item<std::int64_t>() >= 4);  // centre on the border: half the square is clipped
      // The centre is uniform over 0..31: the mean covered rows are 240/32 = 7.5, the mean area 7.5^2 = 56.25.
      const double mean_area = area.to(at::kDouble).mean().item<double>();
      CHECK(mean_area == Approx(56.25).margin(0.4));
      // Whole 8x8 holes need the centre in 4..28 on both axes: (25/32)^2.
      CHECK(area.eq(64).to(at::kDouble).mean().item<double>() == Approx(25.0 * 25.0 / 1024.0).margin(0.02));
      CHECK(at::equal(y.masked_select(hole.logical_not()), x.masked_select(hole.logical_not())));
    }
  }
}

TEST_CASE("Cutout: fill, probability, same seed, errors", "[transforms][cutout]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto x = at::zeros({500, 3, 32, 32}, at::TensorOptions().device(dev));
      auto g1 = superconv::make_generator(dev, 1), g2 = superconv::make_generator(dev, 1);
      auto a = Cutout(CutoutOptions(8).fill(-2.5))(x, g1);
      CHECK(at::equal(a, Cutout(CutoutOptions(8).fill(-2.5))(x, g2)));
      CHECK(a.eq(-2.5).any(3).any(2).any(1).all().item<bool>());
      auto none = Cutout(CutoutOptions(8).fill(1).p(0.0))(x, g1);
      CHECK(at::equal(none, x));
      auto half = Cutout(CutoutOptions(8).fill(1).p(0.5))(x, g1).eq(1).any(3).any(2).any(1).sum().item<std::int64_t>();
      CHECK(half > 250 - 5 * 12);
      CHECK(half < 250 + 5 * 12);
    }
  }
  CHECK_THROWS_WITH(Cutout(CutoutOptions(0)), SC_CONTAINS("size must be > 0, got 0"));
}
