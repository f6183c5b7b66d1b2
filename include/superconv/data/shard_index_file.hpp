// SPDX-License-Identifier: MIT
// A shard's index file, `<shard>.idx`: what it holds (every sample's key, format, image offset, size and class, and
// the members left out), its text, and reading it back checked against its shard.
#pragma once

#include <superconv/data/tar.hpp>

#include <c10/util/Exception.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace superconv {
namespace data {

/// Where one sample's image lies in its shard, what it is, and its class.
struct ShardSample {
  std::string key;
  std::string format;  ///< the image member's extension, lower case: jpg, jpeg or png
  std::uint64_t offset = 0, size = 0;
  std::int64_t label = -1;
};

/// A member or sample left out (with the skip option) and why.
struct SkippedSample {
  std::string file, member, reason;
};

/// The index of one shard: its samples and the shard's size when it was made.
struct ShardIndex {
  std::uint64_t shard_bytes = 0;
  std::vector<ShardSample> samples;
  std::vector<SkippedSample> skipped;
};

/// The index file of `shard`: `<shard>.idx` beside it.
inline std::filesystem::path index_path(const std::filesystem::path& shard) {
  return std::filesystem::path(shard.string() + ".idx");
}

namespace detail {
inline bool is_image_ext(const std::string& ext) {
  return ext == "jpg" || ext == "jpeg" || ext == "png";
}
}  // namespace detail

/// The index as text: a version line, the shard's size, one line per sample (key, format, offset, size, label,
/// tab-separated), then the members left out and why (so that a later reader without the skip option still stops
/// at them).
inline std::string format_index(const ShardIndex& index) {
  std::ostringstream out;
  out << "superconv-shard-index 1\nshard_bytes " << index.shard_bytes << "\nsamples " << index.samples.size() << "\n";
  for (const auto& s : index.samples) {
    out << s.key << '\t' << s.format << '\t' << s.offset << '\t' << s.size << '\t' << s.label << '\n';
  }
  out << "skipped " << index.skipped.size() << "\n";
  for (const auto& k : index.skipped) out << k.member << '\t' << k.reason << '\n';
  return out.str();
}

/// Parses `text`, the index file `path` (named in errors); every line and count is checked.
inline ShardIndex parse_index(const std::string& text, const std::filesystem::path& path) {
  std::istringstream in(text);
  std::string line, word;
  ShardIndex index;
  std::size_t count = 0;
  TORCH_CHECK(std::getline(in, line) && line == "superconv-shard-index 1", "shard index ", path.string(),
              " is not a superconv shard index (version 1); delete it to rebuild it");
  TORCH_CHECK(std::getline(in, line) && std::istringstream(line) >> word >> index.shard_bytes && word == "shard_bytes",
              "shard index ", path.string(), ": line 2 is not 'shard_bytes <n>'; delete it to rebuild it");
  TORCH_CHECK(std::getline(in, line) && std::istringstream(line) >> word >> count && word == "samples", "shard index ",
              path.string(), ": line 3 is not 'samples <n>'; delete it to rebuild it");
  index.samples.reserve(count);
  for (std::size_t n = 0; n < count; ++n) {
    TORCH_CHECK(std::getline(in, line), "shard index ", path.string(), " is cut short: ", n, " of ", count,
                " samples; delete it to rebuild it");
    ShardSample s;
    std::istringstream fields(line);
    TORCH_CHECK(std::getline(fields, s.key, '\t') && std::getline(fields, s.format, '\t') && fields >> s.offset &&
                    fields >> s.size && fields >> s.label && detail::is_image_ext(s.format) && s.label >= 0,
                "shard index ", path.string(), ": line ", n + 4, " is not a sample ('", line,
                "'); delete it to rebuild it");
    index.samples.push_back(std::move(s));
  }
  std::size_t skipped = 0;
  if (std::getline(in, line)) {
    TORCH_CHECK(std::istringstream(line) >> word >> skipped && word == "skipped", "shard index ", path.string(),
                ": line ", count + 4, " is not 'skipped <n>'; delete it to rebuild it");
    for (std::size_t n = 0; n < skipped; ++n) {
      SkippedSample k;
      TORCH_CHECK(std::getline(in, line), "shard index ", path.string(), " is cut short in its skipped members");
      const auto tab = line.find('\t');
      k.member = line.substr(0, tab);
      k.reason = tab == std::string::npos ? std::string() : line.substr(tab + 1);
      index.skipped.push_back(std::move(k));
    }
  }
  return index;
}

/// The index file `idx` of `shard`, read and checked against the shard: its size, and the tar headers of its first
/// and last samples. A mismatch is an error naming both files.
inline ShardIndex read_shard_index(const std::filesystem::path& shard, const std::filesystem::path& idx) {
  namespace fs = std::filesystem;
  std::ifstream in(idx, std::ios::binary);
  TORCH_CHECK(in, "cannot read shard index ", idx.string());
  std::ostringstream text;
  text << in.rdbuf();
  auto index = parse_index(text.str(), idx);
  const auto bytes = fs::file_size(shard);
  TORCH_CHECK(index.shard_bytes == bytes, "shard index ", idx.string(), " does not match its shard ", shard.string(),
              ": made for ", index.shard_bytes, " bytes, the shard has ", bytes, "; delete the index to rebuild it");
  detail::ReadOnlyFile f(shard);
  for (const auto* s : {index.samples.empty() ? nullptr : &index.samples.front(),
                        index.samples.empty() ? nullptr : &index.samples.back()}) {
    if (s == nullptr) continue;
    char h[512];
    const bool ok = s->offset >= 512 && s->offset + s->size <= bytes && f.read_at(s->offset - 512, h, 512) &&
                    detail::tar_checksum_ok(h) && detail::tar_number(h + 124, 12) == static_cast<std::int64_t>(s->size);
    TORCH_CHECK(ok, "shard index ", idx.string(), " does not match its shard ", shard.string(), ": no member of ",
                s->size, " bytes for '", s->key, ".", s->format, "' at offset ", s->offset,
                "; delete the index to rebuild it");
  }
  return index;
}

}  // namespace data
}  // namespace superconv
