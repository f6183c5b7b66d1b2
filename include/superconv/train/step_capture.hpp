// SPDX-License-Identifier: MIT
// A training step captured once and replayed per batch (CUDA graphs): warm-up steps, static input buffers the
// loader's batches are copied into, and an eager step for a batch of another shape (the last, partial one).
#pragma once

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <c10/util/Exception.h>

#ifdef SUPERCONV_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

#include <cstdint>
#include <functional>
#include <memory>

namespace superconv {
namespace train {

/// How a step is captured and replayed. `warmup` runs it for real before capture, `capture` records it without
/// running it, `replay` runs what was recorded (reading the same input buffers, writing the same outputs).
/// `capture` may keep a copy of `step` for replay, so a step given to it must own what it captures.
class StepCapture {
 public:
  virtual ~StepCapture() = default;
  virtual void warmup(const std::function<void()>& step) = 0;
  virtual void capture(const std::function<void()>& step) = 0;
  virtual void replay() = 0;
};

/// A stand-in that "replays" by calling the step again: the capture bookkeeping (static buffers, warm-up, partial
/// batches) on any device, e.g. to test it on a CPU.
class EagerCapture final : public StepCapture {
 public:
  void warmup(const std::function<void()>& step) override { step(); }
  void capture(const std::function<void()>& step) override { step_ = step; }
  void replay() override {
    TORCH_CHECK(step_, "EagerCapture: replay before capture");
    step_();
  }

 private:
  std::function<void()> step_;
};

#ifdef SUPERCONV_WITH_CUDA
/// A CUDA graph of the step: warm-up and capture on a side stream (as CUDA graphs need), ordered with the device's
/// current stream by events; replay on the current stream. A step that throws during capture ends the capture
/// (the side stream leaves capture mode, the caching allocator stops allocating into the graph's pool) and the
/// graph is dropped, so the caller sees the step's own error and a later capture starts afresh.
class CudaGraphCapture final : public StepCapture {
 public:
  explicit CudaGraphCapture(const at::Device& device)
      : device_(device),
        side_(c10::cuda::getStreamFromPool(false, device.index())),
        graph_(std::make_unique<at::cuda::CUDAGraph>()) {}
  void warmup(const std::function<void()>& step) override { on_side_stream(step); }
  void capture(const std::function<void()>& step) override {
    on_side_stream([&] {
      graph_->capture_begin();
      try {
        step();
      } catch (...) {
        abandon_capture();
        throw;
      }
      graph_->capture_end();
      captured_ = true;
    });
  }
  void replay() override {
    TORCH_CHECK(captured_, "CudaGraphCapture: replay before a capture succeeded");
    graph_->replay();
  }

 private:
  /// Ends a capture the step broke off: cudaStreamEndCapture through capture_end (which fails for an invalidated
  /// capture before it releases the allocator's pool: released here then), then a fresh graph in place of this one
  /// (CUDAGraph is neither copyable nor movable since LibTorch 2.12: held by pointer).
  void abandon_capture() noexcept {
    const auto pool = graph_->pool();
    try {
      graph_->capture_end();
    } catch (...) {  // NOLINT(bugprone-empty-catch): the capture was invalid; the step's error is the one to see
      try {
        c10::cuda::CUDACachingAllocator::endAllocateToPool(device_.index(), pool);
      } catch (...) {  // NOLINT(bugprone-empty-catch)
      }
    }
    try {
      graph_ = std::make_unique<at::cuda::CUDAGraph>();
    } catch (...) {  // NOLINT(bugprone-empty-catch): keeps the old graph; replay() refuses it
    }
    captured_ = false;
  }
  void on_side_stream(const std::function<void()>& step) {
    c10::cuda::CUDAGuard device_guard(device_);
    auto current = c10::cuda::getCurrentCUDAStream(device_.index());
    at::cuda::CUDAEvent ready, done;
    ready.record(current);
    ready.block(side_);
    try {
      c10::cuda::CUDAStreamGuard stream_guard(side_);
      step();
    } catch (...) {
      done.record(side_);  // the current stream still waits for what the side stream ran
      done.block(current);
      throw;
    }
    done.record(side_);
    done.block(current);
  }
  at::Device device_;
  c10::cuda::CUDAStream side_;
  std::unique_ptr<at::cuda::CUDAGraph> graph_;
  bool captured_ = false;
};
#endif

/// A CUDA graph capture for `device`, or an error that says why there can be none.
inline std::unique_ptr<StepCapture> make_cuda_graph_capture(const at::Device& device) {
  TORCH_CHECK(device.is_cuda(), "cuda_graph: CUDA graphs need the model on a CUDA device; it is on ", device.str(),
              " (leave cuda_graph off there, or use --device cuda)");
#ifdef SUPERCONV_WITH_CUDA
  return std::make_unique<CudaGraphCapture>(device);
#else
  TORCH_CHECK(false,
              "cuda_graph: this program was built without SUPERCONV_WITH_CUDA (a CPU build of LibTorch, or "
              "not through the superconv::superconv CMake target), so it cannot capture CUDA graphs");
  return nullptr;
#endif
}

/// What one training step leaves behind: the loss (detached), the logits and the step's figures (see Trainer).
/// From a replayed step these are the captured graph's own tensors, overwritten by the next replay: clone what must
/// outlive the step.
struct StepOutputs {
  at::Tensor loss, logits, figures;
};
/// One training step on a batch: zero the gradients, forward, backward, optimizer (and schedule) step.
using StepFunction = std::function<StepOutputs(const at::Tensor& input, const at::Tensor& target)>;

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
