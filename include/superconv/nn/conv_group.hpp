// SPDX-License-Identifier: MIT
// ConvGroup: airbench's block - conv3x3 > MaxPool2 > BatchNorm > GELU > conv3x3 > BatchNorm > GELU, no residual.
#pragma once

#include <superconv/nn/batch_norm.hpp>
#include <superconv/nn/init.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include <cmath>
#include <cstdint>

namespace superconv {
namespace nn {

/// Options for ConvGroup. Example: `ConvGroupOptions(24, 64).bn_eps(1e-12).bn_momentum(0.4)`
struct ConvGroupOptions {
  ConvGroupOptions(std::int64_t in_channels, std::int64_t out_channels)
      : in_channels_(in_channels), out_channels_(out_channels) {}
  TORCH_ARG(std::int64_t, in_channels);
  TORCH_ARG(std::int64_t, out_channels);
  /// BatchNorm: PyTorch's momentum (weight of the batch statistics), eps, and whether the scale stays 1.
  TORCH_ARG(double, bn_momentum) = 0.4;
  TORCH_ARG(double, bn_eps) = 1e-12;
  TORCH_ARG(bool, freeze_bn_scale) = true;
  /// Start each convolution with its first in_channels filters as the identity (dirac_partial_).
  TORCH_ARG(bool, dirac_init) = true;
};

/// conv3x3 (no bias, same padding) > MaxPool 2 > BatchNorm > GELU > conv3x3 > BatchNorm > GELU: halves the map.
class ConvGroupImpl : public torch::nn::Cloneable<ConvGroupImpl> {
 public:
  explicit ConvGroupImpl(const ConvGroupOptions& options) : options(options) { reset(); }

  void reset() override {
    const auto in = options.in_channels(), out = options.out_channels();
    TORCH_CHECK(in > 0 && out > 0, "ConvGroup: channel counts must be > 0, got in_channels ", in, ", out_channels ",
                out);
    auto conv = [](std::int64_t i, std::int64_t o) {
      return torch::nn::Conv2d(torch::nn::Conv2dOptions(i, o, 3).padding(1).bias(false));
    };
    auto bn = [&] {
      if (options.freeze_bn_scale()) return frozen_scale_batch_norm2d(out, options.bn_eps(), options.bn_momentum());
      TORCH_CHECK(options.bn_eps() > 0 && std::isfinite(options.bn_eps()),
                  "ConvGroup: bn_eps must be finite and > 0, got ", options.bn_eps());
      return torch::nn::BatchNorm2d(
          torch::nn::BatchNorm2dOptions(out).eps(options.bn_eps()).momentum(options.bn_momentum()));
    };
    conv1 = register_module("conv1", conv(in, out));
    norm1 = register_module("norm1", bn());
    conv2 = register_module("conv2", conv(out, out));
    norm2 = register_module("norm2", bn());
    if (options.dirac_init()) dirac_partial_(conv1->weight), dirac_partial_(conv2->weight);
  }

  at::Tensor forward(const at::Tensor& input) {
    auto x = at::max_pool2d(conv1->forward(input), {2, 2});
    x = at::gelu(norm1->forward(x));
    return at::gelu(norm2->forward(conv2->forward(x)));
  }

  ConvGroupOptions options;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d norm1{nullptr}, norm2{nullptr};
};
TORCH_MODULE(ConvGroup);

}  // namespace nn
}  // namespace superconv
