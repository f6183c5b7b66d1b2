// SPDX-License-Identifier: MIT
// A file replaced atomically and durably: the bytes go to `<path>.tmp`, are flushed to the disk (fsync), and the
// file is renamed over `path` (and its folder flushed). A crash or a full disk at any instant leaves either the old
// file or the new one, never a mix; a failure removes the .tmp and names the file and the reason.
#pragma once

#include <c10/util/Exception.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace superconv {
namespace system {

namespace detail {
inline std::string prefixed(const std::string& what) {
  return what.empty() ? std::string() : what + ": ";
}
}  // namespace detail

/// Writes all of `bytes` to `path` (created or truncated) and flushes it to the disk. Errors start with `what`
/// ("checkpoint") and name the file, the bytes written and the reason; a partial file is removed.
inline void write_durably(const std::filesystem::path& path, const std::string& bytes, const std::string& what = "") {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  TORCH_CHECK(fd >= 0, detail::prefixed(what), "cannot create ", path.string(), ": ", std::strerror(errno));
  std::size_t done = 0;
  int err = 0;
  while (done < bytes.size() && err == 0) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno != EINTR) err = errno;
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    TORCH_CHECK(false, detail::prefixed(what), "cannot write ", path.string(), " (", done, " of ", bytes.size(),
                " bytes written): ", std::strerror(err));
  }
}

/// Replaces `path` with `bytes` atomically and durably (see above), creating its folder when needed.
inline void write_file_atomic(const std::filesystem::path& path, const std::string& bytes,
                              const std::string& what = "") {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  TORCH_CHECK(!ec, detail::prefixed(what), "cannot create folder ", path.parent_path().string(), ": ", ec.message());
  fs::path tmp = path;
  tmp += ".tmp";
  write_durably(tmp, bytes, what);
  fs::rename(tmp, path, ec);
  if (ec) {
    const auto why = ec.message();
    fs::remove(tmp, ec);
    TORCH_CHECK(false, detail::prefixed(what), "cannot rename ", tmp.string(), " to ", path.string(), ": ", why);
  }
  const int dir = ::open(path.has_parent_path() ? path.parent_path().c_str() : ".", O_RDONLY | O_CLOEXEC);
  if (dir >= 0) ::fsync(dir), ::close(dir);  // the rename itself reaches the disk
}

}  // namespace system
}  // namespace superconv
