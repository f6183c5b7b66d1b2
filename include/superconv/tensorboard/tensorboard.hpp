// SPDX-License-Identifier: MIT
// The Trainer hook that writes a run to TensorBoard: every N batches the training loss, accuracy, LR and momentum
// (kept on the device, read when written), per epoch the test figures, time, images/s and optional weight
// histograms, at the end the pictures and the hyper-parameters with the final figures.
#pragma once

#include <superconv/optim/lr_range_test.hpp>
#include <superconv/tensorboard/event_writer.hpp>
#include <superconv/tensorboard/hparams.hpp>
#include <superconv/train/hooks.hpp>
#include <superconv/train/trainer.hpp>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>
#include <nlohmann/json.hpp>
#include <torch/nn/module.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace superconv {
namespace tensorboard {

/// What the TensorBoard hook writes. `TensorBoardOptions().log_every(20).weight_histograms(true).enabled(!no_tb)`
struct TensorBoardOptions {
  /// false: the hook writes nothing and creates no file (`--no-tensorboard`, ranks other than 0).
  TORCH_ARG(bool, enabled) = true;
  /// A point of batch/train_loss, batch/train_acc, batch/lr and batch/momentum every this many batches (the loss
  /// and accuracy are means over those batches).
  TORCH_ARG(std::int64_t, log_every) = 10;
  /// Batch points held on the device before they are read (they are read at each epoch's end anyway).
  TORCH_ARG(std::int64_t, max_pending) = 256;
  /// A histogram of each parameter (`weights/<name>`) at each epoch's end.
  TORCH_ARG(bool, weight_histograms) = false;
  TORCH_ARG(std::int64_t, histogram_bins) = 30;
  TORCH_ARG(EventWriterOptions, writer) = {};
};

/// Writes a Trainer's run into `log_dir` as a TensorBoard event file (EventWriter). Tags: `batch/*` at the
/// global step (batches done), `epoch/*` at the epoch (1-based), as metrics.csv names its columns.
///
/// ```
/// tensorboard::TensorBoard tb(run_dir, tensorboard::TensorBoardOptions().enabled(!args.no_tensorboard));
/// tb.attach(trainer);                  // under torchrun only rank 0 writes
/// trainer.fit(train, test, epochs);
/// tb.finish(config_json, {{"final/test_acc", acc}}, run_dir);  // hyper-parameters, metrics, the run's PNGs
/// ```
class TensorBoard {
 public:
  explicit TensorBoard(std::filesystem::path log_dir, TensorBoardOptions options = {})
      : log_dir_(std::move(log_dir)), options_(std::move(options)) {
    TORCH_CHECK(options_.log_every() >= 1, "TensorBoard: log_every must be >= 1, got ", options_.log_every());
    TORCH_CHECK(options_.max_pending() >= 1, "TensorBoard: max_pending must be >= 1, got ", options_.max_pending());
    TORCH_CHECK(options_.histogram_bins() >= 1, "TensorBoard: histogram_bins must be >= 1, got ",
                options_.histogram_bins());
  }
  TensorBoard(const TensorBoard&) = delete;
  TensorBoard& operator=(const TensorBoard&) = delete;
  /// Writes the batch points still held and closes the file (errors swallowed: call close() to see them).
  ~TensorBoard() {
    try {
      close();
    } catch (...) {  // NOLINT(bugprone-empty-catch): what was written before stays in the file
    }
  }

  bool enabled() const { return options_.enabled(); }
  /// The writer (the file is created on first use), or nullptr when disabled.
  EventWriter* writer() {
    if (!options_.enabled()) return nullptr;
    if (!writer_) writer_ = std::make_unique<EventWriter>(log_dir_, options_.writer());
    return writer_.get();
  }

  /// Registers the batch-end and epoch-end hooks and creates the file. A trainer with replicas other than rank 0
  /// disables the hook. Keep this object alive while the trainer trains.
  void attach(train::Trainer& trainer) {
    if (trainer.options().replicas() && !trainer.options().replicas()->is_main()) options_.enabled(false);
    model_ = trainer.model().ptr();
    writer();  // the file exists from here on: `tensorboard --logdir` lists the run during its first epoch
    trainer.on_batch_end([this](const train::BatchEnd& b) { on_batch_end(b); });
    trainer.on_epoch_end([this](const train::EpochEnd& e) { on_epoch_end(e); });
  }

  /// Adds the step's figures (BatchEnd::figures: loss x records, correct, records) to the window on the device (no
  /// host read); every `log_every` batches and at the epoch's last batch the window's means become a point.
  void on_batch_end(const train::BatchEnd& b) {
    if (!options_.enabled()) return;
    at::NoGradGuard no_grad;
    const auto figures = b.figures.narrow(0, 0, 3);
    window_ = window_.defined() ? window_ + figures : figures.clone();
    if ((b.batch + 1) % options_.log_every() != 0 && b.batch + 1 != b.batches) return;
    const auto n = window_[2].clamp_min(1);
    pending_.push_back(at::stack({window_[0] / n, window_[1] / n}));
    points_.push_back({b.global_step(), b.lr, b.momentum, wall_time_now()});
    window_ = at::Tensor();
    if (static_cast<std::int64_t>(pending_.size()) >= options_.max_pending()) write_pending();
  }

  /// Writes the held batch points, the epoch's figures (and weight histograms), then flushes the file.
  void on_epoch_end(const train::EpochEnd& e) {
    if (!options_.enabled()) return;
    write_pending();
    const auto& s = e.stats;
    auto& w = *writer();
    w.add_scalar("epoch/train_loss", s.train_loss, s.epoch);
    w.add_scalar("epoch/train_acc", s.train_acc, s.epoch);
    if (std::isfinite(s.test_loss)) {  // not evaluated this epoch (TrainerOptions::eval_every): no point
      w.add_scalar("epoch/test_loss", s.test_loss, s.epoch);
      w.add_scalar("epoch/test_acc", s.test_acc, s.epoch);
    }
    w.add_scalar("epoch/lr", s.lr, s.epoch);
    if (std::isfinite(s.momentum)) w.add_scalar("epoch/momentum", s.momentum, s.epoch);
    w.add_scalar("epoch/seconds", s.seconds, s.epoch);
    if (s.train_seconds > 0) {
      w.add_scalar("epoch/images_per_second", static_cast<double>(s.train_images) / s.train_seconds, s.epoch);
    }
    if (options_.weight_histograms() && model_) {
      for (const auto& p : model_->named_parameters()) {
        w.add_histogram("weights/" + p.key(), p.value(), s.epoch, options_.histogram_bins());
      }
    }
    last_epoch_ = s;
    w.flush();
  }

  /// A curve as scalars at steps first_step, first_step + 1, ... (e.g. the LR range test's losses by step).
  void add_curve(const std::string& tag, const std::vector<double>& values, std::int64_t first_step = 0) {
    if (!options_.enabled()) return;
    auto& w = *writer();
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (std::isfinite(values[i])) w.add_scalar(tag, values[i], first_step + static_cast<std::int64_t>(i));
    }
  }
  /// The LR range test by step: `lr_finder/lr`, `lr_finder/loss`, `lr_finder/smoothed_loss`; flushed.
  void add_lr_range_test(const optim::LRRangeTestResult& r) {
    if (!options_.enabled()) return;
    add_curve("lr_finder/lr", r.lrs);
    add_curve("lr_finder/loss", r.losses);
    add_curve("lr_finder/smoothed_loss", r.smoothed);
    writer()->flush();
  }

  /// The end of a run: every `*.png` in `pictures` (sorted, tag `pictures/<stem>`), `hparams` (a JSON object;
  /// numbers, strings and bools, nested objects as `a.b`, arrays as JSON text) as text `config` and in the
  /// HParams dashboard with `metrics` (default: the last epoch's `final/test_acc`, `final/test_loss`,
  /// `final/train_loss`); flushed. Steps: the last epoch.
  void finish(const nlohmann::json& hparams, std::vector<std::pair<std::string, double>> metrics = {},
              const std::filesystem::path& pictures = {}) {
    if (!options_.enabled()) return;
    TORCH_CHECK(hparams.is_object() || hparams.is_null(), "TensorBoard: finish() wants the hyper-parameters as a ",
                "JSON object, got ", hparams.type_name());
    write_pending();
    const auto step = last_epoch_ ? last_epoch_->epoch : 0;
    auto& w = *writer();
    if (!pictures.empty()) {
      std::vector<std::filesystem::path> pngs;
      if (std::filesystem::is_directory(pictures)) {
        for (const auto& f : std::filesystem::directory_iterator(pictures)) {
          if (f.is_regular_file() && f.path().extension() == ".png") pngs.push_back(f.path());
        }
      }
      std::sort(pngs.begin(), pngs.end());
      for (const auto& p : pngs) w.add_image_file("pictures/" + p.stem().string(), p, step);
    }
    if (metrics.empty() && last_epoch_) {
      metrics = {{"final/test_acc", last_epoch_->test_acc},
                 {"final/test_loss", last_epoch_->test_loss},
                 {"final/train_loss", last_epoch_->train_loss}};
    }
    const auto list = hparams_from_json(hparams);
    if (!hparams.is_null()) w.add_text("config", "```json\n" + hparams.dump(2) + "\n```", step);
    w.add_hparams(list, metrics, step);
    w.flush();
  }

  /// Writes what is held and fsyncs.
  void flush() {
    if (!writer_) return;
    write_pending();
    writer_->flush();
  }
  void close() {
    if (!writer_) return;
    write_pending();
    writer_->close();
  }

 private:
  struct Point {
    std::int64_t step;
    double lr, momentum, wall_time;
  };
  struct Scalar {
    const char* tag;
    double value;
    std::int64_t step;
    double wall_time;
  };

  /// One host read for all held points, then their scalars in order. A scalar leaves the queue as it is handed to
  /// the writer - also when that write fails, since the writer keeps what it could not write and retries it - so a
  /// failure part-way loses nothing and the next flush writes nothing twice.
  void write_pending() {
    if (!pending_.empty()) {
      const auto host = at::stack(pending_).cpu();
      const auto* h = host.data_ptr<double>();
      for (std::size_t i = 0; i < points_.size(); ++i) {
        const auto& p = points_[i];
        ready_.push_back({"batch/train_loss", h[2 * i], p.step, p.wall_time});
        ready_.push_back({"batch/train_acc", h[2 * i + 1], p.step, p.wall_time});
        ready_.push_back({"batch/lr", p.lr, p.step, p.wall_time});
        if (std::isfinite(p.momentum)) ready_.push_back({"batch/momentum", p.momentum, p.step, p.wall_time});
      }
      pending_.clear();
      points_.clear();
    }
    auto& w = *writer();
    while (!ready_.empty()) {
      const auto s = ready_.front();
      ready_.pop_front();
      w.add_scalar(s.tag, s.value, s.step, s.wall_time);
    }
  }

  std::filesystem::path log_dir_;
  TensorBoardOptions options_;
  std::unique_ptr<EventWriter> writer_;
  std::shared_ptr<torch::nn::Module> model_;
  at::Tensor window_;
  std::vector<at::Tensor> pending_;
  std::vector<Point> points_;
  std::deque<Scalar> ready_;  // read from the device, not yet handed to the writer
  std::optional<train::EpochStats> last_epoch_;
};

}  // namespace tensorboard

// The names the hook had in superconv 0.1, when it lived in train/ (deprecated; they go in the next release).
namespace train {
using TensorBoard [[deprecated("superconv::tensorboard::TensorBoard (superconv/tensorboard/tensorboard.hpp)")]] =
    tensorboard::TensorBoard;
using TensorBoardOptions
    [[deprecated("superconv::tensorboard::TensorBoardOptions (superconv/tensorboard/tensorboard.hpp)")]] =
        tensorboard::TensorBoardOptions;
}  // namespace train
}  // namespace superconv
