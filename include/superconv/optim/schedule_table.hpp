// SPDX-License-Identifier: MIT
// A schedule tabulated step by step: every parameter group's LR and momentum for each step, read off a scheduler
// by stepping it (what an optimizer that follows a schedule on the device copies there).
#pragma once

#include <superconv/optim/scheduler.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/optim/optimizer.h>

#include <cstdint>
#include <functional>

namespace superconv {
namespace optim {

/// A whole schedule, step by step: `lr[s][g]` and `momentum[s][g]` for step s and parameter group g (float64, host).
struct ScheduleTable {
  at::Tensor lr, momentum;
  std::int64_t steps() const { return lr.defined() ? lr.size(0) : 0; }
};

/// Reads a group's momentum from its options (NaN where the options have none).
using MomentumReader = std::function<double(const torch::optim::OptimizerOptions&)>;

/// Steps `scheduler` through steps 0..steps-1 and records what it writes into every group of `optimizer`; the
/// scheduler (and the groups' options) are left at the step they were at.
inline ScheduleTable tabulate_schedule(Scheduler& scheduler, torch::optim::Optimizer& optimizer, std::int64_t steps,
                                       const MomentumReader& momentum) {
  TORCH_CHECK(steps > 0, "tabulate_schedule: steps must be > 0, got ", steps);
  const auto groups = static_cast<std::int64_t>(optimizer.param_groups().size());
  TORCH_CHECK(groups > 0, "tabulate_schedule: the optimizer has no parameter groups");
  const auto at_step = scheduler.last_step();
  ScheduleTable t{at::empty({steps, groups}, at::kDouble), at::empty({steps, groups}, at::kDouble)};
  auto lr = t.lr.accessor<double, 2>();
  auto m = t.momentum.accessor<double, 2>();
  for (std::int64_t s = 0; s < steps; ++s) {
    scheduler.set_last_step(s);
    for (std::int64_t g = 0; g < groups; ++g) {
      const auto& o = optimizer.param_groups()[static_cast<std::size_t>(g)].options();
      lr[s][g] = o.get_lr();
      m[s][g] = momentum(o);
    }
  }
  scheduler.set_last_step(at_step);
  return t;
}

}  // namespace optim
}  // namespace superconv
