// SPDX-License-Identifier: MIT
// The learning-rate range test (Smith, 2015; "LR finder"): sweep the LR, record the loss, suggest an LR.
#pragma once

#include <superconv/optim/lr_suggestions.hpp>
#include <superconv/optim/scheduler.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace superconv {
namespace optim {

/// How the LR moves from start_lr to end_lr.
enum class Sweep { kExponential, kLinear };

/// Options for LRRangeTest. Example: `LRRangeTestOptions(1e-4, 10.0, 100).mode(Sweep::kExponential)`
struct LRRangeTestOptions {
  LRRangeTestOptions(double start_lr = 1e-5, double end_lr = 10.0, std::int64_t num_iter = 100)
      : start_lr_(start_lr), end_lr_(end_lr), num_iter_(num_iter) {}
  TORCH_ARG(double, start_lr);
  TORCH_ARG(double, end_lr);
  /// Iterations of the sweep (one batch each).
  TORCH_ARG(std::int64_t, num_iter);
  TORCH_ARG(Sweep, mode) = Sweep::kExponential;
  /// Exponential moving average of the loss: avg = beta * avg + (1 - beta) * loss, bias-corrected.
  TORCH_ARG(double, smooth_beta) = 0.9;
  /// Stop once the smoothed loss exceeds diverge_threshold x the best smoothed loss so far (> 1; infinity: never).
  TORCH_ARG(double, diverge_threshold) = 4.0;
  /// Points ignored at the start (and end) of the curve when suggesting (early noise, the divergence).
  TORCH_ARG(std::int64_t, skip_start) = 5;
  TORCH_ARG(std::int64_t, skip_end) = 3;
};

/// The curve a range test recorded, why it stopped, and the three suggestions (NaN where too few points).
struct LRRangeTestResult {
  std::vector<double> lrs, losses, smoothed;
  std::string stop_reason;
  double steepest = std::numeric_limits<double>::quiet_NaN();
  double valley = std::numeric_limits<double>::quiet_NaN();
  double min_loss = std::numeric_limits<double>::quiet_NaN();

  double suggestion(Suggestion s) const {
    switch (s) {
      case Suggestion::kSteepest:
        return steepest;
      case Suggestion::kValley:
        return valley;
      case Suggestion::kMinLoss:
        return min_loss;
    }
    return std::numeric_limits<double>::quiet_NaN();
  }
};

/// Runs the range test on any model and optimizer. Each iteration sets the LR in every param group, zeroes the
/// gradients, calls `loss_fn(iteration)` (the caller's forward pass on its next batch, returning a scalar loss),
/// back-propagates and steps. It stops after num_iter iterations, at the first non-finite loss, or when the
/// smoothed loss exceeds diverge_threshold x its best. Afterwards the model's parameters and buffers and the
/// optimizer's state and options are restored bit for bit.
///
/// ```
/// LRRangeTest finder(*model, sgd, LRRangeTestOptions(1e-4, 10, 100));
/// auto curve = finder.run([&](int64_t i) { auto b = loader.get(i % loader.size()); return loss(model(b.input),
/// b.target); }); double lr_max = curve.suggestion(Suggestion::kValley);
/// ```
class LRRangeTest {
 public:
  LRRangeTest(torch::nn::Module& model, torch::optim::Optimizer& optimizer, LRRangeTestOptions options = {})
      : model_(model), optimizer_(optimizer), options_(options) {
    const auto& o = options_;
    TORCH_CHECK(o.start_lr() > 0 && std::isfinite(o.start_lr()), "LRRangeTest: start_lr must be > 0, got ",
                o.start_lr());
    TORCH_CHECK(std::isfinite(o.end_lr()), "LRRangeTest: end_lr must be finite, got ", o.end_lr());
    TORCH_CHECK(o.end_lr() > o.start_lr(), "LRRangeTest: end_lr (", o.end_lr(), ") must exceed start_lr (",
                o.start_lr(), ")");
    TORCH_CHECK(o.num_iter() >= 2, "LRRangeTest: num_iter must be >= 2, got ", o.num_iter());
    TORCH_CHECK(o.mode() == Sweep::kExponential || o.mode() == Sweep::kLinear,
                "LRRangeTest: mode must be Sweep::kExponential or Sweep::kLinear, got ", static_cast<int>(o.mode()));
    TORCH_CHECK(o.smooth_beta() >= 0 && o.smooth_beta() < 1, "LRRangeTest: smooth_beta must be in [0, 1), got ",
                o.smooth_beta());
    TORCH_CHECK(o.diverge_threshold() > 1, "LRRangeTest: diverge_threshold must be > 1, got ", o.diverge_threshold());
    TORCH_CHECK(o.skip_start() >= 0, "LRRangeTest: skip_start must be >= 0, got ", o.skip_start());
    TORCH_CHECK(o.skip_end() >= 0, "LRRangeTest: skip_end must be >= 0, got ", o.skip_end());
  }

  /// The LR of iteration i.
  double lr_at(std::int64_t i) const {
    const double t = static_cast<double>(i) / static_cast<double>(options_.num_iter() - 1);
    if (options_.mode() == Sweep::kLinear) return options_.start_lr() + t * (options_.end_lr() - options_.start_lr());
    return options_.start_lr() * std::pow(options_.end_lr() / options_.start_lr(), t);
  }

  LRRangeTestResult run(const std::function<at::Tensor(std::int64_t)>& loss_fn,
                        const std::function<void(std::int64_t, double, double)>& on_iteration = nullptr) {
    Snapshot snap(model_, optimizer_);
    LRRangeTestResult r;
    r.stop_reason = "completed " + std::to_string(options_.num_iter()) + " iterations";
    double avg = 0, best = std::numeric_limits<double>::infinity();
    const double beta = options_.smooth_beta();
    try {
      for (std::int64_t i = 0; i < options_.num_iter(); ++i) {
        const double lr = lr_at(i);
        detail::set_lr(optimizer_, lr);
        optimizer_.zero_grad();
        auto loss = loss_fn(i);
        TORCH_CHECK(loss.defined() && loss.numel() == 1, "LRRangeTest: loss_fn must return a scalar loss");
        const double value = loss.item<double>();
        r.lrs.push_back(lr);
        r.losses.push_back(value);
        if (!std::isfinite(value)) {
          r.smoothed.push_back(std::numeric_limits<double>::quiet_NaN());
          r.stop_reason = "loss became non-finite at iteration " + std::to_string(i);
          break;
        }
        loss.backward();
        optimizer_.step();
        avg = beta * avg + (1 - beta) * value;
        const double smooth = avg / (1 - std::pow(beta, static_cast<double>(i + 1)));
        r.smoothed.push_back(smooth);
        if (on_iteration) on_iteration(i, lr, smooth);
        if (i > 0 && smooth > options_.diverge_threshold() * best) {
          r.stop_reason = "smoothed loss exceeded " + fmt::format("{}", options_.diverge_threshold()) +
                          " x its best at iteration " + std::to_string(i);
          break;
        }
        best = std::min(best, smooth);
      }
    } catch (...) {
      snap.restore(model_, optimizer_);
      throw;
    }
    snap.restore(model_, optimizer_);
    const auto s = options_.skip_start(), e = options_.skip_end();
    r.steepest = suggest_steepest(r.lrs, r.smoothed, s, e);
    r.valley = suggest_valley(r.lrs, r.smoothed, s, e);
    r.min_loss = suggest_min_loss(r.lrs, r.smoothed, s, e);
    return r;
  }

  const LRRangeTestOptions& options() const { return options_; }

 private:
  /// Parameters, buffers, optimizer state and per-group options, saved before and restored after the sweep.
  struct Snapshot {
    Snapshot(torch::nn::Module& model, torch::optim::Optimizer& optimizer) {
      at::NoGradGuard no_grad;
      for (const auto& p : model.named_parameters()) params.push_back(p.value().detach().clone());
      for (const auto& b : model.named_buffers()) buffers.push_back(b.value().detach().clone());
      torch::serialize::OutputArchive archive;
      optimizer.save(archive);
      archive.save_to(optimizer_state);
      for (auto& g : optimizer.param_groups()) group_options.push_back(g.options().clone());
    }
    void restore(torch::nn::Module& model, torch::optim::Optimizer& optimizer) {
      at::NoGradGuard no_grad;
      std::size_t i = 0;
      for (auto& p : model.named_parameters()) {
        p.value().copy_(params[i++]);
        p.value().mutable_grad() = at::Tensor();
      }
      i = 0;
      for (auto& b : model.named_buffers()) b.value().copy_(buffers[i++]);
      torch::serialize::InputArchive archive;
      std::istringstream in(optimizer_state.str());
      archive.load_from(in);
      optimizer.load(archive);
      i = 0;
      for (auto& g : optimizer.param_groups()) g.set_options(group_options[i++]->clone());
    }
    std::vector<at::Tensor> params, buffers;
    std::ostringstream optimizer_state;
    std::vector<std::unique_ptr<torch::optim::OptimizerOptions>> group_options;
  };

  torch::nn::Module& model_;
  torch::optim::Optimizer& optimizer_;
  LRRangeTestOptions options_;
};

}  // namespace optim
}  // namespace superconv
