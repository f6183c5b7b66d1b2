// SPDX-License-Identifier: MIT
// Muon: SGD momentum whose update of each matrix-shaped parameter is orthogonalised by Newton-Schulz (Jordan 2024).
#pragma once

#include <superconv/optim/device_schedulable.hpp>
#include <superconv/optim/group_options.hpp>
#include <superconv/optim/newton_schulz.hpp>
#include <superconv/optim/sgd_rule.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>
#include <torch/optim/optimizer.h>
#include <torch/optim/serialize.h>
#include <torch/serialize/archive.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace superconv {
namespace optim {

/// Options of a Muon parameter group. Example: `MuonOptions(0.24).momentum(0.6).nesterov(true).ns_steps(3)`.
/// A group with `orthogonalize(false)` is plain SGD with (Nesterov) momentum and coupled weight decay - the way to
/// give biases, norms and the head their own group in the same optimizer (as Muon implementations with an
/// auxiliary optimizer do). Orthogonalised parameters decay decoupled, as published Muon does.
struct MuonOptions : public torch::optim::OptimizerCloneableOptions<MuonOptions> {
  /* implicit */ MuonOptions(double lr = 0.02) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, momentum) = 0.95;
  TORCH_ARG(bool, nesterov) = true;
  /// Newton-Schulz iterations and their coefficients (a, b, c).
  TORCH_ARG(std::int64_t, ns_steps) = 5;
  TORCH_ARG(double, ns_a) = 3.4445;
  TORCH_ARG(double, ns_b) = -4.7750;
  TORCH_ARG(double, ns_c) = 2.0315;
  /// Before each step, rescale the weight to Frobenius norm sqrt(rows) (airbench's speed recipe).
  TORCH_ARG(bool, renormalize) = false;
  /// Weight decay. Orthogonalised parameters (2+ dimensions in a group with orthogonalize) decay decoupled, before
  /// the update: p <- p (1 - lr weight_decay), as published Muon does (added to the gradient, the decay would be
  /// normalised away by Newton-Schulz). Everything else decays coupled (added to the gradient, as
  /// torch::optim::SGD does).
  TORCH_ARG(double, weight_decay) = 0.0;
  /// Orthogonalise the update of parameters with 2 or more dimensions (flattened to [rows, rest]); false: SGD.
  TORCH_ARG(bool, orthogonalize) = true;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
  void serialize(torch::serialize::OutputArchive& archive) const override {
    _TORCH_OPTIM_SERIALIZE_TORCH_ARG(lr);
    _TORCH_OPTIM_SERIALIZE_TORCH_ARG(momentum);
    _TORCH_OPTIM_SERIALIZE_TORCH_ARG(nesterov);
    _TORCH_OPTIM_SERIALIZE_TORCH_ARG(ns_steps);
    _TORCH_OPTIM_SERIALIZE_TORCH_ARG(ns_a);
    _TORCH_OPTIM_SERIALIZE_TORCH_ARG(ns_b);
    _TORCH_OPTIM_SERIALIZE_TORCH_ARG(ns_c);
    _TORCH_OPTIM_SERIALIZE_TORCH_ARG(renormalize);
    _TORCH_OPTIM_SERIALIZE_TORCH_ARG(weight_decay);
    _TORCH_OPTIM_SERIALIZE_TORCH_ARG(orthogonalize);
  }
  void serialize(torch::serialize::InputArchive& archive) override {
    _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, lr);
    _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, momentum);
    _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(bool, nesterov);
    _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(int64_t, ns_steps);
    _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, ns_a);
    _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, ns_b);
    _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, ns_c);
    _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(bool, renormalize);
    _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, weight_decay);
    _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(bool, orthogonalize);
  }
};

/// Per-parameter state: the momentum buffer.
struct MuonParamState : public torch::optim::OptimizerCloneableParamState<MuonParamState> {
  TORCH_ARG(at::Tensor, momentum_buffer);

 public:
  void serialize(torch::serialize::OutputArchive& archive) const override {
    _TORCH_OPTIM_SERIALIZE_TORCH_ARG(momentum_buffer);
  }
  void serialize(torch::serialize::InputArchive& archive) override {
    _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(at::Tensor, momentum_buffer);
  }
};

/// Muon as a torch::optim::Optimizer: for each parameter with a gradient g, buf <- momentum buf + g;
/// u = g + momentum buf (Nesterov) or buf; for a group that orthogonalises and a parameter of 2+ dimensions,
/// optionally p <- p sqrt(rows) / ||p|| (a zero weight stays zero), then p <- p (1 - lr weight_decay), then
/// p <- p - lr newton_schulz(u as [rows, rest]); otherwise g includes weight_decay x p and p <- p - lr u (exactly
/// torch::optim::SGD with dampening 0). Checkpointable like SGD (save/load).
/// After follow_schedule() the LR and momentum come from device tensors advanced from a table of the schedule
/// (DeviceScalars), so a captured step (CUDA graph) replays with each step's values; until then they are the groups'
/// options, read on the host.
/// Example: `Muon muon({{filters, std::make_unique<MuonOptions>(MuonOptions(0.24).momentum(0.6).ns_steps(3))},
///                      {biases,
///                      std::make_unique<MuonOptions>(MuonOptions(0.053).momentum(0.85).orthogonalize(false))}},
///                     MuonOptions());`
class Muon : public torch::optim::Optimizer, public DeviceScheduled {
 public:
  explicit Muon(const std::vector<torch::optim::OptimizerParamGroup>& param_groups, MuonOptions defaults = {})
      : Optimizer(param_groups, std::make_unique<MuonOptions>(defaults)),
        DeviceScheduled(*this, "Muon", read_momentum, /*momentum_paths=*/false) {
    restore_group_options(*this, param_groups);  // LibTorch would give every group the defaults
    for (const auto& group : this->param_groups()) check(static_cast<const MuonOptions&>(group.options()));
  }
  explicit Muon(std::vector<at::Tensor> params, MuonOptions defaults = {})
      : Muon({torch::optim::OptimizerParamGroup(std::move(params))}, std::move(defaults)) {}

  at::Tensor step(LossClosure closure = nullptr) override {
    at::NoGradGuard no_grad;
    at::Tensor loss;
    if (closure) {
      at::AutoGradMode enable_grad(true);
      loss = closure();
    }
    const bool device_values = reads_device_values();
    if (device_values) scalars_.advance();
    for (std::size_t gi = 0; gi < param_groups().size(); ++gi) {
      auto& group = param_groups()[gi];
      const auto& o = static_cast<const MuonOptions&>(group.options());
      check(o);
      std::vector<at::Tensor> sgd_params, sgd_grads, sgd_buffers;  // what steps as SGD (sgd_rule.hpp)
      for (auto& p : group.params()) {
        if (!p.grad().defined()) continue;
        auto& slot = state()[p.unsafeGetTensorImpl()];
        if (!(o.orthogonalize() && p.dim() >= 2)) {
          sgd_params.push_back(p);
          sgd_grads.push_back(p.grad());
          sgd_buffers.push_back(slot ? static_cast<MuonParamState&>(*slot).momentum_buffer() : at::Tensor());
          continue;
        }
        const auto& g = p.grad();
        if (!slot) {
          auto s = std::make_unique<MuonParamState>();
          s->momentum_buffer(g.clone());
          slot = std::move(s);
        } else if (device_values) {
          static_cast<MuonParamState&>(*slot).momentum_buffer().mul_(scalars_.momentum(gi)).add_(g);
        } else {
          static_cast<MuonParamState&>(*slot).momentum_buffer().mul_(o.momentum()).add_(g);
        }
        const auto& buf = static_cast<MuonParamState&>(*slot).momentum_buffer();
        at::Tensor u = buf;
        if (o.nesterov()) u = device_values ? g.add(buf * scalars_.momentum(gi)) : g.add(buf, o.momentum());
        if (o.renormalize()) {
          const auto norm = p.norm();  // a zero weight stays zero (sqrt(rows) / 0 would make it NaN)
          p.mul_(at::where(norm > 0, std::sqrt(static_cast<double>(p.size(0))) / norm, 0.0));
        }
        if (o.weight_decay() != 0) {  // decoupled: p <- p (1 - lr weight_decay)
          if (device_values) {
            p.mul_(1 - scalars_.lr(gi) * o.weight_decay());
          } else {
            p.mul_(1 - o.lr() * o.weight_decay());
          }
        }
        u = newton_schulz(u.reshape({u.size(0), -1}), o.ns_steps(), {o.ns_a(), o.ns_b(), o.ns_c()})
                .view(p.sizes())
                .to(p.scalar_type());
        if (device_values) {
          p.sub_(u * scalars_.lr(gi));
        } else {
          p.sub_(u, o.lr());
        }
      }
      if (sgd_params.empty()) continue;
      // Muon's SGD keeps its buffer at every momentum, 0 included (momentum_buffer true).
      const SgdRule rule{0.0, o.weight_decay(), o.nesterov(), true};
      if (device_values) {
        sgd_step(sgd_params, sgd_grads, sgd_buffers, scalars_.lr(gi), scalars_.momentum(gi), rule);
      } else {
        sgd_step(sgd_params, sgd_grads, sgd_buffers, o.lr(), o.momentum(), rule);
      }
      for (std::size_t i = 0; i < sgd_params.size(); ++i) {
        auto& slot = state()[sgd_params[i].unsafeGetTensorImpl()];
        if (!slot) {
          auto s = std::make_unique<MuonParamState>();
          s->momentum_buffer(sgd_buffers[i]);
          slot = std::move(s);
        }
      }
    }
    return loss;
  }

  void save(torch::serialize::OutputArchive& archive) const override { serialize(*this, archive); }
  void load(torch::serialize::InputArchive& archive) override { serialize(*this, archive); }

 private:
  static double read_momentum(const torch::optim::OptimizerOptions& o) {
    return static_cast<const MuonOptions&>(o).momentum();
  }
  static void check(const MuonOptions& o) {
    TORCH_CHECK(o.lr() >= 0 && std::isfinite(o.lr()), "Muon: lr must be finite and >= 0, got ", o.lr());
    TORCH_CHECK(o.momentum() >= 0 && o.momentum() < 1, "Muon: momentum must be in [0, 1), got ", o.momentum());
    TORCH_CHECK(!o.nesterov() || o.momentum() > 0, "Muon: nesterov needs a momentum > 0, got ", o.momentum());
    TORCH_CHECK(o.ns_steps() >= 0, "Muon: ns_steps must be >= 0, got ", o.ns_steps());
    TORCH_CHECK(std::isfinite(o.ns_a()) && std::isfinite(o.ns_b()) && std::isfinite(o.ns_c()),
                "Muon: the Newton-Schulz coefficients must be finite, got ", o.ns_a(), ", ", o.ns_b(), ", ", o.ns_c());
    TORCH_CHECK(o.weight_decay() >= 0 && std::isfinite(o.weight_decay()),
                "Muon: weight_decay must be finite and >= 0, got ", o.weight_decay());
  }
  template <typename Self, typename Archive>
  static void serialize(Self& self, Archive& archive) {
    torch::optim::serialize<MuonParamState, MuonOptions>(archive, self);
  }
};

}  // namespace optim
}  // namespace superconv
