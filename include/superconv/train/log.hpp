// SPDX-License-Identifier: MIT
// Console lines for a Trainer, through its hooks: each epoch's LR and results in the reference run's format, and an
// estimate of the whole run's time after its first batches.
#pragma once

#include <superconv/train/progress.hpp>
#include <superconv/train/trainer.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

namespace superconv {
namespace train {

/// Registers hooks on `trainer` that print, per epoch, `EPOCH: 1  LR: 0.0157  M: 0.95` (no `M:` where the momentum
/// is not scheduled), then
/// `Loss=... Batch_id=... Accuracy=...` and `Test set: Average loss: ..., Accuracy: c/n (p%)`; and once, after
/// `estimate_after` training batches of the first epoch this process runs, the estimated time per epoch and for the
/// epochs left (training and evaluation by the same rate; the first batches include warm-up, so it errs long).
inline void log_epochs(Trainer& trainer, std::ostream& out, std::int64_t estimate_after = 10) {
  using Clock = std::chrono::steady_clock;
  struct Timing {
    Clock::time_point start;
    std::int64_t first_batch = -1;
    bool said = false;
  };
  auto timing = std::make_shared<Timing>();
  trainer.on_epoch_begin([&out, timing](const EpochStats& s) {
    const auto momentum = std::isfinite(s.momentum) ? fmt::format("  M: {:.6g}", s.momentum) : "";  // NaN: not set
    out << fmt::format("EPOCH: {}  LR: {:.6g}{}\n", s.epoch, s.lr, momentum) << std::flush;
    timing->start = Clock::now();
    timing->first_batch = -1;
  });
  trainer.on_batch_end([&out, timing, estimate_after](const BatchEnd& b) {
    if (timing->said) return;
    if (timing->first_batch < 0) timing->first_batch = b.batch;
    const auto done = b.batch + 1 - timing->first_batch;
    if (done < std::min(estimate_after, b.batches - timing->first_batch)) return;
    (void)b.loss.item<float>();  // wait for the device, so the clock measures finished work
    timing->said = true;
    const double per_batch = std::chrono::duration<double>(Clock::now() - timing->start).count() / done;
    const double epoch = per_batch * static_cast<double>(b.batches);
    const double left =
        per_batch * static_cast<double>(b.batches - b.batch - 1) + epoch * static_cast<double>(b.epochs - b.epoch);
    out << fmt::format("estimated time: {} per epoch, {} for the {} epoch(s) left (from {} batches)\n",
                       detail::format_seconds(epoch), detail::format_seconds(left), b.epochs - b.epoch + 1, done)
        << std::flush;
  });
  trainer.on_epoch_end([&out](const EpochEnd& e) {
    const auto& s = e.stats;
    out << fmt::format("Loss={:.4f} Batch_id={} Accuracy={:.2f}\n", s.train_loss, s.batches - 1, 100.0 * s.train_acc);
    if (e.eval.total > 0) {
      out << fmt::format("Test set: Average loss: {:.4f}, Accuracy: {}/{} ({:.2f}%)  [{:.1f} s]\n\n", e.eval.loss,
                         e.eval.correct, e.eval.total, 100.0 * e.eval.accuracy, s.seconds);
    } else {
      out << fmt::format("Test set: not evaluated this epoch  [{:.1f} s]\n\n", s.seconds);
    }
    out << std::flush;
  });
}

}  // namespace train
}  // namespace superconv
