// SPDX-License-Identifier: MIT
// A run's closing figures: summary.json, the closing table, mean and spread over several seeds.
#pragma once

#include <superconv/json.hpp>
#include <superconv/train/metrics.hpp>
#include <superconv/train/trainer.hpp>
#include <superconv/version.hpp>

#include <fmt/format.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace superconv {
namespace train {

/// What one training run achieved. Accuracies are fractions; NaN where not measured.
struct RunSummary {
  std::uint64_t seed = 0;
  std::string device;
  std::int64_t epochs = 0;
  double final_accuracy = 0, best_accuracy = 0, final_loss = 0;
  double accuracy_first_1000 = std::numeric_limits<double>::quiet_NaN();  ///< test records 0-999
  double tta_accuracy = std::numeric_limits<double>::quiet_NaN();
  double tta_accuracy_first_1000 = std::numeric_limits<double>::quiet_NaN();
  double seconds = 0;                  ///< the whole run (range test and evaluation included), set by the caller
  double train_images_per_second = 0;  ///< training steps only
  double lr_max = 0, lr_min = 0;
  std::int64_t test_images = 0;

  /// Figures from a finished Trainer and its final evaluation.
  static RunSummary from(const Trainer& trainer, const EvalResult& final_eval) {
    RunSummary s;
    const auto& h = trainer.history();
    s.epochs = static_cast<std::int64_t>(h.size());
    for (const auto& e : h) s.best_accuracy = std::max(s.best_accuracy, e.test_acc);
    s.final_accuracy = final_eval.accuracy;
    s.final_loss = final_eval.loss;
    s.test_images = final_eval.total;
    if (final_eval.total >= 1000) s.accuracy_first_1000 = accuracy_of_first(final_eval, 1000);
    s.train_images_per_second = trainer.train_images_per_second();
    return s;
  }

  std::string to_json() const {
    JsonObject o;
    o.add("final_test_accuracy", final_accuracy).add("best_test_accuracy", best_accuracy);
    o.add("test_accuracy_records_0_999", accuracy_first_1000).add("final_test_loss", final_loss);
    o.add("tta_flip_test_accuracy", tta_accuracy).add("tta_flip_test_accuracy_records_0_999", tta_accuracy_first_1000);
    o.add("test_images", test_images).add("epochs", epochs).add("total_seconds", seconds);
    o.add("train_images_per_second", train_images_per_second).add("lr_max", lr_max).add("lr_min", lr_min);
    o.add("device", device)
        .add("seed", seed)
        .add("superconv_version", version())
        .add("libtorch_version", TORCH_VERSION);
    return o.str();
  }
};

namespace detail {
inline std::pair<double, double> mean_std(const std::vector<double>& v) {
  if (v.empty()) return {std::numeric_limits<double>::quiet_NaN(), 0.0};
  double m = 0;
  for (double x : v) m += x;
  m /= static_cast<double>(v.size());
  double var = 0;
  for (double x : v) var += (x - m) * (x - m);
  return {m, v.size() > 1 ? std::sqrt(var / static_cast<double>(v.size() - 1)) : 0.0};
}
template <typename F>
std::vector<double> collect(const std::vector<RunSummary>& runs, F f) {
  std::vector<double> v;
  for (const auto& r : runs) v.push_back(f(r));
  return v;
}
}  // namespace detail

/// The closing table: one row per run, then mean +/- sample standard deviation when there are several.
inline std::string summary_table(const std::vector<RunSummary>& runs, const std::string& folder) {
  std::string t =
      "\n  seed | test acc (all) | test acc (0-999) | best acc | seconds | train img/s | lr_max   | lr_min\n";
  t += "  -----+----------------+------------------+----------+---------+-------------+----------+---------\n";
  for (const auto& r : runs) {
    t += fmt::format("  {:>4} | {:>13.2f}% | {:>15.2f}% | {:>7.2f}% | {:>7.1f} | {:>11.0f} | {:<8.4g} | {:<8.4g}\n",
                     r.seed, 100 * r.final_accuracy, 100 * r.accuracy_first_1000, 100 * r.best_accuracy, r.seconds,
                     r.train_images_per_second, r.lr_max, r.lr_min);
  }
  if (runs.size() > 1) {
    const auto a = detail::mean_std(detail::collect(runs, [](const RunSummary& r) { return r.final_accuracy; }));
    const auto b = detail::mean_std(detail::collect(runs, [](const RunSummary& r) { return r.accuracy_first_1000; }));
    const auto s = detail::mean_std(detail::collect(runs, [](const RunSummary& r) { return r.seconds; }));
    t += fmt::format("  mean | {:>6.2f} +/- {:.2f} | {:>7.2f} +/- {:.2f}  |          | {:>7.1f} |   (n = {})\n",
                     100 * a.first, 100 * a.second, 100 * b.first, 100 * b.second, s.first, runs.size());
  }
  if (!runs.empty() && !std::isnan(runs.front().tta_accuracy)) {
    const auto a = detail::mean_std(detail::collect(runs, [](const RunSummary& r) { return r.tta_accuracy; }));
    t += fmt::format("  with flip TTA: {:.2f}% (all records, mean of {})\n", 100 * a.first, runs.size());
  }
  t += "  run folder: " + folder + "\n";
  return t;
}

/// summary.json of several runs: each run's figures and the mean and standard deviation of the accuracies.
inline std::string aggregate_json(const std::vector<RunSummary>& runs) {
  auto acc = detail::mean_std(detail::collect(runs, [](const RunSummary& r) { return r.final_accuracy; }));
  auto first = detail::mean_std(detail::collect(runs, [](const RunSummary& r) { return r.accuracy_first_1000; }));
  auto secs = detail::mean_std(detail::collect(runs, [](const RunSummary& r) { return r.seconds; }));
  JsonObject o;
  o.add("runs", static_cast<std::int64_t>(runs.size()));
  o.add("test_accuracy_mean", acc.first).add("test_accuracy_std", acc.second);
  o.add("test_accuracy_records_0_999_mean", first.first).add("test_accuracy_records_0_999_std", first.second);
  o.add("seconds_mean", secs.first).add("seconds_std", secs.second);
  o.add("final_test_accuracy", detail::collect(runs, [](const RunSummary& r) { return r.final_accuracy; }));
  o.add("seeds", detail::collect(runs, [](const RunSummary& r) { return static_cast<double>(r.seed); }));
  o.add("superconv_version", version()).add("libtorch_version", TORCH_VERSION);
  return o.str();
}

}  // namespace train
}  // namespace superconv
