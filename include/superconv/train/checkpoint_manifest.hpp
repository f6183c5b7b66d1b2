// SPDX-License-Identifier: MIT
// A checkpoint's manifest: what it was made for (format version, every parameter's and buffer's name and shape, the
// optimizer's type), written beside the state and checked before anything is restored, the first mismatch named.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <c10/util/Type.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

namespace superconv {
namespace train {

/// The checkpoint layout this superconv writes and reads.
inline constexpr std::int64_t kCheckpointFormat = 2;

namespace detail {
inline std::string shape_text(at::IntArrayRef sizes) {
  return fmt::format("[{}]", fmt::join(sizes, ", "));
}
/// Every parameter and buffer of a module as (name, shape), parameters first.
inline std::vector<std::pair<std::string, std::string>> model_manifest(const torch::nn::Module& model) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : model.named_parameters()) out.emplace_back(p.key(), shape_text(p.value().sizes()));
  for (const auto& b : model.named_buffers()) out.emplace_back(b.key(), shape_text(b.value().sizes()));
  return out;
}
inline std::string optimizer_type(const torch::optim::Optimizer& optimizer) {
  return c10::demangle(typeid(optimizer).name());
}
/// Optimizer types whose state archives are the same: a checkpoint of one resumes in the other.
inline std::string archive_family(const std::string& type) {
  return type == "superconv::optim::FusedSGD" ? "torch::optim::SGD" : type;
}
}  // namespace detail

/// Writes the manifest of `model` and `optimizer` into `a` (save_checkpoint does).
inline void write_manifest(torch::serialize::OutputArchive& a, const torch::nn::Module& model,
                           const torch::optim::Optimizer& optimizer) {
  a.write("format", c10::IValue(kCheckpointFormat));
  c10::List<std::string> names, shapes;
  for (const auto& [name, shape] : detail::model_manifest(model)) names.push_back(name), shapes.push_back(shape);
  a.write("manifest.names", c10::IValue(names));
  a.write("manifest.shapes", c10::IValue(shapes));
  a.write("manifest.optimizer", c10::IValue(detail::optimizer_type(optimizer)));
}

/// Checks a checkpoint's manifest against `model` and `optimizer`; the error names the file and the first
/// mismatch (a parameter's name and both shapes, or both optimizer types).
inline void check_manifest(torch::serialize::InputArchive& a, const torch::nn::Module& model,
                           const torch::optim::Optimizer& optimizer, const std::filesystem::path& path) {
  c10::IValue format, names, shapes, opt;
  TORCH_CHECK(a.try_read("format", format) && format.isInt(), "checkpoint: ", path.string(),
              " has no format version: it was not written by this superconv (format ", kCheckpointFormat, ")");
  TORCH_CHECK(format.toInt() == kCheckpointFormat, "checkpoint: ", path.string(), " has format version ",
              format.toInt(), "; this superconv reads version ", kCheckpointFormat);
  TORCH_CHECK(a.try_read("manifest.names", names) && a.try_read("manifest.shapes", shapes) &&
                  a.try_read("manifest.optimizer", opt),
              "checkpoint: ", path.string(), " lacks its manifest");
  std::map<std::string, std::string> saved;
  const auto n = names.toList(), s = shapes.toList();
  for (std::size_t i = 0; i < n.size() && i < s.size(); ++i) saved[n.get(i).toStringRef()] = s.get(i).toStringRef();
  const auto mine = detail::model_manifest(model);
  for (const auto& [name, shape] : mine) {
    const auto it = saved.find(name);
    TORCH_CHECK(it != saved.end(), "checkpoint: ", path.string(), " was made for another model: it has no '", name,
                "' (", shape, " in this model)");
    TORCH_CHECK(it->second == shape, "checkpoint: ", path.string(), " was made for another model: '", name, "' is ",
                it->second, " in the checkpoint but ", shape, " in this model");
    saved.erase(it);
  }
  TORCH_CHECK(saved.empty(), "checkpoint: ", path.string(), " was made for another model: it has '",
              saved.empty() ? "" : saved.begin()->first, "' (", saved.empty() ? "" : saved.begin()->second,
              "), which this model lacks");
  const auto type = detail::optimizer_type(optimizer);
  TORCH_CHECK(detail::archive_family(opt.toStringRef()) == detail::archive_family(type), "checkpoint: ", path.string(),
              " was made with optimizer ", opt.toStringRef(), "; this one is ", type);
}

}  // namespace train
}  // namespace superconv
