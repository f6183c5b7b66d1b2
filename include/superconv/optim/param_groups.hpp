// SPDX-License-Identifier: MIT
// Parameter groups: weight decay on weights, none on biases and normalisation parameters; or groups chosen by rules
// on a parameter's name and shape, every trainable parameter in exactly one.
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

/// Gives each of `optimizer`'s parameter groups the options of the corresponding entry of `groups`, exactly.
/// Needed because LibTorch's Optimizer (2.13) merges a group's options with the optimizer's defaults field by field
/// and keeps the defaults' value wherever the group's equals the options' constructor default: an explicit
/// `weight_decay(0)` in a bias group becomes the defaults' decay, and the groups of an optimizer LibTorch does not
/// know (optim::Muon) all become the defaults. Example:
/// `auto groups = weight_decay_groups(*model, o); torch::optim::SGD sgd(groups, o); restore_group_options(sgd,
/// groups);`
inline void restore_group_options(torch::optim::Optimizer& optimizer,
                                  const std::vector<torch::optim::OptimizerParamGroup>& groups) {
  auto& have = optimizer.param_groups();
  TORCH_CHECK(have.size() == groups.size(), "restore_group_options: the optimizer has ", have.size(),
              " parameter groups, ", groups.size(), " were given");
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].has_options()) have[i].set_options(groups[i].options().clone());
  }
}

/// Chooses parameters by their dotted name (`block1.norm1.bias`) and tensor (shape, requires_grad).
using ParameterRule = std::function<bool(const std::string& name, const at::Tensor& parameter)>;

/// Parameters whose name contains `part`.
inline ParameterRule name_contains(std::string part) {
  return [part = std::move(part)](const std::string& name, const at::Tensor&) {
    return name.find(part) != std::string::npos;
  };
}
/// Parameters with exactly `dims` dimensions (4: convolution filters, 2: linear weights, 1: biases and norms).
inline ParameterRule dims_equal(std::int64_t dims) {
  return [dims](const std::string&, const at::Tensor& p) { return p.dim() == dims; };
}
/// Any parameter: the last rule of a partition that takes the rest.
inline ParameterRule any_parameter() {
  return [](const std::string&, const at::Tensor&) { return true; };
}

/// Splits the module's trainable parameters (requires_grad) into one list per rule, each parameter going to the
/// first rule it matches, in registration order. A trainable parameter that no rule takes is an error naming it
/// (it would silently never train); so is a rule that takes nothing, when `allow_empty` is false (a renamed layer).
/// Example, airbench's groups:
/// `auto groups = partition_parameters(*net, {name_contains("whiten.bias"), name_contains("norm"), dims_equal(4),
///                                           name_contains("head")});`
inline std::vector<std::vector<at::Tensor>> partition_parameters(const torch::nn::Module& module,
                                                                 const std::vector<ParameterRule>& rules,
                                                                 bool allow_empty = false) {
  TORCH_CHECK(!rules.empty(), "partition_parameters: give at least one rule");
  std::vector<std::vector<at::Tensor>> groups(rules.size());
  for (const auto& item : module.named_parameters()) {
    if (!item.value().requires_grad()) continue;
    bool taken = false;
    for (std::size_t r = 0; r < rules.size() && !taken; ++r) {
      TORCH_CHECK(rules[r], "partition_parameters: rule ", r, " is empty");
      if (rules[r](item.key(), item.value())) groups[r].push_back(item.value()), taken = true;
    }
    TORCH_CHECK(taken, "partition_parameters: the trainable parameter '", item.key(), "' ", item.value().sizes(),
                " matches no rule; add a rule for it or set requires_grad(false)");
  }
  for (std::size_t r = 0; r < rules.size(); ++r) {
    TORCH_CHECK(allow_empty || !groups[r].empty(), "partition_parameters: rule ", r,
                " matches no trainable parameter (a renamed layer?); pass allow_empty to permit it");
  }
  return groups;
}

}  // namespace optim
}  // namespace superconv
