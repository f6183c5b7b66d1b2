// SPDX-License-Identifier: MIT
// FusedSGD: torch::optim::SGD's update done with multi-tensor (foreach) kernels, its LR and momentum read from device
// tensors, so that a step costs a few kernels per group and can be captured and replayed without the host.
#pragma once

#include <superconv/optim/device_schedulable.hpp>
#include <superconv/optim/group_options.hpp>
#include <superconv/optim/sgd_rule.hpp>

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
class FusedSGD : public torch::optim::Optimizer, public DeviceScheduled {
 public:
  explicit FusedSGD(const std::vector<torch::optim::OptimizerParamGroup>& param_groups,
                    torch::optim::SGDOptions defaults)
      : Optimizer(param_groups, std::make_unique<torch::optim::SGDOptions>(defaults)),
        DeviceScheduled(*this, "FusedSGD", read_momentum, /*momentum_paths=*/true) {
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
    for (const auto& group : param_groups()) check(options_of(group));
    write_scalars();
    scalars_.advance();
    for (std::size_t g = 0; g < param_groups().size(); ++g) step_group(g);
    return loss;
  }

  void save(torch::serialize::OutputArchive& archive) const override { serialize(*this, archive); }
  void load(torch::serialize::InputArchive& archive) override { serialize(*this, archive); }

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

  /// Group g's step: sgd_step with the device values, its buffers kept in SGD's state (the same archive).
  void step_group(std::size_t g) {
    const auto& o = options_of(param_groups()[g]);
    std::vector<at::Tensor> params, grads, buffers;
    for (const auto& p : param_groups()[g].params()) {
      if (!p.grad().defined()) continue;
      TORCH_CHECK(!p.grad().is_sparse(), "FusedSGD: sparse gradients are not supported; use torch::optim::SGD");
      TORCH_CHECK(p.device() == scalars_.device(), "FusedSGD: every parameter must be on one device (",
                  scalars_.device(), "), found one on ", p.device());
      params.push_back(p);
      grads.push_back(p.grad());
      const auto it = state().find(p.unsafeGetTensorImpl());
      buffers.push_back(it == state().end() ? at::Tensor()
                                            : static_cast<torch::optim::SGDParamState&>(*it->second).momentum_buffer());
    }
    if (params.empty()) return;
    const SgdRule rule{o.dampening(), o.weight_decay(), o.nesterov(), scalars_.has_momentum(g, o.momentum())};
    sgd_step(params, grads, buffers, scalars_.lr(g), scalars_.momentum(g), rule);
    if (!rule.momentum_buffer) return;
    for (std::size_t i = 0; i < params.size(); ++i) {
      auto& slot = state()[params[i].unsafeGetTensorImpl()];
      if (!slot) {  // a buffer sgd_step started
        auto st = std::make_unique<torch::optim::SGDParamState>();
        st->momentum_buffer(buffers[i]);
        slot = std::move(st);
      }
    }
  }

  template <typename Self, typename Archive>
  static void serialize(Self& self, Archive& archive) {
    torch::optim::serialize<torch::optim::SGDParamState, torch::optim::SGDOptions>(archive, self);
  }
};

}  // namespace optim
}  // namespace superconv
