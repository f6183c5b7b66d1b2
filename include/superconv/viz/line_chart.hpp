// SPDX-License-Identifier: MIT
// Line charts: axes, ticks, labels, title, legend, log-scale x, a second y axis, vertical markers.
#pragma once

#include <superconv/viz/canvas.hpp>
#include <superconv/viz/chart_data.hpp>
#include <superconv/viz/ticks.hpp>

#include <c10/util/Exception.h>
#include <torch/arg.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace superconv {
namespace viz {

/// Options for LineChart. Example: `LineChartOptions().title("LR finder").x_label("learning rate").log_x(true)`
struct LineChartOptions {
  TORCH_ARG(int, width) = 960;
  TORCH_ARG(int, height) = 600;
  TORCH_ARG(std::string, title);
  TORCH_ARG(std::string, x_label);
  TORCH_ARG(std::string, y_label);
  TORCH_ARG(std::string, y2_label);
  TORCH_ARG(bool, log_x) = false;
  TORCH_ARG(bool, legend) = true;
  TORCH_ARG(bool, grid) = true;
  /// Forces the y range to include zero.
  TORCH_ARG(bool, y_from_zero) = false;
};

/// Collects series and renders them to a Canvas.
class LineChart {
 public:
  explicit LineChart(LineChartOptions options = {}) : options_(std::move(options)) {
    TORCH_CHECK(options_.width() > 0 && options_.width() <= 16384, "LineChart: width must be in 1..16384, got ",
                options_.width());
    TORCH_CHECK(options_.height() > 0 && options_.height() <= 16384, "LineChart: height must be in 1..16384, got ",
                options_.height());
  }

  LineChart& add(Series s) {
    TORCH_CHECK(s.x.size() == s.y.size(), "LineChart: series '", s.name, "' has ", s.x.size(), " x values and ",
                s.y.size(), " y values");
    if (s.right_axis) has_right_ = true;
    series_.push_back(std::move(s));
    return *this;
  }
  LineChart& add_vline(VLine v) {
    vlines_.push_back(std::move(v));
    return *this;
  }
  /// Replaces the automatic x ticks with these positions and labels.
  LineChart& x_ticks(std::vector<double> positions, std::vector<std::string> labels) {
    TORCH_CHECK(positions.size() == labels.size(), "LineChart: ", positions.size(), " x tick positions but ",
                labels.size(), " labels");
    xticks_ = std::move(positions);
    xtick_labels_ = std::move(labels);
    return *this;
  }

  /// The plot area in canvas pixels: left, top, right, bottom.
  struct Area {
    int left, top, right, bottom;
  };
  Area area() const {
    const int title_h = options_.title().empty() ? 16 : 50;
    return {left_margin_, title_h, options_.width() - right_margin_, options_.height() - 70};
  }

  /// Canvas x of a data x (after layout in render()); NaN for x <= 0 on a log axis.
  double px(double x) const {
    const auto a = area();
    if (options_.log_x() && !(x > 0)) return std::numeric_limits<double>::quiet_NaN();
    const double t = options_.log_x() ? (std::log10(x) - std::log10(xlo_)) / (std::log10(xhi_) - std::log10(xlo_))
                                      : (x - xlo_) / (xhi_ - xlo_);
    return a.left + t * (a.right - a.left);
  }
  double py(double y, bool right = false) const {
    const auto a = area();
    const double lo = right ? y2lo_ : ylo_, hi = right ? y2hi_ : yhi_;
    return a.bottom - (y - lo) / (hi - lo) * (a.bottom - a.top);
  }

  Canvas render() {
    layout();
    Canvas c(options_.width(), options_.height());
    const auto a = area();
    const auto ink = colors::kBlack;
    // Grid and ticks.
    const auto yt = nice_ticks(ylo_, yhi_);
    for (double v : yt) {
      const double yd = py(v);
      if (!within(yd, a.top, a.bottom)) continue;
      const int y = static_cast<int>(std::lround(yd));
      if (options_.grid()) c.fill_rect(a.left, y, a.right - a.left, 1, colors::kLightGray);
      c.fill_rect(a.left - 6, y, 6, 1, ink);
      c.text(a.left - 10, y - 7, tick_label(v), ink, 2, Align::kRight);
    }
    if (has_right_) {
      for (double v : nice_ticks(y2lo_, y2hi_)) {
        const double yd = py(v, true);
        if (!within(yd, a.top, a.bottom)) continue;
        const int y = static_cast<int>(std::lround(yd));
        c.fill_rect(a.right, y, 6, 1, ink);
        c.text(a.right + 10, y - 7, tick_label(v), ink, 2, Align::kLeft);
      }
    }
    std::vector<double> xt = xticks_;
    std::vector<std::string> xl = xtick_labels_;
    if (xt.empty()) {
      if (options_.log_x()) {  // layout() keeps 0 < xlo_ < xhi_ finite
        std::tie(xt, xl) = decade_ticks(xlo_, xhi_);
      } else {
        xt = nice_ticks(xlo_, xhi_, 8);
        for (double v : xt) xl.push_back(tick_label(v));
      }
    }
    int last_label_end = -1000;
    for (std::size_t i = 0; i < xt.size(); ++i) {
      const double xd = px(xt[i]);  // NaN for a custom tick at x <= 0 on a log axis
      if (!within(xd, a.left, a.right)) continue;
      const int x = static_cast<int>(std::lround(xd));
      if (options_.grid()) c.fill_rect(x, a.top, 1, a.bottom - a.top, colors::kLightGray);
      c.fill_rect(x, a.bottom, 1, 6, ink);
      const int w = Canvas::text_width(xl[i]);
      const int cx = std::clamp(x, w / 2 + 2, options_.width() - w / 2 - 2);  // keep the label on the canvas
      if (cx - w / 2 > last_label_end + 6) {  // skip labels that would overlap the previous one
        c.text(cx, a.bottom + 12, xl[i], ink, 2, Align::kCenter);
        last_label_end = cx + w / 2;
      }
    }
    // Series, clipped to the plot area by construction of the ranges.
    for (const auto& s : series_) {
      for (std::size_t i = 1; i < s.x.size(); ++i) {
        if (!drawable(s, i - 1) || !drawable(s, i)) continue;
        const double x0 = px(s.x[i - 1]), y0 = py(s.y[i - 1], s.right_axis);
        const double x1 = px(s.x[i]), y1 = py(s.y[i], s.right_axis);
        if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) continue;
        if (s.dashed)
          c.dashed_line(x0, y0, x1, y1, s.color, s.thickness);
        else
          c.line(x0, y0, x1, y1, s.color, s.thickness);
      }
    }
    int row = 0;
    for (const auto& v : vlines_) {
      if (!(v.x >= xlo_ && v.x <= xhi_)) continue;
      const double x = px(v.x);
      c.dashed_line(x, a.top, x, a.bottom, v.color, 1.5);
      // Labels stacked one per row; a label that would run past the plot's right edge goes left of its line.
      const int w = Canvas::text_width(v.label);
      const bool left = static_cast<int>(x) + 4 + w > a.right - 4;
      const int y = a.bottom - 22 - 20 * row++;
      c.fill_rect(left ? static_cast<int>(x) - w - 6 : static_cast<int>(x) + 2, y - 2, w + 4, 18, colors::kWhite);
      c.text(left ? static_cast<int>(x) - 4 : static_cast<int>(x) + 4, y, v.label, v.color, 2,
             left ? Align::kRight : Align::kLeft);
    }
    // Frame, labels, title.
    c.rect(a.left, a.top, a.right - a.left + 1, a.bottom - a.top + 1, ink);
    if (!options_.title().empty()) c.text(options_.width() / 2, 14, options_.title(), ink, 3, Align::kCenter);
    if (!options_.x_label().empty()) {
      c.text((a.left + a.right) / 2, options_.height() - 28, options_.x_label(), ink, 2, Align::kCenter);
    }
    if (!options_.y_label().empty()) c.text_vertical(16, (a.top + a.bottom) / 2, options_.y_label(), ink, 2);
    if (has_right_ && !options_.y2_label().empty()) {
      c.text_vertical(options_.width() - 16, (a.top + a.bottom) / 2, options_.y2_label(), ink, 2);
    }
    if (options_.legend()) draw_legend(c);
    return c;
  }

 private:
  bool drawable(const Series& s, std::size_t i) const { return viz::drawable(s, i, options_.log_x()); }
  /// A finite canvas coordinate within a pixel of [lo, hi], safe to round to int.
  static bool within(double p, int lo, int hi) { return std::isfinite(p) && p >= lo - 1 && p <= hi + 1; }

  void layout() {
    const auto r = data_ranges(series_, options_.log_x(), options_.y_from_zero(), has_right_);
    xlo_ = r.xlo, xhi_ = r.xhi, ylo_ = r.ylo, yhi_ = r.yhi, y2lo_ = r.y2lo, y2hi_ = r.y2hi;
    // Margins wide enough for the tick labels plus the rotated axis title beside them.
    auto widest = [](double lo, double hi) {
      int w = 0;
      for (double v : nice_ticks(lo, hi)) w = std::max(w, Canvas::text_width(tick_label(v)));
      return w;
    };
    left_margin_ = widest(ylo_, yhi_) + 16 + (options_.y_label().empty() ? 8 : 30);
    right_margin_ = has_right_ ? widest(y2lo_, y2hi_) + 16 + (options_.y2_label().empty() ? 8 : 30) : 28;
    // Room for half of the last custom x label, which sits on the right edge when the ticks span the data.
    if (!xtick_labels_.empty() && !has_right_) {
      right_margin_ = std::max(right_margin_, Canvas::text_width(xtick_labels_.back()) / 2 + 8);
    }
  }

  void draw_legend(Canvas& c) const {
    std::vector<const Series*> named;
    for (const auto& s : series_) {
      if (!s.name.empty()) named.push_back(&s);
    }
    if (named.empty()) return;
    int w = 0;
    for (const auto* s : named) w = std::max(w, Canvas::text_width(s->name));
    w += 56;
    const int row = 22, h = static_cast<int>(named.size()) * row + 10;
    const auto a = area();
    // The corner whose box covers the fewest data points (top-right on ties).
    const int xs[2] = {a.right - w - 10, a.left + 10}, ys[2] = {a.top + 10, a.bottom - h - 10};
    int x = xs[0], y = ys[0];
    std::size_t best = static_cast<std::size_t>(-1);
    for (int cy : ys) {
      for (int cx : xs) {
        std::size_t hits = 0;
        for (const auto& s : series_) {
          for (std::size_t i = 0; i + 1 < s.x.size(); ++i) {
            if (!drawable(s, i) || !drawable(s, i + 1)) continue;
            for (double t : {0.0, 0.25, 0.5, 0.75}) {  // points along each segment
              const double qx = px(s.x[i] + t * (s.x[i + 1] - s.x[i]));
              const double qy = py(s.y[i] + t * (s.y[i + 1] - s.y[i]), s.right_axis);
              hits += qx >= cx && qx <= cx + w && qy >= cy && qy <= cy + h;
            }
          }
        }
        if (hits < best) best = hits, x = cx, y = cy;
      }
    }
    c.fill_rect(x, y, w, h, colors::kWhite);
    c.rect(x, y, w, h, colors::kGray);
    for (std::size_t i = 0; i < named.size(); ++i) {
      const int ry = y + 8 + static_cast<int>(i) * row;
      c.line(x + 8, ry + 7, x + 38, ry + 7, named[i]->color, 3.0);
      c.text(x + 46, ry, named[i]->name, colors::kBlack, 2);
    }
  }

  LineChartOptions options_;
  std::vector<Series> series_;
  std::vector<VLine> vlines_;
  std::vector<double> xticks_;
  std::vector<std::string> xtick_labels_;
  bool has_right_ = false;
  int left_margin_ = 88, right_margin_ = 28;
  double xlo_ = 0, xhi_ = 1, ylo_ = 0, yhi_ = 1, y2lo_ = 0, y2hi_ = 1;
};

}  // namespace viz
}  // namespace superconv
