// SPDX-License-Identifier: MIT
// A progress bar for long loops: done/total, a bar, caller's figures, rate, elapsed and ETA.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <string>
#include <unistd.h>

namespace superconv {
namespace train {

/// A stream pointer for options (a named type, so that TORCH_ARG's `const T&` reads as a const pointer to a
/// writable stream).
using LogStream = std::ostream*;

/// How progress is shown.
enum class ProgressMode {
  kAuto,   ///< a bar redrawn in place when standard output is a terminal, plain lines otherwise
  kBar,    ///< always a bar redrawn in place (\r)
  kLines,  ///< a plain line at each quarter (logs, CI)
  kNone,
};

namespace detail {
inline std::string format_seconds(double s) {
  if (!(s >= 0) || s > 1e7) return "--:--";
  const auto t = static_cast<std::int64_t>(s + 0.5);
  if (t >= 3600) return fmt::format("{}:{:02d}:{:02d}", t / 3600, (t / 60) % 60, t % 60);
  return fmt::format("{:02d}:{:02d}", t / 60, t % 60);
}
/// A rate with three significant figures at most and no exponent: 1562, 144, 17.3, 0.163.
inline std::string format_rate(double r) {
  if (!(r >= 0) || r > 1e12) return "--";
  if (r >= 100) return fmt::format("{:.0f}", r);
  if (r >= 10) return fmt::format("{:.1f}", r);
  if (r >= 1) return fmt::format("{:.2f}", r);
  return fmt::format("{:.3f}", r);
}
}  // namespace detail

/// Draws `label  i/N [=====>    ] <figures> | rate unit/s | elapsed<eta` onto a stream. Prints nothing unless
/// `update` is called; `kAuto` asks isatty(stdout) once.
class ProgressBar {
 public:
  ProgressBar(std::ostream& out, std::int64_t total, std::string label, ProgressMode mode = ProgressMode::kAuto,
              std::string unit = "img")
      : out_(out),
        total_(std::max<std::int64_t>(total, 1)),
        label_(std::move(label)),
        unit_(std::move(unit)),
        start_(Clock::now()) {
    mode_ = mode == ProgressMode::kAuto ? (isatty(fileno(stdout)) ? ProgressMode::kBar : ProgressMode::kLines) : mode;
  }

  /// Reports `done` of `total`; `items` counts units for the rate (images); `figures` is the caller's text.
  void update(std::int64_t done, std::int64_t items, const std::string& figures) {
    if (mode_ == ProgressMode::kNone) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const double frac = static_cast<double>(done) / static_cast<double>(total_);
    const double rate = elapsed > 0 ? static_cast<double>(items) / elapsed : 0.0;
    const double eta = done > 0 ? elapsed * (1.0 - frac) / frac : -1.0;
    if (mode_ == ProgressMode::kLines) {
      const int quarter = static_cast<int>(frac * 4.0 + 1e-9);
      if (quarter <= last_quarter_ && done < total_) return;
      if (done >= total_ && last_quarter_ >= 4) return;
      last_quarter_ = quarter;
    }
    constexpr int kWidth = 24;
    const int filled = std::min(kWidth, static_cast<int>(frac * kWidth));
    std::string bar(static_cast<std::size_t>(filled), '=');
    if (filled < kWidth) bar += '>' + std::string(static_cast<std::size_t>(kWidth - filled - 1), ' ');
    const auto width = std::to_string(total_).size();
    const std::string line =
        fmt::format("{} {:>{}}/{} [{}] {} | {} {}/s | {}<{}", label_, done, width, total_, bar, figures,
                    detail::format_rate(rate), unit_, detail::format_seconds(elapsed), detail::format_seconds(eta));
    if (mode_ == ProgressMode::kBar) {
      out_ << '\r' << line << "\x1b[K" << std::flush;
      drawn_ = true;
    } else {
      out_ << line << '\n' << std::flush;
    }
  }

  /// Ends the bar's line (kBar).
  void finish() {
    if (drawn_) out_ << '\n' << std::flush;
    drawn_ = false;
  }
  ~ProgressBar() { finish(); }
  ProgressMode mode() const { return mode_; }

 private:
  using Clock = std::chrono::steady_clock;
  std::ostream& out_;
  std::int64_t total_;
  std::string label_, unit_;
  Clock::time_point start_;
  ProgressMode mode_;
  int last_quarter_ = 0;
  bool drawn_ = false;
};

}  // namespace train
}  // namespace superconv
