#include <superconv/transforms/normalize.hpp>

#include "support.hpp"

using namespace superconv::transforms;

TEST_CASE("Normalize: (x - mean) / std per channel", "[transforms][normalize]") {
  Normalize n({0.5, 0.25, 0.0}, {0.5, 0.5, 2.0});
  auto x = at::full({2, 3, 4, 4}, 1.0);
  auto y = n(x);
  CHECK(y[1][0][2][2].item<float>() == Approx(1.0));
  CHECK(y[1][1][2][2].item<float>() == Approx(1.5));
  CHECK(y[1][2][2][2].item<float>() == Approx(0.5));
  at::Generator gen;  // unused by Normalize
  CHECK(at::equal(n(x, gen), y));
}

TEST_CASE("Normalize: errors", "[transforms][normalize]") {
  CHECK_THROWS_WITH(Normalize({0.5}, {0.5, 0.5}), SC_CONTAINS("got 1 and 2"));
  CHECK_THROWS_WITH(Normalize({0.5}, {0.0}), SC_CONTAINS("std must be > 0"));
  Normalize n({0.5, 0.5, 0.5}, {1, 1, 1});
  CHECK_THROWS_WITH(n(at::zeros({1, 3, 2, 2}, at::kByte)), SC_CONTAINS("expected a floating-point batch"));
  CHECK_THROWS_WITH(n(at::zeros({1, 1, 2, 2})), SC_CONTAINS("expected [B, 3, H, W]"));
}
