// SPDX-License-Identifier: MIT
// EpochMeter: an epoch's running training figures kept on the device - loss x records, correct, records, each step's
// per-record loss and LR - read by the host a few times an epoch for the progress bar and the epoch's figures.
#pragma once

#include <superconv/train/progress.hpp>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

namespace superconv {
namespace train {

/// The running sums of one epoch of `batches` steps and its progress bar (on `log`, when given). `add` is device work
/// only; `report` reads the sums (one host read) `updates` times an epoch, after the last step and at a stop.
class EpochMeter {
 public:
  /// What a host read finds: the per-record loss and accuracy so far, and the records counted.
  struct Figures {
    double loss = 0, accuracy = 0, records = 0;
    bool finite = true;
  };

  EpochMeter(std::int64_t batches, LogStream log = nullptr, ProgressMode mode = ProgressMode::kAuto,
             std::int64_t updates = 16)
      : lrs_(static_cast<std::size_t>(batches), 0.0),
        batches_(batches),
        every_(updates > 0 ? std::max<std::int64_t>(1, batches / updates) : batches) {
    if (log && mode != ProgressMode::kNone) bar_.emplace(*log, batches, "train", mode);
  }

  /// Step `i` with its figures [loss x records, correct, records, ...] on the device and its LR. `start` (the sums
  /// an interrupted epoch had, [3] on the host) seeds the sums at the first step added.
  void add(std::int64_t i, const at::Tensor& figures, double lr, std::int64_t images, const at::Tensor& start = {}) {
    at::NoGradGuard no_grad;
    if (!sums_.defined()) {
      const auto dopt = at::TensorOptions().device(figures.device());
      sums_ = at::zeros({3}, dopt.dtype(at::kDouble));
      losses_ = at::zeros({batches_}, dopt.dtype(at::kFloat));
      if (start.defined()) sums_.copy_(start);
    }
    lrs_[static_cast<std::size_t>(i)] = lr;
    losses_[i] = figures[0] / figures[2].clamp_min(1);  // per record, whatever the reduction
    sums_ += figures.narrow(0, 0, 3);
    images_ += images;
  }

  /// The figures so far (a host read).
  Figures read() const {
    Figures f;
    if (!sums_.defined()) return f;
    const auto host = sums_.cpu();
    const auto* h = host.data_ptr<double>();
    const double count = std::max(h[2], 1.0);
    f.finite = std::isfinite(h[0]);
    f.loss = h[0] / count, f.accuracy = h[1] / count, f.records = h[2];
    return f;
  }

  /// After step `i`: when a report is due (every few steps, the last step, a stop), the figures so far, shown on the
  /// progress bar; otherwise nothing (no host read).
  std::optional<Figures> report(std::int64_t i, bool stop) {
    if (i + 1 != batches_ && (i + 1) % every_ != 0 && !stop) return std::nullopt;
    const auto f = read();
    if (bar_) bar_->update(i + 1, images_, fmt::format("loss {:.4f} acc {:5.2f}%", f.loss, 100 * f.accuracy));
    return f;
  }
  /// Ends the progress bar's line.
  void finish() {
    if (bar_) bar_->finish();
  }

  /// The sums on the host ([3]: loss x records, correct, records), for a checkpoint of an interrupted epoch.
  at::Tensor host_sums() const { return sums_.defined() ? sums_.cpu() : at::zeros({3}, at::kDouble); }
  /// Each step's per-record loss (on the device) and LR: what a non-finite-loss report shows.
  const at::Tensor& losses() const { return losses_; }
  const std::vector<double>& lrs() const { return lrs_; }
  /// Training images the steps took (over every replica).
  std::int64_t images() const { return images_; }

 private:
  at::Tensor sums_, losses_;
  std::vector<double> lrs_;
  std::int64_t batches_, every_, images_ = 0;
  std::optional<ProgressBar> bar_;
};

}  // namespace train
}  // namespace superconv
