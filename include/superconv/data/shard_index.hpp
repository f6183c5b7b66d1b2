// SPDX-License-Identifier: MIT
// A WebDataset shard's samples and their index: members grouped by key (`<key>.jpg|jpeg|png` + `<key>.cls`, the
// class as text), each sample's image offset, size and label, kept in `<shard>.idx` beside the shard so that any
// record is read directly; built on first use, checked against its shard when read.
#pragma once

#include <superconv/data/tar.hpp>
#include <superconv/system/atomic_file.hpp>

#include <c10/util/Exception.h>

#include <cctype>
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

/// WebDataset's split of a member name: the key is the path up to the first dot of its last component, the
/// extension (lower case) the rest; false when the last component has no dot.
inline bool split_key(const std::string& name, std::string& key, std::string& ext) {
  const auto slash = name.rfind('/');
  const auto dot = name.find('.', slash == std::string::npos ? 0 : slash + 1);
  if (dot == std::string::npos || dot == 0 || dot + 1 >= name.size() || dot == slash + 1) return false;
  key = name.substr(0, dot);
  ext = name.substr(dot + 1);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return true;
}

inline bool is_image_ext(const std::string& ext) {
  return ext == "jpg" || ext == "jpeg" || ext == "png";
}

/// A class label from a `.cls` member's text (an integer, surrounding white space allowed); -1 when it is none.
inline std::int64_t parse_label(const std::string& text) {
  std::size_t i = 0, j = text.size();
  while (i < j && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  while (j > i && std::isspace(static_cast<unsigned char>(text[j - 1]))) --j;
  if (i == j || j - i > 18) return -1;
  std::int64_t v = 0;
  for (std::size_t k = i; k < j; ++k) {
    if (text[k] < '0' || text[k] > '9') return -1;
    v = v * 10 + (text[k] - '0');
  }
  return v;
}

}  // namespace detail

/// Reads the samples of the tar shard `shard`: consecutive members with one key form a sample, which needs one image
/// (jpg, jpeg or png) and a `cls` member holding its class (other members, such as `.json` or `.txt`, are left
/// alone). A sample without an image or a class, or with an unreadable class, is an error naming the shard and the
/// member - or, with `skip_bad`, goes into `skipped` with the reason.
inline ShardIndex index_shard(const std::filesystem::path& shard, bool skip_bad = false) {
  ShardIndex index;
  index.shard_bytes = std::filesystem::file_size(shard);
  const auto members = list_tar(shard);
  auto bad = [&](const std::string& member, const std::string& reason) {
    TORCH_CHECK(skip_bad, "shard ", shard.string(), ": ", member, ": ", reason,
                " (skip such samples with the skip option; they are listed in the run folder)");
    index.skipped.push_back({shard.string(), member, reason});
  };
  for (std::size_t i = 0; i < members.size();) {
    std::string key, ext;
    if (!detail::split_key(members[i].name, key, ext)) {
      ++i;  // no key.extension name: not part of a sample (WebDataset skips it too)
      continue;
    }
    ShardSample s;
    s.key = key;
    std::string cls_member, image_member;
    bool broken = false;
    for (; i < members.size(); ++i) {
      std::string k, e;
      if (!detail::split_key(members[i].name, k, e) || k != key) break;
      if (detail::is_image_ext(e)) {
        if (!image_member.empty()) {
          bad(members[i].name, "a second image for key '" + key + "' (after " + image_member + ")"), broken = true;
          continue;
        }
        image_member = members[i].name, s.format = e, s.offset = members[i].offset, s.size = members[i].size;
      } else if (e == "cls") {
        cls_member = members[i].name;
        s.label = detail::parse_label(read_member(shard, members[i].offset, members[i].size, members[i].name));
        if (s.label < 0) bad(members[i].name, "the class is not a non-negative integer"), broken = true;
      }
    }
    if (broken) continue;
    if (image_member.empty()) {
      bad(key, "no image (.jpg, .jpeg or .png) for key '" + key + "'");
    } else if (cls_member.empty()) {
      bad(image_member, "no label: the sample has no .cls member");
    } else if (key.find_first_of("\t\n") != std::string::npos) {
      bad(image_member, "the key has a tab or a line break");
    } else {
      index.samples.push_back(std::move(s));
    }
  }
  return index;
}

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

/// The index of `shard`: read from `<shard>.idx` and checked against the shard (its size, and the tar headers of its
/// first and last samples), or - when there is none - built (index_shard) and written there (atomically; a folder
/// that cannot be written keeps it in memory only). An index that does not match its shard is an error naming both.
inline ShardIndex load_shard_index(const std::filesystem::path& shard, std::int64_t num_classes = 0,
                                   bool skip_bad = false) {
  namespace fs = std::filesystem;
  TORCH_CHECK(fs::is_regular_file(shard), "shard ", shard.string(), " is not a file");
  const auto idx = index_path(shard);
  ShardIndex index;
  if (!fs::exists(idx)) {
    index = index_shard(shard, skip_bad);
    try {
      system::write_file_atomic(idx, format_index(index), "shard index");
    } catch (const c10::Error&) {  // NOLINT(bugprone-empty-catch): a read-only folder; the index lives in memory
    }
  } else {
    index = read_shard_index(shard, idx);
  }
  for (auto& k : index.skipped) {
    k.file = shard.string();
    TORCH_CHECK(skip_bad, "shard ", shard.string(), ": ", k.member, ": ", k.reason,
                " (skip such samples with the skip option; they are listed in the run folder)");
  }
  if (num_classes > 0) {  // the class count is the reader's: an index holds every class it found
    std::vector<ShardSample> kept;
    for (auto& s : index.samples) {
      if (s.label < num_classes) {
        kept.push_back(std::move(s));
        continue;
      }
      const auto why = "class " + std::to_string(s.label) + " is out of range [0, " + std::to_string(num_classes) + ")";
      TORCH_CHECK(skip_bad, "shard ", shard.string(), ": ", s.key, ".cls: ", why,
                  " (skip such samples with the skip option; they are listed in the run folder)");
      index.skipped.push_back({shard.string(), s.key + ".cls", why});
    }
    index.samples = std::move(kept);
  }
  return index;
}

}  // namespace data
}  // namespace superconv
