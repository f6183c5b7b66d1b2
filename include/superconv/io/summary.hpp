// SPDX-License-Identifier: MIT
// Several runs' summaries (JSON objects of named figures): mean and spread of each figure, and a closing table.
#pragma once

#include <superconv/io/json.hpp>
#include <superconv/train/metrics.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace superconv {
namespace io {

/// Mean and sample standard deviation of the finite numbers in `values` (NaN mean when there are none; std 0 for
/// one value).
inline std::pair<double, double> mean_std(const std::vector<double>& values) {
  double sum = 0;
  std::size_t n = 0;
  for (double v : values) {
    if (std::isfinite(v)) sum += v, ++n;
  }
  if (n == 0) return {std::numeric_limits<double>::quiet_NaN(), 0.0};
  const double m = sum / static_cast<double>(n);
  double var = 0;
  for (double v : values) {
    if (std::isfinite(v)) var += (v - m) * (v - m);
  }
  return {m, n > 1 ? std::sqrt(var / static_cast<double>(n - 1)) : 0.0};
}

/// The number at `key` of a summary; NaN when absent, null or not a number.
inline double figure(const Json& summary, const std::string& key) {
  const auto it = summary.find(key);
  return it != summary.end() && it->is_number() ? it->get<double>() : std::numeric_limits<double>::quiet_NaN();
}

/// A finished run's figures: final and best test accuracy, final test loss, test images, epochs, training images
/// per second; the caller adds its own (seconds, LRs, subsets of records).
inline Json run_summary(const std::vector<train::EpochStats>& history, const train::EvalResult& final_eval,
                        double train_images_per_second) {
  double best = std::numeric_limits<double>::quiet_NaN();
  for (const auto& e : history) best = std::isnan(best) ? e.test_acc : std::max(best, e.test_acc);
  Json j;
  j["final_test_accuracy"] = final_eval.accuracy;
  j["best_test_accuracy"] = best;
  j["final_test_loss"] = final_eval.loss;
  j["test_images"] = final_eval.total;
  j["epochs"] = history.size();
  j["train_images_per_second"] = train_images_per_second;
  return j;
}

/// For each key: `<key>_mean`, `<key>_std` and `<key>` (every run's value) over `runs`, plus `runs` (the count).
inline Json aggregate(const std::vector<Json>& runs, const std::vector<std::string>& keys) {
  Json out;
  out["runs"] = runs.size();
  for (const auto& key : keys) {
    std::vector<double> v;
    for (const auto& r : runs) v.push_back(figure(r, key));
    const auto [m, s] = mean_std(v);
    out[key + "_mean"] = m;
    out[key + "_std"] = s;
    out[key] = v;
  }
  return out;
}

/// One column of summary_table(): a summary's key, its header, a multiplier (100 for percentages) and a format.
struct Column {
  std::string key, header;
  double scale = 1.0;
  std::string format = "{:.2f}";
};

/// A plain-text table: a row per run, then (for several runs) a row of means and one of standard deviations.
inline std::string summary_table(const std::vector<Json>& runs, const std::vector<Column>& columns) {
  std::vector<std::size_t> width;
  std::string header, rule;
  for (const auto& c : columns) {
    width.push_back(std::max<std::size_t>(c.header.size(), 10));
    header += fmt::format(" {:>{}} |", c.header, width.back());
    rule += std::string(width.back() + 2, '-') + "+";
  }
  auto cell = [](const Column& c, double v) {
    return std::isfinite(v) ? fmt::format(fmt::runtime(c.format), v * c.scale) : std::string("-");
  };
  auto row = [&](const std::string& label, auto value_of) {
    std::string line = fmt::format("{:>6} |", label);
    for (std::size_t i = 0; i < columns.size(); ++i) line += fmt::format(" {:>{}} |", value_of(i), width[i]);
    return line + "\n";
  };
  std::string t = fmt::format("{:>6} |{}\n{}+{}\n", "run", header, std::string(7, '-'), rule);
  for (std::size_t r = 0; r < runs.size(); ++r) {
    t += row(std::to_string(r + 1), [&](std::size_t i) { return cell(columns[i], figure(runs[r], columns[i].key)); });
  }
  if (runs.size() > 1) {
    std::vector<std::pair<double, double>> ms;
    for (const auto& c : columns) {
      std::vector<double> v;
      for (const auto& r : runs) v.push_back(figure(r, c.key));
      ms.push_back(mean_std(v));
    }
    t += row("mean", [&](std::size_t i) { return cell(columns[i], ms[i].first); });
    t += row("std", [&](std::size_t i) { return cell(columns[i], ms[i].second); });
  }
  return t;
}

/// What a program prints when its runs are done: a blank line, summary_table() and "run folder: <out>".
inline std::string closing_table(const std::vector<Json>& runs, const std::vector<Column>& columns,
                                 const std::string& out) {
  return "\n" + summary_table(runs, columns) + "run folder: " + out + "\n";
}

}  // namespace io
}  // namespace superconv
