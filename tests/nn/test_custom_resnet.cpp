#include <superconv/nn/custom_resnet.hpp>

#include "support.hpp"

using namespace superconv::nn;

TEST_CASE("CustomResNet has 6,573,130 parameters at width 64", "[nn][custom_resnet]") {
  CustomResNet m;
  CHECK(count_parameters(*m) == 6573130);
  // Width scales every layer: prep w, layer1 2w + residual, layer2 4w, layer3 8w + residual, fc.
  const std::int64_t w = 16;
  const std::int64_t expect = (3 * w * 9 + 2 * w) + (w * 2 * w * 9 + 4 * w) + 2 * (4 * w * w * 9 + 4 * w) +
                              (2 * w * 4 * w * 9 + 8 * w) + (4 * w * 8 * w * 9 + 16 * w) +
                              2 * (64 * w * w * 9 + 16 * w) + (8 * w * 10 + 10);
  CHECK(count_parameters(*CustomResNet(CustomResNetOptions().width(w))) == expect);
}

TEST_CASE("CustomResNet: logits [B, 10], softmax in predict, residuals added, channels_last", "[nn][custom_resnet]") {
  torch::manual_seed(0);
  CustomResNet m(CustomResNetOptions().width(8));
  m->eval();
  auto x = at::randn({3, 3, 32, 32});
  auto logits = m(x);
  CHECK(logits.sizes() == at::IntArrayRef({3, 10}));
  CHECK(at::allclose(m->predict(x).sum(1), at::ones({3})));
  // The forward is the documented layer sequence.
  auto h = m->layer1(m->prep(x));
  h = h + m->res1(h);
  h = m->layer3(m->layer2(h));
  h = h + m->res3(h);
  CHECK(at::allclose(m->fc(at::max_pool2d(h, {4, 4}).flatten(1)), logits));
  CustomResNet scaled(CustomResNetOptions().width(8).logit_scale(0.125));
  scaled->eval();
  to_channels_last(*scaled);
  CHECK(scaled->prep->conv->weight.is_contiguous(at::MemoryFormat::ChannelsLast));
  CHECK(scaled(x.contiguous(at::MemoryFormat::ChannelsLast)).sizes() == at::IntArrayRef({3, 10}));
  CHECK_THROWS_WITH(m(at::randn({1, 1, 32, 32})), SC_CONTAINS("expected [B, 3, 32, 32]"));
  CHECK_THROWS_WITH(CustomResNet(CustomResNetOptions().width(0)), SC_CONTAINS("width must be > 0, got 0"));
}
