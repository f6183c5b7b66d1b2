// SPDX-License-Identifier: MIT
// The one shape every data set takes (uint8 images [N, C, H, W], int64 targets, class names), its checks, and what
// any data set supports: a tensor data set, subsets, a seeded held-out split and per-channel statistics.
#pragma once

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace superconv {
namespace data {

/// Which part of a data set that ships split in two (CIFAR-10, CIFAR-100) to read.
enum class Split { kTrain, kTest };

/// A labelled image data set, whatever its source (CIFAR-10, CIFAR-100, an image folder, tensors already in memory):
/// - `images`: uint8 `[N, C, H, W]`, channel-planar, any C, H and W; usually on the CPU (DeviceLoader moves it);
/// - `targets`: int64 `[N]`, each in `[0, classes.size())`;
/// - `classes`: the class names, target `k` is `classes[k]`.
/// DeviceLoader, the transforms and the recipe accept any such set. `check_dataset` says what is wrong with one.
struct Dataset {
  at::Tensor images;
  at::Tensor targets;
  std::vector<std::string> classes;

  std::int64_t size() const { return images.defined() ? images.size(0) : 0; }
  std::int64_t channels() const { return images.size(1); }
  std::int64_t height() const { return images.size(2); }
  std::int64_t width() const { return images.size(3); }
};

/// Checks a data set's shapes, dtypes and targets; errors start with `what` (e.g. "ImageFolder data/flowers").
inline void check_dataset(const Dataset& d, const std::string& what) {
  TORCH_CHECK(d.images.defined(), what, ": images are undefined");
  TORCH_CHECK(d.targets.defined(), what, ": targets are undefined");
  TORCH_CHECK(d.images.dim() == 4, what, ": images must be [N, C, H, W], got ", d.images.sizes());
  TORCH_CHECK(d.images.scalar_type() == at::kByte, what, ": images must be uint8, got ", d.images.scalar_type());
  TORCH_CHECK(d.images.size(0) > 0, what, ": the data set is empty (0 images)");
  TORCH_CHECK(d.images.size(1) > 0 && d.images.size(2) > 0 && d.images.size(3) > 0, what,
              ": images must have C, H, W > 0, got ", d.images.sizes());
  TORCH_CHECK(d.targets.dim() == 1, what, ": targets must be [N], got ", d.targets.sizes());
  TORCH_CHECK(d.targets.scalar_type() == at::kLong, what, ": targets must be int64, got ", d.targets.scalar_type());
  TORCH_CHECK(d.targets.size(0) == d.images.size(0), what, ": ", d.images.size(0), " images but ", d.targets.size(0),
              " targets");
  TORCH_CHECK(!d.classes.empty(), what, ": no class names");
  std::set<std::string> seen;
  for (const auto& name : d.classes) {
    TORCH_CHECK(!name.empty(), what, ": a class name is empty");
    TORCH_CHECK(seen.insert(name).second, what, ": class name '", name, "' appears twice");
  }
  const auto k = static_cast<std::int64_t>(d.classes.size());
  const auto lo = d.targets.min().item<std::int64_t>(), hi = d.targets.max().item<std::int64_t>();
  if (lo < 0 || hi >= k) {
    const auto bad = d.targets.lt(0).logical_or(d.targets.ge(k)).nonzero()[0][0].item<std::int64_t>();
    TORCH_CHECK(false, what, ": target ", d.targets[bad].item<std::int64_t>(), " of sample ", bad, " is outside [0, ",
                k, ") (", k, " class names)");
  }
}

/// A data set of tensors already in memory, checked (see `check_dataset`). Example:
/// `auto d = superconv::data::from_tensors(images_u8_nchw, labels_i64, {"cat", "dog"});`
inline Dataset from_tensors(at::Tensor images, at::Tensor targets, std::vector<std::string> classes) {
  Dataset d{std::move(images), std::move(targets), std::move(classes)};
  check_dataset(d, "from_tensors");
  return d;
}

/// The samples at `indices` (int64 `[K]`, any order, repeats allowed), in that order; the class names are kept.
inline Dataset subset(const Dataset& d, const at::Tensor& indices) {
  TORCH_CHECK(indices.defined() && indices.dim() == 1 && indices.scalar_type() == at::kLong,
              "subset: indices must be int64 [K], got ",
              indices.defined() ? c10::str(indices.scalar_type(), " ", indices.sizes()) : std::string("undefined"));
  TORCH_CHECK(indices.size(0) > 0, "subset: indices are empty");
  const auto n = d.size();
  const auto lo = indices.min().item<std::int64_t>(), hi = indices.max().item<std::int64_t>();
  TORCH_CHECK(lo >= 0 && hi < n, "subset: indices must be in [0, ", n, "), got values from ", lo, " to ", hi);
  return Dataset{d.images.index_select(0, indices.to(d.images.device())),
                 d.targets.index_select(0, indices.to(d.targets.device())), d.classes};
}

/// Splits off `held_out_fraction` of each class (stratified: round(fraction * class count) samples of each class,
/// drawn with `seed`), e.g. a validation set from a training set. Every class keeps at least one sample on the kept
/// side (a one-sample class is never held out whole, so no class silently goes untrained). Returns {kept, held out};
/// both keep the original order of their samples. Errors when the fraction is outside (0, 1) or a side would be
/// empty.
/// Example: `auto [train, val] = superconv::data::split(full, 0.1, 42);`
inline std::pair<Dataset, Dataset> split(const Dataset& d, double held_out_fraction, std::uint64_t seed) {
  TORCH_CHECK(held_out_fraction > 0.0 && held_out_fraction < 1.0, "split: held_out_fraction must be in (0, 1), got ",
              held_out_fraction);
  check_dataset(d, "split");
  const auto targets = d.targets.cpu().contiguous();
  const auto* t = targets.data_ptr<std::int64_t>();
  const auto n = targets.size(0);
  const auto k = static_cast<std::int64_t>(d.classes.size());
  std::vector<std::vector<std::int64_t>> by_class(static_cast<std::size_t>(k));
  for (std::int64_t i = 0; i < n; ++i) by_class[static_cast<std::size_t>(t[i])].push_back(i);
  auto gen = at::detail::createCPUGenerator(seed);
  std::vector<char> held(static_cast<std::size_t>(n), 0);
  for (const auto& members : by_class) {
    const auto m = static_cast<std::int64_t>(members.size());
    if (m == 0) continue;
    const auto take =
        std::min(m - 1, static_cast<std::int64_t>(std::llround(held_out_fraction * static_cast<double>(m))));
    const auto perm = at::randperm(m, gen, at::TensorOptions().dtype(at::kLong));
    const auto* p = perm.data_ptr<std::int64_t>();
    for (std::int64_t j = 0; j < take; ++j) held[static_cast<std::size_t>(members[static_cast<std::size_t>(p[j])])] = 1;
  }
  std::vector<std::int64_t> keep_idx, held_idx;
  for (std::int64_t i = 0; i < n; ++i) (held[static_cast<std::size_t>(i)] ? held_idx : keep_idx).push_back(i);
  TORCH_CHECK(!held_idx.empty() && !keep_idx.empty(), "split: held_out_fraction ", held_out_fraction, " of ", n,
              " samples leaves ", keep_idx.size(), " kept and ", held_idx.size(),
              " held out (per class, rounded); a side would be empty");
  const auto as_tensor = [](const std::vector<std::int64_t>& v) {
    return at::tensor(v, at::TensorOptions().dtype(at::kLong));
  };
  return {subset(d, as_tensor(keep_idx)), subset(d, as_tensor(held_idx))};
}

/// Per-channel mean and (population) standard deviation of the images in [0, 1] units, e.g. for
/// DeviceLoaderOptions::mean/std. Exact integer sums over chunks of about 4M values, then double arithmetic: no
/// overflow or float rounding whatever the size of the set.
inline std::pair<std::vector<double>, std::vector<double>> channel_mean_std(const Dataset& d) {
  check_dataset(d, "channel_mean_std");
  const auto n = d.images.size(0), c = d.images.size(1);
  const auto per_image = c * d.images.size(2) * d.images.size(3);
  const auto chunk = std::max<std::int64_t>(1, (std::int64_t{1} << 22) / per_image);
  at::Tensor total_sum = at::zeros({c}, at::TensorOptions().dtype(at::kLong).device(d.images.device()));
  at::Tensor total_sq = at::zeros_like(total_sum);
  for (std::int64_t start = 0; start < n; start += chunk) {
    const auto x = d.images.narrow(0, start, std::min(chunk, n - start)).to(at::kLong);
    total_sum += x.sum({0, 2, 3});
    total_sq += (x * x).sum({0, 2, 3});
  }
  const auto s = total_sum.cpu(), q = total_sq.cpu();
  const double count = static_cast<double>(n) * static_cast<double>(d.images.size(2) * d.images.size(3));
  std::vector<double> mean(static_cast<std::size_t>(c)), stdev(static_cast<std::size_t>(c));
  for (std::int64_t i = 0; i < c; ++i) {
    const double m = static_cast<double>(s[i].item<std::int64_t>()) / count / 255.0;
    const double e2 = static_cast<double>(q[i].item<std::int64_t>()) / count / (255.0 * 255.0);
    mean[static_cast<std::size_t>(i)] = m;
    stdev[static_cast<std::size_t>(i)] = std::sqrt(std::max(0.0, e2 - m * m));
  }
  return {mean, stdev};
}

}  // namespace data
}  // namespace superconv
