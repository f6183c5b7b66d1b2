// SPDX-License-Identifier: MIT
// Checkpoints: what a training run needs to continue exactly, written atomically and durably with a checksum, and
// checked against the model, optimizer and loader it is loaded into.
#pragma once

#include <superconv/optim/initial_lr.hpp>
#include <superconv/system/error_message.hpp>
#include <superconv/train/checkpoint_file.hpp>
#include <superconv/train/checkpoint_manifest.hpp>
#include <superconv/train/loader_traits.hpp>
#include <superconv/train/metrics.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace superconv {
namespace train {

/// Where a training run stands: epochs and batches done, the scheduler's step, the running sums of an epoch cut
/// short ([loss x count, correct, count, the epoch's first LR, its first momentum]) and the finished epochs.
struct TrainingState {
  std::int64_t epoch = 0, batch = 0, scheduler_step = 0;
  at::Tensor partial;
  std::vector<EpochStats> history;
  /// After a load: whether the checkpoint held the loader's state (order and random generators) and the loader
  /// took it; without it a resumed run draws another data order than the uninterrupted one would have.
  bool loader_state_restored = false;
};

namespace detail {
inline void write_int(torch::serialize::OutputArchive& a, const std::string& key, std::int64_t v) {
  a.write(key, c10::IValue(v));
}
inline std::int64_t read_int(torch::serialize::InputArchive& a, const std::string& key) {
  c10::IValue v;
  a.read(key, v);
  return v.toInt();
}
}  // namespace detail

/// State of something beside model, optimizer and loader that a run needs to resume exactly (a hook's running
/// average, say), kept in the checkpoint under "part.<name>".
struct CheckpointPart {
  std::string name;
  std::function<void(torch::serialize::OutputArchive&)> save;
  std::function<void(torch::serialize::InputArchive&)> load;
};
using CheckpointParts = std::vector<CheckpointPart>;

/// Writes model, optimizer, training state and (when the loader has the capability) the loader's state, with a
/// manifest of what it was made for (format version, every parameter's and buffer's name and shape, the optimizer's
/// type) so that loading into something else fails with a precise error.
/// `parts` are written too (CheckpointPart).
template <typename Loader>
void save_checkpoint(const std::filesystem::path& path, const torch::nn::Module& model,
                     const torch::optim::Optimizer& optimizer, const TrainingState& state, const Loader& loader,
                     const CheckpointParts& parts = {}) {
  torch::serialize::OutputArchive a, model_archive, optimizer_archive;
  write_manifest(a, model, optimizer);
  model.save(model_archive);
  optimizer.save(optimizer_archive);
  a.write("model", model_archive);
  a.write("optimizer", optimizer_archive);
  if (const auto initial = optim::recorded_initial_lrs(optimizer)) {  // a scheduler's base LRs (PyTorch's initial_lr)
    a.write("optimizer.initial_lrs", at::tensor(*initial, at::kDouble), true);
  }
  detail::write_int(a, "epoch", state.epoch);
  detail::write_int(a, "batch", state.batch);
  detail::write_int(a, "scheduler_step", state.scheduler_step);
  a.write("partial", state.partial.defined() ? state.partial.cpu() : at::zeros({5}, at::kDouble), true);
  std::vector<double> flat;
  for (const auto& s : state.history) {
    const auto v = s.to_vector();
    flat.insert(flat.end(), v.begin(), v.end());
  }
  a.write("history", at::tensor(flat, at::kDouble), true);
  if constexpr (detail::has_archive_state<Loader>::value) {
    torch::serialize::OutputArchive loader_archive;
    loader.save(loader_archive);
    a.write("loader", loader_archive);
  }
  for (const auto& part : parts) {
    torch::serialize::OutputArchive part_archive;
    part.save(part_archive);
    a.write("part." + part.name, part_archive);
  }
  save_archive_atomic(a, path);
}

template <typename Loader>
TrainingState restore_checkpoint(torch::serialize::InputArchive& a, const std::filesystem::path& path,
                                 torch::nn::Module& model, torch::optim::Optimizer& optimizer, Loader& loader,
                                 const CheckpointParts& parts = {});

/// Restores what save_checkpoint wrote into `model`, `optimizer` and (when both sides have it) `loader`, after
/// checking the manifest; tensors land on the model's device. Returns the training state.
template <typename Loader>
TrainingState load_checkpoint(const std::filesystem::path& path, torch::nn::Module& model,
                              torch::optim::Optimizer& optimizer, Loader& loader, const c10::Device& device,
                              const CheckpointParts& parts = {}) {
  torch::serialize::InputArchive a;
  load_archive(a, path, device);
  return restore_checkpoint(a, path, model, optimizer, loader, parts);
}

namespace detail {
/// An object's archive state (a module's or an optimizer's) as bytes, to put back if a restore fails part-way.
template <typename T>
std::string snapshot(const T& x) {
  torch::serialize::OutputArchive a;
  x.save(a);
  std::ostringstream out;
  a.save_to(out);
  return out.str();
}
inline std::string snapshot(const CheckpointPart& part) {
  torch::serialize::OutputArchive a;
  part.save(a);
  std::ostringstream out;
  a.save_to(out);
  return out.str();
}
template <typename T>
void roll_back(T& x, const std::string& bytes) {
  torch::serialize::InputArchive a;
  a.load_from(bytes.data(), bytes.size());
  x.load(a);
}
/// An optimizer's load assigns only the per-parameter state its archive holds: a buffer the failed restore created
/// (momentum of a parameter that had none) would survive a plain load of the snapshot, so the state goes first.
inline void roll_back(torch::optim::Optimizer& optimizer, const std::string& bytes) {
  optimizer.state().clear();
  torch::serialize::InputArchive a;
  a.load_from(bytes.data(), bytes.size());
  optimizer.load(a);
}
inline void roll_back(const CheckpointPart& part, const std::string& bytes) {
  torch::serialize::InputArchive a;
  a.load_from(bytes.data(), bytes.size());
  part.load(a);
}
}  // namespace detail

/// load_checkpoint() for an archive already loaded (and its checksum checked); `path` names it in errors.
/// All or nothing: everything is read and checked first; then model, optimizer, `parts` and the loader, in that
/// order. When one of them refuses its part (a loader over other data: another number of records), the model, the
/// optimizer (its per-parameter state included) and the parts are put back as they were, and the loader - restored
/// last - is left alone (its `load` must check before it changes anything, as DeviceLoader's does).
/// Every one of `parts` must be in the checkpoint (an error names the missing one).
template <typename Loader>
TrainingState restore_checkpoint(torch::serialize::InputArchive& a, const std::filesystem::path& path,
                                 torch::nn::Module& model, torch::optim::Optimizer& optimizer, Loader& loader,
                                 const CheckpointParts& parts) {
  check_manifest(a, model, optimizer, path);
  TrainingState st;
  torch::serialize::InputArchive model_archive, optimizer_archive, loader_archive;
  std::vector<torch::serialize::InputArchive> part_archives(parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    TORCH_CHECK(a.try_read("part." + parts[i].name, part_archives[i]), "checkpoint: ", path.string(), " has no '",
                parts[i].name, "' state: it was written by a run without it (nothing was restored)");
  }
  bool has_loader_state = false;
  at::Tensor initial_lrs;
  try {  // read everything first: nothing is changed yet
    a.read("model", model_archive);
    a.read("optimizer", optimizer_archive);
    st.epoch = detail::read_int(a, "epoch");
    st.batch = detail::read_int(a, "batch");
    st.scheduler_step = detail::read_int(a, "scheduler_step");
    a.read("partial", st.partial, true);
    st.partial = st.partial.cpu().to(at::kDouble);
    at::Tensor h;
    a.read("history", h, true);
    h = h.cpu().to(at::kDouble).contiguous();
    for (std::int64_t i = 0; i + EpochStats::kFields <= h.numel(); i += EpochStats::kFields) {
      st.history.push_back(EpochStats::from_vector(h.data_ptr<double>() + i));
    }
    if constexpr (detail::has_archive_state<Loader>::value) has_loader_state = a.try_read("loader", loader_archive);
    if (a.try_read("optimizer.initial_lrs", initial_lrs, true)) initial_lrs = initial_lrs.cpu().to(at::kDouble);
  } catch (const c10::Error& e) {
    TORCH_CHECK(false, "checkpoint: ", path.string(), " is incomplete: ", e.what_without_backtrace());
  }
  const auto model_before = detail::snapshot(model), optimizer_before = detail::snapshot(optimizer);
  std::vector<std::string> parts_before;
  for (const auto& part : parts) parts_before.push_back(detail::snapshot(part));
  try {
    model.load(model_archive);
    optimizer.load(optimizer_archive);
    for (std::size_t i = 0; i < parts.size(); ++i) parts[i].load(part_archives[i]);
    if constexpr (detail::has_archive_state<Loader>::value) {
      if (has_loader_state) {
        loader.load(loader_archive);
        st.loader_state_restored = true;
      }
    }
  } catch (const std::exception& e) {
    detail::roll_back(model, model_before);
    detail::roll_back(optimizer, optimizer_before);
    for (std::size_t i = 0; i < parts.size(); ++i) detail::roll_back(parts[i], parts_before[i]);
    TORCH_CHECK(false, "checkpoint: ", path.string(), " does not fit this model, optimizer or data (nothing was ",
                "restored): ", system::error_message(e));
  }
  if (initial_lrs.defined() && initial_lrs.numel() == static_cast<std::int64_t>(optimizer.param_groups().size())) {
    const auto* v = initial_lrs.contiguous().data_ptr<double>();
    optim::set_initial_lrs(optimizer, std::vector<double>(v, v + initial_lrs.numel()));
  }
  return st;
}

}  // namespace train
}  // namespace superconv
