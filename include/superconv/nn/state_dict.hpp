// SPDX-License-Identifier: MIT
// A module's weights as a PyTorch state dict file: what Python's `torch.load` opens (a dict of tensors by the names
// of the equivalent torch.nn.Module), and back: a file from Python's `torch.save(model.state_dict())` into a module.
#pragma once

#include <superconv/nn/torch_pickle.hpp>
#include <superconv/system/atomic_file.hpp>

#include <ATen/ATen.h>
#include <ATen/core/ivalue.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ios>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace superconv {
namespace nn {

/// Options for load_state_dict. Example: `LoadStateDictOptions().strict(false)`
struct LoadStateDictOptions {
  /// Missing and unexpected entries are errors (as PyTorch's `load_state_dict(strict=True)`). A mis-shaped entry is
  /// an error either way.
  TORCH_ARG(bool, strict) = true;
};

/// What load_state_dict left alone (non-strict): the module's entries the file lacks, the file's the module lacks.
struct LoadStateDictResult {
  std::vector<std::string> missing, unexpected;
};

namespace detail {
inline std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}
/// The superconv checkpoint trailer's last 8 bytes (train/checkpoint_file.hpp), to name that mistake.
inline bool is_superconv_checkpoint(const std::string& bytes) {
  static const char magic[8] = {'S', 'C', 'C', 'K', 'P', 'T', '\x01', '\x00'};
  return bytes.size() >= 32 && std::memcmp(bytes.data() + bytes.size() - 8, magic, 8) == 0;
}
}  // namespace detail

/// Every parameter and buffer of `module` by its LibTorch name ("prep.conv.weight", "prep.bn.running_mean"),
/// detached, contiguous, on the CPU: the entries save_state_dict writes.
inline std::vector<std::pair<std::string, at::Tensor>> state_dict_entries(const torch::nn::Module& module) {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& p : module.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers(true)) out.emplace_back(b.key(), b.value());
  for (auto& e : out) e.second = e.second.detach().to(at::kCPU).contiguous();
  return out;
}

/// Writes named tensors to `path` as a PyTorch file that Python's `torch.load` (also with `weights_only=True`) opens
/// to a dict of CPU tensors, atomically and durably (system/atomic_file.hpp); errors name the path.
inline void save_tensor_dict(const std::vector<std::pair<std::string, at::Tensor>>& entries,
                             const std::filesystem::path& path) {
  system::write_file_atomic(path, torch_save_bytes(entries), "save_state_dict");
}

/// Writes `module`'s parameters and buffers (state_dict_entries) to `path` as a state dict file that Python's
/// `torch.load` opens: `model.load_state_dict(torch.load("model.pt"))`. Atomic (a temporary file, then a rename).
inline void save_state_dict(const torch::nn::Module& module, const std::filesystem::path& path) {
  save_tensor_dict(state_dict_entries(module), path);
}

/// Reads a state dict file (from save_state_dict or save_tensor_dict, or Python's `torch.save(model.state_dict())`
/// or `torch.save({"x": tensor})`) to CPU tensors by name. Errors name the file: missing, not a PyTorch zip file, a
/// superconv checkpoint, not a dict of tensors.
inline std::map<std::string, at::Tensor> read_state_dict(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  TORCH_CHECK(in, "load_state_dict: ", path.string(), ": cannot open (does it exist?)");
  // Only the head and the tail here; the records are then read from the file one by one (never the whole file).
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  TORCH_CHECK(!ec, "load_state_dict: ", path.string(), ": cannot read its size: ", ec.message());
  std::string head(4, '\0'), tail(size >= 32 ? 32 : 0, '\0');
  in.read(head.data(), 4);
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (!tail.empty()) in.clear(), in.seekg(static_cast<std::streamoff>(size - 32)), in.read(tail.data(), 32);
  TORCH_CHECK(!detail::is_superconv_checkpoint(tail), "load_state_dict: ", path.string(), " is a superconv ",
              "training checkpoint (checkpoint.pt), not a state dict: restore it with train::load_checkpoint (or ",
              "Trainer::load_checkpoint); load_state_dict reads a run's model.pt");
  TORCH_CHECK(head == std::string("PK\x03\x04", 4), "load_state_dict: ", path.string(),
              " is not a PyTorch state dict file (not the zip format of torch.save)");
  c10::IValue value;
  try {
    value = torch_load_file(path);
  } catch (const c10::Error& e) {
    TORCH_CHECK(false, "load_state_dict: ", path.string(),
                " is not a readable state dict: ", e.what_without_backtrace());
  }
  // Python's OrderedDict with its `_metadata` arrives as (dict, attributes): see detail::rewrite_ordered_dicts.
  if (value.isTuple() && value.toTupleRef().elements().size() == 2 && value.toTupleRef().elements()[0].isGenericDict())
    value = value.toTupleRef().elements()[0];
  TORCH_CHECK(value.isGenericDict(), "load_state_dict: ", path.string(), " holds a ", value.tagKind(),
              ", not a state dict (a dict of tensors by name)");
  std::map<std::string, at::Tensor> out;
  for (const auto& kv : value.toGenericDict()) {
    TORCH_CHECK(kv.key().isString() && kv.value().isTensor(), "load_state_dict: ", path.string(), " is not a state ",
                "dict: it maps a ", kv.key().tagKind(), " to a ", kv.value().tagKind(),
                " (a training checkpoint? give the model's state_dict())");
    out.emplace(kv.key().toStringRef(), kv.value().toTensor());
  }
  return out;
}

/// Copies the state dict in `path` into `module`'s parameters and buffers (under NoGrad, to each one's device and
/// dtype). Errors name the file and every missing, unexpected and mis-shaped entry (with both shapes); non-strict,
/// missing and unexpected entries are returned instead. Example: `load_state_dict(*model, "model.pt")`
inline LoadStateDictResult load_state_dict(torch::nn::Module& module, const std::filesystem::path& path,
                                           const LoadStateDictOptions& options = {}) {
  const auto file = read_state_dict(path);
  std::map<std::string, at::Tensor> own;
  for (const auto& p : module.named_parameters(true)) own.emplace(p.key(), p.value());
  for (const auto& b : module.named_buffers(true)) own.emplace(b.key(), b.value());
  LoadStateDictResult r;
  std::vector<std::string> misshaped;
  for (const auto& kv : own) {
    const auto it = file.find(kv.first);
    if (it == file.end()) {
      r.missing.push_back(kv.first);
    } else if (it->second.sizes() != kv.second.sizes()) {
      std::ostringstream s;
      s << kv.first << " (file " << it->second.sizes() << ", model " << kv.second.sizes() << ")";
      misshaped.push_back(s.str());
    }
  }
  for (const auto& kv : file) {
    if (!own.count(kv.first)) r.unexpected.push_back(kv.first);
  }
  const bool bad = !misshaped.empty() || (options.strict() && (!r.missing.empty() || !r.unexpected.empty()));
  if (bad) {
    std::vector<std::string> parts;
    if (!misshaped.empty()) parts.push_back("mis-shaped: " + detail::join_names(misshaped));
    if (!r.missing.empty()) parts.push_back("missing: " + detail::join_names(r.missing));
    if (!r.unexpected.empty()) parts.push_back("unexpected: " + detail::join_names(r.unexpected));
    std::string what;
    for (const auto& part : parts) what += (what.empty() ? "" : "; ") + part;
    TORCH_CHECK(false, "load_state_dict: ", path.string(), " does not fit the model: ", what);
  }
  at::NoGradGuard no_grad;
  for (auto& kv : own) {
    const auto it = file.find(kv.first);
    if (it != file.end()) kv.second.copy_(it->second);
  }
  return r;
}

}  // namespace nn
}  // namespace superconv
