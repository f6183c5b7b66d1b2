// SPDX-License-Identifier: MIT
// Grad-CAM (Selvaraju et al. 2017): where in an image a model found the evidence for a class. Any model that exposes
// a feature map and the logits computed from it (nn::CustomResNet: features() = layer 3, head() = pool + FC).
#pragma once

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/autograd.h>

#include <functional>

namespace superconv {
namespace nn {

/// Grad-CAM maps and what they explain.
struct GradCamResult {
  /// [B, H, W] float in [0, 1] at the input's size: ReLU of the feature channels weighted by the mean gradient of
  /// the class score, bilinearly upsampled, divided by its maximum per image (evidence everywhere is 1 everywhere;
  /// a map without evidence is all zero).
  at::Tensor maps;
  /// [B, num_classes], the model's logits; [B] int64, the class each map explains.
  at::Tensor logits, classes;
};

/// Grad-CAM from two callables: `features(input)` -> [B, K, h, w], `head(features)` -> logits [B, C]. `classes`:
/// [B] int64 class per image, or undefined for each image's predicted class. Gradients flow only from the logits to
/// the feature map (no parameter's .grad changes); grad mode is on inside and restored after. Runs wherever the
/// input and the model are. Put a module in eval mode first (the overload for modules does).
inline GradCamResult grad_cam(const std::function<at::Tensor(const at::Tensor&)>& features,
                              const std::function<at::Tensor(const at::Tensor&)>& head, const at::Tensor& input,
                              const at::Tensor& classes = {}) {
  TORCH_CHECK(input.defined() && input.dim() == 4 && input.size(0) > 0, "grad_cam: input must be [B, C, H, W] with ",
              "B > 0, got ", input.defined() ? input.sizes() : at::IntArrayRef{});
  c10::AutoGradMode grad_on(true);
  const auto feat = features(input).detach().requires_grad_(true);
  TORCH_CHECK(feat.dim() == 4 && feat.size(0) == input.size(0), "grad_cam: features must be [B, K, h, w] for a ",
              "batch of ", input.size(0), ", got ", feat.sizes());
  const auto logits = head(feat);
  TORCH_CHECK(logits.dim() == 2 && logits.size(0) == input.size(0), "grad_cam: head must give logits [B, classes] ",
              "for a batch of ", input.size(0), ", got ", logits.sizes());
  GradCamResult r;
  r.logits = logits.detach();
  r.classes = classes.defined() ? classes.to(logits.device(), at::kLong) : r.logits.argmax(1);
  TORCH_CHECK(r.classes.dim() == 1 && r.classes.size(0) == input.size(0), "grad_cam: classes must be [", input.size(0),
              "], got ", r.classes.sizes());
  TORCH_CHECK(r.classes.numel() == 0 ||
                  (r.classes.min().item<std::int64_t>() >= 0 && r.classes.max().item<std::int64_t>() < logits.size(1)),
              "grad_cam: classes must be in 0..", logits.size(1) - 1);
  const auto score = logits.gather(1, r.classes.view({-1, 1})).sum();
  const auto grad = torch::autograd::grad({score}, {feat})[0].detach();
  at::NoGradGuard no_grad;
  const auto f = feat.detach().to(at::kFloat);
  const auto weights = grad.to(at::kFloat).mean({2, 3}, /*keepdim=*/true);
  auto cam = at::relu((weights * f).sum(1, /*keepdim=*/true));
  cam = at::upsample_bilinear2d(cam, {input.size(2), input.size(3)}, /*align_corners=*/false).squeeze(1);
  // Scaled by each map's maximum, as the reference implementation does (not min-max: evidence spread over the
  // whole image stays 1 everywhere instead of becoming 0); a map without evidence (all 0) stays 0, never NaN.
  const auto peak = std::get<0>(cam.flatten(1).max(1)).view({-1, 1, 1});
  r.maps = at::where(peak > 1e-12, cam / peak.clamp_min(1e-12), at::zeros_like(cam)).clamp(0, 1);
  return r;
}

/// Grad-CAM for a module holder with `features(x)` and `head(features)` (nn::CustomResNet): runs in eval mode and
/// restores the module's mode. Example: `auto cam = grad_cam(model, images);  // cam.maps [B, H, W]`
template <typename Model>
GradCamResult grad_cam(Model& model, const at::Tensor& input, const at::Tensor& classes = {}) {
  const bool was_training = model->is_training();
  model->eval();
  try {
    auto r = grad_cam([&](const at::Tensor& x) { return model->features(x); },
                      [&](const at::Tensor& f) { return model->head(f); }, input, classes);
    model->train(was_training);
    return r;
  } catch (...) {
    model->train(was_training);
    throw;
  }
}

}  // namespace nn
}  // namespace superconv
