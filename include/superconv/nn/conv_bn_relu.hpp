// SPDX-License-Identifier: MIT
#pragma once

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

/// Options for ConvBnRelu. Example: `ConvBnReluOptions(64, 128).pool(true)`
struct ConvBnReluOptions {
  ConvBnReluOptions(std::int64_t in_channels, std::int64_t out_channels)
      : in_channels_(in_channels), out_channels_(out_channels) {}
  TORCH_ARG(std::int64_t, in_channels);
  TORCH_ARG(std::int64_t, out_channels);
  /// MaxPool 2x2 between the convolution and the batch norm.
  TORCH_ARG(bool, pool) = false;
  TORCH_ARG(double, bn_momentum) = 0.1;
  TORCH_ARG(double, bn_eps) = 1e-5;
};

/// conv3x3 (stride 1, padding 1, no bias) > [MaxPool2] > BatchNorm > ReLU.
class ConvBnReluImpl : public torch::nn::Cloneable<ConvBnReluImpl> {
 public:
  explicit ConvBnReluImpl(const ConvBnReluOptions& options) : options(options) { reset(); }

  void reset() override {
    TORCH_CHECK(options.in_channels() > 0 && options.out_channels() > 0, "ConvBnRelu: channel counts must be > 0, got ",
                "in_channels ", options.in_channels(), ", out_channels ", options.out_channels());
    TORCH_CHECK(options.bn_momentum() >= 0 && options.bn_momentum() <= 1, "ConvBnRelu: bn_momentum must be in [0, 1], ",
                "got ", options.bn_momentum());
    TORCH_CHECK(options.bn_eps() > 0, "ConvBnRelu: bn_eps must be > 0, got ", options.bn_eps());
    TORCH_CHECK(std::isfinite(options.bn_eps()), "ConvBnRelu: bn_eps must be finite, got ", options.bn_eps());
    conv = register_module("conv",
                           torch::nn::Conv2d(torch::nn::Conv2dOptions(options.in_channels(), options.out_channels(), 3)
                                                 .stride(1)
                                                 .padding(1)
                                                 .bias(false)));
    bn = register_module("bn", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(options.out_channels())
                                                          .momentum(options.bn_momentum())
                                                          .eps(options.bn_eps())));
  }

  at::Tensor forward(const at::Tensor& x) {
    auto y = conv->forward(x);
    if (options.pool()) y = at::max_pool2d(y, {2, 2});
    return at::relu(bn->forward(y));
  }

  ConvBnReluOptions options;
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(ConvBnRelu);

}  // namespace nn
}  // namespace superconv
