// SPDX-License-Identifier: MIT
// Test-time augmentation: views of a batch (mirror, shifts) and the weights with which their logits are averaged.
#pragma once

#include <superconv/transforms/shift.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace superconv {
namespace train {

/// One view of test-time augmentation: a deterministic transform of the input batch and its logits' weight.
struct TTAView {
  std::string name;
  std::function<at::Tensor(const at::Tensor&)> transform;  ///< empty: the batch as it is
  double weight = 1.0;
};
using TTAViews = std::vector<TTAView>;

/// Each sample of `x` [B, C, H, W] moved by (dy, dx) pixels, the border reflected (transforms::shift).
inline at::Tensor shift_reflect(const at::Tensor& x, std::int64_t dy, std::int64_t dx) {
  return transforms::shift(x, dy, dx, transforms::Padding::kReflect);
}

/// The image and its mirror image (flipped along the width), weighted 1/2 each.
inline TTAViews flip_views() {
  return {{"image", nullptr, 0.5}, {"mirror", [](const at::Tensor& x) { return x.flip({-1}); }, 0.5}};
}

/// airbench's level-2 TTA (`infer_mirror_translate`): the image and its mirror (1/4 each), and the image moved
/// `shift` pixels up-left and down-right with reflected borders, each with its own mirror (1/8 each): six views.
/// A shifted mirror is the mirror of the shifted image, `flip(shift(x))` as airbench computes it (not
/// `shift(flip(x))`, which moves the mirrored content the other way along the width).
inline TTAViews flip_shift_views(std::int64_t shift = 1) {
  TORCH_CHECK(shift > 0, "flip_shift_views: shift must be > 0, got ", shift);
  TTAViews views = {{"image", nullptr, 0.25}, {"mirror", [](const at::Tensor& x) { return x.flip({-1}); }, 0.25}};
  for (const auto d : {-shift, shift}) {
    const auto tag = d < 0 ? std::string("up-left") : std::string("down-right");
    views.push_back({"image " + tag, [d](const at::Tensor& x) { return shift_reflect(x, d, d); }, 0.125});
    views.push_back({"mirror " + tag, [d](const at::Tensor& x) { return shift_reflect(x, d, d).flip({-1}); }, 0.125});
  }
  return views;
}

/// Checks a set of views: at least one, finite positive weights summing to 1 (an average of logits).
inline void check_tta_views(const TTAViews& views) {
  TORCH_CHECK(!views.empty(), "EvalOptions: tta_views is empty; give at least one view");
  double sum = 0;
  for (const auto& v : views) {
    TORCH_CHECK(std::isfinite(v.weight) && v.weight > 0, "EvalOptions: TTA view '", v.name, "' has weight ", v.weight,
                "; weights must be finite and > 0");
    sum += v.weight;
  }
  TORCH_CHECK(std::abs(sum - 1.0) < 1e-9, "EvalOptions: TTA view weights must sum to 1, got ", sum);
}

}  // namespace train
}  // namespace superconv
