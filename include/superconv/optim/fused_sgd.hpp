// SPDX-License-Identifier: MIT
// FusedSGD: torch::optim::SGD's update done with multi-tensor (foreach) kernels, its LR and momentum read from device
// tensors, so that a step costs a few kernels per group and can be captured and replayed without the host.
#pragma once

#include <superconv/optim/device_schedule.hpp>
#include <superconv/optim/param_groups.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/optim/optimizer.h>
#include <torch/optim/serialize.h>
#include <torch/optim/sgd.h>
#include <torch/serialize/archive.h>

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace superconv {
namespace optim {

/// SGD with momentum, dampening, Nesterov and coupled weight decay - torch::optim::SGD's options
/// (SGDOptions, so schedulers cycle its LR and momentum as they do SGD's) and its update, computed per parameter
/// group with `at::_foreach_*` kernels:
/// d = g (+ weight_decay p); buf <- momentum buf + (1 - dampening) d (the first step: buf = d); d = d + momentum buf
/// (Nesterov) or buf; p <- p - lr d. The LR and momentum come from DeviceScalars: written from the options before
/// each step, or, after follow_schedule(), advanced on the device from a table of the schedule (no host value in the
/// step: a CUDA graph of it replays correctly). Saves and loads the same archive as torch::optim::SGD.
///
/// `FusedSGD sgd(groups, torch::optim::SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(5e-4));`
class FusedSGD : public torch::optim::Optimizer, public DeviceSchedulable {
 public:
  explicit FusedSGD(const std::vector<torch::optim::OptimizerParamGroup>& param_groups,
                    torch::optim::SGDOptions defaults)
      : Optimizer(param_groups, std::make_unique<torch::optim::SGDOptions>(defaults)) {
    restore_group_options(*this, param_groups);  // LibTorch would give every group the defaults
    for (const auto& group : this->param_groups()) check(options_of(group));
  }
  explicit FusedSGD(std::vector<at::Tensor> params, torch::optim::SGDOptions defaults)
      : FusedSGD({torch::optim::OptimizerParamGroup(std::move(params))}, std::move(defaults)) {}

  at::Tensor step(LossClosure closure = nullptr) override {
    at::NoGradGuard no_grad;
    at::Tensor loss;
    if (closure) {
      at::AutoGradMode enable_grad(true);
      loss = closure();
    }
    prepare_scalars();
    scalars_.advance();
    for (std::size_t g = 0; g < param_groups().size(); ++g) step_group(g);
    return loss;
  }

  void save(torch::serialize::OutputArchive& archive) const override { serialize(*this, archive); }
  void load(torch::serialize::InputArchive& archive) override { serialize(*this, archive); }

  /// Refuses a schedule whose momentum is 0 at some steps of a group and nonzero at others: torch::optim::SGD skips
  /// the buffer at such a step (it stands still, and the update is d, not (1 - dampening) d), which a step that
  /// reads its momentum on the device cannot do without a host decision.
  void follow_schedule(Scheduler& scheduler, std::int64_t steps) override {
    prepare_scalars();
    scalars_.follow(tabulate_schedule(scheduler, *this, steps, read_momentum), scheduler.last_step());
    for (std::size_t g = 0; g < param_groups().size(); ++g) {
      const auto at = scalars_.first_zero_momentum_step(g);
      if (at < 0) continue;
      scalars_.unfollow();
      TORCH_CHECK(false, "FusedSGD: the schedule sets group ", g, "'s momentum to 0 at step ", at,
                  " and to a nonzero value at others; followed on the device the momentum buffer would not stand "
                  "still at those steps as torch::optim::SGD's does. Keep the momentum nonzero (or 0) throughout, "
                  "or step in host mode (no cuda_graph)");
    }
  }
  void set_schedule_step(std::int64_t step) override { scalars_.set_step(step); }
  void follow_options() override {
    prepare_scalars();
    std::vector<char> nonzero;
    for (const auto& group : param_groups()) nonzero.push_back(options_of(group).momentum() != 0);
    scalars_.follow_host(std::move(nonzero));
  }
  void refresh_from_options() override {
    for (std::size_t g = 0; g < param_groups().size(); ++g) {
      const auto& o = options_of(param_groups()[g]);
      check(o);
      scalars_.refresh(g, o.lr(), o.momentum());
    }
  }
  void unfollow_schedule() override { scalars_.unfollow(); }
  /// The LR and momentum tensors the steps read.
  const DeviceScalars& scalars() const { return scalars_; }

 private:
  static const torch::optim::SGDOptions& options_of(const torch::optim::OptimizerParamGroup& group) {
    return static_cast<const torch::optim::SGDOptions&>(group.options());
  }
  static double read_momentum(const torch::optim::OptimizerOptions& o) {
    return static_cast<const torch::optim::SGDOptions&>(o).momentum();
  }
  static void check(const torch::optim::SGDOptions& o) {
    TORCH_CHECK(o.lr() >= 0 && std::isfinite(o.lr()), "FusedSGD: lr must be finite and >= 0, got ", o.lr());
    TORCH_CHECK(o.momentum() >= 0, "FusedSGD: momentum must be >= 0, got ", o.momentum());
    TORCH_CHECK(o.weight_decay() >= 0, "FusedSGD: weight_decay must be >= 0, got ", o.weight_decay());
    TORCH_CHECK(!o.nesterov() || (o.momentum() > 0 && o.dampening() == 0),
                "FusedSGD: nesterov needs a momentum > 0 and dampening 0, got momentum ", o.momentum(),
                " and dampening ", o.dampening());
  }

  /// Sizes the scalars on the parameters' device and (host mode) writes the groups' current LR and momentum.
  void prepare_scalars() {
    scalars_.ensure(*this);
    for (std::size_t g = 0; g < param_groups().size(); ++g) {
      const auto& o = options_of(param_groups()[g]);
      check(o);
      scalars_.write(g, o.lr(), o.momentum());
    }
  }

  void step_group(std::size_t g) {
    const auto& o = options_of(param_groups()[g]);
    std::vector<at::Tensor> params, grads;
    for (const auto& p : param_groups()[g].params()) {
      if (!p.grad().defined()) continue;
      TORCH_CHECK(!p.grad().is_sparse(), "FusedSGD: sparse gradients are not supported; use torch::optim::SGD");
      TORCH_CHECK(p.device() == scalars_.device(), "FusedSGD: every parameter must be on one device (",
                  scalars_.device(), "), found one on ", p.device());
      params.push_back(p);
      grads.push_back(p.grad());
    }
    if (params.empty()) return;
    auto d = grads;
    if (o.weight_decay() != 0) d = at::_foreach_add(d, params, o.weight_decay());
    if (scalars_.has_momentum(g, o.momentum())) {
      const auto momentum = scalars_.momentum(g);
      std::vector<at::Tensor> bufs, fresh;  // fresh: parameters whose buffer starts now (buf = d, as SGD does)
      std::vector<at::Tensor> running, running_d;
      bufs.reserve(params.size());
      for (std::size_t i = 0; i < params.size(); ++i) {
        auto& slot = state()[params[i].unsafeGetTensorImpl()];
        if (!slot) {
          auto s = std::make_unique<torch::optim::SGDParamState>();
          s->momentum_buffer(d[i].clone(at::MemoryFormat::Preserve));
          slot = std::move(s);
          bufs.push_back(static_cast<torch::optim::SGDParamState&>(*slot).momentum_buffer());
        } else {
          bufs.push_back(static_cast<torch::optim::SGDParamState&>(*slot).momentum_buffer());
          running.push_back(bufs.back());
          running_d.push_back(d[i]);
        }
      }
      if (!running.empty()) {
        at::_foreach_mul_(running, momentum);
        at::_foreach_add_(running, running_d, 1 - o.dampening());
      }
      d = o.nesterov() ? at::_foreach_add(d, at::_foreach_mul(bufs, momentum)) : bufs;
    }
    at::_foreach_sub_(params, at::_foreach_mul(d, scalars_.lr(g)));
  }

  template <typename Self, typename Archive>
  static void serialize(Self& self, Archive& archive) {
    torch::optim::serialize<torch::optim::SGDParamState, torch::optim::SGDOptions>(archive, self);
  }

  DeviceScalars scalars_;
};

}  // namespace optim
}  // namespace superconv
