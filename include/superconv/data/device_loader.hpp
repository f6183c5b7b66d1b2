// SPDX-License-Identifier: MIT
// The whole data set resident on one device: per-epoch shuffle, batches, normalisation, no host round trip.
#pragma once

#include <superconv/data/device_loader_options.hpp>
#include <superconv/random.hpp>
#include <superconv/transforms/transform_traits.hpp>

#include <ATen/ATen.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace superconv {
namespace data {

/// Holds uint8 images `[N, C, H, W]` and int64 targets `[N]` on one device, moved there once. Each epoch draws a
/// permutation from a seeded generator on that device; `get(i)` gathers batch i, converts and normalises it, and
/// applies the transform (any callable `at::Tensor(const at::Tensor&, at::Generator&)`, or with a third
/// `const transforms::BatchInfo&` - the epoch and the records' indices -, such as a `superconv::transforms::Compose`),
/// all on the device.
///
/// ```
/// DeviceLoader train(ds.images(), ds.targets(), DeviceLoaderOptions(512).device(dev).mean(m).std(s));
/// train.set_transform(transforms::Compose(RandomCrop(), FlipLR(), Cutout()));
/// for (int64_t e = 0; e < epochs; ++e) { train.start_epoch(); for (const auto& b : train) step(b); }
/// ```
class DeviceLoader {
 public:
  using Transform = superconv::detail::BatchTransform;

  DeviceLoader(const at::Tensor& images, const at::Tensor& targets, DeviceLoaderOptions options = {})
      : options_(std::move(options)) {
    TORCH_CHECK(images.dim() == 4, "DeviceLoader: images must be [N, C, H, W], got ", images.sizes());
    TORCH_CHECK(images.scalar_type() == at::kByte, "DeviceLoader: images must be uint8, got ", images.scalar_type());
    TORCH_CHECK(targets.dim() == 1 && targets.size(0) == images.size(0),
                "DeviceLoader: targets must be [N] with N = ", images.size(0), ", got ", targets.sizes());
    TORCH_CHECK(images.size(0) > 0, "DeviceLoader: the data set is empty");
    options_.check(images.size(1));
    const auto dev = options_.device();
    images_ = images.to(dev).contiguous();
    targets_ = targets.to(dev, at::kLong);
    std::tie(shift_, scale_) = options_.normalization(images.size(1));
    shuffle_gen_ = make_generator(dev, options_.seed());
    transform_gen_ = make_generator(dev, (options_.seed() ^ 0x9E3779B97F4A7C15ULL) + rank_offset());
    permutation_ = at::arange(images_.size(0), at::TensorOptions().dtype(at::kLong).device(dev));
  }

  /// Sets the per-batch transform, applied after normalisation (so a Cutout fill of 0 is the mean colour). It takes
  /// `(x, gen)` or `(x, gen, info)`; the loader passes the epoch and the records' indices to the latter. An empty
  /// `std::function` or `nullptr` means no transform.
  template <typename T>
  void set_transform(T transform) {
    transform_ = superconv::detail::make_batch_transform(std::move(transform));
  }

  /// No transform: batches are normalised and converted only.
  void set_transform(std::nullptr_t) { transform_ = nullptr; }

  /// Starts an epoch: draws a new order when shuffling. epoch() counts the epochs started (0-based: the first
  /// start_epoch() makes it 0).
  void start_epoch() {
    ++epoch_;
    if (options_.shuffle()) {
      permutation_ =
          at::randperm(images_.size(0), shuffle_gen_, at::TensorOptions().dtype(at::kLong).device(options_.device()));
    }
  }

  /// Batches per epoch (global batches when sharded: every rank has the same count).
  /// Sharded and shuffling (training), a last global batch too short to give every rank a record is left out.
  std::int64_t size() const {
    const auto n = batches_per_epoch(images_.size(0), global_batch(), options_.drop_last());
    const auto tail = images_.size(0) % global_batch();
    const bool starved = options_.world_size() > 1 && options_.shuffle() && tail > 0 && tail < options_.world_size();
    return starved && !options_.drop_last() ? n - 1 : n;
  }
  /// Batches an epoch of `records` has at `batch_size` (without the data: for drawing a schedule ahead).
  static std::int64_t batches_per_epoch(std::int64_t records, std::int64_t batch_size, bool drop_last = false) {
    TORCH_CHECK(records >= 0 && batch_size > 0, "DeviceLoader: records must be >= 0 and batch_size > 0, got ", records,
                " and ", batch_size);
    return drop_last ? records / batch_size : (records + batch_size - 1) / batch_size;
  }
  /// Records held.
  std::int64_t num_samples() const { return images_.size(0); }
  /// The epoch started last (0-based); -1 before the first start_epoch().
  std::int64_t epoch() const { return epoch_; }

  /// Batch `i` of the current epoch (0 <= i < size()).
  Batch get(std::int64_t i) {
    TORCH_CHECK(i >= 0 && i < size(), "DeviceLoader: batch index ", i, " out of range [0, ", size(), ")");
    const auto b = global_batch();
    const auto len = std::min(b, images_.size(0) - i * b);
    const auto w = static_cast<std::int64_t>(options_.world_size()), r = static_cast<std::int64_t>(options_.rank());
    const auto begin = len * r / w, end = len * (r + 1) / w;  // this rank's share: full batches split evenly
    return make_batch(permutation_.narrow(0, i * b + begin, end - begin), true);
  }

  /// The records `indices` (int64, any order, any rank) as a batch: normalised and converted as batches are, without
  /// the transform - e.g. to show or explain particular records.
  Batch gather(const at::Tensor& indices) {
    TORCH_CHECK(indices.dim() == 1 && indices.scalar_type() == at::kLong, "DeviceLoader: gather takes int64 [k] ",
                "record indices, got ", indices.scalar_type(), " ", indices.sizes());
    const auto index = indices.to(options_.device());
    TORCH_CHECK(index.numel() == 0 ||
                    (index.min().item<std::int64_t>() >= 0 && index.max().item<std::int64_t>() < images_.size(0)),
                "DeviceLoader: gather's record indices must be in [0, ", images_.size(0), ")");
    return make_batch(index, false);
  }

  /// Iterates the batches of the current epoch.
  class Iterator {
   public:
    Iterator(DeviceLoader* loader, std::int64_t i) : loader_(loader), i_(i) {}
    Batch operator*() const { return loader_->get(i_); }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator!=(const Iterator& other) const { return i_ != other.i_; }

   private:
    DeviceLoader* loader_;
    std::int64_t i_;
  };
  Iterator begin() { return {this, 0}; }
  Iterator end() { return {this, size()}; }

  /// State for exact resumption: the current order, both generators' states and the epoch counter.
  struct State {
    at::Tensor permutation;
    at::Tensor shuffle_generator;
    at::Tensor transform_generator;
    std::int64_t epoch = -1;
  };
  State state() const { return {permutation_.cpu(), shuffle_gen_.get_state(), transform_gen_.get_state(), epoch_}; }
  void load_state(const State& s) {
    TORCH_CHECK(s.permutation.numel() == images_.size(0), "DeviceLoader: saved order has ", s.permutation.numel(),
                " entries, the loader holds ", images_.size(0), " records (different data or limits?)");
    permutation_ = s.permutation.to(options_.device(), at::kLong);
    epoch_ = s.epoch;
    shuffle_gen_.set_state(s.shuffle_generator);
    transform_gen_.set_state(s.transform_generator);
    if (options_.rank() > 0) {  // a checkpoint holds rank 0's augmentation state: derive this rank's own from it
      const auto draw =
          at::randint(1LL << 62, {1}, transform_gen_, at::TensorOptions().dtype(at::kLong).device(options_.device()))
              .item<std::int64_t>();
      transform_gen_ = make_generator(options_.device(), static_cast<std::uint64_t>(draw) + rank_offset());
    }
  }

  /// The state as a torch::serialize archive (what superconv::train checkpoints store), and back.
  void save(torch::serialize::OutputArchive& archive) const {
    const auto st = state();
    archive.write("permutation", st.permutation, /*is_buffer=*/true);
    archive.write("shuffle_generator", st.shuffle_generator, true);
    archive.write("transform_generator", st.transform_generator, true);
    archive.write("epoch", at::tensor(st.epoch, at::kLong), true);
  }
  void load(torch::serialize::InputArchive& archive) {
    State st;
    archive.read("permutation", st.permutation, true);
    archive.read("shuffle_generator", st.shuffle_generator, true);
    archive.read("transform_generator", st.transform_generator, true);
    at::Tensor epoch;  // absent from checkpoints written before the counter existed
    if (archive.try_read("epoch", epoch, true)) st.epoch = epoch.item<std::int64_t>();
    st.shuffle_generator = st.shuffle_generator.cpu();
    st.transform_generator = st.transform_generator.cpu();
    load_state(st);
  }

  const DeviceLoaderOptions& options() const { return options_; }
  /// This loader as one process sees the data: rank 0 of 1, batch_size x world_size per batch, same order. With
  /// world_size 1 it is a copy that shares the generators (its draws advance this loader's, as using this loader
  /// would); otherwise its generators are copies and this loader's draws are untouched.
  DeviceLoader whole() const {
    DeviceLoader w = *this;
    if (options_.world_size() == 1) return w;
    w.options_.batch_size(global_batch()).rank(0).world_size(1);
    w.shuffle_gen_ = shuffle_gen_.clone();
    w.transform_gen_ = transform_gen_.clone();
    return w;
  }
  /// This loader for evaluation: every record in stored order (no drop_last), no transform, this rank's share of
  /// each batch. Its draws and epochs are its own: using it leaves this loader's order, generators and epoch as they
  /// were.
  DeviceLoader ordered() const {
    DeviceLoader o = *this;
    o.options_.shuffle(false).drop_last(false);  // every record, the last partial batch too
    o.transform_ = nullptr;
    o.shuffle_gen_ = shuffle_gen_.clone();
    o.transform_gen_ = transform_gen_.clone();
    o.permutation_ = at::arange(images_.size(0), permutation_.options());
    return o;
  }
  /// Records per step over all ranks: batch_size x world_size.
  std::int64_t global_batch() const { return options_.batch_size() * options_.world_size(); }
  const at::Tensor& images() const { return images_; }
  const at::Tensor& targets() const { return targets_; }

 private:
  Batch make_batch(const at::Tensor& index, bool augment) {
    auto x = images_.index_select(0, index).to(at::kFloat).sub_(shift_).mul_(scale_);
    if (augment && transform_)
      x = transform_(x, transform_gen_, {std::max<std::int64_t>(epoch_, 0), index, images_.size(0)});
    if (x.scalar_type() != options_.dtype()) x = x.to(options_.dtype());
    if (options_.channels_last()) x = x.contiguous(at::MemoryFormat::ChannelsLast);
    return {x, targets_.index_select(0, index), index};
  }

  std::uint64_t rank_offset() const { return static_cast<std::uint64_t>(options_.rank()) * 0xD1B54A32D192ED03ULL; }

  DeviceLoaderOptions options_;
  at::Tensor images_, targets_, shift_, scale_, permutation_;
  at::Generator shuffle_gen_, transform_gen_;
  Transform transform_;
  std::int64_t epoch_ = -1;
};

}  // namespace data
}  // namespace superconv
