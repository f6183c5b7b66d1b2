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
  CHECK_THROWS_WITH(m(at::randn({1, 1, 32, 32})), SC_CONTAINS("expected [B, 3, H, W] with H, W >= 8"));
  CHECK_THROWS_WITH(CustomResNet(CustomResNetOptions().width(0)), SC_CONTAINS("width must be > 0, got 0"));
}

TEST_CASE("CustomResNet: forward is head(features(x)), any input size from 8 px", "[nn][custom_resnet]") {
  torch::manual_seed(0);
  CustomResNet m(CustomResNetOptions().width(4).logit_scale(0.5));
  m->eval();
  const auto x = at::randn({2, 3, 32, 32});
  const auto f = m->features(x);
  CHECK(f.sizes() == at::IntArrayRef({2, 32, 4, 4}));
  const auto logits = m(x);
  CHECK(m->head(f).equal(logits));
  // The head's pool is the one training used at 32 px: max_pool2d with kernel 4.
  CHECK(m->fc(at::max_pool2d(f, {4, 4}).flatten(1)).mul(0.5).equal(logits));
  CHECK(m(at::randn({2, 3, 64, 48})).sizes() == at::IntArrayRef({2, 10}));
  CHECK(m->features(at::randn({1, 3, 8, 8})).sizes() == at::IntArrayRef({1, 32, 1, 1}));
  CHECK_THROWS_WITH(m(at::randn({1, 3, 7, 32})), SC_CONTAINS("with H, W >= 8"));
  CHECK_THROWS_WITH(m->head(at::randn({1, 31, 4, 4})), SC_CONTAINS("head expects [B, 32, h, w] features"));
}
