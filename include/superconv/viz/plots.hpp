// SPDX-License-Identifier: MIT
// Ready-made charts of training runs. Each takes numbers (no schedulers, no models): the LR-finder curve, a
// schedule, training curves.
#pragma once

#include <superconv/viz/canvas.hpp>
#include <superconv/viz/line_chart.hpp>

#include <c10/util/Exception.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace superconv {
namespace viz {

/// Loss against LR on a log axis: raw and smoothed loss, each suggestion a labelled dashed vertical line.
inline Canvas plot_lr_finder(const std::vector<double>& lrs, const std::vector<double>& losses,
                             const std::vector<double>& smoothed,
                             const std::vector<std::pair<std::string, double>>& suggestions) {
  LineChart chart(
      LineChartOptions().title("LR range test").x_label("learning rate (log scale)").y_label("loss").log_x(true));
  // Show the curve up to where it blows up: clip the y range at 1.5x the first smoothed loss.
  std::vector<double> raw = losses, sm = smoothed;
  double cap = 0;
  for (double v : smoothed) {
    if (std::isfinite(v)) {
      cap = 1.5 * v;
      break;
    }
  }
  if (cap > 0) {
    for (auto& v : raw) v = v > cap ? NAN : v;
    for (auto& v : sm) v = v > cap ? NAN : v;
  }
  chart.add({"loss", lrs, raw, Color{170, 200, 230}, 1.5});
  chart.add({"smoothed", lrs, sm, colors::kBlue, 2.5});
  const Color marks[] = {colors::kRed, colors::kGreen, colors::kPurple, colors::kOrange};
  std::size_t k = 0;
  for (const auto& s : suggestions) {
    if (!std::isfinite(s.second)) continue;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s %.3g", s.first.c_str(), s.second);
    chart.add_vline({s.second, buf, marks[k++ % 4]});
  }
  return chart.render();
}

/// LR (left axis) and momentum (right axis) against step.
inline Canvas plot_schedule(const std::vector<double>& steps, const std::vector<double>& lrs,
                            const std::vector<double>& momentum, const std::string& title = "One Cycle schedule",
                            const std::string& x_label = "step") {
  LineChart chart(LineChartOptions().title(title).x_label(x_label).y_label("learning rate").y2_label("momentum"));
  chart.add({"learning rate", steps, lrs, colors::kBlue, 2.5});
  if (!momentum.empty()) chart.add({"momentum", steps, momentum, colors::kOrange, 2.5, /*right_axis=*/true});
  return chart.render();
}

/// Train and test loss (left) and accuracy in % (right) against epoch.
inline Canvas plot_training_curves(const std::vector<double>& epochs, const std::vector<double>& train_loss,
                                   const std::vector<double>& test_loss, const std::vector<double>& train_acc,
                                   const std::vector<double>& test_acc) {
  LineChart chart(
      LineChartOptions().title("Training curves").x_label("epoch").y_label("loss").y2_label("accuracy (%)"));
  auto pct = [](std::vector<double> v) {
    for (auto& x : v) x *= 100.0;
    return v;
  };
  chart.add({"train loss", epochs, train_loss, colors::kBlue, 2.5});
  chart.add({"test loss", epochs, test_loss, colors::kOrange, 2.5});
  chart.add({"train acc (right)", epochs, pct(train_acc), colors::kGreen, 2.5, true});
  chart.add({"test acc (right)", epochs, pct(test_acc), colors::kRed, 2.5, true});
  return chart.render();
}

}  // namespace viz
}  // namespace superconv
