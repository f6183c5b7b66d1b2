// SPDX-License-Identifier: MIT
// A training engine for any torch::nn module and batch source: SGD steps under an optional schedule, bf16
// autocast, device-side metrics, progress, checkpoints with exact resume, Ctrl-C and non-finite-loss handling.
#pragma once

#include <superconv/optim/scheduler.hpp>
#include <superconv/train/checkpoint.hpp>
#include <superconv/train/interrupt.hpp>
#include <superconv/train/metrics.hpp>
#include <superconv/train/progress.hpp>

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <c10/core/Device.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <torch/arg.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/optim/optimizer.h>
#include <torch/optim/sgd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace superconv {
namespace train {

/// Thrown when training stops on a non-finite loss; the last checkpoint (previous epoch) is left as it was.
class NonFiniteLoss : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Thrown when training stopped at a Ctrl-C (or request_interrupt()) after saving a checkpoint.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A stream pointer (a named type so that TORCH_ARG's `const T&` reads as a const pointer).
using LogStream = std::ostream*;

/// Options for Trainer. Example: `TrainerOptions().device(torch::kCUDA).amp(true).checkpoint("runs/x/ckpt.pt")`
struct TrainerOptions {
  TORCH_ARG(c10::Device, device) = c10::Device(c10::kCPU);
  /// Autocast the forward pass to amp_dtype (bf16): on by choice; the recipe turns it on for CUDA.
  TORCH_ARG(bool, amp) = false;
  TORCH_ARG(c10::ScalarType, amp_dtype) = c10::kBFloat16;
  /// Feed the model channels_last batches (convert the model with `module->to(at::MemoryFormat::ChannelsLast)`
  /// yourself: LibTorch modules have no memory-format `to`, so the Trainer converts parameters once).
  TORCH_ARG(bool, channels_last) = false;
  TORCH_ARG(double, label_smoothing) = 0.0;
  /// Step the scheduler after every batch (true) or after every epoch.
  TORCH_ARG(bool, step_per_batch) = true;
  /// Evaluate on each image and its mirror and average the logits.
  TORCH_ARG(bool, tta_flip) = false;
  /// Where progress bars and per-epoch lines go; nothing is printed when null.
  TORCH_ARG(LogStream, log) = nullptr;
  TORCH_ARG(ProgressMode, progress) = ProgressMode::kAuto;
  /// Host reads of the running loss per epoch (each a device sync); 0 reads only at the epoch's end.
  TORCH_ARG(std::int64_t, progress_updates) = 16;
  /// Checkpoint file written (atomically) at each epoch's end and at an interrupt; empty: none.
  TORCH_ARG(std::string, checkpoint);
  /// metrics.csv written (row per epoch); empty: none.
  TORCH_ARG(std::string, metrics_csv);
};

/// Enables autocast for one device type within a scope, as Python's torch.autocast does; does nothing when
/// `enabled` is false. Example: `{ AutocastGuard amp(c10::kCUDA, true, c10::kBFloat16); logits = model(x); }`
class AutocastGuard {
 public:
  AutocastGuard(c10::DeviceType type, bool enabled, c10::ScalarType dtype) : type_(type), enabled_(enabled) {
    if (!enabled_) return;
    prev_enabled_ = at::autocast::is_autocast_enabled(type_);
    prev_dtype_ = at::autocast::get_autocast_dtype(type_);
    at::autocast::set_autocast_enabled(type_, true);
    at::autocast::set_autocast_dtype(type_, dtype);
    at::autocast::increment_nesting();
  }
  ~AutocastGuard() {
    if (!enabled_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_autocast_enabled(type_, prev_enabled_);
    at::autocast::set_autocast_dtype(type_, prev_dtype_);
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  c10::DeviceType type_;
  bool enabled_;
  bool prev_enabled_ = false;
  c10::ScalarType prev_dtype_ = c10::kBFloat16;
};

/// Parameter groups for SGD with weight decay on weights of rank >= 2 (convolutions, linear layers) and none on
/// biases and normalisation parameters when `exclude_bias_and_norm`.
inline std::vector<torch::optim::OptimizerParamGroup> weight_decay_groups(const torch::nn::Module& module,
                                                                          const torch::optim::SGDOptions& options,
                                                                          bool exclude_bias_and_norm) {
  std::vector<at::Tensor> decay, no_decay;
  for (const auto& p : module.parameters()) {
    if (!p.requires_grad()) continue;
    (exclude_bias_and_norm && p.dim() <= 1 ? no_decay : decay).push_back(p);
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::SGDOptions>(options));
  if (!no_decay.empty()) {
    auto o = std::make_unique<torch::optim::SGDOptions>(options);
    o->weight_decay(0.0);
    groups.emplace_back(no_decay, std::move(o));
  }
  return groups;
}

/// Trains any module (wrapped in a torch::nn::AnyModule) with any optimizer and an optional superconv scheduler.
///
/// A Loader is anything with `void start_epoch()`, `int64_t size()` (batches per epoch) and `get(i)` returning a
/// batch with `input`, `target` and `index` tensors on the trainer's device (superconv::data::DeviceLoader is
/// one). Checkpoints also need `state()`/`load_state()` with `permutation`, `shuffle_generator` and
/// `transform_generator`.
///
/// ```
/// train::Trainer trainer(torch::nn::AnyModule(model), sgd, &one_cycle, TrainerOptions().log(&std::cout));
/// auto history = trainer.fit(train_loader, test_loader, 24);
/// ```
class Trainer {
 public:
  using EpochCallback = std::function<void(const EpochStats&)>;

  Trainer(torch::nn::AnyModule model, torch::optim::Optimizer& optimizer, optim::Scheduler* scheduler,
          TrainerOptions options = {})
      : model_(std::move(model)), optimizer_(optimizer), scheduler_(scheduler), options_(std::move(options)) {
    TORCH_CHECK(!model_.is_empty(), "Trainer: the model is empty");
  }

  /// Called after each epoch (after evaluation and the checkpoint).
  void on_epoch_end(EpochCallback callback) { callbacks_.push_back(std::move(callback)); }

  const std::vector<EpochStats>& history() const { return history_; }
  /// Epochs finished (also after a resume).
  std::int64_t epochs_done() const { return epoch_; }
  /// Training images per second over all epochs run in this process (steps only).
  double train_images_per_second() const { return train_seconds_ > 0 ? train_images_ / train_seconds_ : 0.0; }
  torch::nn::Module& module() { return *model_.ptr(); }
  const TrainerOptions& options() const { return options_; }

  /// Evaluates in eval mode without gradients; per-record predictions come back in record order.
  template <typename Loader>
  EvalResult evaluate(Loader& loader) {
    auto& m = *model_.ptr();
    const bool was_training = m.is_training();
    m.eval();
    at::NoGradGuard no_grad;
    loader.start_epoch();
    std::vector<at::Tensor> index, pred, conf, target;
    auto loss_sum = at::zeros({}, at::TensorOptions().device(options_.device()).dtype(at::kDouble));
    for (std::int64_t i = 0; i < loader.size(); ++i) {
      auto b = loader.get(i);
      auto logits = forward(b.input);
      if (options_.tta_flip()) logits = (logits + forward(b.input.flip({3}))) * 0.5;
      loss_sum += torch::nn::functional::cross_entropy(
                      logits, b.target, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                      .to(at::kDouble);
      auto best = at::softmax(logits, 1).max(1);
      index.push_back(b.index);
      pred.push_back(std::get<1>(best));
      conf.push_back(std::get<0>(best));
      target.push_back(b.target);
    }
    // Back into record order (the loader may shuffle), on the device, then one copy to the host.
    const auto idx = at::cat(index);
    const auto n = idx.size(0);
    auto preds = at::empty({n}, idx.options()).index_put_({idx}, at::cat(pred));
    auto confs = at::empty({n}, conf.front().options()).index_put_({idx}, at::cat(conf));
    auto targets = at::empty({n}, idx.options()).index_put_({idx}, at::cat(target));
    EvalResult r;
    r.predictions = preds.cpu();
    r.confidence = confs.cpu();
    r.targets = targets.cpu();
    r.total = n;
    r.correct = r.predictions.eq(r.targets).sum().item<std::int64_t>();
    r.loss = loss_sum.item<double>() / static_cast<double>(std::max<std::int64_t>(n, 1));
    r.accuracy = static_cast<double>(r.correct) / static_cast<double>(std::max<std::int64_t>(n, 1));
    m.train(was_training);
    return r;
  }

  /// Trains until `epochs` epochs are done (continuing after a resume), evaluating on `test` after each.
  template <typename TrainLoader, typename TestLoader>
  const std::vector<EpochStats>& fit(TrainLoader& train, TestLoader& test, std::int64_t epochs) {
    TORCH_CHECK(epochs > 0, "Trainer: epochs must be > 0, got ", epochs);
    std::unique_ptr<MetricsCsv> csv;
    if (!options_.metrics_csv().empty()) csv = std::make_unique<MetricsCsv>(options_.metrics_csv(), epoch_ > 0);
    while (epoch_ < epochs) {
      const auto t0 = Clock::now();
      EpochStats s;
      s.epoch = epoch_ + 1;
      s.lr = scheduler_ ? scheduler_->lr() : optimizer_.param_groups().front().options().get_lr();
      s.momentum = scheduler_ ? scheduler_->momentum() : std::nan("");
      if (batch_ > 0 && partial_.defined() && partial_.numel() == kPartialFields) {  // resumed mid-epoch
        s.lr = partial_[3].item<double>();
        s.momentum = partial_[4].item<double>();
      }
      if (auto* log = options_.log()) {
        *log << fmt::format("EPOCH: {}  LR: {:.6g}  M: {:.6g}\n", s.epoch, s.lr, s.momentum) << std::flush;
      }
      train_epoch(train, s);
      auto eval = evaluate(test);
      s.test_loss = eval.loss;
      s.test_acc = eval.accuracy;
      s.seconds = seconds_since(t0);
      if (auto* log = options_.log()) {
        *log << fmt::format("Loss={:.4f} Batch_id={} Accuracy={:.2f}\n", s.train_loss, train.size() - 1,
                            100.0 * s.train_acc)
             << fmt::format("Test set: Average loss: {:.4f}, Accuracy: {}/{} ({:.2f}%)  [{:.1f} s]\n\n", eval.loss,
                            eval.correct, eval.total, 100.0 * eval.accuracy, s.seconds)
             << std::flush;
      }
      history_.push_back(s);
      last_eval_ = std::move(eval);
      ++epoch_;
      batch_ = 0;
      if (!options_.checkpoint().empty()) save_checkpoint(options_.checkpoint(), train);
      if (csv) csv->append(s);
      for (auto& cb : callbacks_) cb(s);
    }
    return history_;
  }

  /// The evaluation at the end of the last epoch fit() ran.
  const std::optional<EvalResult>& last_evaluation() const { return last_eval_; }

  /// Writes model, optimizer, scheduler step, loader order and generators, epoch, batch and history.
  template <typename Loader>
  void save_checkpoint(const std::filesystem::path& path, Loader& loader) const {
    torch::serialize::OutputArchive a;
    torch::serialize::OutputArchive model_archive, optimizer_archive;
    model_.ptr()->save(model_archive);
    optimizer_.save(optimizer_archive);
    a.write("model", model_archive);
    a.write("optimizer", optimizer_archive);
    detail::write_int(a, "version", 1);
    detail::write_int(a, "epoch", epoch_);
    detail::write_int(a, "batch", batch_);
    detail::write_int(a, "scheduler_step", scheduler_ ? scheduler_->last_step() : 0);
    const auto st = loader.state();
    detail::write_tensor(a, "loader_permutation", st.permutation);
    detail::write_tensor(a, "loader_shuffle_generator", st.shuffle_generator);
    detail::write_tensor(a, "loader_transform_generator", st.transform_generator);
    detail::write_tensor(a, "partial", partial_.defined() ? partial_ : at::zeros({kPartialFields}, at::kDouble));
    std::vector<double> flat;
    for (const auto& s : history_) {
      const auto v = s.to_vector();
      flat.insert(flat.end(), v.begin(), v.end());
    }
    detail::write_tensor(a, "history", at::tensor(flat, at::kDouble));
    save_archive_atomic(a, path);
  }

  /// Restores everything save_checkpoint wrote; fit() then continues where the checkpoint was taken.
  template <typename Loader>
  void load_checkpoint(const std::filesystem::path& path, Loader& loader) {
    torch::serialize::InputArchive a;
    load_archive(a, path, options_.device());
    try {
      TORCH_CHECK(detail::read_int(a, "version") == 1, "unknown checkpoint version");
      torch::serialize::InputArchive model_archive, optimizer_archive;
      a.read("model", model_archive);
      a.read("optimizer", optimizer_archive);
      model_.ptr()->load(model_archive);
      optimizer_.load(optimizer_archive);
      epoch_ = detail::read_int(a, "epoch");
      batch_ = detail::read_int(a, "batch");
      if (scheduler_) scheduler_->set_last_step(detail::read_int(a, "scheduler_step"));
      loader.load_state({detail::read_tensor(a, "loader_permutation"),
                         detail::read_tensor(a, "loader_shuffle_generator").cpu(),
                         detail::read_tensor(a, "loader_transform_generator").cpu()});
      partial_ = detail::read_tensor(a, "partial").cpu().to(at::kDouble);
      const auto h = detail::read_tensor(a, "history").cpu().to(at::kDouble).contiguous();
      history_.clear();
      for (std::int64_t i = 0; i + EpochStats::kFields <= h.numel(); i += EpochStats::kFields) {
        history_.push_back(EpochStats::from_vector(h.data_ptr<double>() + i));
      }
    } catch (const c10::Error& e) {
      TORCH_CHECK(false, "checkpoint: ", path.string(),
                  " does not fit this model, optimizer or data: ", e.what_without_backtrace());
    }
  }

 private:
  using Clock = std::chrono::steady_clock;
  static double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

  at::Tensor forward(const at::Tensor& x) {
    at::Tensor in = x;
    if (options_.channels_last() && !x.is_contiguous(at::MemoryFormat::ChannelsLast)) {
      in = x.contiguous(at::MemoryFormat::ChannelsLast);
    }
    AutocastGuard autocast(options_.device().type(), options_.amp(), options_.amp_dtype());
    return model_.forward(in).to(at::kFloat);
  }

  /// A mid-epoch state: [loss * count, correct, count, the epoch's first LR, its first momentum].
  static constexpr std::int64_t kPartialFields = 5;

  template <typename Loader>
  void train_epoch(Loader& loader, EpochStats& s) {
    auto& m = *model_.ptr();
    m.train();
    const auto dev = options_.device();
    auto dopt = at::TensorOptions().device(dev);
    const auto n = loader.size();
    // Sums on the device: [loss * count, correct, count]; read on the host a few times an epoch only.
    auto sums = at::zeros({3}, dopt.dtype(at::kDouble));
    auto losses = at::zeros({n}, dopt.dtype(at::kFloat));
    if (batch_ == 0) {
      loader.start_epoch();
    } else if (partial_.defined()) {
      sums.copy_(partial_.narrow(0, 0, 3));  // resuming mid-epoch: the loader's order came from the checkpoint
    }
    std::vector<double> step_lrs(static_cast<std::size_t>(n), 0.0);
    std::optional<ProgressBar> bar;
    if (options_.log() && options_.progress() != ProgressMode::kNone) {
      bar.emplace(*options_.log(), n, "train", options_.progress());
    }
    const auto every = options_.progress_updates() > 0 ? std::max<std::int64_t>(1, n / options_.progress_updates()) : n;
    const auto t0 = Clock::now();
    const auto ce = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(options_.label_smoothing());
    std::int64_t images = 0;
    for (std::int64_t i = batch_; i < n; ++i) {
      auto b = loader.get(i);
      step_lrs[static_cast<std::size_t>(i)] =
          scheduler_ ? scheduler_->lr() : optimizer_.param_groups().front().options().get_lr();
      optimizer_.zero_grad(true);
      auto logits = forward(b.input);
      auto loss = torch::nn::functional::cross_entropy(logits, b.target, ce);
      loss.backward();
      optimizer_.step();
      if (scheduler_ && options_.step_per_batch()) scheduler_->step();
      {
        at::NoGradGuard no_grad;
        const auto count = b.target.size(0);
        auto l = loss.detach();
        losses[i] = l;
        auto row = at::stack({l.to(at::kDouble) * static_cast<double>(count),
                              logits.argmax(1).eq(b.target).sum().to(at::kDouble),
                              at::full({}, static_cast<double>(count), dopt.dtype(at::kDouble))});
        sums += row;
        images += count;
      }
      batch_ = i + 1;
      const bool last = i + 1 == n;
      if (last || (i + 1) % every == 0 || interrupt_requested()) {
        const auto host = sums.cpu();
        const auto* h = host.data_ptr<double>();
        if (!std::isfinite(h[0])) fail_non_finite(losses, step_lrs, i);
        if (bar) {
          bar->update(
              i + 1, images,
              fmt::format("loss {:.4f} acc {:5.2f}%", h[0] / std::max(h[2], 1.0), 100.0 * h[1] / std::max(h[2], 1.0)));
        }
        if (last) {
          s.train_loss = h[0] / std::max(h[2], 1.0);
          s.train_acc = h[1] / std::max(h[2], 1.0);
        }
      }
      if (interrupt_requested() && !last) {
        partial_ = at::cat({sums.cpu(), at::tensor(std::vector<double>{s.lr, s.momentum}, at::kDouble)});
        if (bar) bar->finish();
        std::string where = "no checkpoint path was set, so nothing was saved";
        if (!options_.checkpoint().empty()) {
          save_checkpoint(options_.checkpoint(), loader);
          where = "checkpoint saved to " + options_.checkpoint();
        }
        throw Interrupted(fmt::format("interrupted in epoch {} after batch {}/{}; {}", epoch_ + 1, i + 1, n, where));
      }
    }
    if (bar) bar->finish();
    if (scheduler_ && !options_.step_per_batch()) scheduler_->step();
    s.train_seconds = seconds_since(t0);
    s.train_images = images;
    train_seconds_ += s.train_seconds;
    train_images_ += static_cast<double>(images);
    partial_ = at::Tensor();
  }

  [[noreturn]] void fail_non_finite(const at::Tensor& losses, const std::vector<double>& lrs, std::int64_t upto) {
    const auto bad = losses.narrow(0, 0, upto + 1).isfinite().logical_not().nonzero();
    const auto step = bad.numel() > 0 ? bad[0][0].item<std::int64_t>() : upto;
    const std::string kept = options_.checkpoint().empty()
                                 ? std::string("no checkpoint path was set")
                                 : (epoch_ > 0 ? "the last good checkpoint (epoch " + std::to_string(epoch_) +
                                                     ") is kept at " + options_.checkpoint()
                                               : std::string("no epoch had finished, so there is no checkpoint"));
    throw NonFiniteLoss(
        fmt::format("training stopped: the loss became non-finite in epoch {} at step {} (LR {:.6g}); {}. Lower the LR "
                    "(--lr-max) or check the data.",
                    epoch_ + 1, step, lrs[static_cast<std::size_t>(step)], kept));
  }

  torch::nn::AnyModule model_;
  torch::optim::Optimizer& optimizer_;
  optim::Scheduler* scheduler_;
  TrainerOptions options_;
  std::vector<EpochCallback> callbacks_;
  std::vector<EpochStats> history_;
  std::optional<EvalResult> last_eval_;
  std::int64_t epoch_ = 0, batch_ = 0;
  at::Tensor partial_;
  double train_seconds_ = 0, train_images_ = 0;
};

}  // namespace train
}  // namespace superconv
