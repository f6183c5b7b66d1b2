// SPDX-License-Identifier: MIT
#pragma once

#include <superconv/random.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>

namespace superconv {
namespace transforms {

/// Options for FlipLR. Example: `FlipLROptions().p(0.5)`
struct FlipLROptions {
  /// Probability that a sample is mirrored left-right.
  TORCH_ARG(double, p) = 0.5;
};

/// Mirrors each sample of a batch `[B, C, H, W]` left-right with probability p, independently per sample.
class FlipLR {
 public:
  explicit FlipLR(FlipLROptions options = {}) : options_(options) {
    TORCH_CHECK(options_.p() >= 0.0 && options_.p() <= 1.0, "FlipLR: p must be in [0, 1], got ", options_.p());
  }

  at::Tensor operator()(const at::Tensor& x, at::Generator& gen) const {
    TORCH_CHECK(x.dim() == 4, "FlipLR: expected a batch [B, C, H, W], got ", x.sizes());
    detail::check_generator(gen, x.device(), "FlipLR");
    const auto flip = at::rand({x.size(0)}, gen, at::TensorOptions().dtype(at::kFloat).device(x.device()))
                          .lt(options_.p())
                          .view({x.size(0), 1, 1, 1});
    return at::where(flip, x.flip({3}), x);
  }

  const FlipLROptions& options() const { return options_; }

 private:
  FlipLROptions options_;
};

}  // namespace transforms
}  // namespace superconv
