// SPDX-License-Identifier: MIT
// A grid of small images with captions, and a heatmap with cell labels (a confusion matrix).
#pragma once

#include <superconv/viz/canvas.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace superconv {
namespace viz {

/// An RGB image, row-major, 3 bytes a pixel.
struct Image {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;

  /// From a uint8 tensor [3, H, W] (channel-planar, as CIFAR-10 stores it).
  static Image from_chw(const at::Tensor& chw) {
    TORCH_CHECK(chw.dim() == 3 && chw.size(0) == 3 && chw.scalar_type() == at::kByte,
                "Image::from_chw: expected uint8 [3, H, W], got ", chw.scalar_type(), " ", chw.sizes());
    auto hwc = chw.permute({1, 2, 0}).contiguous().cpu();
    Image im;
    im.height = static_cast<int>(chw.size(1));
    im.width = static_cast<int>(chw.size(2));
    im.rgb.assign(hwc.data_ptr<std::uint8_t>(), hwc.data_ptr<std::uint8_t>() + hwc.numel());
    return im;
  }
};

/// Options for image_grid. Example: `ImageGridOptions().cols(5).scale(4).title("misclassified")`
struct ImageGridOptions {
  TORCH_ARG(int, cols) = 5;
  /// Each image pixel becomes scale x scale.
  TORCH_ARG(int, scale) = 4;
  TORCH_ARG(int, padding) = 14;
  /// Lines of caption under each image ('\n' separates them).
  TORCH_ARG(int, caption_lines) = 2;
  TORCH_ARG(std::string, title);
};

/// Where image_grid put image i: its top-left corner on the canvas.
inline std::pair<int, int> image_grid_position(const ImageGridOptions& o, int i, int cell_w, int cell_h) {
  TORCH_CHECK(o.cols() > 0 && o.cols() <= 16384, "image_grid: cols must be in 1..16384, got ", o.cols());
  const int title_h = o.title().empty() ? 0 : 44;
  return {o.padding() + (i % o.cols()) * (cell_w + o.padding()),
          title_h + o.padding() + (i / o.cols()) * (cell_h + o.padding())};
}

namespace detail {
inline std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == '\n') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}
}  // namespace detail

/// Lays images out in rows of `cols`, upscaled by `scale`, each with its caption lines centred beneath.
inline Canvas image_grid(const std::vector<Image>& images, const std::vector<std::string>& captions,
                         const ImageGridOptions& o = {}) {
  TORCH_CHECK(!images.empty(), "image_grid: no images");
  TORCH_CHECK(captions.empty() || captions.size() == images.size(), "image_grid: ", images.size(), " images but ",
              captions.size(), " captions");
  // Bounded by the largest canvas, so that no layout arithmetic overflows.
  TORCH_CHECK(o.cols() > 0 && o.cols() <= 16384, "image_grid: cols must be in 1..16384, got ", o.cols());
  TORCH_CHECK(o.scale() > 0 && o.scale() <= 16384, "image_grid: scale must be in 1..16384, got ", o.scale());
  TORCH_CHECK(o.padding() >= 0 && o.padding() <= 16384, "image_grid: padding must be in 0..16384, got ", o.padding());
  TORCH_CHECK(o.caption_lines() >= 0 && o.caption_lines() <= 1000, "image_grid: caption_lines must be in 0..1000, got ",
              o.caption_lines());
  int iw = 0, ih = 0;
  for (const auto& im : images) {
    TORCH_CHECK(im.rgb.size() == static_cast<std::size_t>(im.width * im.height * 3), "image_grid: an image's pixel ",
                "buffer does not match its size");
    iw = std::max(iw, im.width), ih = std::max(ih, im.height);
  }
  int cap_w = 0;
  for (const auto& c : captions) {
    for (const auto& l : detail::split_lines(c)) cap_w = std::max(cap_w, Canvas::text_width(l));
  }
  const int cell_w = std::max(iw * o.scale(), cap_w + 4);
  const int cap_h = captions.empty() ? 0 : o.caption_lines() * (Canvas::text_height() + 6) + 4;
  const int cell_h = ih * o.scale() + cap_h;
  const int n = static_cast<int>(images.size());
  const int rows = (n + o.cols() - 1) / o.cols();
  const int cols = std::min(n, o.cols());
  const int title_h = o.title().empty() ? 0 : 44;
  Canvas c(o.padding() + cols * (cell_w + o.padding()), title_h + o.padding() + rows * (cell_h + o.padding()));
  if (!o.title().empty()) c.text(c.width() / 2, 12, o.title(), colors::kBlack, 3, Align::kCenter);
  for (int i = 0; i < n; ++i) {
    const auto pos = image_grid_position(o, i, cell_w, cell_h);
    const auto& im = images[static_cast<std::size_t>(i)];
    const int x = pos.first + (cell_w - im.width * o.scale()) / 2;
    c.blit(im.rgb.data(), im.width, im.height, x, pos.second, o.scale());
    if (captions.empty()) continue;
    int y = pos.second + ih * o.scale() + 6;
    for (const auto& line : detail::split_lines(captions[static_cast<std::size_t>(i)])) {
      c.text(pos.first + cell_w / 2, y, line, colors::kBlack, 2, Align::kCenter);
      y += Canvas::text_height() + 6;
    }
  }
  return c;
}

/// Options for heatmap. Example: `HeatmapOptions().title("confusion").x_label("predicted").y_label("true")`
struct HeatmapOptions {
  TORCH_ARG(int, cell) = 56;
  TORCH_ARG(std::string, title);
  TORCH_ARG(std::string, x_label);
  TORCH_ARG(std::string, y_label);
};

/// A rows x cols grid shaded white -> blue by value, each cell labelled with its value (integers as such).
inline Canvas heatmap(const std::vector<std::vector<double>>& values, const std::vector<std::string>& row_labels,
                      const std::vector<std::string>& col_labels, const HeatmapOptions& o = {}) {
  TORCH_CHECK(o.cell() > 0 && o.cell() <= 16384, "heatmap: cell must be in 1..16384, got ", o.cell());
  TORCH_CHECK(!values.empty() && !values[0].empty(), "heatmap: no values");
  const int rows = static_cast<int>(values.size()), cols = static_cast<int>(values[0].size());
  TORCH_CHECK(row_labels.size() == values.size() && col_labels.size() == values[0].size(),
              "heatmap: ", row_labels.size(), " row and ", col_labels.size(), " column labels for a ", rows, "x", cols,
              " grid");
  double vmax = 0;
  for (const auto& r : values) {
    TORCH_CHECK(static_cast<int>(r.size()) == cols, "heatmap: ragged rows");
    for (double v : r) vmax = std::max(vmax, v);
  }
  int lw = 0;
  for (const auto& l : row_labels) lw = std::max(lw, Canvas::text_width(l));
  int ch = 0;
  for (const auto& l : col_labels) ch = std::max(ch, Canvas::text_width(l));
  const int left = lw + 50, top = (o.title().empty() ? 10 : 50) + ch + 16;
  const int cell = o.cell();
  Canvas c(left + cols * cell + 20, top + rows * cell + 50);
  if (!o.title().empty()) c.text(c.width() / 2, 12, o.title(), colors::kBlack, 3, Align::kCenter);
  for (int j = 0; j < cols; ++j) {
    c.text_vertical(left + j * cell + cell / 2, top - 10 - ch / 2, col_labels[static_cast<std::size_t>(j)],
                    colors::kBlack, 2);
  }
  for (int i = 0; i < rows; ++i) {
    c.text(left - 8, top + i * cell + cell / 2 - 7, row_labels[static_cast<std::size_t>(i)], colors::kBlack, 2,
           Align::kRight);
    for (int j = 0; j < cols; ++j) {
      const double v = values[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
      const double t = vmax > 0 ? std::sqrt(v / vmax) : 0.0;
      const Color fill{static_cast<std::uint8_t>(255 - t * (255 - 8)), static_cast<std::uint8_t>(255 - t * (255 - 69)),
                       static_cast<std::uint8_t>(255 - t * (255 - 148))};
      c.fill_rect(left + j * cell, top + i * cell, cell, cell, fill);
      char buf[32];
      if (v == std::floor(v) && std::abs(v) < 1e9)
        std::snprintf(buf, sizeof buf, "%.0f", v);
      else
        std::snprintf(buf, sizeof buf, "%.2g", v);
      c.text(left + j * cell + cell / 2, top + i * cell + cell / 2 - 7, buf, t > 0.6 ? colors::kWhite : colors::kBlack,
             2, Align::kCenter);
    }
  }
  c.rect(left, top, cols * cell, rows * cell, colors::kGray);
  if (!o.x_label().empty())
    c.text(left + cols * cell / 2, top + rows * cell + 16, o.x_label(), colors::kBlack, 2, Align::kCenter);
  if (!o.y_label().empty()) c.text_vertical(16, top + rows * cell / 2, o.y_label(), colors::kBlack, 2);
  return c;
}

}  // namespace viz
}  // namespace superconv
