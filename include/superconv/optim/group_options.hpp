// SPDX-License-Identifier: MIT
// restore_group_options: each parameter group keeps the options it was given, where LibTorch's Optimizer would merge
// them with the optimizer's defaults.
#pragma once

#include <c10/util/Exception.h>
#include <torch/optim/optimizer.h>

#include <cstddef>
#include <vector>

namespace superconv {
namespace optim {

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

}  // namespace optim
}  // namespace superconv
