// SPDX-License-Identifier: MIT
// Parameter groups for weight decay: decay on weights, none on biases and normalisation parameters.
#pragma once

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <c10/util/Exception.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace superconv {
namespace optim {

/// Two parameter groups for any optimizer whose options have `weight_decay` (SGD, Adam, AdamW, RMSprop...):
/// tensors of rank >= 2 (convolution and linear weights) keep `options`' weight decay; biases and normalisation
/// parameters (rank <= 1) get none when `exclude_bias_and_norm` (otherwise all share one group). Parameters that
/// do not require a gradient are left out. Example:
/// `torch::optim::SGD sgd(weight_decay_groups(*model, SGDOptions(0.1).weight_decay(5e-4)), SGDOptions(0.1));`
template <typename Options>
std::vector<torch::optim::OptimizerParamGroup> weight_decay_groups(const torch::nn::Module& module,
                                                                   const Options& options,
                                                                   bool exclude_bias_and_norm = true) {
  std::vector<at::Tensor> decay, no_decay;
  for (const auto& p : module.parameters()) {
    if (!p.requires_grad()) continue;
    (exclude_bias_and_norm && p.dim() <= 1 ? no_decay : decay).push_back(p);
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<Options>(options));
  if (!no_decay.empty()) {
    auto o = std::make_unique<Options>(options);
    o->weight_decay(0.0);
    groups.emplace_back(no_decay, std::move(o));
  }
  return groups;
}

}  // namespace optim
}  // namespace superconv
