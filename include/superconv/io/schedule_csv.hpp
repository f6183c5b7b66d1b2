// SPDX-License-Identifier: MIT
// A schedule as CSV (step, epoch, lr, momentum): any schedule with `lr_at(step)` and `momentum_at(step)`, such as
// optim::OneCycle or optim::CyclicLR, without an optimizer - to plot it elsewhere or compare it with PyTorch's.
#pragma once

#include <c10/util/Exception.h>
#include <fmt/format.h>

#include <cstdint>
#include <ostream>

namespace superconv {
namespace io {

/// Writes `step,epoch,lr,momentum` and one row per step for `steps` steps; `steps_per_epoch` numbers the epochs
/// (1-based; 1 when the schedule steps once an epoch). Example: `write_schedule_csv(std::cout, one_cycle, 2352, 98)`.
template <typename Schedule>
void write_schedule_csv(std::ostream& out, const Schedule& schedule, std::int64_t steps, std::int64_t steps_per_epoch) {
  TORCH_CHECK(steps >= 0 && steps_per_epoch > 0, "write_schedule_csv: steps must be >= 0 and steps_per_epoch > 0, ",
              "got ", steps, " and ", steps_per_epoch);
  out << "step,epoch,lr,momentum\n";
  for (std::int64_t i = 0; i < steps; ++i) {
    out << fmt::format("{},{},{},{}\n", i, i / steps_per_epoch + 1, schedule.lr_at(i), schedule.momentum_at(i));
  }
}

}  // namespace io
}  // namespace superconv
