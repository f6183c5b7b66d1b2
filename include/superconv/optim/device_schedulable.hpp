// SPDX-License-Identifier: MIT
// Optimizers whose step reads its LR and momentum from the device (DeviceScalars): the interface the Trainer's
// captured step needs, and DeviceScheduled, the one implementation FusedSGD and Muon share.
#pragma once

#include <superconv/optim/device_scalars.hpp>
#include <superconv/optim/schedule_table.hpp>
#include <superconv/optim/scheduler.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/optim/optimizer.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace superconv {
namespace optim {

/// An optimizer whose step reads its LR and momentum from DeviceScalars, so that it can follow a schedule on the
/// device (what train::Trainer needs to capture and replay a step).
class DeviceSchedulable {
 public:
  virtual ~DeviceSchedulable() = default;
  /// Tabulates `scheduler` over `steps` steps and follows it on the device from the scheduler's current step.
  virtual void follow_schedule(Scheduler& scheduler, std::int64_t steps) = 0;
  /// Moves the device-side step (after the scheduler jumped, e.g. on resume).
  virtual void set_schedule_step(std::int64_t step) = 0;
  /// Follows the groups' options on the device instead: the step reads device values and never writes them,
  /// refresh_from_options() copies the options in - call it outside the step, before each replay of a captured one
  /// (an LR a hook or a per-epoch scheduler sets then reaches the replayed step).
  virtual void follow_options() = 0;
  /// Fed mode: the groups' LR and momentum now, into the device values the next step reads.
  virtual void refresh_from_options() = 0;
  /// Back to host mode (the groups' options, read by the step itself).
  virtual void unfollow_schedule() = 0;
};

/// DeviceSchedulable for an optimizer that keeps a DeviceScalars: how its groups follow a schedule table, follow
/// their options, or are written from the options before a host-mode step. `momentum_paths`: the step takes another
/// code path at momentum 0 (torch::optim::SGD keeps no buffer there), so a table that crosses 0 is refused and a
/// fed momentum may not cross it; without, momentum 0 is just another value (Muon).
class DeviceScheduled : public DeviceSchedulable {
 public:
  DeviceScheduled(torch::optim::Optimizer& optimizer, std::string name, MomentumReader momentum, bool momentum_paths)
      : optimizer_(optimizer), name_(std::move(name)), momentum_(std::move(momentum)), paths_(momentum_paths) {}

  void follow_schedule(Scheduler& scheduler, std::int64_t steps) override {
    write_scalars();
    scalars_.follow(tabulate_schedule(scheduler, optimizer_, steps, momentum_), scheduler.last_step());
    if (!paths_) return;
    for (std::size_t g = 0; g < optimizer_.param_groups().size(); ++g) {
      const auto at = scalars_.first_zero_momentum_step(g);
      if (at < 0) continue;
      scalars_.unfollow();
      TORCH_CHECK(false, name_, ": the schedule sets group ", g, "'s momentum to 0 at step ", at,
                  " and to a nonzero value at others; followed on the device the momentum buffer would not stand "
                  "still at those steps as torch::optim::SGD's does. Keep the momentum nonzero (or 0) throughout, "
                  "or step in host mode (no cuda_graph)");
    }
  }
  void set_schedule_step(std::int64_t step) override { scalars_.set_step(step); }
  void follow_options() override {
    write_scalars();
    std::vector<char> nonzero;
    if (paths_) {
      for (const auto& group : optimizer_.param_groups()) nonzero.push_back(momentum_(group.options()) != 0);
    }
    scalars_.follow_host(std::move(nonzero));
  }
  void refresh_from_options() override {
    const auto& groups = optimizer_.param_groups();
    for (std::size_t g = 0; g < groups.size(); ++g) {
      scalars_.refresh(g, groups[g].options().get_lr(), momentum_(groups[g].options()));
    }
  }
  void unfollow_schedule() override { scalars_.unfollow(); }
  /// The LR and momentum tensors the steps read.
  const DeviceScalars& scalars() const { return scalars_; }

 protected:
  /// Whether the step reads the device values (following a table or the options), checked to cover every group.
  bool reads_device_values() const {
    if (!scalars_.following()) return false;
    TORCH_CHECK(scalars_.groups() == optimizer_.param_groups().size(), name_, ": the optimizer has ",
                optimizer_.param_groups().size(), " parameter groups but follows a schedule made for ",
                scalars_.groups(),
                "; add parameter groups before following a schedule (or follow it again after "
                "adding one)");
    return true;
  }
  /// Sizes the scalars for the groups and (host mode) writes their LR and momentum now: before every step.
  void write_scalars() {
    scalars_.ensure(optimizer_);
    const auto& groups = optimizer_.param_groups();
    for (std::size_t g = 0; g < groups.size(); ++g) {
      scalars_.write(g, groups[g].options().get_lr(), momentum_(groups[g].options()));
    }
  }
  DeviceScalars scalars_;

 private:
  torch::optim::Optimizer& optimizer_;
  std::string name_;
  MomentumReader momentum_;
  bool paths_;
};

}  // namespace optim
}  // namespace superconv
