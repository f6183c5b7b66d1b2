// SPDX-License-Identifier: MIT
// A WebDataset shard's samples: members grouped by key (`<key>.jpg|jpeg|png` + `<key>.cls`, the class as text), each
// sample's image offset, size and label - found once, then kept in `<shard>.idx` beside the shard (shard_index_file)
// so that any record is read directly; bad samples named, or skipped and listed.
#pragma once

#include <superconv/data/shard_index_file.hpp>
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
