// SPDX-License-Identifier: MIT
// ShardWriter: samples written as WebDataset tar shards of a chosen size (`<key>.<ext>` members, POSIX ustar), each
// shard complete and indexed before the next begins.
#pragma once

#include <superconv/data/shard_index.hpp>

#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <torch/arg.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace superconv {
namespace data {

/// Options for ShardWriter. Example: `ShardWriterOptions("shards/train-%06d.tar").max_count(10000)`
struct ShardWriterOptions {
  /* implicit */ ShardWriterOptions(std::string pattern) : pattern_(std::move(pattern)) {}
  /// The shards' paths: a printf pattern with one integer, the shard's number from 0 (`train-%06d.tar`).
  TORCH_ARG(std::string, pattern);
  /// Samples per shard (WebDataset's maxcount).
  TORCH_ARG(std::int64_t, max_count) = 10000;
  /// Bytes per shard at most (0: no limit), as WebDataset's maxsize: a shard closes before the sample that would
  /// pass it (a shard holds at least one sample).
  TORCH_ARG(std::uint64_t, max_bytes) = 0;
};

namespace detail {

/// A POSIX ustar header for a regular file `name` of `size` bytes (the name split into prefix/name when it is longer
/// than 100 bytes; an error when it cannot be).
inline std::string tar_header(const std::string& name, std::uint64_t size) {
  std::string h(512, '\0');
  std::string prefix, base = name;
  if (name.size() > 100) {  // ustar: prefix (155) + '/' + name (100)
    const auto slash = name.rfind('/', 155);
    TORCH_CHECK(slash != std::string::npos && name.size() - slash - 1 <= 100 && slash > 0, "ShardWriter: member name '",
                name, "' is too long for a tar header (100 bytes, or 155 + 100 at a '/')");
    prefix = name.substr(0, slash), base = name.substr(slash + 1);
  }
  TORCH_CHECK(size < (std::uint64_t{1} << 33), "ShardWriter: member '", name, "' has ", size,
              " bytes; a tar member holds less than 8 GiB");
  auto put = [&](std::size_t at, const std::string& text) { std::memcpy(&h[at], text.data(), text.size()); };
  put(0, base);
  put(100, "0000644");
  put(108, "0000000");
  put(116, "0000000");
  put(124, fmt::format("{:011o}", size));
  put(136, fmt::format("{:011o}", 0));
  h[156] = '0';
  put(257, std::string("ustar\0"
                       "00",
                       8));
  put(345, prefix);
  std::uint64_t sum = 0;
  for (int i = 0; i < 512; ++i) sum += i >= 148 && i < 156 ? ' ' : static_cast<unsigned char>(h[i]);
  put(148, fmt::format("{:06o}", sum));
  h[154] = '\0', h[155] = ' ';
  return h;
}

}  // namespace detail

/// Writes samples into numbered tar shards: each sample's members `<key>.<ext>` (e.g. `jpg` and `cls`) one after
/// another, a new shard when the current one has `max_count` samples (or would pass `max_bytes`). A shard is
/// written under a temporary name and renamed when complete, then indexed (`<shard>.idx`): a stopped writer leaves
/// no half shard. Python's webdataset reads the shards as they are.
///
/// ```
/// ShardWriter out(ShardWriterOptions("shards/train-%06d.tar").max_count(5000));
/// out.write("000017", {{"png", png_bytes}, {"cls", "3"}});
/// out.close();
/// ```
class ShardWriter {
 public:
  explicit ShardWriter(ShardWriterOptions options) : options_(std::move(options)) {
    TORCH_CHECK(options_.max_count() > 0, "ShardWriter: max_count must be > 0, got ", options_.max_count());
    TORCH_CHECK(shard_name(0) != shard_name(1), "ShardWriter: the pattern '", options_.pattern(),
                "' needs an integer field such as %06d");
  }
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;
  /// Completes the shard being written (errors swallowed: call close() to see them).
  ~ShardWriter() {
    try {
      close();
    } catch (...) {  // NOLINT(bugprone-empty-catch)
    }
  }

  /// Writes one sample: its members in the order given. Keys may not contain a dot (WebDataset's key ends at it).
  void write(const std::string& key, const std::vector<std::pair<std::string, std::string>>& members) {
    TORCH_CHECK(!key.empty() && key.find('.') == std::string::npos && key.find_first_of("\t\n") == std::string::npos,
                "ShardWriter: the key '", key, "' must be non-empty, without dots, tabs or line breaks");
    TORCH_CHECK(!members.empty(), "ShardWriter: sample '", key, "' has no members");
    std::string bytes;
    for (const auto& [ext, data] : members) {
      TORCH_CHECK(!ext.empty(), "ShardWriter: sample '", key, "' has a member without an extension");
      bytes += detail::tar_header(key + "." + ext, data.size());
      bytes += data;
      bytes.append((512 - data.size() % 512) % 512, '\0');
    }
    if (fd_ >= 0 && (count_ >= options_.max_count() ||
                     (options_.max_bytes() > 0 && written_ + bytes.size() + 1024 > options_.max_bytes()))) {
      finish();
    }
    if (fd_ < 0) open_next();
    append(bytes);
    ++count_, ++samples_;
  }

  /// Completes the current shard (end-of-archive blocks, rename, index). Further writes start a new one.
  void close() {
    if (fd_ >= 0) finish();
  }

  /// The shards completed so far.
  const std::vector<std::filesystem::path>& shards() const { return shards_; }
  std::int64_t samples() const { return samples_; }

 private:
  std::filesystem::path shard_name(std::int64_t n) const {
    std::vector<char> buf(options_.pattern().size() + 64);
    std::snprintf(buf.data(), buf.size(), options_.pattern().c_str(), static_cast<int>(n));
    return std::filesystem::path(buf.data());
  }
  void open_next() {
    current_ = shard_name(static_cast<std::int64_t>(shards_.size()));
    if (current_.has_parent_path()) std::filesystem::create_directories(current_.parent_path());
    temp_ = current_.string() + ".tmp";
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    TORCH_CHECK(fd_ >= 0, "ShardWriter: cannot create ", temp_.string(), ": ", std::strerror(errno));
    count_ = 0, written_ = 0;
  }
  void append(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const auto n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      TORCH_CHECK(n > 0, "ShardWriter: cannot write ", temp_.string(), ": ", std::strerror(n == 0 ? ENOSPC : errno));
      done += static_cast<std::size_t>(n);
    }
    written_ += bytes.size();
  }
  void finish() {
    append(std::string(1024, '\0'));  // the end-of-archive blocks
    const bool synced = ::fsync(fd_) == 0;
    const int fd = fd_;
    fd_ = -1;
    TORCH_CHECK(::close(fd) == 0 && synced, "ShardWriter: cannot write ", temp_.string(), ": ", std::strerror(errno));
    std::filesystem::rename(temp_, current_);
    std::filesystem::remove(index_path(current_));     // a stale index of an earlier shard of that name
    load_shard_index(current_, 0, /*skip_bad=*/true);  // builds <shard>.idx; a reader decides on bad samples
    shards_.push_back(current_);
  }

  ShardWriterOptions options_;
  std::filesystem::path current_, temp_;
  int fd_ = -1;
  std::int64_t count_ = 0, samples_ = 0;
  std::uint64_t written_ = 0;
  std::vector<std::filesystem::path> shards_;
};

}  // namespace data
}  // namespace superconv
