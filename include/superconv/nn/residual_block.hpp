// SPDX-License-Identifier: MIT
#pragma once

#include <superconv/nn/conv_bn_relu.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace superconv {
namespace nn {

/// Conv-BN-ReLU-Conv-BN-ReLU at constant width. Its output is the residual: the enclosing layer adds it to its
/// input (`x + res(x)`).
class ResidualBlockImpl : public torch::nn::Cloneable<ResidualBlockImpl> {
 public:
  explicit ResidualBlockImpl(std::int64_t channels) : channels(channels) { reset(); }

  void reset() override {
    TORCH_CHECK(channels > 0, "ResidualBlock: channels must be > 0, got ", channels);
    conv1 = register_module("conv1", ConvBnRelu(ConvBnReluOptions(channels, channels)));
    conv2 = register_module("conv2", ConvBnRelu(ConvBnReluOptions(channels, channels)));
  }

  at::Tensor forward(const at::Tensor& x) { return conv2->forward(conv1->forward(x)); }

  std::int64_t channels;
  ConvBnRelu conv1{nullptr}, conv2{nullptr};
};
TORCH_MODULE(ResidualBlock);

}  // namespace nn
}  // namespace superconv
