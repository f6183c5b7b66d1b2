#include <superconv/data/dataset.hpp>

#include "devices.hpp"
#include "support.hpp"

#include <superconv/data/cifar10.hpp>

#include <cmath>
#include <cstdint>

namespace {
namespace sd = superconv::data;

/// n images of c x h x w, pixel (i * 3 + k * 7 + y + x) % 256, target i % classes.
sd::Dataset made(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, std::int64_t classes) {
  auto images = at::empty({n, c, h, w}, at::kByte);
  auto acc = images.accessor<std::uint8_t, 4>();
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = 0; k < c; ++k)
      for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x) acc[i][k][y][x] = static_cast<std::uint8_t>((i * 3 + k * 7 + y + x) % 256);
  std::vector<std::string> names;
  for (std::int64_t k = 0; k < classes; ++k) names.push_back("class" + std::to_string(k));
  return sd::from_tensors(images, at::arange(n, at::kLong).remainder(classes), names);
}
}  // namespace

TEST_CASE("from_tensors accepts any image size and rejects a bad data set by name", "[data][dataset]") {
  const auto d = made(6, 1, 17, 5, 3);
  CHECK(d.size() == 6);
  CHECK(d.channels() == 1);
  CHECK(d.height() == 17);
  CHECK(d.width() == 5);
  const auto img = at::zeros({4, 3, 8, 8}, at::kByte);
  const auto t = at::tensor(std::vector<std::int64_t>{0, 1, 1, 0});
  CHECK_THROWS_WITH(sd::from_tensors(img.to(at::kFloat), t, {"a", "b"}),
                    SC_CONTAINS("from_tensors: images must be uint8"));
  CHECK_THROWS_WITH(sd::from_tensors(img[0], t, {"a", "b"}), SC_CONTAINS("images must be [N, C, H, W]"));
  CHECK_THROWS_WITH(sd::from_tensors(img, t.to(at::kInt), {"a", "b"}), SC_CONTAINS("targets must be int64"));
  CHECK_THROWS_WITH(sd::from_tensors(img, t.narrow(0, 0, 3), {"a", "b"}), SC_CONTAINS("4 images but 3 targets"));
  CHECK_THROWS_WITH(sd::from_tensors(img, t, {}), SC_CONTAINS("no class names"));
  CHECK_THROWS_WITH(sd::from_tensors(img, t, {"a", "a"}), SC_CONTAINS("class name 'a' appears twice"));
  CHECK_THROWS_WITH(sd::from_tensors(img, t, {"a"}), SC_CONTAINS("target 1 of sample 1 is outside [0, 1)"));
  CHECK_THROWS_WITH(sd::from_tensors(img, t - 1, {"a", "b"}), SC_CONTAINS("target -1 of sample 0"));
  CHECK_THROWS_WITH(sd::from_tensors(img.narrow(0, 0, 0), t.narrow(0, 0, 0), {"a"}), SC_CONTAINS("is empty"));
  CHECK_THROWS_WITH(sd::from_tensors(at::Tensor(), t, {"a", "b"}), SC_CONTAINS("images are undefined"));
  CHECK_THROWS_WITH(sd::check_dataset(sd::Dataset{img, t, {"a"}}, "MySet"), SC_CONTAINS("MySet: target 1"));
}

TEST_CASE("subset keeps the chosen samples in order and checks its indices", "[data][dataset]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto d = made(10, 3, 4, 6, 4);
      d.images = d.images.to(dev);
      d.targets = d.targets.to(dev);
      const auto s = sd::subset(d, at::tensor(std::vector<std::int64_t>{7, 2, 2}));
      REQUIRE(s.size() == 3);
      CHECK(s.images.device() == dev);
      CHECK(s.images[0].equal(d.images[7]));
      CHECK(s.images[2].equal(d.images[2]));
      CHECK(s.targets.cpu()[0].item<std::int64_t>() == 3);
      CHECK(s.classes == d.classes);
      CHECK_THROWS_WITH(sd::subset(d, at::tensor(std::vector<std::int64_t>{0, 10})),
                        SC_CONTAINS("subset: indices must be in [0, 10), got values from 0 to 10"));
      CHECK_THROWS_WITH(sd::subset(d, at::tensor(std::vector<std::int64_t>{}, at::kLong)), SC_CONTAINS("empty"));
      CHECK_THROWS_WITH(sd::subset(d, at::tensor(std::vector<float>{1.f})), SC_CONTAINS("int64"));
    }
  }
}

TEST_CASE("split is stratified, seeded, disjoint and complete", "[data][dataset]") {
  // Image i holds its index: channel 0 is i / 256, channel 1 is i % 256; 100 samples a class.
  const auto idx = at::arange(1000, at::kLong);
  const auto images = at::stack({idx.div(256, "floor"), idx.remainder(256)}, 1).to(at::kByte).view({1000, 2, 1, 1});
  std::vector<std::string> names;
  for (int k = 0; k < 10; ++k) names.push_back("c" + std::to_string(k));
  const auto d = sd::from_tensors(images, idx.remainder(10), names);
  const auto [keep, held] = sd::split(d, 0.2, 7);
  REQUIRE(keep.size() == 800);
  REQUIRE(held.size() == 200);
  // Exactly 20 of each class held out.
  CHECK(at::bincount(held.targets, {}, 10).eq(20).all().item<bool>());
  // Disjoint, complete, each side in the original order, targets still belonging to their images.
  const auto index_of = [](const sd::Dataset& s) {
    const auto px = s.images.to(at::kLong).view({s.size(), 2});
    return px.select(1, 0) * 256 + px.select(1, 1);
  };
  const auto ki = index_of(keep), hi = index_of(held);
  CHECK(std::get<0>(at::cat({ki, hi}).sort()).equal(idx));
  CHECK(ki.equal(std::get<0>(ki.sort())));
  CHECK(hi.equal(std::get<0>(hi.sort())));
  CHECK(hi.remainder(10).equal(held.targets));
  // Same seed, same split; another seed, another split.
  CHECK(sd::split(d, 0.2, 7).second.images.equal(held.images));
  CHECK_FALSE(sd::split(d, 0.2, 8).second.images.equal(held.images));
  CHECK_THROWS_WITH(sd::split(d, 0.0, 1), SC_CONTAINS("split: held_out_fraction must be in (0, 1), got 0"));
  CHECK_THROWS_WITH(sd::split(d, 1.0, 1), SC_CONTAINS("must be in (0, 1)"));
  CHECK_THROWS_WITH(sd::split(d, 0.0001, 1), SC_CONTAINS("a side would be empty"));
}

TEST_CASE("split keeps at least one sample of every class on the kept side", "[data][dataset]") {
  // 10 samples of class 0, 2 of class 1, 1 of class 2: a large fraction used to hold out classes 1 and 2 whole.
  std::vector<std::int64_t> t(10, 0);
  t.insert(t.end(), {1, 1, 2});
  const auto targets = at::tensor(t, at::kLong);
  const auto images = at::arange(13, at::kLong).to(at::kByte).view({13, 1, 1, 1});
  const auto d = sd::from_tensors(images, targets, {"many", "two", "one"});
  for (const double fraction : {0.5, 0.6, 0.9}) {
    INFO("held_out_fraction " << fraction);
    const auto [keep, held] = sd::split(d, fraction, 3);
    const auto kept = at::bincount(keep.targets, {}, 3);
    CHECK(kept[0].item<std::int64_t>() >= 1);
    CHECK(kept[1].item<std::int64_t>() == 1);  // round(2 x fraction) would be 1 or 2: at most 1 of 2 held out
    CHECK(kept[2].item<std::int64_t>() == 1);  // the one-sample class stays in training
    CHECK(keep.size() + held.size() == 13);
    CHECK(at::bincount(held.targets, {}, 3)[0].item<std::int64_t>() == std::llround(fraction * 10));
  }
}

TEST_CASE("channel_mean_std matches a double-precision reference in [0, 1] units", "[data][dataset]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto d = made(50, 3, 40, 33, 2);  // 66,000 values a chunk boundary does not divide evenly
      d.images = d.images.to(dev);
      const auto [mean, stdev] = sd::channel_mean_std(d);
      REQUIRE(mean.size() == 3);
      const auto x = d.images.cpu().to(at::kDouble).div(255.0);
      for (std::int64_t k = 0; k < 3; ++k) {
        const auto xk = x.select(1, k);
        CHECK(mean[static_cast<std::size_t>(k)] == Approx(xk.mean().item<double>()).epsilon(1e-12));
        CHECK(stdev[static_cast<std::size_t>(k)] == Approx(xk.std(/*unbiased=*/false).item<double>()).epsilon(1e-9));
      }
    }
  }
  // Constant images: std 0 exactly, mean exact.
  const auto c = sd::from_tensors(at::full({3, 2, 5, 5}, 51, at::kByte), at::zeros({3}, at::kLong), {"only"});
  const auto [m, s] = sd::channel_mean_std(c);
  CHECK(m[0] == 0.2);
  CHECK(s[1] == 0.0);
}

TEST_CASE("Cifar10 converts to a Dataset sharing its tensors", "[data][dataset]") {
  const auto dir = sc_test::real_data_dir();
  if (dir.empty()) SC_SKIP(sc_test::kNoData);
  sd::Cifar10 test(dir, sd::Split::kTest);
  test.limit(500);
  const sd::Dataset d = test;
  sd::check_dataset(d, "CIFAR-10");
  CHECK(d.images.is_same(test.images()));
  CHECK(d.classes.at(0) == test.class_names().at(0));
  const auto [mean, stdev] = sd::channel_mean_std(d);
  // The published CIFAR-10 statistics (whole training set: 0.4914, 0.4822, 0.4465) within a subset's spread.
  CHECK(mean[0] == Approx(0.49).margin(0.03));
  CHECK(stdev[0] == Approx(0.247).margin(0.03));
}
