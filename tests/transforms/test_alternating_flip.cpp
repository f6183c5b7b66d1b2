#include <superconv/transforms/alternating_flip.hpp>

#include "support.hpp"
#include "devices.hpp"

#include <superconv/data/device_loader.hpp>
#include <superconv/transforms/compose.hpp>
#include <superconv/transforms/random_translate.hpp>

namespace sc = superconv;
using namespace superconv::transforms;

namespace {
// Which samples of `y` are the mirror of `x` (images whose columns differ, so a flip always shows).
at::Tensor flipped(const at::Tensor& x, const at::Tensor& y) {
  return y.eq(x.flip({3})).all(3).all(2).all(1);
}
}  // namespace

TEST_CASE("AlternatingFlip: random in epoch 0, the opposite in every next epoch, the same for a new instance",
          "[transforms][alternating_flip]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      const std::int64_t n = 4000;
      const auto opt = at::TensorOptions().device(dev);
      const auto x = at::arange(4, opt.dtype(at::kFloat)).view({1, 1, 1, 4}).expand({n, 1, 2, 4}).contiguous();
      auto gen = sc::make_generator(dev, 0);
      const AlternatingFlip f(AlternatingFlipOptions().seed(7));
      const auto index = at::arange(n, opt.dtype(at::kLong));
      const auto e0 = flipped(x, f(x, gen, {0, index, n}));
      const auto e1 = flipped(x, f(x, gen, {1, index, n}));
      const auto e2 = flipped(x, f(x, gen, {2, index, n}));
      const double share = e0.to(at::kDouble).mean().item<double>();
      CHECK(share == Approx(0.5).margin(0.03));  // 4,000 fair coins: sd 0.008
      CHECK(at::equal(e1, e0.logical_not()));    // each image the other way next epoch
      CHECK(at::equal(e2, e0));
      // Any order of records, any batch: the flip belongs to the record.
      const auto some = at::tensor(std::vector<std::int64_t>{3999, 0, 17}, opt.dtype(at::kLong));
      const auto xs = x.index_select(0, some);
      CHECK(at::equal(flipped(xs, f(xs, gen, {0, some, n})), e0.index_select(0, some)));
      // A new instance with the seed flips the same records (a resumed run); another seed does not.
      const AlternatingFlip again(AlternatingFlipOptions().seed(7)), other(AlternatingFlipOptions().seed(8));
      CHECK(at::equal(flipped(x, again(x, gen, {0, index, n})), e0));
      CHECK_FALSE(at::equal(flipped(x, other(x, gen, {0, index, n})), e0));
    }
  }
  auto gen = sc::make_generator(c10::kCPU, 0);
  CHECK_THROWS_WITH(AlternatingFlip()(at::zeros({2, 1, 2, 2}), gen, {}),
                    SC_CONTAINS("needs the batch's record indices"));
}

TEST_CASE("DeviceLoader passes the epoch and record indices to the transforms that take them",
          "[transforms][alternating_flip][device_loader]") {
  const std::int64_t n = 64;
  auto images = at::arange(4, at::kByte).view({1, 1, 1, 4}).expand({n, 1, 2, 4}).contiguous();
  sc::data::DeviceLoader loader(images, at::zeros({n}, at::kLong), sc::data::DeviceLoaderOptions(16).seed(3));
  const AlternatingFlip f(AlternatingFlipOptions().seed(1));
  loader.set_transform(Compose(RandomTranslate(0), f));
  const auto ref = loader.gather(at::arange(n, at::kLong)).input;  // unflipped, normalised as batches are
  const auto expect = f.first_flips(n, c10::kCPU);
  for (int epoch = 0; epoch < 3; ++epoch) {
    loader.start_epoch();
    CHECK(loader.epoch() == epoch);
    for (std::int64_t i = 0; i < loader.size(); ++i) {
      const auto b = loader.get(i);
      const auto want = epoch % 2 ? expect.index_select(0, b.index).logical_not() : expect.index_select(0, b.index);
      CHECK(at::equal(flipped(ref.index_select(0, b.index), b.input), want));
    }
  }
}

TEST_CASE("RandomTranslate: shifts of up to max_shift pixels with reflected borders, size kept",
          "[transforms][random_translate]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto gen = sc::make_generator(dev, 5);
      const auto x = at::randn({2000, 1, 8, 8}, at::TensorOptions().device(dev));
      const auto y = RandomTranslate(RandomTranslateOptions(2))(x, gen);
      CHECK(y.sizes() == x.sizes());
      // Each output is the reflect-padded input cropped at one of 25 offsets, all of which occur.
      const auto padded = at::reflection_pad2d(x, {2, 2, 2, 2});
      std::vector<std::int64_t> seen(25, 0);
      for (std::int64_t i = 0; i < 200; ++i) {
        int found = -1;
        for (int dy = 0; dy <= 4 && found < 0; ++dy)
          for (int dx = 0; dx <= 4 && found < 0; ++dx)
            if (at::equal(padded[i].narrow(1, dy, 8).narrow(2, dx, 8), y[i])) found = dy * 5 + dx;
        REQUIRE(found >= 0);
        ++seen[static_cast<std::size_t>(found)];
      }
      for (auto s : seen) CHECK(s > 0);  // 200 draws of 25: each at least once (p of a miss ~ 1e-10 x 25)
      CHECK(at::equal(RandomTranslate(0)(x, gen), x));
    }
  }
  CHECK_THROWS_WITH(RandomTranslate(-1), SC_CONTAINS("max_shift must be >= 0, got -1"));
}
