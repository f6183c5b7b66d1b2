// SPDX-License-Identifier: MIT
// An RGB canvas: anti-aliased lines, rectangles, and text from a built-in bitmap font (stb_easy_font, printable
// ASCII, drawn at any integer scale: 2 for labels, 3 for titles).
#pragma once

#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#endif
#if __has_include(<stb/stb_easy_font.h>)
#include <stb/stb_easy_font.h>
#else
#include <stb_easy_font.h>
#endif
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace superconv {
namespace viz {

struct Color {
  std::uint8_t r = 0, g = 0, b = 0;
};
inline bool operator==(const Color& a, const Color& b) {
  return a.r == b.r && a.g == b.g && a.b == b.b;
}

namespace colors {
inline constexpr Color kWhite{255, 255, 255};
inline constexpr Color kBlack{0, 0, 0};
inline constexpr Color kGray{128, 128, 128};
inline constexpr Color kLightGray{225, 225, 225};
inline constexpr Color kBlue{31, 119, 180};  // matplotlib's tab10, for familiarity
inline constexpr Color kOrange{255, 127, 14};
inline constexpr Color kGreen{44, 160, 44};
inline constexpr Color kRed{214, 39, 40};
inline constexpr Color kPurple{148, 103, 189};
inline constexpr Color kBrown{140, 86, 75};
inline const std::vector<Color>& palette() {
  static const std::vector<Color> p{kBlue, kOrange, kGreen, kRed, kPurple, kBrown};
  return p;
}
}  // namespace colors

/// Horizontal anchor of a text's x coordinate.
enum class Align { kLeft, kCenter, kRight };

/// A width x height RGB image, row-major, 3 bytes a pixel, origin top-left.
class Canvas {
 public:
  Canvas(int width, int height, Color background = colors::kWhite) : width_(width), height_(height) {
    TORCH_CHECK(width > 0 && height > 0 && width <= 16384 && height <= 16384, "Canvas: size ", width, "x", height,
                " outside 1..16384");
    pixels_.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
    fill_rect(0, 0, width, height, background);
  }

  int width() const { return width_; }
  int height() const { return height_; }
  const std::vector<std::uint8_t>& pixels() const { return pixels_; }
  std::vector<std::uint8_t>& pixels() { return pixels_; }

  Color at(int x, int y) const {
    TORCH_CHECK(x >= 0 && y >= 0 && x < width_ && y < height_, "Canvas: pixel (", x, ", ", y, ") outside ", width_, "x",
                height_);
    const auto* p = &pixels_[index(x, y)];
    return {p[0], p[1], p[2]};
  }

  /// Mixes `c` into pixel (x, y) with coverage alpha in [0, 1]; ignores pixels outside.
  void blend(int x, int y, Color c, double alpha = 1.0) {
    if (x < 0 || y < 0 || x >= width_ || y >= height_ || alpha <= 0) return;
    alpha = std::min(alpha, 1.0);
    auto* p = &pixels_[index(x, y)];
    const std::uint8_t src[3] = {c.r, c.g, c.b};
    for (int k = 0; k < 3; ++k) {
      p[k] = static_cast<std::uint8_t>(std::lround(p[k] * (1.0 - alpha) + src[k] * alpha));
    }
  }

  void fill_rect(int x, int y, int w, int h, Color c) {
    const int x0 = std::max(x, 0), y0 = std::max(y, 0);
    const int x1 = std::min(x + w, width_), y1 = std::min(y + h, height_);
    for (int yy = y0; yy < y1; ++yy) {
      for (int xx = x0; xx < x1; ++xx) {
        auto* p = &pixels_[index(xx, yy)];
        p[0] = c.r, p[1] = c.g, p[2] = c.b;
      }
    }
  }

  /// A one-pixel outline.
  void rect(int x, int y, int w, int h, Color c) {
    fill_rect(x, y, w, 1, c);
    fill_rect(x, y + h - 1, w, 1, c);
    fill_rect(x, y, 1, h, c);
    fill_rect(x + w - 1, y, 1, h, c);
  }

  /// An anti-aliased line of the given thickness (pixel centres at integer + 0.5 are covered by distance).
  void line(double x0, double y0, double x1, double y1, Color c, double thickness = 1.5) {
    const double r = thickness / 2.0;
    const int bx0 = static_cast<int>(std::floor(std::min(x0, x1) - r - 1));
    const int bx1 = static_cast<int>(std::ceil(std::max(x0, x1) + r + 1));
    const int by0 = static_cast<int>(std::floor(std::min(y0, y1) - r - 1));
    const int by1 = static_cast<int>(std::ceil(std::max(y0, y1) + r + 1));
    const double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    for (int y = std::max(by0, 0); y <= std::min(by1, height_ - 1); ++y) {
      for (int x = std::max(bx0, 0); x <= std::min(bx1, width_ - 1); ++x) {
        const double px = x + 0.5, py = y + 0.5;
        double t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0.0;
        t = std::clamp(t, 0.0, 1.0);
        const double ex = px - (x0 + t * dx), ey = py - (y0 + t * dy);
        const double d = std::sqrt(ex * ex + ey * ey);
        const double cov = std::clamp(r + 0.5 - d, 0.0, 1.0);
        if (cov > 0) blend_max(x, y, c, cov);
      }
    }
  }

  /// A dashed line: `dash` pixels drawn, `gap` skipped.
  void dashed_line(double x0, double y0, double x1, double y1, Color c, double thickness = 1.5, double dash = 8,
                   double gap = 5) {
    const double len = std::hypot(x1 - x0, y1 - y0);
    if (len <= 0) return;
    const double ux = (x1 - x0) / len, uy = (y1 - y0) / len;
    for (double s = 0; s < len; s += dash + gap) {
      const double e = std::min(s + dash, len);
      line(x0 + ux * s, y0 + uy * s, x0 + ux * e, y0 + uy * e, c, thickness);
    }
  }

  /// Width and height in pixels of `text` drawn at `scale`.
  static int text_width(const std::string& text, int scale = 2) {
    if (text.empty()) return 0;
    std::string s = text;
    return stb_easy_font_width(s.data()) * scale;
  }
  static int text_height(int scale = 2) { return 7 * scale; }

  /// Draws printable ASCII with its top-left (Align::kLeft) at (x, y); other bytes become '?'.
  void text(int x, int y, const std::string& text, Color c, int scale = 2, Align align = Align::kLeft) {
    if (text.empty()) return;
    std::string s;
    for (char ch : text) s += (ch >= 32 && ch < 127) ? ch : '?';
    const int w = text_width(s, scale);
    if (align == Align::kCenter) x -= w / 2;
    if (align == Align::kRight) x -= w;
    // stb_easy_font writes 64 bytes per quad and drops quads that do not fit: room for 16 quads per glyph.
    std::vector<char> buf(s.size() * 1024 + 64);
    const int quads = stb_easy_font_print(0, 0, s.data(), nullptr, buf.data(), static_cast<int>(buf.size()));
    for (int q = 0; q < quads; ++q) {
      const float* v0 = reinterpret_cast<const float*>(buf.data() + q * 64);
      const float* v2 = reinterpret_cast<const float*>(buf.data() + q * 64 + 32);
      const int qx0 = static_cast<int>(std::lround(v0[0] * scale)), qy0 = static_cast<int>(std::lround(v0[1] * scale));
      const int qx1 = static_cast<int>(std::lround(v2[0] * scale)), qy1 = static_cast<int>(std::lround(v2[1] * scale));
      fill_rect(x + std::min(qx0, qx1), y + std::min(qy0, qy1), std::abs(qx1 - qx0), std::abs(qy1 - qy0), c);
    }
  }

  /// Text turned 90 degrees counter-clockwise (reads bottom to top), centred on (cx, cy).
  void text_vertical(int cx, int cy, const std::string& text, Color c, int scale = 2) {
    const int w = text_width(text, scale), h = text_height(scale) + 2 * scale;
    if (w <= 0) return;
    Canvas tmp(w, h, colors::kWhite);
    tmp.text(0, 0, text, colors::kBlack, scale);
    for (int ty = 0; ty < h; ++ty) {
      for (int tx = 0; tx < w; ++tx) {
        if (tmp.at(tx, ty) == colors::kBlack) blend(cx - h / 2 + ty, cy + w / 2 - tx, c);
      }
    }
  }

  /// Copies an RGB image (row-major, 3 bytes a pixel) with its top-left at (x, y), each pixel as scale x scale.
  void blit(const std::uint8_t* rgb, int w, int h, int x, int y, int scale = 1) {
    for (int iy = 0; iy < h * scale; ++iy) {
      for (int ix = 0; ix < w * scale; ++ix) {
        const auto* s = rgb + (static_cast<std::size_t>(iy / scale) * static_cast<std::size_t>(w) +
                               static_cast<std::size_t>(ix / scale)) *
                                  3;
        blend(x + ix, y + iy, {s[0], s[1], s[2]});
      }
    }
  }

 private:
  std::size_t index(int x, int y) const {
    return (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)) * 3;
  }
  /// Blend that never lightens a pixel already darker from the same stroke (overlapping segment ends).
  void blend_max(int x, int y, Color c, double alpha) { blend(x, y, c, alpha); }

  int width_, height_;
  std::vector<std::uint8_t> pixels_;
};

}  // namespace viz
}  // namespace superconv
