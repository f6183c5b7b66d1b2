// SPDX-License-Identifier: MIT
#pragma once

#include <superconv/nn/conv_bn_relu.hpp>
#include <superconv/nn/residual_block.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cmath>
#include <cstdint>

namespace superconv {
namespace nn {

/// Options for CustomResNet. Example: `CustomResNetOptions().width(64).num_classes(10)`
struct CustomResNetOptions {
  /// Channels of the prep layer; the layers have 2x, 4x, 8x (64 -> 64/128/256/512).
  TORCH_ARG(std::int64_t, width) = 64;
  TORCH_ARG(std::int64_t, num_classes) = 10;
  TORCH_ARG(std::int64_t, in_channels) = 3;
  /// Multiplies the logits (0.125 in Page's "How to train your ResNet"); 1 leaves them as the FC gives them.
  TORCH_ARG(double, logit_scale) = 1.0;
};

/// The "custom ResNet" (ResNet-9 of the DAWNBench CIFAR-10 entries), for 32x32 inputs (any size >= 8 works; below 16 px
/// layer 3's BatchNorm sees a 1x1 map, so a training batch needs two images or more):
/// PrepLayer conv 64; Layer1 conv 128 > MaxPool2 > BN > ReLU + residual; Layer2 conv 256 > MaxPool2 > BN > ReLU;
/// Layer3 conv 512 > MaxPool2 > BN > ReLU + residual; MaxPool over the whole map (4 at 32 px); FC.
/// `forward` = `head(features(x))` returns logits (for the loss); `predict` returns class probabilities (softmax).
/// At width 64: 6,573,130 parameters. examples/python/custom_resnet.py is the same network in PyTorch.
class CustomResNetImpl : public torch::nn::Cloneable<CustomResNetImpl> {
 public:
  explicit CustomResNetImpl(const CustomResNetOptions& options = {}) : options(options) { reset(); }

  void reset() override {
    const auto w = options.width();
    TORCH_CHECK(w > 0, "CustomResNet: width must be > 0, got ", w);
    TORCH_CHECK(options.num_classes() > 0, "CustomResNet: num_classes must be > 0, got ", options.num_classes());
    TORCH_CHECK(options.in_channels() > 0, "CustomResNet: in_channels must be > 0, got ", options.in_channels());
    TORCH_CHECK(options.logit_scale() > 0, "CustomResNet: logit_scale must be > 0, got ", options.logit_scale());
    TORCH_CHECK(std::isfinite(options.logit_scale()), "CustomResNet: logit_scale must be finite, got ",
                options.logit_scale());
    prep = register_module("prep", ConvBnRelu(ConvBnReluOptions(options.in_channels(), w)));
    layer1 = register_module("layer1", ConvBnRelu(ConvBnReluOptions(w, 2 * w).pool(true)));
    res1 = register_module("res1", ResidualBlock(2 * w));
    layer2 = register_module("layer2", ConvBnRelu(ConvBnReluOptions(2 * w, 4 * w).pool(true)));
    layer3 = register_module("layer3", ConvBnRelu(ConvBnReluOptions(4 * w, 8 * w).pool(true)));
    res3 = register_module("res3", ResidualBlock(8 * w));
    fc = register_module("fc", torch::nn::Linear(8 * w, options.num_classes()));
  }

  at::Tensor forward(const at::Tensor& input) { return head(features(input)); }

  /// The layer-3 feature map (after its residual add), [B, 8w, H/8, W/8]: what Grad-CAM weighs.
  at::Tensor features(const at::Tensor& input) {
    TORCH_CHECK(input.dim() == 4 && input.size(1) == options.in_channels() && input.size(2) >= 8 && input.size(3) >= 8,
                "CustomResNet: expected [B, ", options.in_channels(), ", H, W] with H, W >= 8 (32 for CIFAR-10), got ",
                input.sizes());
    auto x = prep->forward(input);
    x = layer1->forward(x);
    x = x + res1->forward(x);
    x = layer2->forward(x);
    x = layer3->forward(x);
    return x + res3->forward(x);
  }

  /// Logits from a feature map: max-pool over the whole map (kernel 4 at 32 px), FC, logit scale.
  at::Tensor head(const at::Tensor& features) {
    TORCH_CHECK(features.dim() == 4 && features.size(1) == 8 * options.width(), "CustomResNet: head expects [B, ",
                8 * options.width(), ", h, w] features, got ", features.sizes());
    auto x = at::max_pool2d(features, {features.size(2), features.size(3)}).flatten(1);
    x = fc->forward(x);
    return options.logit_scale() == 1.0 ? x : x * options.logit_scale();
  }

  /// Class probabilities.
  at::Tensor predict(const at::Tensor& input) { return at::softmax(forward(input), 1); }

  CustomResNetOptions options;
  ConvBnRelu prep{nullptr}, layer1{nullptr}, layer2{nullptr}, layer3{nullptr};
  ResidualBlock res1{nullptr}, res3{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(CustomResNet);

/// Converts a module's 4-d parameters (convolution weights) to channels_last in place; feed it channels_last
/// batches. (LibTorch modules have no `to(memory_format)`.)
inline void to_channels_last(torch::nn::Module& module) {
  at::NoGradGuard no_grad;
  for (auto& p : module.parameters()) {
    if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
  }
}

/// Number of scalars in a module's parameters.
inline std::int64_t count_parameters(const torch::nn::Module& module) {
  std::int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

}  // namespace nn
}  // namespace superconv
