// SPDX-License-Identifier: MIT
// Initialisations beyond LibTorch's: identity (Dirac) on a convolution's first filters, unit-std rescaling.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/nn/init.h>

#include <algorithm>

namespace superconv {
namespace nn {

/// Sets the first min(out, in) filters of a convolution weight [out, in, kh, kw] to the identity (Dirac: filter i
/// passes input channel i through, centred) and leaves the others as they are - airbench's start, where each layer
/// begins by passing its input on. Odd kernel sizes only (the identity needs a centre). Returns the weight.
inline at::Tensor dirac_partial_(const at::Tensor& weight) {
  TORCH_CHECK(weight.dim() == 4, "dirac_partial_: expected a convolution weight [out, in, kh, kw], got ",
              weight.sizes());
  TORCH_CHECK(weight.size(2) % 2 == 1 && weight.size(3) % 2 == 1,
              "dirac_partial_: the kernel needs a centre (odd sizes), got ", weight.size(2), "x", weight.size(3));
  at::NoGradGuard no_grad;
  const auto n = std::min(weight.size(0), weight.size(1));
  auto head = weight.narrow(0, 0, n);
  head.zero_();
  for (std::int64_t i = 0; i < n; ++i) head[i][i][weight.size(2) / 2][weight.size(3) / 2] = 1;
  return weight;
}

/// Rescales `weight` in place to unit standard deviation (airbench's head). Returns the weight.
inline at::Tensor unit_std_(const at::Tensor& weight) {
  TORCH_CHECK(weight.numel() > 1, "unit_std_: needs at least two values, got ", weight.numel());
  at::NoGradGuard no_grad;
  const auto s = weight.std();
  TORCH_CHECK(s.item<double>() > 0, "unit_std_: the weight is constant (std 0); nothing to rescale");
  return weight.div_(s);
}

}  // namespace nn
}  // namespace superconv
