// SPDX-License-Identifier: MIT
// RecordWriter: a buffered, durable appender of TFRecord-framed records (record.hpp) to a new file - written and
// fsynced on flush, a failed write cut back and kept for a retry.
#pragma once

#include <superconv/tensorboard/record.hpp>

#include <c10/util/Exception.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace superconv {
namespace tensorboard {

/// Appends framed records to a new file: records wait in memory until flush() (or `buffer_bytes` of them), which
/// writes them and fsyncs the file. A failed write (full disk, I/O error) names the file and the reason, cuts the
/// file back to its last flushed size and keeps the records in memory, so a later flush() can still write them.
/// Every flush writes at the end of what was flushed before (not at the file's end): a half record that could not
/// be cut off is overwritten by the retry, never left in front of later records (where readers would stop).
///
/// ```
/// RecordWriter out("run/events.out.tfevents...", "TensorBoard");
/// out.write(event_bytes);
/// out.flush();
/// ```
class RecordWriter {
 public:
  /// Creates `path` (which must not exist); errors start with `what` ("TensorBoard").
  explicit RecordWriter(std::filesystem::path path, std::string what = "RecordWriter",
                        std::size_t buffer_bytes = std::size_t{1} << 20)
      : path_(std::move(path)), what_(std::move(what)), buffer_bytes_(buffer_bytes) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    TORCH_CHECK(fd_ >= 0, what_, ": cannot create ", path_.string(), ": ", std::strerror(errno));
    // The new name reaches the disk too: after a crash the folder lists the file.
    const auto dir = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_CLOEXEC);
    if (dfd >= 0) ::fsync(dfd), ::close(dfd);
  }
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;
  /// Flushes what is pending; an error here is swallowed (a destructor cannot throw): call close() to see it.
  ~RecordWriter() {
    try {
      close();
    } catch (...) {  // NOLINT(bugprone-empty-catch): the records written before stay in the file
    }
    if (fd_ >= 0) ::close(fd_);
  }

  /// Frames `data` and queues it; writes when the queue passes `buffer_bytes`.
  void write(std::string_view data) {
    TORCH_CHECK(fd_ >= 0, what_, ": ", path_.string(), " is closed");
    pending_ += frame_record(data);
    ++pending_records_;
    if (pending_.size() >= buffer_bytes_) flush();
  }

  /// Writes the queued records and fsyncs the file.
  void flush() {
    if (fd_ < 0 || pending_.empty()) return;
    std::size_t done = 0;
    int err = 0;
    while (done < pending_.size() && err == 0) {
      const auto n =
          ::pwrite(fd_, pending_.data() + done, pending_.size() - done, static_cast<off_t>(flushed_bytes_ + done));
      if (n < 0 && errno != EINTR) err = errno;
      if (n == 0) err = ENOSPC;
      if (n > 0) done += static_cast<std::size_t>(n);
    }
    if (err == 0 && stale_tail_) {  // an earlier failure left bytes past the end that could not be cut: cut now
      if (::ftruncate(fd_, static_cast<off_t>(flushed_bytes_ + done)) == 0) stale_tail_ = false;
    }
    if (err == 0 && ::fsync(fd_) != 0 && errno != EINVAL) err = errno;  // EINVAL: a special file (/dev/full)
    if (err != 0) {
      std::string cut;
      if (done > 0 && ::ftruncate(fd_, static_cast<off_t>(flushed_bytes_)) != 0) {  // no half record at the end
        stale_tail_ = true;
        cut = std::string("; the half-written record could not be cut off (") + std::strerror(errno) +
              "), the next flush writes over it";
      }
      TORCH_CHECK(false, what_, ": cannot write ", path_.string(), " (", pending_records_, " records, ",
                  pending_.size(), " bytes pending; ", flushed_bytes_, " bytes written before are kept", cut,
                  "): ", std::strerror(err));
    }
    flushed_bytes_ += pending_.size();
    flushed_records_ += pending_records_;
    pending_.clear();
    pending_records_ = 0;
  }

  /// Flushes and closes the file; later writes are refused. A failed flush leaves it open (retry or drop it).
  void close() {
    if (fd_ < 0) return;
    flush();
    const int fd = fd_;
    fd_ = -1;
    TORCH_CHECK(::close(fd) == 0, what_, ": cannot close ", path_.string(), ": ", std::strerror(errno));
  }

  const std::filesystem::path& path() const { return path_; }
  std::uint64_t flushed_bytes() const { return flushed_bytes_; }
  std::int64_t flushed_records() const { return flushed_records_; }
  std::int64_t pending_records() const { return pending_records_; }

 private:
  std::filesystem::path path_;
  std::string what_;
  std::size_t buffer_bytes_;
  int fd_ = -1;
  std::string pending_;
  std::int64_t pending_records_ = 0, flushed_records_ = 0;
  std::uint64_t flushed_bytes_ = 0;
  bool stale_tail_ = false;  // bytes past flushed_bytes_ that a failed write left and ftruncate could not cut
};

}  // namespace tensorboard

// The name in superconv 0.1 (deprecated; it goes in the next release).
namespace io {
using RecordWriter [[deprecated("superconv::tensorboard::RecordWriter (superconv/tensorboard/record_writer.hpp)")]] =
    tensorboard::RecordWriter;
}  // namespace io
}  // namespace superconv
