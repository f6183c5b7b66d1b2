// SPDX-License-Identifier: MIT
// BatchNorm with its scale frozen at 1: only the shift (bias) trains, as in airbench.
#pragma once

#include <c10/util/Exception.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/options/batchnorm.h>

#include <cmath>
#include <cstdint>

namespace superconv {
namespace nn {

/// A BatchNorm2d whose weight (scale) stays 1: it does not require a gradient, so optimizers built from the
/// parameters that require one never see it. `momentum` is PyTorch's (the weight of the new batch statistics).
/// Example: `auto bn = frozen_scale_batch_norm2d(64, 1e-12, 0.4);`
inline torch::nn::BatchNorm2d frozen_scale_batch_norm2d(std::int64_t channels, double eps = 1e-5,
                                                        double momentum = 0.1) {
  TORCH_CHECK(channels > 0, "frozen_scale_batch_norm2d: channels must be > 0, got ", channels);
  TORCH_CHECK(eps > 0 && std::isfinite(eps), "frozen_scale_batch_norm2d: eps must be finite and > 0, got ", eps);
  TORCH_CHECK(momentum >= 0 && momentum <= 1, "frozen_scale_batch_norm2d: momentum must be in [0, 1], got ", momentum);
  torch::nn::BatchNorm2d bn(torch::nn::BatchNorm2dOptions(channels).eps(eps).momentum(momentum));
  bn->weight.requires_grad_(false);
  return bn;
}

}  // namespace nn
}  // namespace superconv
