// SPDX-License-Identifier: MIT
// Parameter groups chosen by rules on a parameter's name and shape, every trainable parameter in exactly one.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/nn/module.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace superconv {
namespace optim {

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
