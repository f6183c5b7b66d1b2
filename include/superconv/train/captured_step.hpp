// SPDX-License-Identifier: MIT
// CapturedStep: a training step captured once and replayed per batch - warm-up steps, static input buffers the
// loader's batches are copied into, and an eager step for a batch of another shape (the last, partial one).
#pragma once

#include <superconv/train/step.hpp>
#include <superconv/train/step_capture.hpp>

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <c10/util/Exception.h>

#include <cstdint>
#include <memory>
#include <utility>

namespace superconv {
namespace train {

/// Runs a step per batch through a StepCapture: the first `warmup_steps` batches run eagerly (through warmup), the
/// next one that may be captured (`capturable`: the caller says a batch has the loader's full shape - the Trainer
/// never offers an epoch's last batch, which may be partial) is captured with static copies of its input and target
/// and replayed; every later batch of the same shape, dtype and layout is copied into those buffers and replayed, a
/// batch that differs runs eagerly. A step that throws during capture leaves nothing captured (the next capturable
/// batch tries again). The outputs of a replay are the captured step's own tensors: valid until the next step.
class CapturedStep {
 public:
  explicit CapturedStep(std::unique_ptr<StepCapture> capture, std::int64_t warmup_steps = 3)
      : capture_(std::move(capture)), warmup_steps_(warmup_steps) {
    TORCH_CHECK(capture_, "CapturedStep: no StepCapture given");
    TORCH_CHECK(warmup_steps_ >= 1, "CapturedStep: warmup_steps must be >= 1, got ", warmup_steps_);
  }

  StepOutputs run(const at::Tensor& input, const at::Tensor& target, const StepFunction& step, bool capturable = true) {
    if (!captured_ && warmed_ < warmup_steps_) {
      ++warmed_, ++eager_;
      StepOutputs out;
      capture_->warmup([&] { out = step(input, target); });
      return out;
    }
    if (!captured_ && !capturable) {
      ++eager_;
      return step(input, target);
    }
    if (!captured_) {
      static_input_ = input.clone(at::MemoryFormat::Preserve);
      static_target_ = target.clone(at::MemoryFormat::Preserve);
      const bool cache = at::autocast::is_autocast_cache_enabled();
      at::autocast::set_autocast_cache_enabled(false);  // cached casts would outlive the capture
      try {
        // By value: a StepCapture may keep the recorded callable (EagerCapture replays it), past this call.
        capture_->capture([this, step] { outputs_ = step(static_input_, static_target_); });
      } catch (...) {
        at::autocast::set_autocast_cache_enabled(cache);
        throw;
      }
      at::autocast::set_autocast_cache_enabled(cache);
      captured_ = true;
      capture_->replay();  // capturing recorded the step without running it
      ++replays_;
      return outputs_;
    }
    if (!matches(input, static_input_) || !matches(target, static_target_)) {
      ++eager_;
      return step(input, target);
    }
    static_input_.copy_(input);
    static_target_.copy_(target);
    capture_->replay();
    ++replays_;
    return outputs_;
  }

  bool captured() const { return captured_; }
  std::int64_t replays() const { return replays_; }
  std::int64_t eager_steps() const { return eager_; }

 private:
  static bool matches(const at::Tensor& a, const at::Tensor& b) {
    return a.sizes() == b.sizes() && a.strides() == b.strides() && a.scalar_type() == b.scalar_type() &&
           a.device() == b.device();
  }
  std::unique_ptr<StepCapture> capture_;
  std::int64_t warmup_steps_, warmed_ = 0, eager_ = 0, replays_ = 0;
  bool captured_ = false;
  at::Tensor static_input_, static_target_;
  StepOutputs outputs_;
};

}  // namespace train
}  // namespace superconv
