#include <superconv/io/run_pictures.hpp>

#include "support.hpp"

#include <superconv/optim/one_cycle.hpp>

// stb_image is compiled once, in tests/viz/test_png.cpp.
#if __has_include(<stb/stb_image.h>)
#include <stb/stb_image.h>
#else
#include <stb_image.h>
#endif

namespace sc = superconv;

namespace {
std::pair<int, int> png_size(const std::filesystem::path& p) {
  int w = 0, h = 0, n = 0;
  REQUIRE(stbi_info(p.string().c_str(), &w, &h, &n) == 1);
  return {w, h};
}
}  // namespace

TEST_CASE("a run's pictures from its numbers: LR finder, schedule, curves, gallery, confusion", "[io][pictures]") {
  sc_test::TempDir tmp("pictures");
  sc::optim::LRRangeTestResult curve;
  for (int i = 0; i < 20; ++i) {
    curve.lrs.push_back(1e-4 * std::pow(10.0, i / 5.0));
    curve.losses.push_back(2.3 - 0.05 * i);
    curve.smoothed.push_back(2.3 - 0.05 * i);
  }
  curve.min_loss = 1e-2;
  sc::io::write_lr_finder_png(tmp.path / "lr_finder.png", curve);
  sc::optim::OneCycle schedule(sc::optim::OneCycleOptions(0.1, 24));
  sc::io::write_schedule_png(tmp.path / "schedule.png", schedule, 24);
  std::vector<sc::train::EpochStats> h(2);
  h[0].epoch = 1, h[1].epoch = 2;
  sc::train::EvalResult e;
  e.indices = at::tensor(std::vector<std::int64_t>{0, 1, 2}, at::kLong);
  e.targets = at::tensor(std::vector<std::int64_t>{0, 1, 1}, at::kLong);
  e.predictions = at::tensor(std::vector<std::int64_t>{0, 0, 1}, at::kLong);
  const auto images = at::randint(0, 255, {3, 3, 32, 32}, at::kByte);
  sc::io::write_run_pictures(tmp.path, h, e, images, {"cat", "dog"});
  for (const auto* f : {"lr_finder.png", "schedule.png", "curves.png", "misclassified.png", "confusion.png"}) {
    INFO(f);
    const auto [w, ht] = png_size(tmp.path / f);
    CHECK(w > 100);
    CHECK(ht > 100);
  }
  e.predictions = e.targets.clone();
  CHECK_FALSE(sc::io::write_misclassified_png(tmp.path / "none.png", e, images, {"cat", "dog"}));
  CHECK_FALSE(std::filesystem::exists(tmp.path / "none.png"));
  e.predictions[2] = 0;
  CHECK_THROWS_WITH(sc::io::write_misclassified_png(tmp.path / "x.png", e, images.narrow(0, 0, 2), {}),
                    SC_CONTAINS("record 2 is outside the 2 images given"));
}
