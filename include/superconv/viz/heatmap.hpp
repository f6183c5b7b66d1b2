// SPDX-License-Identifier: MIT
// Heat maps over images: the turbo colormap, blending over a picture, and a gallery of "image | heat map overlay"
// pairs with labels (what Grad-CAM pictures are made of).
#pragma once

#include <superconv/viz/canvas.hpp>
#include <superconv/viz/image_grid.hpp>
#include <superconv/viz/png.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace superconv {
namespace viz {

/// Google's turbo colormap (the polynomial fit of Mikhailov 2019) at t in [0, 1]: dark blue, cyan, green, yellow,
/// red. Values outside [0, 1] (and NaN) are clamped.
inline Color turbo(double t) {
  t = std::isnan(t) ? 0.0 : std::min(1.0, std::max(0.0, t));
  const double r =
      0.13572138 + t * (4.61539260 + t * (-42.66032258 + t * (132.13108234 + t * (-152.94239396 + t * 59.28637943))));
  const double g =
      0.09140261 + t * (2.19418839 + t * (4.84296658 + t * (-14.18503333 + t * (4.27729857 + t * 2.82956604))));
  const double b =
      0.10667330 + t * (12.64194608 + t * (-60.58204836 + t * (110.36276771 + t * (-89.90310912 + t * 27.34824973))));
  auto byte = [](double v) { return static_cast<std::uint8_t>(std::lround(255.0 * std::min(1.0, std::max(0.0, v)))); };
  return {byte(r), byte(g), byte(b)};
}

/// A map [H, W] (any float dtype, values in [0, 1]) as an RGB image through the turbo colormap.
inline Image colorize(const at::Tensor& map) {
  TORCH_CHECK(map.defined() && map.dim() == 2 && map.numel() > 0, "colorize: expected a map [H, W], got ",
              map.defined() ? map.sizes() : at::IntArrayRef{});
  const auto m = map.detach().to(at::kCPU, at::kDouble).contiguous();
  const auto* v = m.data_ptr<double>();
  Image im;
  im.height = static_cast<int>(map.size(0));
  im.width = static_cast<int>(map.size(1));
  im.rgb.reserve(static_cast<std::size_t>(m.numel()) * 3);
  for (std::int64_t i = 0; i < m.numel(); ++i) {
    const auto c = turbo(v[i]);
    im.rgb.insert(im.rgb.end(), {c.r, c.g, c.b});
  }
  return im;
}

/// `overlay` over `base` (same size): alpha 0 is the base, 1 the overlay.
inline Image blend(const Image& base, const Image& overlay, double alpha = 0.5) {
  TORCH_CHECK(base.width == overlay.width && base.height == overlay.height, "blend: sizes differ: ", base.width, "x",
              base.height, " and ", overlay.width, "x", overlay.height);
  TORCH_CHECK(alpha >= 0 && alpha <= 1, "blend: alpha must be in [0, 1], got ", alpha);
  TORCH_CHECK(base.rgb.size() == overlay.rgb.size(), "blend: a pixel buffer does not match its size");
  Image out = base;
  for (std::size_t i = 0; i < out.rgb.size(); ++i) {
    out.rgb[i] = static_cast<std::uint8_t>(std::lround((1 - alpha) * base.rgb[i] + alpha * overlay.rgb[i]));
  }
  return out;
}

/// Two images side by side with `gap` white columns between them (heights may differ; top-aligned).
inline Image side_by_side(const Image& left, const Image& right, int gap = 2) {
  TORCH_CHECK(gap >= 0 && gap <= 1024, "side_by_side: gap must be in 0..1024, got ", gap);
  Image out;
  out.width = left.width + gap + right.width;
  out.height = std::max(left.height, right.height);
  out.rgb.assign(static_cast<std::size_t>(out.width) * static_cast<std::size_t>(out.height) * 3, 255);
  auto put = [&](const Image& im, int x0) {
    for (int y = 0; y < im.height; ++y) {
      std::copy_n(im.rgb.begin() + static_cast<std::ptrdiff_t>(y) * im.width * 3, im.width * 3,
                  out.rgb.begin() + (static_cast<std::ptrdiff_t>(y) * out.width + x0) * 3);
    }
  };
  put(left, 0);
  put(right, left.width + gap);
  return out;
}

/// Options for heatmap_gallery. Example: `HeatmapGalleryOptions().cols(4).title("Grad-CAM, misclassified")`
struct HeatmapGalleryOptions {
  TORCH_ARG(int, cols) = 4;
  /// Each image pixel becomes scale x scale (CIFAR-10's 32 px: 4).
  TORCH_ARG(int, scale) = 4;
  /// Weight of the heat map over the image in the right half of each pair.
  TORCH_ARG(double, alpha) = 0.5;
  TORCH_ARG(std::string, title);
};

/// "image | heat map over the image" pairs in a grid, captioned "true: cat" / "pred: dog". `images` uint8
/// [N, 3, H, W] (or [N, 1, H, W], grey); `maps` [N, H, W] in [0, 1]; `true_labels` empty (captions show the prediction
/// only) or N indices; `pred_labels` N indices; `class_names` empty (indices are printed) or the names.
inline Canvas heatmap_gallery(const at::Tensor& images, const at::Tensor& maps,
                              const std::vector<std::int64_t>& true_labels,
                              const std::vector<std::int64_t>& pred_labels, const std::vector<std::string>& class_names,
                              const HeatmapGalleryOptions& o = {}) {
  TORCH_CHECK(images.defined() && images.dim() == 4 && (images.size(1) == 3 || images.size(1) == 1) &&
                  images.scalar_type() == at::kByte && images.size(0) > 0,
              "heatmap_gallery: images must be uint8 [N, 3, H, W] or [N, 1, H, W] with N > 0, got ",
              images.defined() ? images.sizes() : at::IntArrayRef{});
  const auto n = images.size(0);
  TORCH_CHECK(maps.defined() && maps.dim() == 3 && maps.size(0) == n && maps.size(1) == images.size(2) &&
                  maps.size(2) == images.size(3),
              "heatmap_gallery: maps must be [", n, ", ", images.size(2), ", ", images.size(3), "], got ",
              maps.defined() ? maps.sizes() : at::IntArrayRef{});
  TORCH_CHECK(static_cast<std::int64_t>(pred_labels.size()) == n &&
                  (true_labels.empty() || static_cast<std::int64_t>(true_labels.size()) == n),
              "heatmap_gallery: ", n, " images but ", true_labels.size(), " true and ", pred_labels.size(),
              " predicted labels");
  TORCH_CHECK(o.alpha() >= 0 && o.alpha() <= 1, "heatmap_gallery: alpha must be in [0, 1], got ", o.alpha());
  auto name = [&](std::int64_t c) {
    return c >= 0 && c < static_cast<std::int64_t>(class_names.size()) ? class_names[static_cast<std::size_t>(c)]
                                                                       : std::to_string(c);
  };
  std::vector<Image> pairs;
  std::vector<std::string> captions;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto im = Image::from_chw(images.size(1) == 3 ? images[i] : images[i].expand({3, -1, -1}));  // grey: RGB
    pairs.push_back(side_by_side(im, blend(im, colorize(maps[i]), o.alpha())));
    const auto pred = "pred: " + name(pred_labels[static_cast<std::size_t>(i)]);
    captions.push_back(true_labels.empty() ? pred
                                           : "true: " + name(true_labels[static_cast<std::size_t>(i)]) + "\n" + pred);
  }
  return image_grid(pairs, captions, ImageGridOptions().cols(o.cols()).scale(o.scale()).title(o.title()));
}

/// heatmap_gallery written to a PNG file (Grad-CAM's gradcam.png).
inline void write_heatmap_gallery(const std::filesystem::path& path, const at::Tensor& images, const at::Tensor& maps,
                                  const std::vector<std::int64_t>& true_labels,
                                  const std::vector<std::int64_t>& pred_labels,
                                  const std::vector<std::string>& class_names, const HeatmapGalleryOptions& o = {}) {
  write_png(path, heatmap_gallery(images, maps, true_labels, pred_labels, class_names, o));
}

}  // namespace viz
}  // namespace superconv
