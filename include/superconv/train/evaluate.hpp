// SPDX-License-Identifier: MIT
// Evaluation of any model on any loader: mean loss, accuracy and per-record predictions, optionally with
// test-time augmentation (train/tta.hpp).
#pragma once

#include <superconv/train/forward.hpp>
#include <superconv/train/loader_traits.hpp>
#include <superconv/train/loss.hpp>
#include <superconv/train/metrics.hpp>
#include <superconv/train/replicas.hpp>
#include <superconv/train/training_mode_guard.hpp>
#include <superconv/train/tta.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/container/any.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

namespace superconv {
namespace train {

/// Options for evaluate(). Example: `EvalOptions().tta_views(flip_views()).forward(ForwardOptions().amp(true))`
struct EvalOptions {
  TORCH_ARG(ForwardOptions, forward);
  /// Test-time augmentation: the logits are the weighted sum over these views (train/tta.hpp: flip_views() - the
  /// image and its mirror -, flip_shift_views()). Empty: one view, the image.
  TORCH_ARG(TTAViews, tta_views);
  /// The loss reported as EvalResult::loss, per record whatever the loss's reduction (train/loss.hpp). Empty:
  /// cross-entropy.
  TORCH_ARG(Loss, loss);
  /// Data parallelism: each replica evaluates its loader's share (a DeviceLoader with rank/world_size) and the
  /// results are gathered, so every replica returns the whole evaluation. Null or one process: local only.
  TORCH_ARG(ReplicasPtr, replicas);

 public:
  /// Deprecated: `tta_views(flip_views())` says it (true sets those views, false clears the views).
  [[deprecated("use tta_views(flip_views())")]] EvalOptions& tta_flip(bool on) {
    tta_views_ = on ? flip_views() : TTAViews{};
    return *this;
  }
};

/// Evaluates `model` (an AnyModule, a module holder or a shared_ptr to a module) on every batch of `loader`, in
/// eval mode without gradients, and restores the model's training mode afterwards (also on an exception).
///
/// A loader is anything with `int64_t size()` (batches) and `get(i)` returning a batch with `input` [B, ...], `target`
/// int64 [B] and `index` int64 [B] (the records' indices) tensors on the model's device; superconv::data::DeviceLoader
/// is one. A loader with `ordered()` (DeviceLoader) is read through it - stored order, no augmentation - so that
/// evaluating leaves the loader's order, random state and epoch as they were (a training loader stays resumable).
/// The predictions come back sorted by record index whatever order the loader uses (see EvalResult).
/// Example: `auto r = evaluate(model, test_loader, EvalOptions().tta_views(flip_shift_views()));`
template <typename Model, typename Loader>
EvalResult evaluate(const Model& model_like, Loader& loader, const EvalOptions& options = {});

namespace detail {

template <typename Model, typename Loader>
EvalResult evaluate_batches(const Model& model_like, Loader& loader, const EvalOptions& options) {
  auto model = as_any_module(model_like);
  auto& m = *model.ptr();
  detail::check_loader_shards(loader, is_distributed(options.replicas()) ? options.replicas()->size() : 1,
                              "evaluate: the loader", "the evaluation", "EvalOptions");
  TrainingModeGuard mode(m);  // restored also when a batch throws
  m.eval();
  at::NoGradGuard no_grad;
  TORCH_CHECK(loader.size() > 0, "evaluate: the loader has no batches");
  auto views = options.tta_views();
  if (views.empty()) views = {{"image", nullptr, 1.0}};
  check_tta_views(views);
  std::vector<at::Tensor> index, pred, conf, target;
  at::Tensor loss_sum;
  for (std::int64_t i = 0; i < loader.size(); ++i) {
    auto b = loader.get(i);
    TORCH_CHECK(b.index.defined() && b.index.numel() == b.target.numel(), "evaluate: batch ", i,
                " has no record index per target (the loader's batches need an `index` tensor)");
    at::Tensor logits;
    for (const auto& v : views) {
      auto l = forward_logits(model, v.transform ? v.transform(b.input) : b.input, options.forward());
      if (views.size() > 1) l = l.to(at::kFloat) * v.weight;
      logits = logits.defined() ? logits + l : l;
    }
    const auto count = static_cast<double>(b.target.size(0));
    const auto loss = options.loss() ? options.loss().per_record(options.loss()(logits, b.target), b.target.size(0))
                                     : at::cross_entropy_loss(logits, b.target);
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

}  // namespace detail

template <typename Model, typename Loader>
EvalResult evaluate(const Model& model_like, Loader& loader, const EvalOptions& options) {
  if constexpr (detail::has_ordered<Loader>::value) {
    auto view = loader.ordered();
    return detail::evaluate_batches(model_like, view, options);
  } else {
    return detail::evaluate_batches(model_like, loader, options);
  }
}

}  // namespace train
}  // namespace superconv
