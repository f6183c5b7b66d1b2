// SPDX-License-Identifier: MIT
// The two residual blocks of torchvision's ResNets, with torchvision's module names and arithmetic: BasicBlock
// (two 3x3 convolutions; ResNet-18/34) and Bottleneck (1x1, 3x3 with the stride, 1x1 x4; ResNet-50/101/152, the
// "V1.5" placement of the stride; groups and width for ResNeXt and wide ResNets).
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace superconv {
namespace nn {

/// What a block is made with (torchvision's BasicBlock/Bottleneck arguments). Example:
/// `ResNetBlockOptions(256, 64).stride(2)`
struct ResNetBlockOptions {
  ResNetBlockOptions(std::int64_t in_channels, std::int64_t planes) : in_channels_(in_channels), planes_(planes) {}
  TORCH_ARG(std::int64_t, in_channels);
  /// The block's base channel count: its output has planes x expansion channels (1 Basic, 4 Bottleneck).
  TORCH_ARG(std::int64_t, planes);
  /// The stride of the block's first 3x3 convolution (and of its downsample).
  TORCH_ARG(std::int64_t, stride) = 1;
  /// Bottleneck only: grouped 3x3 convolution (ResNeXt) and the width per group (64: ResNet; 128: wide ResNet).
  TORCH_ARG(std::int64_t, groups) = 1;
  TORCH_ARG(std::int64_t, width_per_group) = 64;
};

namespace detail {
inline torch::nn::Conv2d resnet_conv(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                                     std::int64_t groups = 1) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).groups(groups).bias(false));
}
/// torchvision's downsample: conv1x1 with the stride + BatchNorm, where the shape changes; an empty holder elsewhere.
inline torch::nn::Sequential resnet_downsample(std::int64_t in, std::int64_t out, std::int64_t stride) {
  if (stride == 1 && in == out) return torch::nn::Sequential(nullptr);
  return torch::nn::Sequential(resnet_conv(in, out, 1, stride), torch::nn::BatchNorm2d(out));
}
inline void check_block(const ResNetBlockOptions& o, const char* name) {
  TORCH_CHECK(o.in_channels() > 0 && o.planes() > 0, name, ": in_channels and planes must be > 0, got ",
              o.in_channels(), " and ", o.planes());
  TORCH_CHECK(o.stride() >= 1, name, ": stride must be >= 1, got ", o.stride());
  TORCH_CHECK(o.groups() >= 1 && o.width_per_group() >= 1, name, ": groups and width_per_group must be >= 1, got ",
              o.groups(), " and ", o.width_per_group());
}
}  // namespace detail

/// conv3x3 (stride) > BN > ReLU > conv3x3 > BN, + the input (downsampled where the shape changes) > ReLU.
/// Names: conv1, bn1, conv2, bn2, downsample.0/.1 (torchvision's). `last_bn()` is bn2 (zero-init-residual).
class BasicBlockImpl : public torch::nn::Cloneable<BasicBlockImpl> {
 public:
  static constexpr std::int64_t expansion = 1;
  explicit BasicBlockImpl(const ResNetBlockOptions& options) : options(options) { reset(); }

  void reset() override {
    detail::check_block(options, "BasicBlock");
    TORCH_CHECK(options.groups() == 1 && options.width_per_group() == 64,
                "BasicBlock: only groups 1 and width_per_group 64 (torchvision's rule), got ", options.groups(),
                " and ", options.width_per_group());
    const auto in = options.in_channels(), p = options.planes();
    conv1 = register_module("conv1", detail::resnet_conv(in, p, 3, options.stride()));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(p));
    conv2 = register_module("conv2", detail::resnet_conv(p, p, 3, 1));
    bn2 = register_module("bn2", torch::nn::BatchNorm2d(p));
    downsample = detail::resnet_downsample(in, p * expansion, options.stride());
    if (downsample) register_module("downsample", downsample);
  }

  at::Tensor forward(const at::Tensor& x) {
    auto out = bn1->forward(conv1->forward(x)).relu_();
    out = bn2->forward(conv2->forward(out));
    return out.add_(downsample ? downsample->forward(x) : x).relu_();
  }
  torch::nn::BatchNorm2d& last_bn() { return bn2; }

  ResNetBlockOptions options;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

/// conv1x1 > BN > ReLU > conv3x3 (stride, groups) > BN > ReLU > conv1x1 (x4) > BN, + the input (downsampled where
/// the shape changes) > ReLU. Width of the inner convolutions: planes x width_per_group / 64 x groups.
/// Names: conv1..3, bn1..3, downsample.0/.1 (torchvision's). `last_bn()` is bn3 (zero-init-residual).
class BottleneckImpl : public torch::nn::Cloneable<BottleneckImpl> {
 public:
  static constexpr std::int64_t expansion = 4;
  explicit BottleneckImpl(const ResNetBlockOptions& options) : options(options) { reset(); }

  void reset() override {
    detail::check_block(options, "Bottleneck");
    const auto in = options.in_channels(), p = options.planes();
    // torchvision: int(planes * (base_width / 64.0)) * groups
    const auto width =
        static_cast<std::int64_t>(static_cast<double>(p) * (options.width_per_group() / 64.0)) * options.groups();
    TORCH_CHECK(width > 0, "Bottleneck: planes ", p, " with width_per_group ", options.width_per_group(),
                " leaves no channels");
    conv1 = register_module("conv1", detail::resnet_conv(in, width, 1, 1));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(width));
    conv2 = register_module("conv2", detail::resnet_conv(width, width, 3, options.stride(), options.groups()));
    bn2 = register_module("bn2", torch::nn::BatchNorm2d(width));
    conv3 = register_module("conv3", detail::resnet_conv(width, p * expansion, 1, 1));
    bn3 = register_module("bn3", torch::nn::BatchNorm2d(p * expansion));
    downsample = detail::resnet_downsample(in, p * expansion, options.stride());
    if (downsample) register_module("downsample", downsample);
  }

  at::Tensor forward(const at::Tensor& x) {
    auto out = bn1->forward(conv1->forward(x)).relu_();
    out = bn2->forward(conv2->forward(out)).relu_();
    out = bn3->forward(conv3->forward(out));
    return out.add_(downsample ? downsample->forward(x) : x).relu_();
  }
  torch::nn::BatchNorm2d& last_bn() { return bn3; }

  ResNetBlockOptions options;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

}  // namespace nn
}  // namespace superconv
