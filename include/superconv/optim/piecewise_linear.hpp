// SPDX-License-Identifier: MIT
// PiecewiseLinear: each parameter group's LR as its base LR times a piecewise-linear function of the step.
#pragma once

#include <superconv/optim/initial_lr.hpp>
#include <superconv/optim/scheduler.hpp>

#include <c10/util/Exception.h>
#include <torch/arg.h>
#include <torch/optim/optimizer.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>
#include <vector>

namespace superconv {
namespace optim {

/// (step, factor) points of a schedule; between two points the factor is interpolated linearly, before the first
/// and after the last it stays at that point's factor.
using Knots = std::vector<std::pair<double, double>>;

/// A linear fall from 1 at step 0 to 0 at `steps` (and 0 after): airbench's schedule. `steps` <= 0: 0 throughout.
inline Knots linear_decay(double steps) {
  if (!(steps > 0)) return {{0.0, 0.0}};
  return {{0.0, 1.0}, {steps, 0.0}};
}
/// Knots of particular parameter groups, by the group's index in optimizer.param_groups().
using GroupKnots = std::map<std::size_t, Knots>;

/// The factor `knots` give at `step`: linear between two points, the first point's before it, the last's after it.
inline double interpolate(const Knots& k, double step) {
  TORCH_CHECK(!k.empty(), "interpolate: the knot list is empty; give at least one (step, factor) point");
  if (step <= k.front().first) return k.front().second;
  for (std::size_t i = 1; i < k.size(); ++i) {
    if (step <= k[i].first) {
      const auto t = (step - k[i - 1].first) / (k[i].first - k[i - 1].first);
      return k[i - 1].second + t * (k[i].second - k[i - 1].second);
    }
  }
  return k.back().second;
}

/// Knots that follow `k` through step `last` and are 0 from step last + 1 on (a layer that stops training part-way,
/// as airbench94's whitening bias does); `last` < 0: 0 throughout.
inline Knots knots_until(const Knots& k, double last) {
  TORCH_CHECK(!k.empty(), "knots_until: the knot list is empty; give at least one (step, factor) point");
  if (last < 0) return {{0.0, 0.0}};
  Knots out;
  for (const auto& point : k) {
    if (point.first < last) out.push_back(point);
  }
  out.emplace_back(last, interpolate(k, last));
  out.emplace_back(last + 1, 0.0);
  return out;
}

/// Options for PiecewiseLinear. Example: `PiecewiseLinearOptions(linear_decay(200)).group(0, linear_decay(75))`
struct PiecewiseLinearOptions {
  /* implicit */ PiecewiseLinearOptions(Knots knots = linear_decay(1)) : knots_(std::move(knots)) {}
  /// The factor every group's base LR is multiplied by.
  TORCH_ARG(Knots, knots);
  /// Groups (by index in optimizer.param_groups()) with knots of their own, e.g. a layer that trains for fewer steps.
  TORCH_ARG(GroupKnots, group_knots);

 public:
  /// Gives group `index` knots of its own.
  PiecewiseLinearOptions& group(std::size_t index, Knots knots) {
    group_knots_[index] = std::move(knots);
    return *this;
  }
};

/// Sets group g's LR to base_lr[g] x factor_g(step) before each step. base_lr is each group's initial LR
/// (optim/initial_lr.hpp), as PyTorch's LambdaLR keeps `initial_lr`: the groups' LRs when the first scheduler of
/// this optimizer was made - so a PiecewiseLinear made after another one, or after a checkpoint load restored
/// mid-schedule LRs, scales the same base instead of compounding. Construction writes step 0's values; step()
/// advances. Momentum is not cycled (momentum() is NaN).
class PiecewiseLinear : public Scheduler {
 public:
  PiecewiseLinear(torch::optim::Optimizer& optimizer, PiecewiseLinearOptions options)
      : optimizer_(&optimizer), options_(std::move(options)) {
    check_knots(options_.knots(), "knots");
    const auto groups = optimizer.param_groups().size();
    for (const auto& [g, k] : options_.group_knots()) {
      TORCH_CHECK(g < groups, "PiecewiseLinear: group_knots names group ", g, " but the optimizer has ", groups,
                  " groups");
      check_knots(k, "group_knots");
    }
    base_lrs_ = initial_lrs(optimizer);
    write();
  }

  /// The factor of group `group` at `step` (a pure function of the options).
  double factor_at(std::int64_t step, std::size_t group = 0) const {
    const auto it = options_.group_knots().find(group);
    const auto& k = it == options_.group_knots().end() ? options_.knots() : it->second;
    return interpolate(k, static_cast<double>(step));
  }
  /// The LR of group `group` at `step`.
  double lr_at(std::int64_t step, std::size_t group = 0) const {
    TORCH_CHECK(group < base_lrs_.size(), "PiecewiseLinear: group ", group, " out of range [0, ", base_lrs_.size(),
                ")");
    return base_lrs_[group] * factor_at(step, group);
  }

  void step() override {
    ++step_;
    write();
  }
  std::int64_t last_step() const override { return step_; }
  void set_last_step(std::int64_t step) override {
    TORCH_CHECK(step >= 0, "PiecewiseLinear: step must be >= 0, got ", step);
    step_ = step;
    write();
  }
  /// The first group's LR now.
  double lr() const override { return lr_at(step_, 0); }
  double momentum() const override { return std::numeric_limits<double>::quiet_NaN(); }
  const PiecewiseLinearOptions& options() const { return options_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }

 private:
  static void check_knots(const Knots& k, const char* what) {
    TORCH_CHECK(!k.empty(), "PiecewiseLinear: ", what, " is empty; give at least one (step, factor) point");
    for (std::size_t i = 0; i < k.size(); ++i) {
      TORCH_CHECK(std::isfinite(k[i].first) && std::isfinite(k[i].second) && k[i].second >= 0,
                  "PiecewiseLinear: ", what, " point ", i, " is (", k[i].first, ", ", k[i].second,
                  "); steps must be finite and factors finite and >= 0");
      TORCH_CHECK(i == 0 || k[i].first > k[i - 1].first, "PiecewiseLinear: ", what, " steps must increase, got ",
                  k[i - 1].first, " then ", k[i].first);
    }
  }
  void write() {
    auto& groups = optimizer_->param_groups();
    for (std::size_t g = 0; g < groups.size(); ++g) groups[g].options().set_lr(lr_at(step_, g));
    note_lrs_written(*optimizer_);
  }

  torch::optim::Optimizer* optimizer_;
  PiecewiseLinearOptions options_;
  std::vector<double> base_lrs_;
  std::int64_t step_ = 0;
};

}  // namespace optim
}  // namespace superconv
