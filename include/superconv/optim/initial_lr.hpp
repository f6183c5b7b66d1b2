// SPDX-License-Identifier: MIT
// Each parameter group's initial LR, kept beside a LibTorch optimizer the way PyTorch keeps param_group["initial_lr"],
// so a scheduler that scales the initial LRs finds them again after another scheduler or a checkpoint load.
#pragma once

#include <c10/core/TensorImpl.h>
#include <c10/core/UndefinedTensorImpl.h>
#include <c10/util/Exception.h>
#include <c10/util/intrusive_ptr.h>
#include <torch/optim/optimizer.h>

#include <cstddef>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace superconv {
namespace optim {

namespace detail {
/// What is known of one optimizer: its groups' initial LRs, the LRs a scheduler wrote last, and weak references to
/// each group's first parameter (an entry is trusted only while those are the same, living tensors).
struct InitialLREntry {
  std::vector<c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>> first_params;
  std::vector<double> initial, written;
};
struct InitialLRRegistry {
  std::mutex mutex;
  std::map<const torch::optim::Optimizer*, InitialLREntry> entries;
};
inline InitialLRRegistry& initial_lr_registry() {
  static InitialLRRegistry registry;  // inline function: one registry per program, across translation units
  return registry;
}
/// Drops the entries none of whose parameters live any more (their optimizers are gone with them).
inline void prune_initial_lr_entries(InitialLRRegistry& registry) {
  for (auto it = registry.entries.begin(); it != registry.entries.end();) {
    bool alive = false;
    for (const auto& w : it->second.first_params) alive = alive || !w.expired();
    it = alive ? std::next(it) : registry.entries.erase(it);
  }
}
inline std::vector<double> current_lrs(const torch::optim::Optimizer& optimizer) {
  std::vector<double> out;
  for (const auto& group : optimizer.param_groups()) out.push_back(group.options().get_lr());
  return out;
}
inline InitialLREntry make_initial_lr_entry(const torch::optim::Optimizer& optimizer, std::vector<double> initial) {
  InitialLREntry e;
  for (const auto& group : optimizer.param_groups()) {
    e.first_params.emplace_back(group.params().empty() ? c10::intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>()
                                                       : group.params().front().getIntrusivePtr());
  }
  e.initial = std::move(initial);
  e.written = current_lrs(optimizer);
  return e;
}
/// The entry describes this optimizer now: same groups, same living first parameters, and the LRs are the ones a
/// scheduler (or a checkpoint load) left - not values someone set since (a new optimizer at a reused address).
inline bool initial_lr_entry_holds(const InitialLREntry& e, const torch::optim::Optimizer& optimizer) {
  const auto& groups = optimizer.param_groups();
  if (e.first_params.size() != groups.size() || e.initial.size() != groups.size()) return false;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto& params = groups[g].params();
    const auto& weak = e.first_params[g];
    if (params.empty() != (weak._unsafe_get_target() == c10::UndefinedTensorImpl::singleton())) return false;
    if (!params.empty() && (weak.expired() || weak._unsafe_get_target() != params.front().unsafeGetTensorImpl())) {
      return false;
    }
  }
  return current_lrs(optimizer) == e.written;
}
}  // namespace detail

/// Each group's initial LR, as PyTorch's schedulers keep `param_group["initial_lr"]` (setdefault): the values
/// recorded earlier for this optimizer (by another scheduler, or by a checkpoint load) while the optimizer's LRs
/// are still what was last recorded; otherwise its groups' LRs now, which become the record.
inline std::vector<double> initial_lrs(const torch::optim::Optimizer& optimizer) {
  auto& registry = detail::initial_lr_registry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  const auto it = registry.entries.find(&optimizer);
  if (it != registry.entries.end() && detail::initial_lr_entry_holds(it->second, optimizer)) return it->second.initial;
  auto entry = detail::make_initial_lr_entry(optimizer, detail::current_lrs(optimizer));
  auto initial = entry.initial;
  detail::prune_initial_lr_entries(registry);
  registry.entries[&optimizer] = std::move(entry);
  return initial;
}

/// The recorded initial LRs, if any still hold for this optimizer (what a checkpoint saves).
inline std::optional<std::vector<double>> recorded_initial_lrs(const torch::optim::Optimizer& optimizer) {
  auto& registry = detail::initial_lr_registry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  const auto it = registry.entries.find(&optimizer);
  if (it == registry.entries.end() || !detail::initial_lr_entry_holds(it->second, optimizer)) return std::nullopt;
  return it->second.initial;
}

/// Records `initial` as the optimizer's initial LRs, with its LRs now as the ones last written (a checkpoint load).
inline void set_initial_lrs(const torch::optim::Optimizer& optimizer, std::vector<double> initial) {
  TORCH_CHECK(initial.size() == optimizer.param_groups().size(), "set_initial_lrs: ", initial.size(),
              " initial LRs for an optimizer with ", optimizer.param_groups().size(), " parameter groups");
  auto& registry = detail::initial_lr_registry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  detail::prune_initial_lr_entries(registry);
  registry.entries[&optimizer] = detail::make_initial_lr_entry(optimizer, std::move(initial));
}

/// A scheduler wrote the optimizer's LRs: they are the ones a later initial_lrs() call expects to find.
inline void note_lrs_written(const torch::optim::Optimizer& optimizer) {
  auto& registry = detail::initial_lr_registry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  const auto it = registry.entries.find(&optimizer);
  if (it != registry.entries.end()) it->second.written = detail::current_lrs(optimizer);
}

}  // namespace optim
}  // namespace superconv
