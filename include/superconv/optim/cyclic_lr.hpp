// SPDX-License-Identifier: MIT
// Cyclical learning rates (Smith, 2017) with the exact semantics of PyTorch's torch.optim.lr_scheduler.CyclicLR.
#pragma once

#include <superconv/optim/scheduler.hpp>

#include <c10/util/Exception.h>
#include <torch/arg.h>
#include <torch/optim/optimizer.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace superconv {
namespace optim {

/// The shape of the cycles: constant amplitude, amplitude halved every cycle, or scaled by gamma^iteration.
enum class CyclicMode { kTriangular, kTriangular2, kExpRange };

/// Options for CyclicLR; names and defaults are PyTorch's. The "zigzag":
/// `CyclicLROptions(0.001, 0.006).step_size_up(2000).mode(CyclicMode::kTriangular)`
struct CyclicLROptions {
  CyclicLROptions(double base_lr, double max_lr) : base_lr_(base_lr), max_lr_(max_lr) {}
  TORCH_ARG(double, base_lr);
  TORCH_ARG(double, max_lr);
  /// Steps in the increasing half of a cycle.
  TORCH_ARG(std::int64_t, step_size_up) = 2000;
  /// Steps in the decreasing half; 0 means equal to step_size_up.
  TORCH_ARG(std::int64_t, step_size_down) = 0;
  TORCH_ARG(CyclicMode, mode) = CyclicMode::kTriangular;
  /// For kExpRange: amplitude scaled by gamma^step.
  TORCH_ARG(double, gamma) = 1.0;
  TORCH_ARG(bool, cycle_momentum) = true;
  TORCH_ARG(double, base_momentum) = 0.8;
  TORCH_ARG(double, max_momentum) = 0.9;
};

/// Cyclical learning rate between base_lr and max_lr; momentum cycles inversely. Construction writes step 0's
/// values (lr = base_lr) into the optimizer, as PyTorch does. There is no last step.
class CyclicLR : public Scheduler {
 public:
  explicit CyclicLR(CyclicLROptions options) : options_(options) { validate(); }

  CyclicLR(torch::optim::Optimizer& optimizer, CyclicLROptions options) : CyclicLR(options) {
    optimizer_ = &optimizer;
    if (options_.cycle_momentum()) kind_ = detail::checked_momentum_kind(optimizer, "CyclicLR");
    apply();
  }

  double lr_at(std::int64_t step) const {
    return options_.base_lr() + (options_.max_lr() - options_.base_lr()) * height(step);
  }
  double momentum_at(std::int64_t step) const {
    return options_.max_momentum() - (options_.max_momentum() - options_.base_momentum()) * height(step);
  }
  /// Steps in one whole cycle.
  std::int64_t cycle_length() const { return options_.step_size_up() + step_size_down(); }

  void step() override {
    ++step_;
    apply();
  }
  std::int64_t last_step() const override { return step_; }
  void set_last_step(std::int64_t step) override {
    TORCH_CHECK(step >= 0, "CyclicLR: step must be >= 0, got ", step);
    step_ = step;
    apply();
  }
  double lr() const override { return lr_at(step_); }
  double momentum() const override {
    return options_.cycle_momentum() ? momentum_at(step_) : std::numeric_limits<double>::quiet_NaN();
  }
  const CyclicLROptions& options() const { return options_; }

 private:
  std::int64_t step_size_down() const {
    return options_.step_size_down() > 0 ? options_.step_size_down() : options_.step_size_up();
  }

  void validate() const {
    const auto& o = options_;
    TORCH_CHECK(o.base_lr() >= 0, "CyclicLR: base_lr must be >= 0, got ", o.base_lr());
    TORCH_CHECK(o.max_lr() > 0, "CyclicLR: max_lr must be > 0, got ", o.max_lr());
    TORCH_CHECK(std::isfinite(o.max_lr()), "CyclicLR: max_lr must be finite, got ", o.max_lr());
    TORCH_CHECK(o.base_lr() <= o.max_lr(), "CyclicLR: base_lr (", o.base_lr(), ") must be <= max_lr (", o.max_lr(),
                ")");
    TORCH_CHECK(o.step_size_up() > 0, "CyclicLR: step_size_up must be > 0, got ", o.step_size_up());
    TORCH_CHECK(o.step_size_down() >= 0, "CyclicLR: step_size_down must be >= 0, got ", o.step_size_down());
    TORCH_CHECK(o.mode() == CyclicMode::kTriangular || o.mode() == CyclicMode::kTriangular2 ||
                    o.mode() == CyclicMode::kExpRange,
                "CyclicLR: mode must be CyclicMode::kTriangular, kTriangular2 or kExpRange, got ",
                static_cast<int>(o.mode()));
    TORCH_CHECK(o.gamma() > 0, "CyclicLR: gamma must be > 0, got ", o.gamma());
    TORCH_CHECK(std::isfinite(o.gamma()), "CyclicLR: gamma must be finite, got ", o.gamma());
    if (o.cycle_momentum()) detail::check_momenta("CyclicLR", o.base_momentum(), o.max_momentum());
  }

  /// PyTorch's base_height / (max - base) times the scale function.
  double height(std::int64_t step) const {
    TORCH_CHECK(step >= 0, "CyclicLR: step must be >= 0, got ", step);
    const double up = static_cast<double>(options_.step_size_up());
    const double total = up + static_cast<double>(step_size_down());
    const double ratio = up / total;
    const double s = static_cast<double>(step);
    const double cycle = std::floor(1 + s / total);
    const double x = 1.0 + s / total - cycle;
    const double scale_factor = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
    double scale = 1.0;
    switch (options_.mode()) {
      case CyclicMode::kTriangular:
        scale = 1.0;
        break;
      case CyclicMode::kTriangular2:
        scale = 1 / std::pow(2.0, cycle - 1);
        break;
      case CyclicMode::kExpRange:
        scale = std::pow(options_.gamma(), s);
        break;
    }
    return scale_factor * scale;
  }

  void apply() {
    if (optimizer_ == nullptr) return;
    detail::set_lr(*optimizer_, lr_at(step_));
    if (options_.cycle_momentum()) detail::set_momentum(*optimizer_, kind_, momentum_at(step_));
  }

  CyclicLROptions options_;
  torch::optim::Optimizer* optimizer_ = nullptr;
  detail::MomentumKind kind_ = detail::MomentumKind::kNone;
  std::int64_t step_ = 0;
};

}  // namespace optim
}  // namespace superconv
