// SPDX-License-Identifier: MIT
// Atomic checkpoint files and the scalar/generator plumbing of torch::serialize archives.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace superconv {
namespace train {

/// Saves an archive to `path` atomically (a `.tmp` file beside it, then a rename): a crash mid-write leaves the
/// previous checkpoint intact.
inline void save_archive_atomic(torch::serialize::OutputArchive& archive, const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  TORCH_CHECK(!ec, "checkpoint: cannot create folder ", path.parent_path().string(), ": ", ec.message());
  fs::path tmp = path;
  tmp += ".tmp";
  archive.save_to(tmp.string());
  fs::rename(tmp, path, ec);
  TORCH_CHECK(!ec, "checkpoint: cannot rename ", tmp.string(), " to ", path.string(), ": ", ec.message());
}

/// Loads an archive, with an error naming the file when it is missing or unreadable.
inline void load_archive(torch::serialize::InputArchive& archive, const std::filesystem::path& path,
                         const c10::optional<c10::Device>& device = c10::nullopt) {
  std::error_code ec;
  TORCH_CHECK(std::filesystem::is_regular_file(path, ec), "checkpoint: ", path.string(), " not found");
  try {
    archive.load_from(path.string(), device);
  } catch (const std::exception& e) {
    TORCH_CHECK(false, "checkpoint: ", path.string(), " is not a readable checkpoint: ", e.what());
  }
}

namespace detail {
inline void write_int(torch::serialize::OutputArchive& a, const std::string& key, std::int64_t v) {
  a.write(key, at::tensor(std::vector<std::int64_t>{v}, at::kLong), /*is_buffer=*/true);
}
inline std::int64_t read_int(torch::serialize::InputArchive& a, const std::string& key) {
  at::Tensor t;
  a.read(key, t, /*is_buffer=*/true);
  return t.item<std::int64_t>();
}
inline void write_tensor(torch::serialize::OutputArchive& a, const std::string& key, const at::Tensor& t) {
  a.write(key, t.detach().cpu(), /*is_buffer=*/true);
}
inline at::Tensor read_tensor(torch::serialize::InputArchive& a, const std::string& key) {
  at::Tensor t;
  a.read(key, t, /*is_buffer=*/true);
  return t;
}
}  // namespace detail

}  // namespace train
}  // namespace superconv
