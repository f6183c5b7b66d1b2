// SPDX-License-Identifier: MIT
// The LR range test over a loader: any model, optimizer and loss, batches drawn epoch after epoch, with progress.
#pragma once

#include <superconv/optim/lr_range_test.hpp>
#include <superconv/train/forward.hpp>
#include <superconv/train/loss.hpp>
#include <superconv/train/progress.hpp>

#include <fmt/format.h>
#include <torch/arg.h>
#include <torch/optim/optimizer.h>

#include <cstdint>
#include <optional>
#include <ostream>

namespace superconv {
namespace train {

/// Options for find_lr(). Example: `FindLROptions().loss(cross_entropy_loss()).log(&std::cout)`
struct FindLROptions {
  TORCH_ARG(ForwardOptions, forward);
  /// The loss the sweep minimises and records (a summed loss's curve is the batch's sum).
  TORCH_ARG(Loss, loss) = cross_entropy_loss();
  /// Where the progress bar goes; none when null.
  TORCH_ARG(LogStream, log) = nullptr;
  TORCH_ARG(ProgressMode, progress) = ProgressMode::kAuto;
};

/// Runs optim::LRRangeTest on `model` with batches from `loader` (start_epoch/size/get, as for Trainer; a new epoch
/// starts whenever the sweep has used every batch). The model and optimizer come back bit for bit as they were;
/// the loader has moved on (its order and augmentation draws). Example:
/// `auto curve = find_lr(model, sgd, train_loader, optim::LRRangeTestOptions(1e-4, 10, 100));`
template <typename Model, typename Loader>
optim::LRRangeTestResult find_lr(const Model& model_like, torch::optim::Optimizer& optimizer, Loader& loader,
                                 const optim::LRRangeTestOptions& range, const FindLROptions& options = {}) {
  auto model = as_any_module(model_like);
  TORCH_CHECK(options.loss(), "find_lr: the loss function is empty");
  const auto batches = loader.size();
  TORCH_CHECK(batches > 0, "find_lr: the loader has no batches");
  model.ptr()->train();
  optim::LRRangeTest test(*model.ptr(), optimizer, range);
  std::optional<ProgressBar> bar;
  if (options.log()) bar.emplace(*options.log(), range.num_iter(), "LR range test", options.progress(), "batch");
  loader.start_epoch();
  auto curve = test.run(
      [&](std::int64_t i) {
        if (i > 0 && i % batches == 0) loader.start_epoch();
        auto b = loader.get(i % batches);
        return options.loss()(forward_logits(model, b.input, options.forward()), b.target);
      },
      [&](std::int64_t i, double lr, double loss) {
        if (bar) bar->update(i + 1, i + 1, fmt::format("lr {:.3g} loss {:.4f}", lr, loss));
      });
  if (bar) bar->finish();
  return curve;
}

}  // namespace train
}  // namespace superconv
