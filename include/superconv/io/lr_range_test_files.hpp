// SPDX-License-Identifier: MIT
// The LR range test of a recipe that finds its LR: run it, keep its curve (lr_finder.json, lr_finder.png) and
// what config.json records of its choice.
#pragma once

#include <superconv/io/json.hpp>
#include <superconv/io/run_pictures.hpp>
#include <superconv/optim/lr_range_test.hpp>
#include <superconv/optim/lr_suggestions.hpp>
#include <superconv/train/forward.hpp>
#include <superconv/train/lr_finder.hpp>

#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <torch/optim/optimizer.h>

#include <cmath>
#include <filesystem>
#include <ostream>
#include <string>

namespace superconv {
namespace io {

/// The LR range test of a recipe that finds its LR: runs train::find_lr on `model` with `optimizer` over `loader`,
/// writes lr_finder.json (the curve, the rule, the LR chosen) and lr_finder.png into `folder`, prints one line on
/// `log` (none when null) and returns the curve; its suggestion by `rule` (steepest | valley | min_loss) is the LR.
/// A curve without a suggestion is an error that says what to change.
template <typename Model, typename Loader>
optim::LRRangeTestResult find_lr_into(const std::filesystem::path& folder, const Model& model,
                                      torch::optim::Optimizer& optimizer, Loader& loader,
                                      const optim::LRRangeTestOptions& range, const std::string& rule,
                                      const train::ForwardOptions& forward, std::ostream* log) {
  auto curve = train::find_lr(model, optimizer, loader, range, train::FindLROptions().forward(forward).log(log));
  const double lr = curve.suggestion(optim::suggestion_from_string(rule));
  write_json(folder / "lr_finder.json", to_json(curve, rule, lr));
  write_lr_finder_png(folder / "lr_finder.png", curve);
  TORCH_CHECK(std::isfinite(lr), "LR range test: no suggestion (", curve.stop_reason,
              "); widen the range (start, end), raise the iterations, or give the LR");
  if (log)
    *log << fmt::format("LR range test: {}; steepest {:.4g}, valley {:.4g}, min_loss {:.4g} -> {} {:.4g}\n",
                        curve.stop_reason, curve.steepest, curve.valley, curve.min_loss, rule, lr);
  return curve;
}

/// What config.json records of the LR range test's choice (resumed_config() gives it back): `lr_max`, the curve's
/// suggestion by `rule`; `lr_min` = lr_max / `div_factor`; and `rule`.
inline Json lr_range_test_record(const optim::LRRangeTestResult& curve, const std::string& rule, double div_factor) {
  const double lr_max = curve.suggestion(optim::suggestion_from_string(rule));
  return {{"lr_max", lr_max}, {"lr_min", lr_max / div_factor}, {"rule", rule}};
}

}  // namespace io
}  // namespace superconv
