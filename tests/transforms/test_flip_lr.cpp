#include <superconv/transforms/flip_lr.hpp>

#include "support.hpp"
#include "devices.hpp"

using namespace superconv::transforms;

TEST_CASE("FlipLR flips each sample or leaves it, at rate p within binomial bounds", "[transforms][flip_lr]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto gen = superconv::make_generator(dev, 4);
      const std::int64_t b = 10000;
      auto x = at::arange(32, at::TensorOptions().dtype(at::kFloat).device(dev))
                   .view({1, 1, 1, 32})
                   .expand({b, 3, 32, 32})
                   .contiguous();
      auto y = FlipLR()(x, gen);
      CHECK(y.device() == dev);
      const auto same = y.eq(x).all(3).all(2).all(1), flipped = y.eq(x.flip({3})).all(3).all(2).all(1);
      CHECK(same.logical_or(flipped).all().item<bool>());
      const auto n = flipped.sum().item<std::int64_t>();
      CHECK(n > 5000 - 5 * 50);  // binomial(10000, 0.5): sd 50
      CHECK(n < 5000 + 5 * 50);
      CHECK(at::equal(FlipLR(FlipLROptions().p(0.0))(x, gen), x));
      CHECK(at::equal(FlipLR(FlipLROptions().p(1.0))(x, gen), x.flip({3})));
      auto y2 = FlipLR(FlipLROptions().p(0.2))(x, gen);
      const auto n2 = y2.eq(x.flip({3})).all(3).all(2).all(1).sum().item<std::int64_t>();
      CHECK(n2 > 2000 - 5 * 40);
      CHECK(n2 < 2000 + 5 * 40);
    }
  }
}

TEST_CASE("FlipLR: same seed, same batch, errors", "[transforms][flip_lr]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto x = at::rand({64, 3, 8, 8}, at::TensorOptions().device(dev));
      auto g1 = superconv::make_generator(dev, 2), g2 = superconv::make_generator(dev, 2);
      CHECK(at::equal(FlipLR()(x, g1), FlipLR()(x, g2)));
    }
  }
  CHECK_THROWS_WITH(FlipLR(FlipLROptions().p(1.5)), SC_CONTAINS("p must be in [0, 1], got 1.5"));
}
