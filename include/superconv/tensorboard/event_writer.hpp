// SPDX-License-Identifier: MIT
// TensorBoard event files written natively (no protobuf library): EventWriter makes
// `<log_dir>/events.out.tfevents.<10-digit seconds>.<host>.<pid>.<n>` and appends scalars, PNG images, histograms,
// text and hyper-parameters as `tensorboard --logdir` and PyTorch's SummaryWriter expect them.
#pragma once

#include <superconv/tensorboard/histogram.hpp>
#include <superconv/tensorboard/protobuf.hpp>
#include <superconv/tensorboard/record_writer.hpp>
#include <superconv/tensorboard/summary.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <torch/arg.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <unistd.h>

namespace superconv {
namespace tensorboard {

/// How an EventWriter buffers. `EventWriterOptions().flush_secs(30).filename_suffix(".seed1")`
struct EventWriterOptions {
  /// Appended to the file name, as SummaryWriter's filename_suffix.
  TORCH_ARG(std::string, filename_suffix) = "";
  /// Writes and fsyncs when an add finds the last flush this many seconds old (0: only flush() and the buffer).
  TORCH_ARG(double, flush_secs) = 120;
  /// Writes and fsyncs when this many bytes of records wait.
  TORCH_ARG(std::int64_t, max_buffer_bytes) = std::int64_t{1} << 20;
};

/// Seconds since the Unix epoch, with sub-second precision (an event's wall_time).
inline double wall_time_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// Writes one TensorBoard event file. Events wait in memory until flush() (call it at epoch ends), the buffer or
/// `flush_secs` fill up, or close()/destruction; each flush fsyncs. A kill cuts at most the last record, which
/// TensorBoard skips. Errors name the file (an unwritable folder, a failed write or a full disk); records written
/// before a failure stay in the file and the unwritten ones stay queued for the next flush().
///
/// ```
/// EventWriter tb("runs/seed1");
/// tb.add_scalar("test/accuracy", 0.94, epoch);
/// tb.flush();
/// ```
class EventWriter {
 public:
  explicit EventWriter(const std::filesystem::path& log_dir, EventWriterOptions options = {})
      : options_(std::move(options)) {
    TORCH_CHECK(options_.flush_secs() >= 0, "TensorBoard: flush_secs must be >= 0, got ", options_.flush_secs());
    TORCH_CHECK(options_.max_buffer_bytes() >= 0, "TensorBoard: max_buffer_bytes must be >= 0, got ",
                options_.max_buffer_bytes());
    std::error_code ec;
    std::filesystem::create_directories(log_dir, ec);
    TORCH_CHECK(!ec, "TensorBoard: cannot create folder ", log_dir.string(), ": ", ec.message());
    static std::atomic<int> counter{0};  // the file's <n>: several writers of one process never share a name
    char host[256] = {0};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == 0) std::snprintf(host, sizeof host, "localhost");
    const double now = wall_time_now();
    const auto name = fmt::format("events.out.tfevents.{:010d}.{}.{}.{}{}", static_cast<long long>(now), host,
                                  static_cast<long long>(::getpid()), counter++, options_.filename_suffix());
    out_ = std::make_unique<RecordWriter>(log_dir / name, "TensorBoard",
                                          static_cast<std::size_t>(options_.max_buffer_bytes()));
    ProtoWriter first;
    first.double_field(1, now).string_field(3, "brain.Event:2");
    out_->write(first.bytes());
    flush();  // the file and its version record reach the disk now: TensorBoard lists the run at once
  }

  /// The event file's path.
  const std::filesystem::path& path() const { return out_->path(); }
  /// Records queued and not yet written.
  std::int64_t pending() const { return out_->pending_records(); }
  /// Records written to the file (the version record included).
  std::int64_t written() const { return out_->flushed_records(); }

  /// Appends an Event{wall_time, step, summary} around Summary bytes (io/tensorboard_summary.hpp); wall_time < 0
  /// means now.
  void add_summary(std::string_view summary, std::int64_t step, double wall_time = -1) {
    ProtoWriter event;
    event.double_field(1, wall_time < 0 ? wall_time_now() : wall_time).int64_field(2, step).bytes_field(5, summary);
    out_->write(event.bytes());
    if (options_.flush_secs() > 0 && wall_time_now() - last_flush_ >= options_.flush_secs()) flush();
  }

  void add_scalar(std::string_view tag, double value, std::int64_t step, double wall_time = -1) {
    add_summary(scalar_summary(tag, value), step, wall_time);
  }
  /// A PNG as it is (size and colour space read from its header).
  void add_image(std::string_view tag, std::string_view png, std::int64_t step, double wall_time = -1) {
    add_summary(image_summary(tag, png, png_info(png, "TensorBoard: image " + std::string(tag))), step, wall_time);
  }
  /// A PNG file (e.g. one the viz module drew); errors name the file.
  void add_image_file(std::string_view tag, const std::filesystem::path& png, std::int64_t step) {
    std::ifstream in(png, std::ios::binary);
    TORCH_CHECK(in, "TensorBoard: cannot read image ", png.string());
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    add_summary(image_summary(tag, bytes, png_info(bytes, "TensorBoard: " + png.string())), step);
  }
  void add_histogram(std::string_view tag, const Histogram& h, std::int64_t step, double wall_time = -1) {
    add_summary(histogram_summary(tag, h), step, wall_time);
  }
  /// A histogram of a tensor's values (any device; one host read).
  void add_histogram(std::string_view tag, const at::Tensor& values, std::int64_t step, std::int64_t bins = 30) {
    add_histogram(tag, histogram(values, bins, "TensorBoard: histogram " + std::string(tag)), step);
  }
  /// Markdown text for the text dashboard (tag `<tag>/text_summary`, as add_text).
  void add_text(std::string_view tag, std::string_view text, std::int64_t step = 0) {
    add_summary(text_summary(tag, text), step);
  }
  /// This run's entry in the HParams dashboard: the experiment, the hyper-parameters, the end record, then each
  /// metric as a scalar under its own tag (as add_hparams writes them, into this file rather than a sub-folder run,
  /// so that the run's scalars and its HParams entry stay one run in TensorBoard).
  void add_hparams(const HParamList& hparams, const std::vector<std::pair<std::string, double>>& metrics,
                   std::int64_t step = 0) {
    std::vector<std::string> tags;
    for (const auto& m : metrics) tags.push_back(m.first);
    for (const auto& s : hparams_summaries(hparams, tags)) add_summary(s, step);
    for (const auto& m : metrics) add_scalar(m.first, m.second, step);
  }

  /// Writes the queued events and fsyncs the file.
  void flush() {
    out_->flush();
    last_flush_ = wall_time_now();
  }
  /// Flushes and closes the file (the destructor does too, but cannot report an error).
  void close() { out_->close(); }

 private:
  EventWriterOptions options_;
  std::unique_ptr<RecordWriter> out_;
  double last_flush_ = 0;
};

}  // namespace tensorboard

// The names the writer had in superconv 0.1, when it lived in io/ (deprecated; they go in the next release).
namespace io {
using EventWriter [[deprecated("superconv::tensorboard::EventWriter (superconv/tensorboard/event_writer.hpp)")]] =
    tensorboard::EventWriter;
using EventWriterOptions
    [[deprecated("superconv::tensorboard::EventWriterOptions (superconv/tensorboard/event_writer.hpp)")]] =
        tensorboard::EventWriterOptions;
using HParamList [[deprecated("superconv::tensorboard::HParamList (superconv/tensorboard/summary.hpp)")]] =
    tensorboard::HParamList;
using HParamValue [[deprecated("superconv::tensorboard::HParamValue (superconv/tensorboard/summary.hpp)")]] =
    tensorboard::HParamValue;
}  // namespace io
}  // namespace superconv
