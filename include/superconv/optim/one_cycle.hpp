// SPDX-License-Identifier: MIT
// The One Cycle policy with the exact semantics of PyTorch's torch.optim.lr_scheduler.OneCycleLR.
#pragma once

#include <superconv/optim/scheduler.hpp>

#include <c10/util/Exception.h>
#include <torch/arg.h>
#include <torch/optim/optimizer.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace superconv {
namespace optim {

/// How a phase goes from its start value to its end value.
enum class Anneal { kLinear, kCos };

/// Options for OneCycle; names and defaults are PyTorch's OneCycleLR's. The recipe's schedule (24 epochs, peak at
/// epoch 5, no annihilation):
/// `OneCycleOptions(0.157, 24 * 98).pct_start(5.0 / 24).div_factor(10).final_div_factor(1).anneal(Anneal::kLinear)`
struct OneCycleOptions {
  OneCycleOptions(double max_lr, std::int64_t total_steps) : max_lr_(max_lr), total_steps_(total_steps) {}
  /// Peak learning rate.
  TORCH_ARG(double, max_lr);
  /// Steps in the cycle (epochs x steps_per_epoch when stepped per batch).
  TORCH_ARG(std::int64_t, total_steps);
  /// Fraction of the cycle spent increasing the LR.
  TORCH_ARG(double, pct_start) = 0.3;
  /// initial_lr = max_lr / div_factor.
  TORCH_ARG(double, div_factor) = 25.0;
  /// min_lr = initial_lr / final_div_factor (1: the last LR equals the first, no annihilation).
  TORCH_ARG(double, final_div_factor) = 1e4;
  TORCH_ARG(Anneal, anneal) = Anneal::kCos;
  /// Cycle momentum (SGD, RMSprop) or beta1 (Adam, AdamW) inversely to the LR.
  TORCH_ARG(bool, cycle_momentum) = true;
  TORCH_ARG(double, base_momentum) = 0.85;
  TORCH_ARG(double, max_momentum) = 0.95;
  /// Three phases (up, down to initial_lr, down to min_lr) instead of two.
  TORCH_ARG(bool, three_phase) = false;
};

/// The div_factor that makes a One Cycle start (and, with final_div_factor 1, end) at `min_lr` below `max_lr`.
/// PyTorch's OneCycleLR knows only the ratio, and 0.157 / 0.0157 is 10.000000000000002 in doubles: a ratio within
/// 1e-9 of a whole number is taken as that number, so the first LR is max_lr / 10 exactly as PyTorch computes it.
inline double div_factor_for(double max_lr, double min_lr) {
  TORCH_CHECK(max_lr > 0 && min_lr > 0 && min_lr <= max_lr && std::isfinite(max_lr), "OneCycle: need 0 < min_lr (",
              min_lr, ") <= max_lr (", max_lr, ")");
  const double div = max_lr / min_lr;
  return std::abs(div - std::round(div)) < 1e-9 * div ? std::round(div) : div;
}

/// One Cycle learning-rate (and momentum) schedule. Construction writes step 0's values into every param group of
/// the optimizer, as PyTorch does; each `step()` advances one step. `lr_at` and `momentum_at` are pure.
class OneCycle : public Scheduler {
 public:
  /// A schedule without an optimizer (for checking and drawing).
  explicit OneCycle(OneCycleOptions options) : options_(options) { build_phases(); }

  OneCycle(torch::optim::Optimizer& optimizer, OneCycleOptions options) : OneCycle(options) {
    optimizer_ = &optimizer;
    if (options_.cycle_momentum()) kind_ = detail::checked_momentum_kind(optimizer, "OneCycle");
    apply();
  }

  static std::int64_t total_steps_for(std::int64_t epochs, std::int64_t steps_per_epoch) {
    TORCH_CHECK(epochs > 0 && steps_per_epoch > 0, "OneCycle: epochs and steps_per_epoch must be > 0, got ", epochs,
                " and ", steps_per_epoch);
    return epochs * steps_per_epoch;
  }

  double lr_at(std::int64_t step) const { return value_at(step, false); }
  double momentum_at(std::int64_t step) const { return value_at(step, true); }

  void step() override {
    TORCH_CHECK(step_ + 1 <= options_.total_steps(), "OneCycle: tried to step ", step_ + 1,
                " times; the specified number of total steps is ", options_.total_steps());
    ++step_;
    apply();
  }
  std::int64_t last_step() const override { return step_; }
  void set_last_step(std::int64_t step) override {
    TORCH_CHECK(step >= 0 && step <= options_.total_steps(), "OneCycle: step ", step, " outside [0, ",
                options_.total_steps(), "]");
    step_ = step;
    apply();
  }
  double lr() const override { return lr_at(step_); }
  double momentum() const override {
    return options_.cycle_momentum() ? momentum_at(step_) : std::numeric_limits<double>::quiet_NaN();
  }

  double initial_lr() const { return options_.max_lr() / options_.div_factor(); }
  double min_lr() const { return initial_lr() / options_.final_div_factor(); }
  const OneCycleOptions& options() const { return options_; }

 private:
  struct Phase {
    double end_step, start_lr, end_lr, start_m, end_m;
  };

  void build_phases() {
    const auto& o = options_;
    TORCH_CHECK(o.total_steps() > 0, "OneCycle: total_steps must be > 0, got ", o.total_steps());
    TORCH_CHECK(o.max_lr() > 0, "OneCycle: max_lr must be > 0, got ", o.max_lr());
    TORCH_CHECK(std::isfinite(o.max_lr()), "OneCycle: max_lr must be finite, got ", o.max_lr());
    TORCH_CHECK(o.pct_start() > 0 && o.pct_start() < 1, "OneCycle: pct_start must be in (0, 1), got ", o.pct_start());
    TORCH_CHECK(o.div_factor() > 0, "OneCycle: div_factor must be > 0, got ", o.div_factor());
    TORCH_CHECK(std::isfinite(o.div_factor()), "OneCycle: div_factor must be finite, got ", o.div_factor());
    TORCH_CHECK(o.final_div_factor() > 0, "OneCycle: final_div_factor must be > 0, got ", o.final_div_factor());
    TORCH_CHECK(std::isfinite(o.final_div_factor()), "OneCycle: final_div_factor must be finite, got ",
                o.final_div_factor());
    TORCH_CHECK(o.anneal() == Anneal::kLinear || o.anneal() == Anneal::kCos,
                "OneCycle: anneal must be Anneal::kLinear or Anneal::kCos, got ", static_cast<int>(o.anneal()));
    if (o.cycle_momentum()) detail::check_momenta("OneCycle", o.base_momentum(), o.max_momentum());
    const double total = static_cast<double>(o.total_steps());
    const double init = initial_lr(), minlr = min_lr();
    const double bm = o.base_momentum(), mm = o.max_momentum();
    if (o.three_phase()) {
      phases_ = {{o.pct_start() * total - 1, init, o.max_lr(), mm, bm},
                 {2 * o.pct_start() * total - 2, o.max_lr(), init, bm, mm},
                 {total - 1, init, minlr, mm, mm}};
    } else {
      phases_ = {{o.pct_start() * total - 1, init, o.max_lr(), mm, bm}, {total - 1, o.max_lr(), minlr, bm, mm}};
    }
    // As PyTorch's OneCycleLR: a phase that no step reaches (pct_start x total_steps < 1) is skipped; only a phase
    // that some step uses with zero length is refused (PyTorch divides by end_step - start_step there).
    double start = 0;
    for (std::size_t i = 0; i < phases_.size(); ++i) {
      const auto& p = phases_[i];
      const double first = i == 0 ? 0.0 : std::floor(start) + 1;  // the first integer step this phase can take
      const bool used = i + 1 == phases_.size() ? first <= total : first <= p.end_step;
      TORCH_CHECK(!used || p.end_step != start, "OneCycle: pct_start ", o.pct_start(), " with ", o.total_steps(),
                  " total steps gives a phase of zero length that step ", first,
                  " falls in (PyTorch divides by zero there too); raise total_steps or change pct_start");
      start = p.end_step;
    }
  }

  double anneal(double start, double end, double pct) const {
    if (options_.anneal() == Anneal::kLinear) return (end - start) * pct + start;
    const double cos_out = std::cos(M_PI * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
  }

  double value_at(std::int64_t step, bool momentum) const {
    TORCH_CHECK(step >= 0 && step <= options_.total_steps(), "OneCycle: step ", step, " outside [0, ",
                options_.total_steps(), "]");
    const double s = static_cast<double>(step);
    double start_step = 0;
    for (std::size_t i = 0; i < phases_.size(); ++i) {
      const auto& p = phases_[i];
      if (s <= p.end_step || i + 1 == phases_.size()) {
        const double pct = (s - start_step) / (p.end_step - start_step);
        return momentum ? anneal(p.start_m, p.end_m, pct) : anneal(p.start_lr, p.end_lr, pct);
      }
      start_step = p.end_step;
    }
    return std::numeric_limits<double>::quiet_NaN();  // unreachable
  }

  void apply() {
    if (optimizer_ == nullptr) return;
    detail::set_lr(*optimizer_, lr_at(step_));
    if (options_.cycle_momentum()) detail::set_momentum(*optimizer_, kind_, momentum_at(step_));
  }

  OneCycleOptions options_;
  std::vector<Phase> phases_;
  torch::optim::Optimizer* optimizer_ = nullptr;
  detail::MomentumKind kind_ = detail::MomentumKind::kNone;
  std::int64_t step_ = 0;
};

}  // namespace optim
}  // namespace superconv
