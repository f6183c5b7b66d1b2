// SPDX-License-Identifier: MIT
// TrainerOptions: how the Trainer (train/trainer.hpp) runs - forward mode, loss, scheduler stepping, progress output,
// checkpoint file and data-parallel replicas - as LibTorch keeps a module's options beside it.
#pragma once

#include <superconv/train/forward.hpp>
#include <superconv/train/loss.hpp>
#include <superconv/train/progress.hpp>
#include <superconv/train/replicas.hpp>
#include <superconv/train/step_capture.hpp>

#include <c10/util/Exception.h>
#include <torch/arg.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace superconv {
namespace train {

/// Options for Trainer. Example:
/// `TrainerOptions().loss(cross_entropy_loss(0.1)).forward(ForwardOptions().amp(true)).checkpoint("runs/x/checkpoint.pt")`
struct TrainerOptions {
  /// How batches go through the model (autocast, channels_last), in training and in the per-epoch evaluation.
  TORCH_ARG(ForwardOptions, forward);
  /// What is minimised, with its reduction (train/loss.hpp): `cross_entropy_loss(0.2, Reduction::kSum)`, or any
  /// `at::Tensor(const at::Tensor& logits, const at::Tensor& target)` (a mean unless given as
  /// `Loss(fn, Reduction::kSum)`). The logged training loss is per record either way.
  TORCH_ARG(Loss, loss) = cross_entropy_loss();
  /// Step the scheduler after every batch (true) or after every epoch.
  TORCH_ARG(bool, step_per_batch) = true;
  /// Where the progress bar goes; none when null. Per-epoch lines are a hook's job (see train/log.hpp).
  TORCH_ARG(LogStream, log) = nullptr;
  TORCH_ARG(ProgressMode, progress) = ProgressMode::kAuto;
  /// Evaluate on the test loader after every `eval_every` epochs and always after the last; 0: after the last only
  /// (a recipe whose per-epoch evaluation costs a noticeable share of its time). Epochs not evaluated report NaN.
  TORCH_ARG(std::int64_t, eval_every) = 1;
  /// Host reads of the running sums per epoch (each a device sync; also when a non-finite loss is noticed).
  TORCH_ARG(std::int64_t, progress_updates) = 16;
  /// Checkpoint written (atomically) after each epoch and at an interrupt; empty: none. With replicas, rank 0
  /// writes it and every rank can restore from it.
  TORCH_ARG(std::string, checkpoint);
  /// Data parallelism (train/replicas.hpp; superconv::distributed makes them): parameters and buffers broadcast
  /// from rank 0 when fit() starts, gradients averaged after each backward with the step's loss, accuracy and stop
  /// flag reduced in the same collective, BatchNorm statistics averaged before each evaluation and checkpoint,
  /// evaluation gathered. Null or one process: none of it, the single-process loop unchanged.
  TORCH_ARG(ReplicasPtr, replicas);
  /// Capture the whole training step (zero grad, forward under autocast, loss, backward, optimizer and schedule
  /// step) as a CUDA graph after a few eager warm-up steps, and replay it for every batch of the captured shape; the
  /// last, partial batch runs eagerly (train/step_capture.hpp). Needs the model on a CUDA device, an optimizer whose
  /// step reads its LR from the device (optim::DeviceSchedulable: optim::FusedSGD, optim::Muon; the Trainer has it
  /// follow the scheduler's table), a scheduler stepped per batch, no replicas; a clear error otherwise. Off: every
  /// step eager, as before.
  TORCH_ARG(bool, cuda_graph) = false;
  /// How a captured step is made when cuda_graph is on; null: a CUDA graph on the model's device
  /// (make_cuda_graph_capture). `[](const at::Device&) { return std::make_unique<EagerCapture>(); }` runs the same
  /// bookkeeping on any device (tests).
  TORCH_ARG(std::function<std::unique_ptr<StepCapture>(const at::Device&)>, step_capture);

 public:
  /// Deprecated: the loss carries its reduction (`cross_entropy_loss(s, Reduction::kSum)`, `Loss(fn, kSum)`). For a
  /// plain callable this still says how it reduces; for a loss that declares its own, the Trainer refuses a
  /// different one.
  [[deprecated(
      "a Loss carries its reduction: cross_entropy_loss(s, Reduction::kSum) or Loss(fn, "
      "Reduction::kSum)")]] TrainerOptions&
  loss_reduction(Reduction reduction) {
    loss_reduction_ = reduction;
    return *this;
  }
  /// How the loss reduces the batch: the loss's own reduction, else what the deprecated setter said, else the mean.
  Reduction loss_reduction() const {
    return loss_.declares_reduction() ? loss_.reduction() : loss_reduction_.value_or(Reduction::kMean);
  }
  /// The loss as the Trainer uses it: with the reduction loss_reduction() gives.
  Loss resolved_loss() const { return loss_.with_reduction(loss_reduction()); }
  /// The reduction the deprecated setter gave, if any.
  const std::optional<Reduction>& stated_loss_reduction() const { return loss_reduction_; }

  /// Checks the options together (the Trainer does, when it is made); the error names the option and the value.
  void check() const {
    TORCH_CHECK(loss_, "Trainer: the loss function is empty");
    TORCH_CHECK(!loss_reduction_ || !loss_.declares_reduction() || *loss_reduction_ == loss_.reduction(),
                "Trainer: loss_reduction says ", reduction_name(loss_reduction_.value_or(Reduction::kMean)),
                " but the loss reduces by ", reduction_name(loss_.reduction()),
                "; the loss carries its reduction - drop loss_reduction");
    TORCH_CHECK(progress_updates_ >= 0, "Trainer: progress_updates must be >= 0, got ", progress_updates_);
    TORCH_CHECK(eval_every_ >= 0, "Trainer: eval_every must be >= 0, got ", eval_every_);
    const auto mode = static_cast<int>(progress_);
    TORCH_CHECK(mode >= static_cast<int>(ProgressMode::kAuto) && mode <= static_cast<int>(ProgressMode::kNone),
                "Trainer: progress must be a ProgressMode (kAuto, kBar, kLines, kNone), got ", mode);
  }

 private:
  std::optional<Reduction> loss_reduction_;
};

}  // namespace train
}  // namespace superconv
