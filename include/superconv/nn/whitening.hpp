// SPDX-License-Identifier: MIT
// Patch whitening: a convolution's filters set from the data - the eigenvectors of the covariance of image patches.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/nn/modules/conv.h>

#include <cmath>
#include <cstdint>

namespace superconv {
namespace nn {

/// Whitening filters for `kh` x `kw` patches of `images` [N, C, H, W] (normalised as the network will see them):
/// the eigenvectors of the patches' covariance (second moment, all stride-1 patches), each divided by
/// sqrt(eigenvalue + eps), followed by their negatives: [2 C kh kw, C, kh, kw], float32, on the images' device.
/// A convolution with them decorrelates neighbouring pixels and channels (Jordan's airbench, after Coates & Ng).
inline at::Tensor patch_whitening_filters(const at::Tensor& images, std::int64_t kh, std::int64_t kw,
                                          double eps = 5e-4) {
  TORCH_CHECK(images.dim() == 4 && images.size(0) > 0,
              "patch_whitening_filters: expected images [N, C, H, W] with N > 0, got ", images.sizes());
  TORCH_CHECK(kh > 0 && kw > 0 && kh <= images.size(2) && kw <= images.size(3), "patch_whitening_filters: kernel ", kh,
              "x", kw, " must be >= 1 and fit the images ", images.size(2), "x", images.size(3));
  TORCH_CHECK(eps > 0 && std::isfinite(eps), "patch_whitening_filters: eps must be finite and > 0, got ", eps);
  TORCH_CHECK(c10::isFloatingType(images.scalar_type()),
              "patch_whitening_filters: images must be floating point (normalised), got ", images.scalar_type());
  at::NoGradGuard no_grad;
  const auto c = images.size(1);
  // [N, C, H', W', kh, kw] -> [N H' W', C kh kw]: each row one patch, in the filter's (C, kh, kw) order.
  const auto patches = images.to(at::kFloat)
                           .unfold(2, kh, 1)
                           .unfold(3, kw, 1)
                           .permute({0, 2, 3, 1, 4, 5})
                           .reshape({-1, c * kh * kw})
                           .to(at::kDouble);
  const auto cov = patches.t().mm(patches) / static_cast<double>(patches.size(0));
  const auto eig = at::linalg_eigh(cov, "U");
  const auto& values = std::get<0>(eig);
  const auto& vectors = std::get<1>(eig);  // columns
  TORCH_CHECK(values.isfinite().all().item<bool>(), "patch_whitening_filters: the patch covariance is not finite; ",
              "are there NaN or infinite pixels?");
  const auto scaled = vectors.t().reshape({-1, c, kh, kw}) / (values.clamp_min(0) + eps).sqrt().view({-1, 1, 1, 1});
  return at::cat({scaled, -scaled}).to(at::kFloat);
}

/// Sets `conv`'s weight to patch_whitening_filters of `images` for its kernel size and freezes it (no gradient).
/// The convolution needs 2 C kh kw output channels and C input channels. Its bias (if any) is left to train.
inline void init_patch_whitening_(torch::nn::Conv2d& conv, const at::Tensor& images, double eps = 5e-4) {
  auto& w = conv->weight;
  TORCH_CHECK(images.dim() == 4 && images.size(1) == w.size(1), "init_patch_whitening_: the convolution takes ",
              w.size(1), " channels, the images have ", images.dim() == 4 ? images.size(1) : -1, " (", images.sizes(),
              ")");
  const auto filters = patch_whitening_filters(images, w.size(2), w.size(3), eps);
  TORCH_CHECK(filters.size(0) == w.size(0), "init_patch_whitening_: a ", w.size(2), "x", w.size(3), " kernel on ",
              w.size(1), " channels gives ", filters.size(0), " filters, the convolution has ", w.size(0),
              " output channels");
  at::NoGradGuard no_grad;
  w.copy_(filters);
  w.requires_grad_(false);
}

}  // namespace nn
}  // namespace superconv
