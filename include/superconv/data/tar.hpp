// SPDX-License-Identifier: MIT
// Tar archives as data shards: the members of a file (POSIX ustar, GNU long names, pax path records) with where
// each one's bytes lie, checked as they are read, and a member's bytes read back by offset.
#pragma once

#include <c10/util/Exception.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace superconv {
namespace data {

/// One regular file inside a tar archive: its name and where its bytes are.
struct TarMember {
  std::string name;
  std::uint64_t offset = 0;  ///< of the data (the 512-byte header precedes it)
  std::uint64_t size = 0;
};

namespace detail {

/// An open file read by offset (pread), closed when it goes; errors name the file.
class ReadOnlyFile {
 public:
  explicit ReadOnlyFile(const std::filesystem::path& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    TORCH_CHECK(fd_ >= 0, "cannot open ", path.string(), ": ", std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      const int err = errno;
      ::close(fd_);
      TORCH_CHECK(false, "cannot read ", path.string(), ": ", std::strerror(err));
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
  }
  ReadOnlyFile(const ReadOnlyFile&) = delete;
  ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;
  ~ReadOnlyFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  std::uint64_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }
  /// Reads `n` bytes at `offset` into `out`; false (errno set, or 0 for end of file) when it cannot.
  bool read_at(std::uint64_t offset, char* out, std::size_t n) const {
    std::size_t done = 0;
    while (done < n) {
      const auto r = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        if (r == 0) errno = 0;
        return false;
      }
      done += static_cast<std::size_t>(r);
    }
    return true;
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

/// A header field: the bytes up to the first NUL.
inline std::string tar_string(const char* field, std::size_t n) {
  return std::string(field, strnlen(field, n));
}

/// A numeric header field: octal text (spaces and NULs around it), or GNU's base-256 (first byte 0x80); -1 when it
/// is neither.
inline std::int64_t tar_number(const char* field, std::size_t n) {
  const auto* u = reinterpret_cast<const unsigned char*>(field);
  if (u[0] & 0x80) {  // base-256, big-endian, the top bit a flag (positive values only)
    std::uint64_t v = u[0] & 0x7F;
    for (std::size_t i = 1; i < n; ++i) {
      if (v >> 55) return -1;
      v = (v << 8) | u[i];
    }
    return static_cast<std::int64_t>(v);
  }
  std::size_t i = 0;
  while (i < n && (field[i] == ' ' || field[i] == '\0')) ++i;
  if (i == n) return 0;
  std::uint64_t v = 0;
  bool digits = false;
  for (; i < n && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (v >> 60) return -1;
    v = v * 8 + static_cast<std::uint64_t>(field[i] - '0');
    digits = true;
  }
  for (; i < n; ++i) {
    if (field[i] != ' ' && field[i] != '\0') return -1;
  }
  return digits ? static_cast<std::int64_t>(v) : -1;
}

/// The header's checksum holds: the sum of its bytes with the checksum field read as spaces (unsigned, or signed as
/// some old tars wrote it).
inline bool tar_checksum_ok(const char* h) {
  const auto stored = tar_number(h + 148, 8);
  std::int64_t unsigned_sum = 0, signed_sum = 0;
  for (int i = 0; i < 512; ++i) {
    const char c = i >= 148 && i < 156 ? ' ' : h[i];
    unsigned_sum += static_cast<unsigned char>(c);
    signed_sum += static_cast<signed char>(c);
  }
  return stored >= 0 && (stored == unsigned_sum || stored == signed_sum);
}

/// The path a pax extended header gives (its `path=` record), or empty.
inline std::string pax_path(std::string_view records) {
  std::size_t at = 0;
  std::string path;
  while (at < records.size()) {
    std::size_t sp = records.find(' ', at);
    if (sp == std::string_view::npos) break;
    std::size_t len = 0;
    for (std::size_t i = at; i < sp; ++i) {
      if (records[i] < '0' || records[i] > '9') return path;
      len = len * 10 + static_cast<std::size_t>(records[i] - '0');
    }
    if (len == 0 || at + len > records.size()) break;
    const auto record = records.substr(sp + 1, at + len - sp - 2);  // "key=value" without the newline
    if (record.substr(0, 5) == "path=") path = std::string(record.substr(5));
    at += len;
  }
  return path;
}

}  // namespace detail

/// Every regular file in the tar archive `path`, in order: its name (ustar prefix/name, a GNU long name or a pax
/// path) and the offset and size of its bytes. Directories, links and other entries are skipped. A header whose
/// checksum fails, a number that is not one, or a member that runs past the end of the file is an error naming the
/// file, the offset and the member: a corrupt or truncated shard never yields a member that is not there.
inline std::vector<TarMember> list_tar(const std::filesystem::path& path);

namespace detail {
/// An archive in memory, read as ReadOnlyFile reads a file (what the fuzz target feeds list_tar_from).
class MemoryFile {
 public:
  explicit MemoryFile(std::string_view bytes) : bytes_(bytes) {}
  std::uint64_t size() const { return bytes_.size(); }
  bool read_at(std::uint64_t offset, char* out, std::size_t n) const {
    if (offset > bytes_.size() || n > bytes_.size() - offset) return false;
    std::memcpy(out, bytes_.data() + offset, n);
    return true;
  }

 private:
  std::string_view bytes_;
};

/// list_tar over anything with size() and read_at(): `path` names it in errors.
template <typename File>
std::vector<TarMember> list_tar_from(const File& f, const std::filesystem::path& path) {
  std::vector<TarMember> out;
  std::uint64_t at = 0;
  std::string long_name;
  char h[512];
  while (at + 512 <= f.size()) {
    TORCH_CHECK(f.read_at(at, h, 512), "tar: cannot read ", path.string(), " at offset ", at, ": ",
                std::strerror(errno));
    if (std::all_of(h, h + 512, [](char c) { return c == '\0'; })) return out;  // the end-of-archive blocks
    const auto name_field = detail::tar_string(h, 100);
    TORCH_CHECK(detail::tar_checksum_ok(h), "tar: ", path.string(), " is corrupt: the header at offset ", at, " ('",
                name_field, "') fails its checksum");
    const auto size = detail::tar_number(h + 124, 12);
    TORCH_CHECK(size >= 0, "tar: ", path.string(), " is corrupt: the header at offset ", at, " ('", name_field,
                "') has no valid size");
    const auto data = at + 512, usize = static_cast<std::uint64_t>(size);
    TORCH_CHECK(data + usize <= f.size(), "tar: ", path.string(), " is truncated: member '", name_field, "' at offset ",
                at, " needs ", usize, " bytes, the file ends ", f.size() - data, " bytes after its header");
    const char type = h[156];
    if (type == 'L' || type == 'x') {  // the next member's name: GNU long name, or a pax path record
      TORCH_CHECK(usize <= (std::uint64_t{1} << 20), "tar: ", path.string(), " is corrupt: the name record at offset ",
                  at, " has ", usize, " bytes");
      std::string bytes(usize, '\0');
      TORCH_CHECK(f.read_at(data, bytes.data(), usize), "tar: cannot read ", path.string(), " at offset ", data);
      long_name = type == 'L' ? detail::tar_string(bytes.data(), bytes.size()) : detail::pax_path(bytes);
    } else if (type == '0' || type == '\0' || type == '7') {  // a regular file
      std::string name = long_name;
      if (name.empty()) {
        const bool ustar = std::string_view(h + 257, 5) == "ustar";
        const auto prefix = ustar ? detail::tar_string(h + 345, 155) : std::string();
        name = prefix.empty() ? name_field : prefix + "/" + name_field;
      }
      out.push_back({name, data, usize});
      long_name.clear();
    } else if (type != 'g') {
      long_name.clear();  // a directory, link or device: its long name is spent
    }
    at = data + (usize + 511) / 512 * 512;
  }
  TORCH_CHECK(at == f.size(), "tar: ", path.string(), " is truncated: ", f.size() - at, " bytes at offset ", at,
              " are not a whole header");
  return out;  // no end-of-archive blocks (some writers leave them out): every member was whole
}
}  // namespace detail

inline std::vector<TarMember> list_tar(const std::filesystem::path& path) {
  return detail::list_tar_from(detail::ReadOnlyFile(path), path);
}

/// The bytes of a member (or any range) of `file`, read at `offset`; the error names the file and what was read.
inline std::string read_member(const std::filesystem::path& file, std::uint64_t offset, std::uint64_t size,
                               const std::string& what = "") {
  detail::ReadOnlyFile f(file);
  TORCH_CHECK(offset + size <= f.size(), "tar: ", file.string(), " is shorter (", f.size(), " bytes) than ",
              what.empty() ? std::string("the member") : "member '" + what + "'", " at offset ", offset, " + ", size,
              " bytes: the file changed since it was indexed");
  std::string out(size, '\0');
  TORCH_CHECK(f.read_at(offset, out.data(), size), "tar: cannot read ", file.string(), " at offset ", offset, ": ",
              std::strerror(errno));
  return out;
}

}  // namespace data
}  // namespace superconv
