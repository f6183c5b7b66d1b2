// SPDX-License-Identifier: MIT
// Where a streamed data set's images are, without reading them: WebDataset tar shards (through their indexes) or an
// image folder in place (root/<class>/*.jpg|jpeg|png), each record a file, an offset, a size, a format and a class.
#pragma once

#include <superconv/data/shard_index.hpp>

#include <c10/util/Exception.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace superconv {
namespace data {

/// One record of a streamed data set: `size` bytes at `offset` of file `file` (an index into SampleSource::files),
/// a JPEG or a PNG, of class `label`.
struct SourceRecord {
  std::uint32_t file = 0;
  std::uint64_t offset = 0, size = 0;
  bool jpeg = true;
  std::int64_t label = 0;
  std::string member;  ///< the member's name in a shard (key.ext); empty for a file of its own
};

/// The records of a streamed data set, the files they live in and the class names. Holds no pixels: a million
/// records cost tens of megabytes.
struct SampleSource {
  std::vector<std::filesystem::path> files;
  std::vector<SourceRecord> records;
  std::vector<std::string> classes;
  std::vector<SkippedSample> skipped;  ///< left out while listing (skip option), each with its reason
  std::int64_t size() const { return static_cast<std::int64_t>(records.size()); }
  /// "<file>" or "<shard>:<member>", for messages.
  std::string where(const SourceRecord& r) const {
    const auto& f = files[r.file].string();
    return r.member.empty() ? f : f + ":" + r.member;
  }
};

namespace detail {
inline bool hidden_entry(const std::filesystem::path& p) {
  return p.filename().string().rfind('.', 0) == 0;
}
inline std::vector<std::filesystem::path> sorted_entries(const std::filesystem::path& dir, bool dirs, const char* who) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> out;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code e;
    if (!hidden_entry(it->path()) && (dirs ? it->is_directory(e) : it->is_regular_file(e))) out.push_back(it->path());
  }
  TORCH_CHECK(!ec, who, ": cannot list ", dir.string(), ": ", ec.message());
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace detail

/// An image folder in place, as torchvision's ImageFolder reads it: class k is the k-th subfolder of `root` by name,
/// its records every .jpg/.jpeg/.png file in it (by name). A root that is missing or not a folder, one without class
/// folders, and a class folder without images are errors naming the folder; nothing is decoded here.
inline SampleSource folder_source(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  TORCH_CHECK(fs::is_directory(root, ec), "image folder: ", root.string(),
              " is not a folder (expected root/<class name>/*.jpg|jpeg|png)");
  SampleSource s;
  const auto class_dirs = detail::sorted_entries(root, true, "image folder");
  TORCH_CHECK(!class_dirs.empty(), "image folder: ", root.string(),
              " has no class folders (expected root/<class name>/*.jpg|jpeg|png)");
  for (const auto& dir : class_dirs) {
    const auto label = static_cast<std::int64_t>(s.classes.size());
    s.classes.push_back(dir.filename().string());
    std::size_t before = s.records.size();
    for (const auto& f : detail::sorted_entries(dir, false, "image folder")) {
      auto ext = f.extension().string();
      for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (ext != ".jpg" && ext != ".jpeg" && ext != ".png") continue;
      SourceRecord r;
      r.file = static_cast<std::uint32_t>(s.files.size());
      r.size = fs::file_size(f);
      r.jpeg = ext != ".png";
      r.label = label;
      s.files.push_back(f);
      s.records.push_back(std::move(r));
    }
    TORCH_CHECK(s.records.size() > before, "image folder: the class folder ", dir.string(),
                " has no images (.jpg, .jpeg or .png)");
  }
  return s;
}

/// The shards `shards` (tar files; a folder stands for its *.tar files by name), their records in shard order
/// through each shard's index (built on first use: shard_index.hpp). Class names from `classes.txt` beside the
/// first shard (one per line) when it is there, else "0", "1", ... up to the largest class found; a class out of
/// that range, and every other bad sample, is an error naming the shard and member - or, with `skip_bad`, listed
/// in `skipped`.
inline SampleSource shard_source(const std::vector<std::filesystem::path>& shards, bool skip_bad = false) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto& p : shards) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& f : detail::sorted_entries(p, false, "shards")) {
        if (f.extension() == ".tar") files.push_back(f);
      }
      TORCH_CHECK(!files.empty(), "shards: the folder ", p.string(), " has no .tar shards");
    } else {
      TORCH_CHECK(fs::is_regular_file(p, ec), "shards: ", p.string(), " not found");
      files.push_back(p);
    }
  }
  TORCH_CHECK(!files.empty(), "shards: no shard given");
  SampleSource s;
  const auto names = files.front().parent_path() / "classes.txt";
  if (fs::exists(names)) {
    std::ifstream in(names);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) s.classes.push_back(line);
    }
    TORCH_CHECK(!s.classes.empty(), "shards: ", names.string(), " names no class");
  }
  std::int64_t largest = -1;
  for (const auto& f : files) {
    auto index = load_shard_index(f, static_cast<std::int64_t>(s.classes.size()), skip_bad);
    const auto file = static_cast<std::uint32_t>(s.files.size());
    s.files.push_back(f);
    for (auto& k : index.skipped) s.skipped.push_back(std::move(k));
    for (const auto& sample : index.samples) {
      s.records.push_back(
          {file, sample.offset, sample.size, sample.format != "png", sample.label, sample.key + "." + sample.format});
      largest = std::max(largest, sample.label);
    }
  }
  TORCH_CHECK(!s.records.empty(), "shards: ", files.front().string(), (files.size() > 1 ? " and the others" : ""),
              " hold no samples");
  for (auto c = static_cast<std::int64_t>(s.classes.size()); c <= largest; ++c) s.classes.push_back(std::to_string(c));
  return s;
}

}  // namespace data
}  // namespace superconv
