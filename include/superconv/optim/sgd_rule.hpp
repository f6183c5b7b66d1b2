// SPDX-License-Identifier: MIT
// torch::optim::SGD's update rule, written once for a list of parameters: coupled weight decay, momentum buffer
// (with dampening), Nesterov; the LR and momentum as host numbers or as device tensors. FusedSGD and Muon's
// SGD groups step with it.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cstddef>
#include <type_traits>
#include <vector>

namespace superconv {
namespace optim {

/// The fixed part of an SGD group's rule (the LR and momentum come per step).
struct SgdRule {
  double dampening = 0, weight_decay = 0;
  bool nesterov = false;
  /// Whether the group keeps a momentum buffer this step (torch::optim::SGD: momentum != 0).
  bool momentum_buffer = true;
};

/// One SGD step of `params` with their gradients `grads`: d = g (+ weight_decay p); with a momentum buffer,
/// buf <- momentum buf + (1 - dampening) d (a parameter's first step: buf = d) and d <- d + momentum buf (Nesterov) or
/// buf; then p <- p - lr d. `buffers[i]` is parameter i's buffer; an undefined one is made here (the caller keeps
/// it). `lr` and `momentum` are doubles (host values: torch::optim::SGD's arithmetic, `add(x, alpha)`) or 0-dim
/// float tensors on the parameters' device (device values: no host scalar in the step, so a CUDA graph of it
/// replays with whatever the tensors hold). Multi-tensor (foreach) kernels throughout.
template <typename Scalar>
void sgd_step(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& grads,
              std::vector<at::Tensor>& buffers, const Scalar& lr, const Scalar& momentum, const SgdRule& rule) {
  static_assert(std::is_same_v<Scalar, double> || std::is_same_v<Scalar, at::Tensor>,
                "sgd_step: lr and momentum are doubles (host values) or at::Tensor (device values)");
  TORCH_CHECK(grads.size() == params.size() && buffers.size() == params.size(), "sgd_step: ", params.size(),
              " parameters, ", grads.size(), " gradients and ", buffers.size(), " buffer slots");
  if (params.empty()) return;
  auto d = grads;
  if (rule.weight_decay != 0) d = at::_foreach_add(d, params, rule.weight_decay);
  if (rule.momentum_buffer) {
    std::vector<at::Tensor> running, running_d;  // parameters whose buffer exists (the rest start with buf = d)
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (!buffers[i].defined()) {
        buffers[i] = d[i].clone(at::MemoryFormat::Preserve);
      } else {
        running.push_back(buffers[i]);
        running_d.push_back(d[i]);
      }
    }
    if (!running.empty()) {
      at::_foreach_mul_(running, momentum);
      at::_foreach_add_(running, running_d, 1 - rule.dampening);
    }
    if (!rule.nesterov) {
      d = buffers;
    } else if constexpr (std::is_same_v<Scalar, double>) {
      d = at::_foreach_add(d, buffers, momentum);
    } else {
      d = at::_foreach_add(d, at::_foreach_mul(buffers, momentum));
    }
  }
  if constexpr (std::is_same_v<Scalar, double>) {
    at::_foreach_add_(params, d, -lr);
  } else {
    at::_foreach_sub_(params, at::_foreach_mul(d, lr));
  }
}

}  // namespace optim
}  // namespace superconv
