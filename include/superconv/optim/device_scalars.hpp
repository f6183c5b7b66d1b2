// SPDX-License-Identifier: MIT
// DeviceScalars: the LR and momentum of an optimizer's parameter groups as device tensors, so that a step holds no
// host scalar - written from the groups' options, advanced from a schedule table, or refreshed from the host.
#pragma once

#include <superconv/optim/schedule_table.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/optim/optimizer.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace superconv {
namespace optim {

/// Each group's LR and momentum as 0-dim float32 tensors on one device (views into two [groups] tensors), for an
/// optimizer's step to multiply with (`at::_foreach_mul_(list, lr(g))`).
///
/// Host mode (the default): `write(g, lr, momentum)` before a step fills a tensor only when its value changed (a
/// small kernel, no sync). Table mode (`follow(table, step)`): `advance()` at the start of every step copies the
/// table's row at a device-side step counter and moves the counter on (clamped at the table's last row), so a
/// captured step (a CUDA graph) reads the right values on every replay; `set_step` moves the counter (resume).
/// Fed mode (`follow_host()`): the step reads the tensors and never writes them; `refresh(g, lr, momentum)`, called
/// outside the step (before each replay), fills them - for LRs a hook or a per-epoch scheduler sets on the host.
class DeviceScalars {
 public:
  DeviceScalars() = default;
  DeviceScalars(std::size_t groups, const at::Device& device) { reset(groups, device); }

  void reset(std::size_t groups, const at::Device& device) {
    const auto opt = at::TensorOptions().dtype(at::kFloat).device(device);
    lr_ = at::zeros({static_cast<std::int64_t>(groups)}, opt);
    momentum_ = at::zeros({static_cast<std::int64_t>(groups)}, opt);
    host_lr_.assign(groups, 0.0);
    host_momentum_.assign(groups, 0.0);
    table_ = {};
    counter_ = at::Tensor();
  }
  /// Sizes the scalars for `optimizer`'s groups on the device of its first parameter, unless already sized for as
  /// many groups (a group added since, in host mode, resizes them; following a schedule, it is an error).
  void ensure(const torch::optim::Optimizer& optimizer) {
    if (!empty() && groups() == optimizer.param_groups().size()) return;
    TORCH_CHECK(empty() || !following(), "DeviceScalars: the optimizer has ", optimizer.param_groups().size(),
                " parameter groups but follows a schedule made for ", groups(),
                "; add parameter groups before following a schedule (or follow it again after adding one)");
    at::Device device = at::kCPU;
    for (const auto& group : optimizer.param_groups()) {
      if (!group.params().empty()) {
        device = group.params().front().device();
        break;
      }
    }
    reset(optimizer.param_groups().size(), device);
  }
  bool empty() const { return !lr_.defined(); }
  std::size_t groups() const { return host_lr_.size(); }
  at::Device device() const { return lr_.device(); }

  /// Host mode: group g's values for the next step.
  void write(std::size_t g, double lr, double momentum) {
    TORCH_CHECK(g < groups(), "DeviceScalars: group ", g, " of ", groups());
    if (following()) return;  // the table decides
    if (lr != host_lr_[g]) lr_[static_cast<std::int64_t>(g)].fill_(lr), host_lr_[g] = lr;
    if (momentum != host_momentum_[g])
      momentum_[static_cast<std::int64_t>(g)].fill_(momentum), host_momentum_[g] = momentum;
  }

  /// Table mode from now on: the values of `table` (steps x groups), starting at row `step`.
  void follow(const ScheduleTable& table, std::int64_t step) {
    TORCH_CHECK(!empty(), "DeviceScalars: reset() first");
    fed_ = false;
    TORCH_CHECK(table.lr.dim() == 2 && table.lr.size(1) == static_cast<std::int64_t>(groups()) &&
                    table.momentum.sizes() == table.lr.sizes(),
                "DeviceScalars: the schedule table must be [steps, ", groups(), "] for lr and momentum, got ",
                table.lr.sizes(), " and ", table.momentum.sizes());
    const auto opt = at::TensorOptions().dtype(at::kFloat).device(device());
    const auto nonzero = table.momentum.cpu().ne(0);
    const auto moving = nonzero.any(0);
    table_momentum_.assign(moving.data_ptr<bool>(), moving.data_ptr<bool>() + moving.numel());
    zero_momentum_at_.assign(groups(), -1);
    for (std::size_t g = 0; g < groups(); ++g) {
      if (!table_momentum_[g]) continue;
      const auto zeros = nonzero.select(1, static_cast<std::int64_t>(g)).logical_not().nonzero();
      if (zeros.numel() > 0) zero_momentum_at_[g] = zeros[0][0].item<std::int64_t>();
    }
    table_ = {table.lr.to(opt), table.momentum.to(opt)};
    counter_ = at::zeros({1}, opt.dtype(at::kLong));
    set_step(step);
  }
  /// Fed mode from now on: the values stay as written last until refresh() changes them. `momentum_nonzero[g]`
  /// says whether group g's step keeps a momentum buffer (fixed while fed: a captured step keeps its code path);
  /// empty: the step has one path whatever the momentum.
  void follow_host(std::vector<char> momentum_nonzero = {}) {
    TORCH_CHECK(!empty(), "DeviceScalars: reset() first");
    TORCH_CHECK(momentum_nonzero.empty() || momentum_nonzero.size() == groups(), "DeviceScalars: follow_host needs ",
                groups(), " momentum flags, got ", momentum_nonzero.size());
    table_ = {};
    counter_ = at::Tensor();
    table_momentum_ = std::move(momentum_nonzero);
    fed_ = true;
  }
  /// Fed mode: group g's values for the next step, written outside the step.
  void refresh(std::size_t g, double lr, double momentum) {
    TORCH_CHECK(fed_, "DeviceScalars: refresh needs fed mode (follow_host)");
    TORCH_CHECK(g < groups(), "DeviceScalars: group ", g, " of ", groups());
    TORCH_CHECK(table_momentum_.empty() || (momentum != 0) == static_cast<bool>(table_momentum_[g]),
                "DeviceScalars: group ", g, "'s momentum went ",
                momentum != 0 ? "from 0 to " : "to 0 from a nonzero value, now ", momentum,
                " while a captured step follows the options; a captured step keeps its momentum path (set a nonzero "
                "momentum before training, or train without cuda_graph)");
    if (lr != host_lr_[g]) lr_[static_cast<std::int64_t>(g)].fill_(lr), host_lr_[g] = lr;
    if (momentum != host_momentum_[g])
      momentum_[static_cast<std::int64_t>(g)].fill_(momentum), host_momentum_[g] = momentum;
  }
  /// Whether the step reads device values it must not write (table or fed mode).
  bool following() const { return counter_.defined() || fed_; }
  /// Whether a table drives the values (set_step applies).
  bool following_table() const { return counter_.defined(); }
  /// Stops following the table or the host; the host writes again (every value is rewritten at the next write).
  void unfollow() {
    table_ = {};
    counter_ = at::Tensor();
    fed_ = false;
    std::fill(host_lr_.begin(), host_lr_.end(), std::nan(""));
    std::fill(host_momentum_.begin(), host_momentum_.end(), std::nan(""));
  }
  /// Device mode: the row the next advance() reads.
  void set_step(std::int64_t step) {
    TORCH_CHECK(following_table(), "DeviceScalars: set_step needs a table (follow)");
    TORCH_CHECK(step >= 0, "DeviceScalars: step must be >= 0, got ", step);
    counter_.fill_(std::min(step, table_.steps() - 1));
  }
  /// Device mode: loads the counter's row and moves the counter on; host mode: nothing. Device work only.
  void advance() {
    if (!following_table()) return;
    lr_.copy_(table_.lr.index_select(0, counter_).squeeze(0));
    momentum_.copy_(table_.momentum.index_select(0, counter_).squeeze(0));
    counter_.add_(1).clamp_max_(table_.steps() - 1);
  }

  at::Tensor lr(std::size_t g) const { return lr_.select(0, static_cast<std::int64_t>(g)); }
  at::Tensor momentum(std::size_t g) const { return momentum_.select(0, static_cast<std::int64_t>(g)); }
  /// Whether group g's momentum is nonzero anywhere it can be read (host value or any row of the table).
  bool has_momentum(std::size_t g, double host_value) const {
    return following() && !table_momentum_.empty() ? static_cast<bool>(table_momentum_.at(g)) : host_value != 0;
  }
  /// Table mode: the first step at which group g's momentum is 0 although it is nonzero at another step; -1 if none.
  std::int64_t first_zero_momentum_step(std::size_t g) const {
    return g < zero_momentum_at_.size() ? zero_momentum_at_[g] : -1;
  }

 private:
  at::Tensor lr_, momentum_, counter_;
  ScheduleTable table_;
  std::vector<double> host_lr_, host_momentum_;
  std::vector<char> table_momentum_;            // per group: a nonzero momentum somewhere in the table (fed: now)
  std::vector<std::int64_t> zero_momentum_at_;  // per group: a step with momentum 0 amid nonzero ones, or -1
  bool fed_ = false;
};

}  // namespace optim
}  // namespace superconv
