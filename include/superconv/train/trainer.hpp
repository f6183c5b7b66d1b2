// SPDX-License-Identifier: MIT
// The training loop for any model, optimizer, loss, scheduler and loader: steps, per-epoch evaluation, hooks at
// epoch start, batch end and epoch end, checkpoints with exact resume, Ctrl-C and non-finite-loss stops.
#pragma once

#include <superconv/optim/scheduler.hpp>
#include <superconv/train/capture_session.hpp>
#include <superconv/train/checkpoint.hpp>
#include <superconv/train/epoch_meter.hpp>
#include <superconv/train/evaluate.hpp>
#include <superconv/train/forward.hpp>
#include <superconv/train/hooks.hpp>
#include <superconv/train/interrupt.hpp>
#include <superconv/train/loss.hpp>
#include <superconv/train/metrics.hpp>
#include <superconv/train/replicas.hpp>
#include <superconv/train/loader_traits.hpp>
#include <superconv/train/step.hpp>
#include <superconv/train/stops.hpp>
#include <superconv/train/trainer_options.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <torch/nn/modules/container/any.h>
#include <torch/optim/optimizer.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace superconv {
namespace train {

/// Trains any model with any optimizer, an optional superconv scheduler and any loader (see evaluate() for the
/// loader's shape; checkpoints also store its state when it has `save`/`load` of an archive).
///
/// ```
/// train::Trainer trainer(model, sgd, &one_cycle, TrainerOptions().loss(cross_entropy_loss(0.1)));
/// trainer.on_epoch_end([](const EpochEnd& e) { std::cout << e.stats.test_acc << "\n"; });
/// trainer.fit(train_loader, test_loader, 24);
/// ```
class Trainer {
 public:
  template <typename Model>
  Trainer(const Model& model, torch::optim::Optimizer& optimizer, optim::Scheduler* scheduler,
          TrainerOptions options = {})
      : model_(as_any_module(model)),
        optimizer_(optimizer),
        scheduler_(scheduler),
        options_(std::move(options)),
        loss_((options_.check(), options_.resolved_loss())) {}

  void on_epoch_begin(std::function<void(const EpochStats&)> hook) { epoch_begin_.push_back(std::move(hook)); }
  void on_batch_end(std::function<void(const BatchEnd&)> hook) { batch_end_.push_back(std::move(hook)); }
  void on_epoch_end(std::function<void(const EpochEnd&)> hook) { epoch_end_.push_back(std::move(hook)); }
  /// Keeps a hook's state in every checkpoint (and requires it in the one load_checkpoint reads), for an exact
  /// resume of a run whose hooks hold state (train/lookahead.hpp does this).
  void keep_in_checkpoint(CheckpointPart part) { parts_.push_back(std::move(part)); }

  const std::vector<EpochStats>& history() const { return state_.history; }
  const TrainingState& state() const { return state_; }
  /// Epochs finished (also after a resume).
  std::int64_t epochs_done() const { return state_.epoch; }
  /// Training images per second over the epochs this process ran (steps only).
  double train_images_per_second() const { return train_seconds_ > 0 ? train_images_ / train_seconds_ : 0.0; }
  torch::nn::AnyModule& model() { return model_; }
  const TrainerOptions& options() const { return options_; }
  /// The evaluation at the end of the last epoch fit() ran in this process.
  const std::optional<EvalResult>& last_evaluation() const { return last_eval_; }

  /// Trains until `epochs` epochs are done (continuing after a resume), evaluating on `test` after each.
  template <typename TrainLoader, typename TestLoader>
  const std::vector<EpochStats>& fit(TrainLoader& train, TestLoader& test, std::int64_t epochs) {
    TORCH_CHECK(epochs > 0, "Trainer: epochs must be > 0, got ", epochs);
    detail::check_loader_shards(train, distributed() ? options_.replicas()->size() : 1, "Trainer: the training loader",
                                "the Trainer", "TrainerOptions");
    if (distributed()) options_.replicas()->broadcast_module(*model_.ptr());  // every replica starts as rank 0
    CaptureSession capture(options_, *model_.ptr(), optimizer_, scheduler_, distributed(),
                           epochs * static_cast<std::int64_t>(train.size()), &capture_);  // for this fit() only
    while (state_.epoch < epochs) {
      const auto t0 = Clock::now();
      EpochStats s;
      s.epoch = state_.epoch + 1;
      s.lr = current_lr();
      s.momentum = scheduler_ ? scheduler_->momentum() : std::nan("");
      if (state_.batch > 0 && state_.partial.numel() == kPartialFields) {  // resumed mid-epoch
        s.lr = state_.partial[3].item<double>(), s.momentum = state_.partial[4].item<double>();
      }
      for (auto& hook : epoch_begin_) hook(s);
      train_epoch(train, s, epochs);
      if (distributed()) options_.replicas()->average_buffers(*model_.ptr());  // one BN state to evaluate and save
      auto eval = evaluate_epoch(test, s.epoch, epochs);
      s.test_loss = eval.loss, s.test_acc = eval.accuracy, s.seconds = seconds_since(t0);
      state_.history.push_back(s);
      ++state_.epoch;
      state_.batch = 0;
      state_.partial = at::Tensor();
      if (!options_.checkpoint().empty()) write_checkpoint(options_.checkpoint(), train);  // buffers averaged above
      last_eval_ = std::move(eval);
      for (auto& hook : epoch_end_) hook(EpochEnd{s, *last_eval_, epochs});
    }
    return state_.history;
  }

  /// Writes model, optimizer, scheduler step, training state and the loader's state (train/checkpoint.hpp). With
  /// replicas, call it on every rank: the BatchNorm buffers are averaged over the replicas first (as fit() does
  /// before its own checkpoints), then rank 0 writes and the others wait for it.
  template <typename Loader>
  void save_checkpoint(const std::filesystem::path& path, const Loader& loader) {
    if (distributed()) options_.replicas()->average_buffers(*model_.ptr());
    write_checkpoint(path, loader);
  }

  /// Restores what save_checkpoint wrote; fit() then continues where the checkpoint was taken.
  template <typename Loader>
  void load_checkpoint(const std::filesystem::path& path, Loader& loader) {
    state_ = train::load_checkpoint(path, *model_.ptr(), optimizer_, loader, device_of(*model_.ptr()), parts_);
    if (scheduler_) scheduler_->set_last_step(state_.scheduler_step);
  }

 private:
  /// save_checkpoint() with the buffers as they are (fit() has just averaged them).
  template <typename Loader>
  void write_checkpoint(const std::filesystem::path& path, const Loader& loader) {
    state_.scheduler_step = scheduler_ ? scheduler_->last_step() : 0;
    if (!options_.replicas() || options_.replicas()->is_main()) {
      train::save_checkpoint(path, *model_.ptr(), optimizer_, state_, loader, parts_);
    }
    // The others wait until it is written: a launcher that sees one rank end may stop the rest.
    if (distributed()) options_.replicas()->barrier();
  }

  using Clock = std::chrono::steady_clock;
  static double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
  static constexpr std::int64_t kPartialFields = 5;  // see TrainingState::partial

  bool distributed() const { return is_distributed(options_.replicas()); }

  double current_lr() const {
    return scheduler_ ? scheduler_->lr() : optimizer_.param_groups().front().options().get_lr();
  }

  template <typename Loader>
  void train_epoch(Loader& loader, EpochStats& s, std::int64_t epochs) {
    model_.ptr()->train();
    const auto n = loader.size();
    TORCH_CHECK(n > 0, "Trainer: the training loader has no batches");
    // A fresh order unless resuming mid-epoch with the loader's saved order.
    if (state_.batch == 0 || !state_.loader_state_restored) loader.start_epoch();
    const auto t0 = Clock::now();
    EpochMeter sums(n, options_.log(), options_.progress(), options_.progress_updates());  // read a few times an epoch
    const auto resumed =
        state_.batch > 0 && state_.partial.numel() == kPartialFields ? state_.partial.narrow(0, 0, 3) : at::Tensor();
    for (std::int64_t i = state_.batch; i < n; ++i) {
      auto b = loader.get(i);
      const double lr = current_lr();
      const double momentum = scheduler_ ? scheduler_->momentum() : std::nan("");
      StepOutputs out;
      bool agreed_stop = false;
      std::int64_t step_images = b.target.size(0);
      if (capture_) {
        capture_->before_step();
        const bool full = i + 1 < n || n == 1;  // the last batch may be partial: never captured
        out = capture_->step()->run(
            b.input, b.target,
            [this](const at::Tensor& x, const at::Tensor& y) {
              auto o = forward_backward(x, y);
              optimizer_.step();
              return o;
            },
            full);
      } else {
        out = forward_backward(b.input, b.target);
        if (distributed()) {  // the world's figures and every rank's stop flag, in the gradient collective
          const auto a = agree_on_step(*options_.replicas(), *model_.ptr(), out.figures, interrupt_requested());
          agreed_stop = a.stop, step_images = a.records;
        }
        optimizer_.step();
      }
      if (scheduler_ && options_.step_per_batch()) scheduler_->step();
      sums.add(i, out.figures, lr, step_images, resumed);  // as for one global batch
      state_.batch = i + 1;
      for (auto& hook : batch_end_)
        hook(BatchEnd{s.epoch, epochs, i, n, lr, out.loss, out.logits, b.target, momentum, out.figures});
      const bool last = i + 1 == n;
      const bool stop = distributed() ? agreed_stop : interrupt_requested();  // one process: no host sync
      if (const auto f = sums.report(i, stop)) {
        if (!f->finite) fail_non_finite(sums.losses(), sums.lrs(), i);
        if (last) s.train_loss = f->loss, s.train_acc = f->accuracy;
      }
      if (stop && !last) {
        state_.partial = at::cat({sums.host_sums(), at::tensor(std::vector<double>{s.lr, s.momentum}, at::kDouble)});
        sums.finish();
        if (distributed()) options_.replicas()->average_buffers(*model_.ptr());
        std::string where = "no checkpoint path was set, so nothing was saved";
        if (!options_.checkpoint().empty()) {
          write_checkpoint(options_.checkpoint(), loader);  // buffers averaged above
          where = "checkpoint saved to " + options_.checkpoint();
        }
        throw Interrupted(fmt::format("interrupted in epoch {} after batch {}/{}; {}", s.epoch, i + 1, n, where));
      }
    }
    sums.finish();
    if (scheduler_ && !options_.step_per_batch()) scheduler_->step();
    s.train_seconds = seconds_since(t0);
    s.train_images = sums.images();
    s.batches = n;
    train_seconds_ += s.train_seconds;
    train_images_ += static_cast<double>(sums.images());
    state_.loader_state_restored = true;  // from here on the loader's own order is the run's order
  }

  /// The evaluation after epoch `epoch`: every eval_every epochs and after the last; NaN figures otherwise.
  template <typename Loader>
  EvalResult evaluate_epoch(Loader& test, std::int64_t epoch, std::int64_t epochs) {
    const auto every = options_.eval_every();
    if (epoch == epochs || (every > 0 && epoch % every == 0)) {
      return evaluate(model_, test, EvalOptions().forward(options_.forward()).replicas(options_.replicas()));
    }
    EvalResult none;
    none.loss = none.accuracy = std::nan("");  // not evaluated this epoch
    return none;
  }

  /// Zero the gradients, forward, loss, backward: the step up to the optimizer (the step's figures on the device).
  StepOutputs forward_backward(const at::Tensor& input, const at::Tensor& target) {
    optimizer_.zero_grad(true);
    auto logits = forward_logits(model_, input, options_.forward());
    auto loss = loss_(logits, target);
    TORCH_CHECK(loss.numel() == 1, "Trainer: the loss function must return a scalar, got shape ", loss.sizes());
    loss.backward();
    auto figures = step_figures(loss, logits, target, loss_.reduction());
    return {loss.detach(), logits, figures};
  }

  [[noreturn]] void fail_non_finite(const at::Tensor& losses, const std::vector<double>& lrs, std::int64_t upto) {
    if (distributed()) options_.replicas()->barrier();  // all replicas stop here, at the same step
    throw non_finite_loss(state_.epoch + 1, losses, lrs, upto, options_.checkpoint(), state_.epoch);
  }

  torch::nn::AnyModule model_;
  torch::optim::Optimizer& optimizer_;
  optim::Scheduler* scheduler_;
  TrainerOptions options_;
  Loss loss_;  // the options' loss with its reduction resolved
  std::vector<std::function<void(const EpochStats&)>> epoch_begin_;
  std::vector<std::function<void(const BatchEnd&)>> batch_end_;
  std::vector<std::function<void(const EpochEnd&)>> epoch_end_;
  CheckpointParts parts_;
  TrainingState state_;
  std::optional<EvalResult> last_eval_;
  CaptureSession* capture_ = nullptr;  // during fit() with cuda_graph on
  double train_seconds_ = 0, train_images_ = 0;
};

}  // namespace train
}  // namespace superconv
