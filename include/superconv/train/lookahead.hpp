// SPDX-License-Identifier: MIT
// Lookahead with an exponential moving average and copy-back (airbench94's): every few steps the weights and
// floating-point buffers move toward a running average of themselves and are copied back; the run ends on the average.
#pragma once

#include <superconv/train/trainer.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace superconv {
namespace train {

/// Options for Lookahead. After training step s (1-based, over the whole run) with s > start_after and s a multiple
/// of `every`: the first time, the average starts as a copy of the weights; later, the average moves toward the
/// weights with decay `decay x (s / total_steps)^power` and the weights become the average. At the end of every
/// epoch once the average exists, and after the last step, the weights become the average. airbench94: every 5,
/// decay 0.95^5, power 3, start after 3 epochs.
struct LookaheadOptions {
  /* implicit */ LookaheadOptions(std::int64_t total_steps) : total_steps_(total_steps) {}
  TORCH_ARG(std::int64_t, total_steps);
  TORCH_ARG(std::int64_t, every) = 5;
  TORCH_ARG(double, decay) = std::pow(0.95, 5);
  TORCH_ARG(double, power) = 3.0;
  /// Steps before the average starts (airbench94: 3 epochs).
  TORCH_ARG(std::int64_t, start_after) = 0;
};

/// The average of a model's floating-point parameters and buffers (BatchNorm statistics included; integer buffers
/// such as num_batches_tracked are left alone), and the rule that moves it. attach() makes it a Trainer hook whose
/// state goes into the Trainer's checkpoints, so a resumed run continues with the same average. It may be made
/// before the model moves (`model->to(cuda)`, another dtype): the average follows the model's tensors.
///
/// `train::Lookahead lookahead(*model, LookaheadOptions(epochs * loader.size())); lookahead.attach(trainer);`
class Lookahead {
 public:
  Lookahead(torch::nn::Module& model, LookaheadOptions options) : options_(options) {
    TORCH_CHECK(options_.total_steps() > 0, "Lookahead: total_steps must be > 0, got ", options_.total_steps());
    TORCH_CHECK(options_.every() > 0, "Lookahead: every must be > 0, got ", options_.every());
    TORCH_CHECK(options_.start_after() >= 0, "Lookahead: start_after must be >= 0, got ", options_.start_after());
    TORCH_CHECK(options_.decay() >= 0 && options_.decay() <= 1, "Lookahead: decay must be in [0, 1], got ",
                options_.decay());
    TORCH_CHECK(options_.power() >= 0 && std::isfinite(options_.power()),
                "Lookahead: power must be finite and >= 0, got ", options_.power());
    at::NoGradGuard no_grad;
    for (const auto& item : model.named_parameters()) add(item.key(), item.value());
    for (const auto& item : model.named_buffers()) add(item.key(), item.value());
    TORCH_CHECK(!live_.empty(), "Lookahead: the model has no floating-point parameters or buffers");
  }

  const LookaheadOptions& options() const { return options_; }
  /// The decay after step `step` (1-based).
  double decay_at(std::int64_t step) const {
    const double t = static_cast<double>(step) / static_cast<double>(options_.total_steps());
    return options_.decay() * std::pow(t, options_.power());
  }

  /// Whether the average has started (a copy of the weights was taken).
  bool started() const { return started_; }

  /// The average <- decay average + (1 - decay) weights; weights <- average. Device work only.
  void update(double decay) {
    TORCH_CHECK(started_, "Lookahead: update before the average started");
    at::NoGradGuard no_grad;
    follow_model();
    at::_foreach_lerp_(average_, live_, 1.0 - decay);
    at::_foreach_copy_(live_, average_);
  }

  /// What happens after training step `step` (1-based, counted over the whole run); `epoch_end`: the step ended
  /// an epoch.
  void after_step(std::int64_t step, bool epoch_end = false) {
    if (step > options_.start_after() && step % options_.every() == 0) {
      if (!started_) {
        at::NoGradGuard no_grad;
        follow_model();
        at::_foreach_copy_(average_, live_);
        started_ = true;
      } else {
        update(decay_at(step));
      }
    }
    if (started_ && (epoch_end || step == options_.total_steps())) update(1.0);  // the weights become the average
  }

  /// Runs after_step after every batch of `trainer` and keeps the average in its checkpoints (as "lookahead").
  void attach(Trainer& trainer) {
    trainer.on_batch_end([this](const BatchEnd& b) { after_step(b.global_step(), b.batch + 1 == b.batches); });
    trainer.keep_in_checkpoint({"lookahead", [this](torch::serialize::OutputArchive& a) { save(a); },
                                [this](torch::serialize::InputArchive& a) { load(a); }});
  }

  void save(torch::serialize::OutputArchive& a) const {
    a.write("started", at::tensor(started_ ? 1 : 0), true);
    for (std::size_t i = 0; i < names_.size(); ++i) a.write(names_[i], average_[i], true);
  }
  /// Every tensor is read and checked before any is changed; the error names the missing or misshapen one.
  void load(torch::serialize::InputArchive& a) {
    std::vector<at::Tensor> read(names_.size());
    at::Tensor started;
    TORCH_CHECK(a.try_read("started", started, true), "Lookahead: the saved state has no 'started' flag");
    for (std::size_t i = 0; i < names_.size(); ++i) {
      TORCH_CHECK(a.try_read(names_[i], read[i], true), "Lookahead: the saved average has no '", names_[i], "'");
      TORCH_CHECK(read[i].sizes() == average_[i].sizes(), "Lookahead: the saved '", names_[i], "' is ", read[i].sizes(),
                  ", the model's ", average_[i].sizes());
    }
    at::NoGradGuard no_grad;
    for (std::size_t i = 0; i < names_.size(); ++i) average_[i].copy_(read[i]);
    started_ = started.item<int64_t>() != 0;
  }
  /// The running average, in the order of the model's named parameters then buffers (floating point only).
  const std::vector<at::Tensor>& average() const { return average_; }

 private:
  /// The average on the model's devices and dtypes now (a host-side check; moves only what the model moved).
  void follow_model() {
    for (std::size_t i = 0; i < live_.size(); ++i) {
      if (average_[i].device() != live_[i].device() || average_[i].scalar_type() != live_[i].scalar_type()) {
        average_[i] = average_[i].to(live_[i].device(), live_[i].scalar_type());
      }
    }
  }
  void add(const std::string& name, const at::Tensor& t) {
    if (!t.defined() || !at::isFloatingType(t.scalar_type())) return;
    names_.push_back(name);
    live_.push_back(t);  // the module's own tensor: a checkpoint load (set_) stays visible
    average_.push_back(t.detach().clone());
  }

  LookaheadOptions options_;
  std::vector<std::string> names_;
  std::vector<at::Tensor> live_, average_;
  bool started_ = false;
};

}  // namespace train
}  // namespace superconv
