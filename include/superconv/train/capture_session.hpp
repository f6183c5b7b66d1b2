// SPDX-License-Identifier: MIT
// One Trainer::fit() with TrainerOptions::cuda_graph on: checks what capturing the step needs, has the optimizer
// follow the scheduler (or its options) on the device, holds the CapturedStep, and puts the optimizer back in host
// mode at the end.
#pragma once

#include <superconv/optim/device_schedulable.hpp>
#include <superconv/optim/scheduler.hpp>
#include <superconv/train/forward.hpp>
#include <superconv/train/captured_step.hpp>
#include <superconv/train/step_capture.hpp>
#include <superconv/train/trainer_options.hpp>

#include <c10/util/Exception.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <cstdint>
#include <memory>

namespace superconv {
namespace train {

/// A scope around fit(): with cuda_graph off it does nothing (step() is null). With it on, the constructor checks
/// the model's device (through the capture's factory), replicas and the optimizer (optim::DeviceSchedulable), each
/// failure a clear error. With a scheduler stepped per batch the optimizer follows `total_steps` steps of its table
/// on the device from its current step; otherwise (no scheduler, or one stepped per epoch, or LRs a hook sets) it
/// follows its groups' options, which before_step() copies to the device before every captured step - a replayed
/// graph reads whatever the host set. The destructor returns the optimizer to host mode. `active`, when given,
/// points to this CaptureSession while it captures (and to nothing otherwise or after it).
class CaptureSession {
 public:
  CaptureSession(const TrainerOptions& options, const torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                 optim::Scheduler* scheduler, bool distributed, std::int64_t total_steps,
                 CaptureSession** active = nullptr)
      : scheduler_(scheduler), active_(active) {
    if (active_) *active_ = nullptr;
    if (!options.cuda_graph()) return;
    const auto device = device_of(model);
    auto capture = options.step_capture() ? options.step_capture()(device) : make_cuda_graph_capture(device);
    TORCH_CHECK(!distributed,
                "Trainer: cuda_graph does not work with replicas yet (their collective reads a stop flag on the host "
                "every step); train without cuda_graph under torchrun");
    schedulable_ = dynamic_cast<optim::DeviceSchedulable*>(&optimizer);
    TORCH_CHECK(schedulable_ != nullptr,
                "Trainer: cuda_graph needs an optimizer whose step reads its LR and momentum from the device "
                "(optim::DeviceSchedulable, e.g. optim::FusedSGD or optim::Muon); this optimizer reads them on the "
                "host, so every replay would repeat the captured step's LR");
    if (scheduler_ && options.step_per_batch()) {
      schedulable_->follow_schedule(*scheduler_, total_steps);
    } else {
      schedulable_->follow_options();
      fed_ = true;
    }
    step_ = std::make_unique<CapturedStep>(std::move(capture));
    if (active_) *active_ = this;
  }
  ~CaptureSession() {
    if (active_) *active_ = nullptr;
    if (schedulable_) schedulable_->unfollow_schedule();
  }
  CaptureSession(const CaptureSession&) = delete;
  CaptureSession& operator=(const CaptureSession&) = delete;

  /// The captured step; null with cuda_graph off.
  CapturedStep* step() const { return step_.get(); }
  /// Before each step through step(): the groups' LR and momentum to the device when the optimizer follows its
  /// options (a few small fills where a value changed, no sync).
  void before_step() {
    if (fed_) schedulable_->refresh_from_options();
  }
  /// Whether the optimizer follows its options (no per-batch scheduler) rather than a table.
  bool follows_options() const { return fed_; }

 private:
  optim::Scheduler* scheduler_;
  optim::DeviceSchedulable* schedulable_ = nullptr;
  CaptureSession** active_;  // points to this object while it captures (the Trainer's), null when none
  bool fed_ = false;
  std::unique_ptr<CapturedStep> step_;
};

}  // namespace train
}  // namespace superconv
