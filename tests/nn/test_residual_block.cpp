#include <superconv/nn/residual_block.hpp>

#include "support.hpp"

using namespace superconv::nn;

TEST_CASE("ResidualBlock: two ConvBnRelu at constant width", "[nn][residual_block]") {
  ResidualBlock r(32);
  auto x = at::randn({2, 32, 8, 8});
  auto y = r(x);
  CHECK(y.sizes() == x.sizes());
  CHECK(at::allclose(y, r->conv2(r->conv1(x))));
  CHECK(r->named_parameters().size() == 6);
}
