// SPDX-License-Identifier: MIT
// How a training step is captured and replayed: the StepCapture interface, CUDA graphs on a GPU (CudaGraphCapture)
// and EagerCapture, which replays by running the step again (the bookkeeping on any device).
#pragma once

#include <ATen/ATen.h>
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

}  // namespace train
}  // namespace superconv
