// SPDX-License-Identifier: MIT
// Evaluation of any model on any loader: mean loss, accuracy and per-record predictions, optionally with flip TTA.
#pragma once

#include <superconv/train/forward.hpp>
#include <superconv/train/loss.hpp>
#include <superconv/train/metrics.hpp>
#include <superconv/train/replicas.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/container/any.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace superconv {
namespace train {

/// Options for evaluate(). Example: `EvalOptions().tta_flip(true).forward(ForwardOptions().amp(true))`
struct EvalOptions {
  TORCH_ARG(ForwardOptions, forward);
  /// Also run each image's mirror image (flipped along its width) and average the two logits.
  TORCH_ARG(bool, tta_flip) = false;
  /// The loss reported as EvalResult::loss (a batch mean; weighted by batch size). Empty: cross-entropy.
  TORCH_ARG(LossFunction, loss);
  /// Data parallelism: each replica evaluates its loader's share (a DeviceLoader with rank/world_size) and the
  /// results are gathered, so every replica returns the whole evaluation. Null or one process: local only.
  TORCH_ARG(ReplicasPtr, replicas);
};

/// Evaluates `model` (an AnyModule, a module holder or a shared_ptr to a module) on every batch of `loader`, in
/// eval mode without gradients, and restores the model's training mode afterwards.
///
/// A loader is anything with `void start_epoch()`, `int64_t size()` (batches) and `get(i)` returning a batch with
/// `input` [B, ...], `target` int64 [B] and `index` int64 [B] (the records' indices) tensors on the model's device;
/// superconv::data::DeviceLoader is one. The predictions come back sorted by record index whatever order the loader
/// uses (see EvalResult). Example: `auto r = evaluate(model, test_loader, EvalOptions().tta_flip(true));`
template <typename Model, typename Loader>
EvalResult evaluate(const Model& model_like, Loader& loader, const EvalOptions& options = {}) {
  auto model = as_any_module(model_like);
  auto& m = *model.ptr();
  const bool was_training = m.is_training();
  m.eval();
  at::NoGradGuard no_grad;
  loader.start_epoch();
  TORCH_CHECK(loader.size() > 0, "evaluate: the loader has no batches");
  std::vector<at::Tensor> index, pred, conf, target;
  at::Tensor loss_sum;
  for (std::int64_t i = 0; i < loader.size(); ++i) {
    auto b = loader.get(i);
    TORCH_CHECK(b.index.defined() && b.index.numel() == b.target.numel(), "evaluate: batch ", i,
                " has no record index per target (the loader's batches need an `index` tensor)");
    auto logits = forward_logits(model, b.input, options.forward());
    if (options.tta_flip()) logits = (logits + forward_logits(model, b.input.flip({-1}), options.forward())) * 0.5;
    const auto count = static_cast<double>(b.target.size(0));
    const auto loss = options.loss() ? options.loss()(logits, b.target) : at::cross_entropy_loss(logits, b.target);
    // A replica's share of a short last batch can be empty: it adds nothing (its mean loss would be NaN).
    const auto weighted =
        count > 0 ? loss.detach().to(at::kDouble) * count : at::zeros({}, loss.options().dtype(at::kDouble));
    loss_sum = loss_sum.defined() ? loss_sum + weighted : weighted;
    auto best = at::softmax(logits, 1).max(1);
    index.push_back(b.index.to(at::kLong));
    pred.push_back(std::get<1>(best));
    conf.push_back(std::get<0>(best));
    target.push_back(b.target.to(at::kLong));
  }
  m.train(was_training);
  auto idx = at::cat(index);
  auto pred_all = at::cat(pred), conf_all = at::cat(conf), target_all = at::cat(target);
  if (is_distributed(options.replicas())) {  // every replica's share, then the same sorting everywhere
    auto& replicas = *options.replicas();
    idx = replicas.all_gather(idx), pred_all = replicas.all_gather(pred_all);
    conf_all = replicas.all_gather(conf_all), target_all = replicas.all_gather(target_all);
    replicas.all_reduce_sum(loss_sum);
  }
  // Sorted by record index on the device, then one copy each to the host.
  const auto order = std::get<1>(idx.sort());
  EvalResult r;
  r.indices = idx.index_select(0, order).cpu();
  TORCH_CHECK(
      !is_distributed(options.replicas()) || r.indices.numel() < 2 || !r.indices.diff().eq(0).any().item<bool>(),
      "evaluate: some records were evaluated by more than one replica; give each replica its share of the "
      "loader (DeviceLoaderOptions rank and world_size)");
  r.predictions = pred_all.index_select(0, order).cpu();
  r.confidence = conf_all.index_select(0, order).cpu();
  r.targets = target_all.index_select(0, order).cpu();
  r.total = r.indices.numel();
  r.correct = r.predictions.eq(r.targets).sum().item<std::int64_t>();
  const auto n = static_cast<double>(std::max<std::int64_t>(r.total, 1));
  r.loss = loss_sum.item<double>() / n;
  r.accuracy = static_cast<double>(r.correct) / n;
  return r;
}

}  // namespace train
}  // namespace superconv
