// SPDX-License-Identifier: MIT
// Many tensors through few collectives: gradients flattened into buckets of consecutive parameters (one dtype and
// device, up to a byte budget), any tensors flattened per dtype and device; each result copied back in place. The
// flat tensors are made where the tensors live: the collective moves them if its transport wants them elsewhere.
#pragma once

#include <ATen/ATen.h>
#include <c10/core/Device.h>
#include <c10/core/GradMode.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace superconv {
namespace distributed {

/// A collective on one flat tensor, in place (e.g. an all-reduce sum or a broadcast).
using FlatOp = std::function<void(at::Tensor&)>;

/// Averages the gradients of `params` over `world_size` replicas with one `sum` per bucket: consecutive parameters of
/// one dtype and device, up to `bucket_bytes` (a larger parameter gets a bucket of its own). A parameter without a
/// gradient takes part with zeros and gets the average. `extra` (when defined) rides in the last bucket and comes
/// back summed, not averaged: e.g. a step's loss, correct count, record count and stop flag, in the same message
/// (in a message of its own when the last bucket is bf16 or half, where counts would round). Each bucket is built
/// on its parameters' device; `extra` may live anywhere (it travels on the last bucket's device and comes back).
inline void average_gradients_in_buckets(const std::vector<at::Tensor>& params, int world_size,
                                         std::int64_t bucket_bytes, const at::Tensor& extra, const FlatOp& sum) {
  at::NoGradGuard no_grad;
  const auto exact = [](c10::ScalarType t) { return t == at::kFloat || t == at::kDouble; };
  if (params.empty() || (extra.defined() && !exact(params.back().scalar_type()))) {
    if (extra.defined()) {  // counts would round in bf16/half: a message of their own
      auto own = extra.contiguous();
      sum(own);
      if (!own.is_same(extra)) extra.copy_(own);
    }
    if (params.empty()) return;
  }
  const bool ride = extra.defined() && exact(params.back().scalar_type());
  const double inv = 1.0 / world_size;
  const auto nbytes = [](const at::Tensor& p) { return p.numel() * static_cast<std::int64_t>(p.element_size()); };
  std::size_t first = 0;
  while (first < params.size()) {
    std::size_t last = first;
    std::int64_t bytes = 0;
    while (last < params.size() && params[last].scalar_type() == params[first].scalar_type() &&
           params[last].device() == params[first].device() &&
           (last == first || bytes + nbytes(params[last]) <= bucket_bytes)) {
      bytes += nbytes(params[last]);
      ++last;
    }
    const bool final_bucket = last == params.size();
    std::vector<at::Tensor> pieces;
    for (std::size_t i = first; i < last; ++i) {
      const auto& g = params[i].grad();
      pieces.push_back(g.defined() ? g.reshape(-1) : at::zeros({params[i].numel()}, params[i].options()));
    }
    if (final_bucket && ride) {
      pieces.push_back(extra.reshape(-1).to(params[first].device(), params[first].scalar_type()));
    }
    auto flat = at::cat(pieces);
    sum(flat);
    std::int64_t offset = 0;
    for (std::size_t i = first; i < last; ++i) {
      auto p = params[i];
      auto avg = flat.narrow(0, offset, p.numel()).view(p.sizes()).mul_(inv);
      if (p.grad().defined()) {
        p.mutable_grad().copy_(avg);
      } else {
        p.mutable_grad() = avg.clone();
      }
      offset += p.numel();
    }
    if (final_bucket && ride) extra.copy_(flat.narrow(0, offset, extra.numel()).view(extra.sizes()));
    first = last;
  }
}

/// Runs `op` once per dtype and device on `tensors` flattened together where they live, then copies the result back
/// into each.
inline void flat_collective(const std::vector<at::Tensor>& tensors, const FlatOp& op) {
  at::NoGradGuard no_grad;
  std::vector<bool> done(tensors.size(), false);
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (done[i]) continue;
    std::vector<std::size_t> group;
    for (std::size_t j = i; j < tensors.size(); ++j) {
      if (!done[j] && tensors[j].scalar_type() == tensors[i].scalar_type() &&
          tensors[j].device() == tensors[i].device())
        group.push_back(j), done[j] = true;
    }
    std::vector<at::Tensor> pieces;
    for (auto j : group) pieces.push_back(tensors[j].detach().reshape(-1));
    auto flat = at::cat(pieces);
    op(flat);
    std::int64_t offset = 0;
    for (auto j : group) {
      auto t = tensors[j];
      t.detach().copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
}

}  // namespace distributed
}  // namespace superconv
