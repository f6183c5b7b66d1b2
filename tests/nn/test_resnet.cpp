#include <superconv/nn/custom_resnet.hpp>  // count_parameters, to_channels_last
#include <superconv/nn/grad_cam.hpp>
#include <superconv/nn/resnet.hpp>
#include <superconv/nn/state_dict.hpp>
#include <superconv/train/amp.hpp>

#include <torch/optim/sgd.h>

#include "devices.hpp"
#include "support.hpp"

#include <cmath>
#include <map>
#include <set>

using namespace superconv::nn;

namespace {
std::map<std::string, at::Tensor> entries_of(const torch::nn::Module& m) {
  std::map<std::string, at::Tensor> out;
  for (const auto& e : state_dict_entries(m)) out.emplace(e.first, e.second);
  return out;
}
}  // namespace

TEST_CASE("ResNet: torchvision's parameter counts for every architecture", "[nn][resnet]") {
  // torchvision 0.28: sum(p.numel() for p in models.<arch>().parameters())
  const std::map<std::string, std::int64_t> expected{
      {"resnet18", 11689512},  {"resnet34", 21797672},        {"resnet50", 25557032},       {"resnet101", 44549160},
      {"resnet152", 60192808}, {"resnext50_32x4d", 25028904}, {"wide_resnet50_2", 68883240}};
  for (const auto& [arch, n] : expected) {
    INFO(arch);
    CHECK(count_parameters(*resnet(arch)) == n);
  }
  CHECK(resnet_architectures().size() == 7);
  // Another number of classes changes the fc only.
  CHECK(count_parameters(*resnet("resnet18", 10)) == 11689512 - 513 * 990);
  CHECK_THROWS_WITH(resnet("resnet19"), SC_CONTAINS("unknown architecture 'resnet19' (known: resnet18, resnet34"));
  CHECK_THROWS_WITH(ResNet(resnet_options("resnet18").groups(32)), SC_CONTAINS("BasicBlock only supports groups 1"));
  CHECK_THROWS_WITH(ResNet(resnet_options("resnet18", 0)), SC_CONTAINS("num_classes must be > 0, got 0"));
  CHECK_THROWS_WITH(ResNet(ResNetOptions(ResNetBlock::basic, {2, 0, 2, 2})),
                    SC_CONTAINS("every stage needs a block or more, got 0"));
}

TEST_CASE("ResNet: the state dict has torchvision's names", "[nn][resnet]") {
  const auto r18 = entries_of(*resnet("resnet18", 10));
  CHECK(r18.size() == 122);  // len(torchvision.models.resnet18().state_dict())
  for (const auto* name : {"conv1.weight", "bn1.running_var", "bn1.num_batches_tracked", "layer1.0.conv1.weight",
                           "layer1.1.bn2.bias", "layer2.0.downsample.0.weight", "layer2.0.downsample.1.running_mean",
                           "layer4.1.conv2.weight", "fc.weight", "fc.bias"}) {
    INFO(name);
    CHECK(r18.count(name) == 1);
  }
  CHECK(r18.count("layer1.0.downsample.0.weight") == 0);  // same shape in and out: no downsample
  CHECK(r18.at("fc.weight").sizes() == at::IntArrayRef({10, 512}));
  CHECK(r18.at("layer2.0.downsample.0.weight").sizes() == at::IntArrayRef({128, 64, 1, 1}));
  const auto r50 = entries_of(*resnet("resnet50"));
  CHECK(r50.size() == 320);  // len(torchvision.models.resnet50().state_dict())
  CHECK(r50.at("layer1.0.downsample.0.weight").sizes() == at::IntArrayRef({256, 64, 1, 1}));
  CHECK(r50.at("layer2.0.conv2.weight").sizes() == at::IntArrayRef({128, 128, 3, 3}));  // the stride on the 3x3
  CHECK(r50.at("layer4.2.bn3.weight").sizes() == at::IntArrayRef({2048}));
  const auto rx = entries_of(*resnet("resnext50_32x4d"));
  CHECK(rx.at("layer1.0.conv2.weight").sizes() == at::IntArrayRef({128, 4, 3, 3}));  // 32 groups of 4
  CHECK(ResNet(resnet_options("resnet50"))->layers[1]->size() == 4);
}

TEST_CASE("ResNet: torchvision's initialisation, and zero_init_residual", "[nn][resnet]") {
  torch::manual_seed(0);
  ResNet m(resnet_options("resnet18"));
  // Kaiming normal, fan-out, ReLU gain: std sqrt(2 / (256 x 9)) for layer3's 3x3 convolutions.
  const auto w = m->named_parameters()["layer3.1.conv2.weight"];
  CHECK(std::abs(w.std().item<double>() / std::sqrt(2.0 / (256 * 9)) - 1) < 0.02);
  CHECK(std::abs(w.mean().item<double>()) < 1e-3);
  for (const auto& p : m->named_parameters()) {
    if (p.key().find("bn") != std::string::npos || p.key().find("downsample.1") != std::string::npos) {
      INFO(p.key());
      CHECK(p.value().equal(at::full_like(p.value(), p.key().find("weight") != std::string::npos ? 1.0 : 0.0)));
    }
  }
  // The fc keeps PyTorch's default Linear init: uniform within 1/sqrt(fan_in).
  CHECK(m->fc->weight.abs().max().item<double>() <= 1 / std::sqrt(512.0));
  CHECK(m->fc->weight.abs().max().item<double>() > 0.9 / std::sqrt(512.0));

  ResNet zero(resnet_options("resnet50").zero_init_residual(true));
  const auto bns = zero->residual_bns();
  CHECK(bns.size() == 16);
  for (const auto& bn : bns) CHECK(bn->weight.abs().sum().item<double>() == 0);
  CHECK(zero->layers[0]->children()[0]->as<BottleneckImpl>()->bn2->weight.equal(at::ones({64})));
  // With the last scale at 0 each block is ReLU(shortcut): an identity block passes its (non-negative) input through.
  zero->eval();
  at::NoGradGuard no_grad;
  const auto x = at::rand({2, 256, 8, 8});
  CHECK(zero->layers[0]->children()[1]->as<BottleneckImpl>()->forward(x).equal(x));
}

TEST_CASE("ResNet: forward = head(features(x)), any size from 32 px, errors name the shape", "[nn][resnet]") {
  torch::manual_seed(0);
  ResNet m(resnet_options("resnet18", 5));
  m->eval();
  at::NoGradGuard no_grad;
  const auto x = at::randn({2, 3, 224, 224});
  const auto f = m->features(x);
  CHECK(f.sizes() == at::IntArrayRef({2, 512, 7, 7}));
  const auto logits = m(x);
  CHECK(logits.sizes() == at::IntArrayRef({2, 5}));
  CHECK(m->head(f).equal(logits));
  CHECK(at::allclose(m->fc(at::adaptive_avg_pool2d(f, {1, 1}).flatten(1)), logits, 1e-5, 1e-6));
  // The documented sequence: conv1 > bn1 > ReLU > max-pool > layer1..4.
  auto h = at::max_pool2d(at::relu(m->bn1(m->conv1(x))), {3, 3}, {2, 2}, {1, 1});
  for (auto& stage : m->layers) h = stage->forward(h);
  CHECK(at::allclose(h, f));
  CHECK(at::allclose(m->predict(x).sum(1), at::ones({2})));
  CHECK(m->features(at::randn({1, 3, 32, 32})).sizes() == at::IntArrayRef({1, 512, 1, 1}));
  CHECK(m->features(at::randn({1, 3, 33, 100})).sizes() == at::IntArrayRef({1, 512, 2, 4}));
  CHECK(resnet("resnet50", 7)->features(at::randn({1, 3, 64, 64})).sizes() == at::IntArrayRef({1, 2048, 2, 2}));
  CHECK_THROWS_WITH(m(at::randn({1, 3, 31, 64})), SC_CONTAINS("expected [B, 3, H, W] with H, W >= 32"));
  CHECK_THROWS_WITH(m(at::randn({1, 1, 64, 64})), SC_CONTAINS("got [1, 1, 64, 64]"));
  CHECK_THROWS_WITH(m->head(at::randn({1, 256, 2, 2})), SC_CONTAINS("head expects [B, 512, h, w] features"));
  ResNet gray(resnet_options("resnet18", 3).in_channels(1));
  CHECK(gray(at::randn({2, 1, 40, 40})).sizes() == at::IntArrayRef({2, 3}));
}

TEST_CASE("ResNet trains on every device: a step lowers the loss, channels_last and bf16 agree", "[nn][resnet]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      torch::manual_seed(0);
      ResNet m(resnet_options("resnet18", 4).zero_init_residual(true));
      m->to(dev);
      const auto x = at::randn({8, 3, 64, 64}, at::TensorOptions(dev));
      const auto y = at::arange(8, at::TensorOptions(dev).dtype(at::kLong)).remainder(4);
      torch::optim::SGD opt(m->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
      double first = 0, last = 0;
      for (int step = 0; step < 8; ++step) {
        opt.zero_grad();
        const auto loss = at::cross_entropy_loss(m(x), y);
        loss.backward();  // the in-place ReLUs and adds leave autograd a graph it can walk
        opt.step();
        (step == 0 ? first : last) = loss.item<double>();
      }
      CHECK(last < 0.5 * first);
      for (const auto& p : m->parameters()) CHECK(p.grad().defined());

      m->eval();
      at::NoGradGuard no_grad;
      const auto ref = m(x);
      to_channels_last(*m);
      CHECK(m->conv1->weight.is_contiguous(at::MemoryFormat::ChannelsLast));
      CHECK(at::allclose(m(x.contiguous(at::MemoryFormat::ChannelsLast)), ref, 1e-4, 1e-4));
      at::Tensor bf;
      {
        superconv::train::AutocastGuard amp(dev.type(), true, at::kBFloat16);
        bf = m(x);
      }
      CHECK(bf.scalar_type() == at::kBFloat16);
      CHECK((bf.to(at::kFloat) - ref).abs().max().item<double>() < 0.1 * ref.abs().max().item<double>() + 0.05);
    }
  }
}

TEST_CASE("ResNet: clone, Grad-CAM over layer 4, a state dict round trip", "[nn][resnet]") {
  torch::manual_seed(0);
  ResNet m(resnet_options("resnet18", 3));
  m->eval();
  const auto x = at::randn({2, 3, 64, 64});
  auto copy = std::dynamic_pointer_cast<ResNetImpl>(m->clone());
  REQUIRE(copy);
  at::Tensor a, b;
  {
    at::NoGradGuard no_grad;
    a = m(x), b = copy->forward(x);
  }
  CHECK(a.equal(b));
  const auto cam = grad_cam(m, x);
  CHECK(cam.maps.sizes() == at::IntArrayRef({2, 64, 64}));
  CHECK(!m->is_training());

  const sc_test::TempDir dir("resnet_state_dict");
  save_state_dict(*m, dir.path / "m.pt");
  ResNet other(resnet_options("resnet18", 3));
  load_state_dict(*other, dir.path / "m.pt");
  other->eval();
  at::NoGradGuard no_grad;
  CHECK(other(x).equal(a));
  CHECK_THROWS_WITH(load_state_dict(*resnet("resnet34", 3), dir.path / "m.pt"),
                    SC_CONTAINS("missing: layer1.2.bn1.bias") && SC_CONTAINS("layer1.2.conv1.weight"));
  CHECK_THROWS_WITH(load_state_dict(*resnet("resnet18", 10), dir.path / "m.pt"),
                    SC_CONTAINS("mis-shaped: fc.bias (file [3], model [10])"));
}
