#include <superconv/nn/conv_bn_relu.hpp>

#include "support.hpp"

using namespace superconv::nn;

TEST_CASE("ConvBnRelu: conv3x3 no bias, optional pool before BN, non-negative output", "[nn][conv_bn_relu]") {
  ConvBnRelu plain(ConvBnReluOptions(3, 16)), pooled(ConvBnReluOptions(3, 16).pool(true));
  auto x = at::randn({4, 3, 32, 32});
  auto y = plain(x), z = pooled(x);
  CHECK(y.sizes() == at::IntArrayRef({4, 16, 32, 32}));
  CHECK(z.sizes() == at::IntArrayRef({4, 16, 16, 16}));
  CHECK(y.min().item<float>() >= 0);
  CHECK_FALSE(plain->conv->options.bias());
  const auto names = plain->named_parameters().keys();
  CHECK(names == std::vector<std::string>{"conv.weight", "bn.weight", "bn.bias"});
  // Pool sits between conv and BN: in train mode each channel of the pooled output is batch-normalised.
  pooled->train();
  auto pre = at::max_pool2d(pooled->conv(x), {2, 2});
  auto expect = at::relu(pooled->bn(pre));
  CHECK(at::allclose(pooled(x), expect, 1e-5, 1e-6));
  CHECK_THROWS_WITH(ConvBnRelu(ConvBnReluOptions(0, 3)), SC_CONTAINS("channel counts must be > 0"));
}
