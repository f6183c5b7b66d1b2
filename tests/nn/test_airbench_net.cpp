#include <superconv/nn/airbench_net.hpp>

#include "support.hpp"

#include <cmath>
#include "devices.hpp"

#include <superconv/nn/batch_norm.hpp>
#include <superconv/nn/conv_group.hpp>
#include <superconv/nn/grad_cam.hpp>
#include <superconv/nn/init.hpp>
#include <superconv/nn/whitening.hpp>

namespace sc = superconv;

TEST_CASE("AirbenchNet: the published network's shape, parameter count and frozen parts", "[nn][airbench_net]") {
  torch::manual_seed(0);
  sc::nn::AirbenchNet net;
  std::int64_t all = 0, trainable = 0;
  for (const auto& p : net->parameters()) all += p.numel(), trainable += p.requires_grad() ? p.numel() : 0;
  // ~1.97 M: whiten 24x3x2x2 (frozen) + 24 bias; groups 24->64->64, 64->256->256, 256->256->256; BN; head 256x10.
  const std::int64_t convs = 64 * 24 * 9 + 64 * 64 * 9 + 256 * 64 * 9 + 256 * 256 * 9 + 256 * 256 * 9 + 256 * 256 * 9;
  const std::int64_t bns = 2 * (64 * 2 + 256 * 2 + 256 * 2);
  CHECK(all == 24 * 3 * 4 + 24 + convs + bns + 256 * 10);
  CHECK(all == 1972792);
  CHECK(trainable == 24 + convs + bns / 2 + 256 * 10);  // BN scales frozen, whitening filters frozen
  CHECK_FALSE(net->whiten->weight.requires_grad());
  CHECK_FALSE(net->block1->norm1->weight.requires_grad());
  CHECK(net->block1->norm1->options.eps() == 1e-12);
  CHECK(net->block1->norm1->options.momentum().value() == 0.4);
  CHECK(net->fc->weight.std().item<double>() == Approx(1.0).epsilon(1e-5));
  CHECK_FALSE(net->fc->bias.defined());
  CHECK(net->scale() == 1.0 / 256);
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      net->to(dev);
      const auto x = at::randn({4, 3, 32, 32}, at::TensorOptions().device(dev));
      CHECK(net->features(x).sizes() == at::IntArrayRef({4, 256, 3, 3}));
      CHECK(net->forward(x).sizes() == at::IntArrayRef({4, 10}));
      CHECK(at::allclose(net->forward(x), net->head(net->features(x))));
      const auto cam = sc::nn::grad_cam(net, x);
      CHECK(cam.maps.size(0) == 4);
    }
  }
  CHECK_THROWS_WITH(sc::nn::AirbenchNet(sc::nn::AirbenchNetOptions().widths({64, 256})),
                    SC_CONTAINS("widths must have 3 entries, got 2"));
}

TEST_CASE("AirbenchNet: the head starts at unit std (airbench94_muon) or with PyTorch's Linear init (airbench94)",
          "[nn][airbench]") {
  torch::manual_seed(0);
  sc::nn::AirbenchNet unit, plain(sc::nn::AirbenchNetOptions().unit_std_head(false));
  CHECK(unit->named_parameters()["head.weight"].std().item<double>() == Approx(1.0).epsilon(1e-3));
  // PyTorch's default: uniform within 1/sqrt(fan_in) = 1/16, so a std of 1/(16 sqrt(3)).
  const auto w = plain->named_parameters()["head.weight"];
  CHECK(w.abs().max().item<double>() <= 1.0 / 16);
  CHECK(w.std().item<double>() == Approx(1.0 / (16 * std::sqrt(3.0))).epsilon(0.1));
}

TEST_CASE("AirbenchNet: the whitening bias starts at 0 (airbench94) or with PyTorch's Conv2d init (airbench94_muon)",
          "[nn][airbench]") {
  torch::manual_seed(0);
  sc::nn::AirbenchNet zero(sc::nn::AirbenchNetOptions().zero_whiten_bias(true)), plain;
  CHECK(zero->whiten->bias.abs().max().item<double>() == 0.0);
  CHECK(zero->whiten->bias.requires_grad());  // it still trains
  // PyTorch's default Conv2d bias: uniform within 1/sqrt(fan_in), fan_in = 3 x 2 x 2.
  const auto b = plain->whiten->bias;
  CHECK(b.abs().max().item<double>() > 0.0);
  CHECK(b.abs().max().item<double>() <= 1.0 / std::sqrt(12.0));
}

TEST_CASE("dirac_partial_: the first in_channels filters pass their channel through", "[nn][init]") {
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 5, 3).padding(1).bias(false));
  sc::nn::dirac_partial_(conv->weight);
  const auto x = at::randn({2, 3, 6, 6});
  const auto y = conv->forward(x);
  CHECK(at::allclose(y.narrow(1, 0, 3), x));
  CHECK(conv->weight.narrow(0, 3, 2).abs().sum().item<double>() > 0);  // the others keep their random init
  CHECK_THROWS_WITH(sc::nn::dirac_partial_(at::zeros({2, 2, 2, 2})), SC_CONTAINS("needs a centre"));
  CHECK_THROWS_WITH(sc::nn::unit_std_(at::ones({3})), SC_CONTAINS("constant"));
}

TEST_CASE("frozen_scale_batch_norm2d and ConvGroup: only the shift trains, the map halves", "[nn][conv_group]") {
  auto bn = sc::nn::frozen_scale_batch_norm2d(8, 1e-12, 0.4);
  CHECK_FALSE(bn->weight.requires_grad());
  CHECK(bn->bias.requires_grad());
  CHECK_THROWS_WITH(sc::nn::frozen_scale_batch_norm2d(8, 1e-5, 1.5), SC_CONTAINS("momentum must be in [0, 1]"));
  sc::nn::ConvGroup g(sc::nn::ConvGroupOptions(4, 8));
  CHECK(g->forward(at::randn({2, 4, 10, 10})).sizes() == at::IntArrayRef({2, 8, 5, 5}));
  CHECK_THROWS_WITH(sc::nn::ConvGroup(sc::nn::ConvGroupOptions(0, 8)), SC_CONTAINS("channel counts must be > 0"));
}

TEST_CASE("patch_whitening_filters: whitened patches have identity covariance", "[nn][whitening]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      // Correlated images: smooth noise, channels mixed.
      auto gen = at::randn({64, 3, 12, 12}, at::TensorOptions().device(dev));
      auto x = at::avg_pool2d(gen, 3, 1, 1) + 0.3 * gen.roll(1, 1);
      const auto w = sc::nn::patch_whitening_filters(x, 2, 2, 1e-9);
      REQUIRE(w.sizes() == at::IntArrayRef({24, 3, 2, 2}));
      CHECK(at::allclose(w.narrow(0, 12, 12), -w.narrow(0, 0, 12)));
      const auto y = at::conv2d(x, w.narrow(0, 0, 12)).permute({0, 2, 3, 1}).reshape({-1, 12}).to(at::kDouble);
      const auto cov = y.t().mm(y) / static_cast<double>(y.size(0));
      CHECK(at::allclose(cov.cpu(), at::eye(12, at::kDouble), 0, 1e-3));
      torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 24, 2));
      conv->to(dev);
      sc::nn::init_patch_whitening_(conv, x, 1e-9);
      CHECK_FALSE(conv->weight.requires_grad());
      CHECK(at::allclose(conv->weight, w));
    }
  }
  CHECK_THROWS_WITH(sc::nn::patch_whitening_filters(at::randn({2, 3, 4, 4}), 5, 5),
                    SC_CONTAINS("must be >= 1 and fit"));
  torch::nn::Conv2d wrong(torch::nn::Conv2dOptions(3, 10, 2));
  CHECK_THROWS_WITH(sc::nn::init_patch_whitening_(wrong, at::randn({2, 3, 8, 8})),
                    SC_CONTAINS("gives 24 filters, the convolution has 10 output channels"));
}
