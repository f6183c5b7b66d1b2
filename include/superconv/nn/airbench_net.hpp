// SPDX-License-Identifier: MIT
// AirbenchNet: the network of the fastest published CIFAR-10 recipes (Jordan 2024) - a frozen whitening layer and
// three ConvGroups - for the 94 %-in-minutes recipe (examples/cifar10_speedrun).
#pragma once

#include <superconv/nn/conv_group.hpp>
#include <superconv/nn/init.hpp>
#include <superconv/nn/whitening.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace superconv {
namespace nn {

/// Options for AirbenchNet. Example: `AirbenchNetOptions().widths({64, 256, 256}).num_classes(10)`
struct AirbenchNetOptions {
  /// Channels of the three ConvGroups.
  TORCH_ARG(std::vector<std::int64_t>, widths) = std::vector<std::int64_t>{64, 256, 256};
  TORCH_ARG(std::int64_t, num_classes) = 10;
  TORCH_ARG(std::int64_t, in_channels) = 3;
  /// Kernel of the whitening convolution (2: 2x2 patches, 2 x 3 x 4 = 24 filters on RGB).
  TORCH_ARG(std::int64_t, whiten_kernel) = 2;
  /// Multiplies the logits; 0: 1 / widths.back() (airbench's division by 256).
  TORCH_ARG(double, logit_scale) = 0.0;
  /// BatchNorm momentum (PyTorch's convention) and eps in every group.
  TORCH_ARG(double, bn_momentum) = 0.4;
  TORCH_ARG(double, bn_eps) = 1e-12;
  /// Rescale the head's initial weights to unit standard deviation (airbench94_muon); false keeps PyTorch's default
  /// Linear init (airbench94, whose logits are scaled by 1/9).
  TORCH_ARG(bool, unit_std_head) = true;
  /// Start the whitening convolution's bias at 0 (airbench94, whose Conv zeroes every bias in reset_parameters);
  /// false keeps PyTorch's default Conv2d init (airbench94_muon, whose whitening layer is a plain nn.Conv2d).
  TORCH_ARG(bool, zero_whiten_bias) = false;
};

/// whiten (conv kxk, no padding, frozen filters, a bias that trains) > GELU > ConvGroup x 3 > max-pool over the
/// map (3x3 at 32 px) > Linear without bias > x logit_scale. Call init_whitening(images) before training; the
/// head starts with unit-std weights. 1,972,792 parameters with the defaults (the whitening filters and BatchNorm
/// scales frozen). `forward` = `head(features(x))`, so Grad-CAM works on it.
class AirbenchNetImpl : public torch::nn::Cloneable<AirbenchNetImpl> {
 public:
  explicit AirbenchNetImpl(const AirbenchNetOptions& options = {}) : options(options) { reset(); }

  void reset() override {
    const auto& w = options.widths();
    TORCH_CHECK(w.size() == 3, "AirbenchNet: widths must have 3 entries, got ", w.size());
    for (auto c : w) TORCH_CHECK(c > 0, "AirbenchNet: widths must be > 0, got ", c);
    TORCH_CHECK(options.num_classes() > 0, "AirbenchNet: num_classes must be > 0, got ", options.num_classes());
    TORCH_CHECK(options.in_channels() > 0, "AirbenchNet: in_channels must be > 0, got ", options.in_channels());
    TORCH_CHECK(options.whiten_kernel() > 0, "AirbenchNet: whiten_kernel must be > 0, got ", options.whiten_kernel());
    TORCH_CHECK(options.logit_scale() >= 0 && std::isfinite(options.logit_scale()),
                "AirbenchNet: logit_scale must be finite and >= 0 (0: 1/widths.back()), got ", options.logit_scale());
    const auto k = options.whiten_kernel(), c = options.in_channels();
    const auto ww = 2 * c * k * k;
    whiten = register_module("whiten", torch::nn::Conv2d(torch::nn::Conv2dOptions(c, ww, k).padding(0).bias(true)));
    whiten->weight.requires_grad_(false);  // set from the data by init_whitening
    if (options.zero_whiten_bias()) {
      at::NoGradGuard no_grad;
      whiten->bias.zero_();
    }
    auto group = [&](std::int64_t in, std::int64_t out) {
      return ConvGroup(ConvGroupOptions(in, out).bn_eps(options.bn_eps()).bn_momentum(options.bn_momentum()));
    };
    block1 = register_module("block1", group(ww, w[0]));
    block2 = register_module("block2", group(w[0], w[1]));
    block3 = register_module("block3", group(w[1], w[2]));
    fc = register_module("head", torch::nn::Linear(torch::nn::LinearOptions(w[2], options.num_classes()).bias(false)));
    if (options.unit_std_head()) unit_std_(fc->weight);
  }

  /// Sets the whitening filters from `images` [N, C, H, W], normalised as the training batches are (airbench: the
  /// first 5,000 training images), with eigenvalue floor `eps`.
  void init_whitening(const at::Tensor& images, double eps = 5e-4) {
    init_patch_whitening_(whiten, images.to(whiten->weight.device()), eps);
  }

  at::Tensor forward(const at::Tensor& input) { return head(features(input)); }

  /// The last group's map [B, widths[2], h, w] (3x3 at 32 px): what Grad-CAM weighs.
  at::Tensor features(const at::Tensor& input) {
    const auto k = options.whiten_kernel();
    TORCH_CHECK(input.dim() == 4 && input.size(1) == options.in_channels() && input.size(2) >= 8 + k - 1 &&
                    input.size(3) >= 8 + k - 1,
                "AirbenchNet: expected [B, ", options.in_channels(), ", H, W] with H, W >= ", 8 + k - 1,
                " (32 for CIFAR-10), got ", input.sizes());
    auto x = at::gelu(whiten->forward(input));
    return block3->forward(block2->forward(block1->forward(x)));
  }

  /// Logits from a feature map: max over the map, the linear layer, the logit scale.
  at::Tensor head(const at::Tensor& features) {
    TORCH_CHECK(features.dim() == 4 && features.size(1) == options.widths()[2], "AirbenchNet: head expects [B, ",
                options.widths()[2], ", h, w] features, got ", features.sizes());
    auto x = fc->forward(at::amax(features, {2, 3}));
    return x * scale();
  }

  /// The factor the logits are multiplied by.
  double scale() const {
    return options.logit_scale() > 0 ? options.logit_scale() : 1.0 / static_cast<double>(options.widths()[2]);
  }

  AirbenchNetOptions options;
  torch::nn::Conv2d whiten{nullptr};
  ConvGroup block1{nullptr}, block2{nullptr}, block3{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(AirbenchNet);

}  // namespace nn
}  // namespace superconv
