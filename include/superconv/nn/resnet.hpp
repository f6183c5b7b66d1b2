// SPDX-License-Identifier: MIT
// torchvision's ResNets for full-size images (ResNet-18/34/50/101/152, ResNeXt-50 32x4d, wide ResNet-50-2), with
// torchvision's module names, initialisation and arithmetic: a state dict saved in Python loads into ours, ours opens
// in torchvision, and both give the same logits.
#pragma once

#include <superconv/nn/resnet_blocks.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace superconv {
namespace nn {

/// Options for ResNet: the block type and the blocks per stage, as torchvision's ResNet(block, layers, ...).
/// Example: `ResNetOptions(ResNetBlock::bottleneck, {3, 4, 6, 3}).num_classes(100)` (or `resnet_options("resnet50")`)
enum class ResNetBlock { basic, bottleneck };
struct ResNetOptions {
  using Stages = std::array<std::int64_t, 4>;  // a type name without a comma, for TORCH_ARG
  ResNetOptions(ResNetBlock block, std::array<std::int64_t, 4> layers) : block_(block), layers_(layers) {}
  TORCH_ARG(ResNetBlock, block);
  /// Blocks in each of the four stages (64, 128, 256, 512 planes; strides 1, 2, 2, 2).
  TORCH_ARG(Stages, layers);
  TORCH_ARG(std::int64_t, num_classes) = 1000;
  TORCH_ARG(std::int64_t, in_channels) = 3;
  /// Start each block's last BatchNorm scale at 0, so every residual block begins as the identity (Goyal et al.;
  /// torchvision's zero_init_residual, what fast ImageNet recipes turn on). torchvision's default: off.
  TORCH_ARG(bool, zero_init_residual) = false;
  /// Bottleneck only: ResNeXt's grouped convolutions and the width per group (64: ResNet, 128: wide ResNet).
  TORCH_ARG(std::int64_t, groups) = 1;
  TORCH_ARG(std::int64_t, width_per_group) = 64;
};

/// The architectures by torchvision's names (its models.<name>), for --arch options and model cards.
inline const std::vector<std::string>& resnet_architectures() {
  static const std::vector<std::string> names{"resnet18",  "resnet34",        "resnet50",       "resnet101",
                                              "resnet152", "resnext50_32x4d", "wide_resnet50_2"};
  return names;
}

/// Options of torchvision's `models.<arch>(num_classes=...)`; an unknown name is an error listing the known ones.
inline ResNetOptions resnet_options(const std::string& arch, std::int64_t num_classes = 1000) {
  const auto basic = ResNetBlock::basic, bottleneck = ResNetBlock::bottleneck;
  if (arch == "resnet18") return ResNetOptions(basic, {2, 2, 2, 2}).num_classes(num_classes);
  if (arch == "resnet34") return ResNetOptions(basic, {3, 4, 6, 3}).num_classes(num_classes);
  if (arch == "resnet50") return ResNetOptions(bottleneck, {3, 4, 6, 3}).num_classes(num_classes);
  if (arch == "resnet101") return ResNetOptions(bottleneck, {3, 4, 23, 3}).num_classes(num_classes);
  if (arch == "resnet152") return ResNetOptions(bottleneck, {3, 8, 36, 3}).num_classes(num_classes);
  if (arch == "resnext50_32x4d") {
    return ResNetOptions(bottleneck, {3, 4, 6, 3}).groups(32).width_per_group(4).num_classes(num_classes);
  }
  if (arch == "wide_resnet50_2") {
    return ResNetOptions(bottleneck, {3, 4, 6, 3}).width_per_group(128).num_classes(num_classes);
  }
  std::string known;
  for (const auto& n : resnet_architectures()) known += (known.empty() ? "" : ", ") + n;
  TORCH_CHECK(false, "resnet: unknown architecture '", arch, "' (known: ", known, ")");
}

/// torchvision's ResNet: conv1 7x7 stride 2 > bn1 > ReLU > max-pool 3x3 stride 2 > layer1..layer4 > global average
/// pool > fc. Any input from 32 px (the map reaches layer 4 at 1/32 of it; 224 px is the ImageNet size).
/// `forward` = `head(features(x))` (features: layer 4's map, for Grad-CAM). Initialised as torchvision does (Kaiming
/// normal, fan-out, for convolutions; BatchNorm 1 and 0; the Linear layer as PyTorch's default).
/// ResNet-18: 11,689,512 parameters at 1,000 classes; ResNet-50: 25,557,032.
class ResNetImpl : public torch::nn::Cloneable<ResNetImpl> {
 public:
  static constexpr std::int64_t min_input_size = 32;
  explicit ResNetImpl(const ResNetOptions& options) : options(options) { reset(); }

  void reset() override {
    const auto& o = options;
    TORCH_CHECK(o.num_classes() > 0, "ResNet: num_classes must be > 0, got ", o.num_classes());
    TORCH_CHECK(o.in_channels() > 0, "ResNet: in_channels must be > 0, got ", o.in_channels());
    for (auto n : o.layers()) TORCH_CHECK(n >= 1, "ResNet: every stage needs a block or more, got ", n);
    TORCH_CHECK(o.block() == ResNetBlock::bottleneck || (o.groups() == 1 && o.width_per_group() == 64),
                "ResNet: BasicBlock only supports groups 1 and width_per_group 64 (torchvision's rule)");
    conv1 = register_module(
        "conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.in_channels(), 64, 7).stride(2).padding(3).bias(false)));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(64));
    std::int64_t in = 64;
    const std::array<std::int64_t, 4> planes{64, 128, 256, 512}, strides{1, 2, 2, 2};
    for (std::size_t s = 0; s < 4; ++s) {
      torch::nn::Sequential stage;
      for (std::int64_t b = 0; b < o.layers()[s]; ++b) {
        const auto block = ResNetBlockOptions(in, planes[s])
                               .stride(b == 0 ? strides[s] : 1)
                               .groups(o.groups())
                               .width_per_group(o.width_per_group());
        if (o.block() == ResNetBlock::basic) {
          stage->push_back(BasicBlock(block));
          in = planes[s] * BasicBlockImpl::expansion;
        } else {
          stage->push_back(Bottleneck(block));
          in = planes[s] * BottleneckImpl::expansion;
        }
      }
      layers[s] = register_module("layer" + std::to_string(s + 1), stage);
    }
    fc = register_module("fc", torch::nn::Linear(in, o.num_classes()));
    initialise();
  }

  at::Tensor forward(const at::Tensor& input) { return head(features(input)); }

  /// Layer 4's feature map [B, 512 x expansion, H/32, W/32] (rounded up): what Grad-CAM weighs.
  at::Tensor features(const at::Tensor& input) {
    TORCH_CHECK(input.dim() == 4 && input.size(1) == options.in_channels() && input.size(2) >= min_input_size &&
                    input.size(3) >= min_input_size,
                "ResNet: expected [B, ", options.in_channels(), ", H, W] with H, W >= ", min_input_size,
                " (224 for ImageNet), got ", input.sizes());
    auto x = bn1->forward(conv1->forward(input)).relu_();
    x = at::max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
    for (auto& stage : layers) x = stage->forward(x);
    return x;
  }

  /// Logits from a feature map: global average pool, fc.
  at::Tensor head(const at::Tensor& features) {
    TORCH_CHECK(features.dim() == 4 && features.size(1) == fc->options.in_features(), "ResNet: head expects [B, ",
                fc->options.in_features(), ", h, w] features, got ", features.sizes());
    return fc->forward(features.mean({2, 3}));
  }

  /// Class probabilities.
  at::Tensor predict(const at::Tensor& input) { return at::softmax(forward(input), 1); }

  /// The last BatchNorm of every residual block (bn2 of a BasicBlock, bn3 of a Bottleneck), in order.
  std::vector<torch::nn::BatchNorm2d> residual_bns() {
    std::vector<torch::nn::BatchNorm2d> out;
    for (auto& stage : layers) {
      for (const auto& m : stage->children()) {
        if (auto* b = m->as<BasicBlockImpl>()) out.push_back(b->last_bn());
        if (auto* b = m->as<BottleneckImpl>()) out.push_back(b->last_bn());
      }
    }
    return out;
  }

  ResNetOptions options;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  std::array<torch::nn::Sequential, 4> layers{torch::nn::Sequential(nullptr), torch::nn::Sequential(nullptr),
                                              torch::nn::Sequential(nullptr), torch::nn::Sequential(nullptr)};
  torch::nn::Linear fc{nullptr};

 private:
  /// torchvision's ResNet.__init__: convolutions Kaiming-normal (fan_out, relu), BatchNorm scale 1 and shift 0, the
  /// blocks' last BatchNorm scale 0 with zero_init_residual; the Linear layer keeps PyTorch's default init.
  void initialise() {
    at::NoGradGuard no_grad;
    for (auto& m : modules(/*include_self=*/false)) {
      if (auto* c = m->as<torch::nn::Conv2dImpl>()) {
        torch::nn::init::kaiming_normal_(c->weight, 0, torch::kFanOut, torch::kReLU);
      } else if (auto* b = m->as<torch::nn::BatchNorm2dImpl>()) {
        b->weight.fill_(1);
        b->bias.zero_();
      }
    }
    if (options.zero_init_residual()) {
      for (auto& bn : residual_bns()) bn->weight.zero_();
    }
  }
};
TORCH_MODULE(ResNet);

/// torchvision's `models.<arch>(num_classes=...)`, e.g. `resnet("resnet50", 100)`; see resnet_architectures().
inline ResNet resnet(const std::string& arch, std::int64_t num_classes = 1000) {
  return ResNet(resnet_options(arch, num_classes));
}

}  // namespace nn
}  // namespace superconv
