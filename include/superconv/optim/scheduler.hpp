// SPDX-License-Identifier: MIT
// The interface every superconv scheduler implements, and the param-group plumbing they share.
#pragma once

#include <c10/util/Exception.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/optimizer.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include <cstdint>
#include <tuple>

namespace superconv {
namespace optim {

/// A schedule stepped by a training loop. `lr()` and `momentum()` are the values the optimizer holds now.
class Scheduler {
 public:
  virtual ~Scheduler() = default;
  /// Advances one step and writes the new values into the optimizer.
  virtual void step() = 0;
  /// Steps taken since construction (0 right after it).
  virtual std::int64_t last_step() const = 0;
  /// Jumps to `step` (for resuming) and writes that step's values into the optimizer.
  virtual void set_last_step(std::int64_t step) = 0;
  virtual double lr() const = 0;
  /// The cycled momentum (SGD) or beta1 (Adam/AdamW); NaN when momentum is not cycled.
  virtual double momentum() const = 0;
};

namespace detail {

/// Which momentum-like option an optimizer's param groups carry.
enum class MomentumKind { kNone, kSgd, kBeta1, kRmsprop };

inline MomentumKind momentum_kind(torch::optim::Optimizer& optimizer) {
  TORCH_CHECK(!optimizer.param_groups().empty(), "scheduler: the optimizer has no parameter groups");
  auto& o = optimizer.param_groups().front().options();
  if (dynamic_cast<torch::optim::SGDOptions*>(&o) != nullptr) return MomentumKind::kSgd;
  if (dynamic_cast<torch::optim::AdamOptions*>(&o) != nullptr) return MomentumKind::kBeta1;
  if (dynamic_cast<torch::optim::AdamWOptions*>(&o) != nullptr) return MomentumKind::kBeta1;
  if (dynamic_cast<torch::optim::RMSpropOptions*>(&o) != nullptr) return MomentumKind::kRmsprop;
  return MomentumKind::kNone;
}

inline void set_lr(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

inline void set_momentum(torch::optim::Optimizer& optimizer, MomentumKind kind, double m) {
  for (auto& group : optimizer.param_groups()) {
    auto& o = group.options();
    switch (kind) {
      case MomentumKind::kSgd:
        static_cast<torch::optim::SGDOptions&>(o).momentum(m);
        break;
      case MomentumKind::kRmsprop:
        static_cast<torch::optim::RMSpropOptions&>(o).momentum(m);
        break;
      case MomentumKind::kBeta1:
        if (auto* a = dynamic_cast<torch::optim::AdamOptions*>(&o)) {
          a->betas(std::make_tuple(m, std::get<1>(a->betas())));
        } else if (auto* w = dynamic_cast<torch::optim::AdamWOptions*>(&o)) {
          w->betas(std::make_tuple(m, std::get<1>(w->betas())));
        }
        break;
      case MomentumKind::kNone:
        break;
    }
  }
}

/// Checks a cycled momentum range: both ends in [0, 1], base <= max; the error names the component and the value.
inline void check_momenta(const char* component, double base, double max) {
  TORCH_CHECK(base >= 0 && base <= 1, component, ": base_momentum must be in [0, 1], got ", base);
  TORCH_CHECK(max >= 0 && max <= 1, component, ": max_momentum must be in [0, 1], got ", max);
  TORCH_CHECK(base <= max, component, ": base_momentum (", base, ") must be <= max_momentum (", max, ")");
}

/// The kind to cycle, or a clear error when the optimizer has nothing to cycle.
inline MomentumKind checked_momentum_kind(torch::optim::Optimizer& optimizer, const char* component) {
  const auto kind = momentum_kind(optimizer);
  TORCH_CHECK(kind != MomentumKind::kNone, component,
              ": cycle_momentum needs SGD or RMSprop (momentum) or Adam/AdamW (beta1); this optimizer has neither. "
              "Use one of those or set cycle_momentum(false)");
  return kind;
}

}  // namespace detail
}  // namespace optim
}  // namespace superconv
