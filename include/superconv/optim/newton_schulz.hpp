// SPDX-License-Identifier: MIT
// The quintic Newton-Schulz iteration that Muon uses to orthogonalise an update: X -> aX + (bA + cA^2)X, A = XX^T.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <array>
#include <cstdint>

namespace superconv {
namespace optim {

/// Approximately the orthogonal factor U V^T of `g` = U S V^T (a matrix [m, n]): g normalised to unit Frobenius norm,
/// then `steps` iterations of X <- a X + (b A + c A A) X with A = X X^T, computed in `dtype` on the smaller Gram matrix
/// (transposed when m > n). With Jordan's coefficients (3.4445, -4.7750, 2.0315) the singular values land in about
/// [0.5, 1.5] after 3 steps and closer to 1 after 5 - not exactly 1, which training does not need. Returns `dtype`.
inline at::Tensor newton_schulz(const at::Tensor& g, std::int64_t steps = 5,
                                std::array<double, 3> coefficients = {3.4445, -4.7750, 2.0315},
                                c10::ScalarType dtype = at::kBFloat16, double eps = 1e-7) {
  TORCH_CHECK(g.dim() == 2, "newton_schulz: expected a matrix [m, n], got ", g.sizes());
  TORCH_CHECK(steps >= 0, "newton_schulz: steps must be >= 0, got ", steps);
  const auto [a, b, c] = coefficients;
  auto x = g.to(dtype);
  x = x / (x.norm() + eps);
  const bool tall = g.size(0) > g.size(1);
  if (tall) x = x.t();
  for (std::int64_t i = 0; i < steps; ++i) {
    const auto gram = x.mm(x.t());
    const auto poly = at::addmm(gram, gram, gram, /*beta=*/b, /*alpha=*/c);  // b A + c A A
    x = at::addmm(x, poly, x, /*beta=*/a, /*alpha=*/1.0);                    // a X + (b A + c A A) X
  }
  return tall ? x.t() : x;
}

}  // namespace optim
}  // namespace superconv
