#include <superconv/transforms/random_crop.hpp>

#include "support.hpp"
#include "devices.hpp"

#include <map>

using namespace superconv::transforms;

namespace {
/// B samples of [C, 32, 32] on `dev` whose pixel (y, x) holds y * 100 + x + 1 (0 is left for zero padding).
at::Tensor coordinates(std::int64_t b, std::int64_t c, const c10::Device& dev) {
  const auto opt = at::TensorOptions().dtype(at::kFloat).device(dev);
  auto y = at::arange(32, opt).view({32, 1}), x = at::arange(32, opt).view({1, 32});
  return (y * 100 + x + 1).expand({b, c, 32, 32}).contiguous();
}
}  // namespace

TEST_CASE("RandomCrop hits all 81 offsets about uniformly", "[transforms][random_crop]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto gen = superconv::make_generator(dev, 1);
      const std::int64_t b = 81 * 200;
      auto out = RandomCrop(RandomCropOptions(32).padding(4).padding_mode(Padding::kZero))(coordinates(b, 1, dev), gen);
      REQUIRE(out.sizes() == at::IntArrayRef({b, 1, 32, 32}));
      CHECK(out.device() == dev);
      // Output pixel (4, 4) is input pixel (oy, ox): the offset. Counted on the host.
      const auto v = (out.select(1, 0).select(1, 4).select(1, 4).to(at::kLong) - 1).cpu();
      std::map<std::pair<int, int>, int> hits;
      const auto* p = v.data_ptr<std::int64_t>();
      for (std::int64_t i = 0; i < b; ++i) hits[{static_cast<int>(p[i] / 100), static_cast<int>(p[i] % 100)}]++;
      REQUIRE(hits.size() == 81);
      for (const auto& h : hits) {
        CHECK(h.first.first <= 8);
        CHECK(h.first.second <= 8);
        CHECK(h.second > 200 - 5 * 14);  // binomial(16200, 1/81): sd ~ 14
        CHECK(h.second < 200 + 5 * 14);
      }
    }
  }
}

TEST_CASE("RandomCrop: exact pixels with reflect and zero padding", "[transforms][random_crop]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto gen = superconv::make_generator(dev, 3);
      auto x = coordinates(400, 2, dev);
      auto zero = RandomCrop(RandomCropOptions(32).padding(4).padding_mode(Padding::kZero))(x, gen);
      auto refl = RandomCrop(RandomCropOptions(32).padding(4))(x, gen);
      for (std::int64_t i = 0; i < 400; ++i) {
        const auto oy = (zero[i][0][4][4].item<std::int64_t>() - 1) / 100,
                   ox = (zero[i][0][4][4].item<std::int64_t>() - 1) % 100;
        auto expect = at::constant_pad_nd(x[i], {4, 4, 4, 4}, 0).narrow(1, oy, 32).narrow(2, ox, 32);
        REQUIRE(at::equal(zero[i], expect));
        // Reflect: every output pixel is an input pixel of the same sample, rows and columns mirrored at the border.
        auto r = refl[i][1];
        CHECK(r.min().item<float>() >= 1);
      }
      // Reflect padding mirrors without repeating the edge: row -1 is row 1.
      auto one = coordinates(1, 1, dev);
      auto padded = at::reflection_pad2d(one, {4, 4, 4, 4});
      CHECK(padded[0][0][3][4].item<float>() == one[0][0][1][0].item<float>());
    }
  }
}

TEST_CASE("RandomCrop: no pixel moves between samples, same seed, same batch", "[transforms][random_crop]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      const auto opt = at::TensorOptions().dtype(at::kFloat).device(dev);
      auto x = at::arange(64, opt).view({64, 1, 1, 1}).expand({64, 3, 32, 32}).contiguous();
      auto g1 = superconv::make_generator(dev, 9), g2 = superconv::make_generator(dev, 9);
      RandomCrop crop;
      auto a = crop(x, g1), b = crop(x, g2);
      CHECK(at::equal(a, b));
      CHECK(at::equal(a.amin({1, 2, 3}), at::arange(64, opt)));
      CHECK(at::equal(a.amax({1, 2, 3}), at::arange(64, opt)));
    }
  }
}

TEST_CASE("RandomCrop: errors", "[transforms][random_crop]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto gen = superconv::make_generator(dev, 0);
      const auto opt = at::TensorOptions().device(dev);
      CHECK_THROWS_WITH(RandomCrop()(at::zeros({3, 32, 32}, opt), gen), SC_CONTAINS("expected a batch [B, C, H, W]"));
      CHECK_THROWS_WITH(RandomCrop(RandomCropOptions(40).padding(0))(at::zeros({1, 3, 32, 32}, opt), gen),
                        SC_CONTAINS("size 40 exceeds the padded image 32x32"));
    }
  }
  CHECK_THROWS_WITH(RandomCrop(RandomCropOptions(32).padding(-1)), SC_CONTAINS("padding must be >= 0, got -1"));
}

TEST_CASE("shift: a whole batch moved with reflected or zero borders, the size kept", "[transforms][shift]") {
  namespace T = superconv::transforms;
  const auto x = at::arange(16, at::kFloat).view({1, 1, 4, 4});
  // Down-right by one: row 0 / column 0 come in from the border.
  const auto zero = T::shift(x, 1, 1, T::Padding::kZero);
  CHECK(at::equal(zero.narrow(2, 1, 3).narrow(3, 1, 3), x.narrow(2, 0, 3).narrow(3, 0, 3)));
  CHECK(zero[0][0][0].abs().sum().item<float>() == 0.0f);
  const auto reflect = T::shift(x, 1, 1);
  CHECK(reflect[0][0][0][0].item<float>() == x[0][0][1][1].item<float>());  // the reflection of the corner
  CHECK(at::equal(T::shift(x, 0, 0), x));
  CHECK(at::equal(T::shift(T::shift(x, 0, 2, T::Padding::kZero), 0, -2, T::Padding::kZero).narrow(3, 0, 2),
                  x.narrow(3, 0, 2)));
  CHECK_THROWS_WITH(T::shift(x, 4, 0), SC_CONTAINS("shift: reflected padding of 4 pixels needs images larger than 4"));
  CHECK_THROWS_WITH(T::shift(x.view({4, 4}), 1, 1), SC_CONTAINS("shift: expected a batch [B, C, H, W]"));
}
