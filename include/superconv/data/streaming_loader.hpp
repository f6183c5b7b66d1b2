// SPDX-License-Identifier: MIT
// StreamingLoader: a data set larger than memory read as it trains - records from shards or an image folder decoded
// on worker threads a few batches ahead, cropped and resized with torchvision's semantics (decided before decoding,
// so JPEGs shrink in the DCT domain), then normalised and transformed on the device as DeviceLoader's batches are.
#pragma once

#include <superconv/data/device_loader_options.hpp>
#include <superconv/data/image_decode.hpp>
#include <superconv/data/record_decoder.hpp>
#include <superconv/data/sample_source.hpp>
#include <superconv/data/streaming_loader_options.hpp>
#include <superconv/data/streaming_order.hpp>
#include <superconv/random.hpp>
#include <superconv/system/cpus.hpp>
#include <superconv/system/prefetcher.hpp>
#include <superconv/transforms/transform_traits.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <torch/arg.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace superconv {
namespace data {

/// Streams `source`'s records as batches (the Trainer takes it like DeviceLoader): `start_epoch()` fixes the
/// order, a function of (seed, epoch) alone; `get(i)` returns batch i, decoded on worker threads up to `prefetch`
/// batches ahead, into pinned memory when the device is CUDA and copied without blocking. Training order follows
/// PyTorch's DistributedSampler under ranks (padded to equal lengths); ordered() gives the evaluation view.
/// A resumed run asks for its next batch and gets the one an uninterrupted run would have (bit-identical on CPU).
///
/// ```
/// auto source = std::make_shared<SampleSource>(shard_source({"shards/train"}));
/// StreamingLoader train(source, StreamingLoaderOptions(224).batches(DeviceLoaderOptions(256).device(dev)));
/// ```
class StreamingLoader {
 public:
  using Transform = superconv::detail::BatchTransform;

  StreamingLoader(std::shared_ptr<const SampleSource> source, StreamingLoaderOptions options)
      : StreamingLoader(std::move(source), std::move(options), false) {}
  StreamingLoader(const StreamingLoader&) = delete;
  StreamingLoader& operator=(const StreamingLoader&) = delete;
  StreamingLoader& operator=(StreamingLoader&&) = delete;
  StreamingLoader(StreamingLoader&&) = default;  // the workers see core_, which stays where it is

  /// The per-batch transform on the device after normalisation, as DeviceLoader::set_transform; nullptr: none.
  template <typename T>
  void set_transform(T transform) {
    transform_ = superconv::detail::make_batch_transform(std::move(transform));
  }
  void set_transform(std::nullptr_t) { transform_ = nullptr; }

  /// Starts an epoch: its order, a function of (seed, epoch). epoch() is 0 after the first call.
  void start_epoch() {
    stop_work();  // no worker reads the epoch while it changes
    ++core_->epoch;
    core_->order.start_epoch(core_->epoch);
    reset_prefetcher();
  }
  /// Batches per epoch for this rank (every rank has as many).
  std::int64_t size() const { return core_->order.batches(); }
  std::int64_t num_samples() const { return core_->source->size(); }
  std::int64_t epoch() const { return core_->epoch; }

  /// Batch `i` of the current epoch: normalised images [B, 3, S, S] on the device (S: the options' image_size_at the
  /// epoch), targets, record indices.
  Batch get(std::int64_t i) {
    TORCH_CHECK(i >= 0 && i < size(), "StreamingLoader: batch index ", i, " out of range [0, ", size(), ")");
    auto got = prefetcher_->take(i);
    const auto& slots = got.buffer;
    std::vector<std::int64_t> keep, records;  // the batch's slots that decoded, and their records
    auto error = got.errors.begin();
    for (std::int64_t k = 0; k < static_cast<std::int64_t>(slots.records.size()); ++k) {
      const auto record = slots.records[static_cast<std::size_t>(k)];
      if (error == got.errors.end() || error->first != k) {
        keep.push_back(k), records.push_back(record);
        continue;
      }
      TORCH_CHECK(core_->options.skip_bad(), "StreamingLoader: ", error->second, " (", got.errors.size(),
                  " bad record(s) in batch ", i, "; the skip option leaves them out and lists them)");
      const auto& r = core_->source->records[static_cast<std::size_t>(record)];
      skipped_.push_back({core_->source->files[r.file].string(), r.member, (error++)->second});
    }
    TORCH_CHECK(!keep.empty() || slots.records.empty(), "StreamingLoader: every record of batch ", i,
                " failed to decode");  // (an empty share of a short last evaluation batch is a batch of none)
    auto pixels =
        keep.size() == slots.records.size() ? slots.pixels : slots.pixels.index_select(0, at::tensor(keep, at::kLong));
    return make_batch(pixels, records, true);
  }

  /// This loader for evaluation: every record in stored order, Resize + CenterCrop, no transform, this rank's share
  /// of each batch (DeviceLoader's split); a loader of its own (threads included) over the same records.
  StreamingLoader ordered() const {
    auto o = core_->options;
    o.augment(false);
    o.batches().shuffle(false).drop_last(false);
    StreamingLoader view(core_->source, o, true);
    view.start_epoch();
    return view;
  }

  /// This loader as one process sees the data: rank 0 of 1, batch_size x world_size a batch (the LR range test on
  /// rank 0 reads it); a loader of its own over the same records.
  StreamingLoader whole() const {
    auto o = core_->options;
    const auto world = o.batches().world_size();
    o.batches().batch_size(o.batches().batch_size() * world).rank(0).world_size(1);
    return StreamingLoader(core_->source, o);
  }

  /// gather() for int64 record indices in a tensor (as DeviceLoader::gather takes them).
  Batch gather(const at::Tensor& indices) {
    TORCH_CHECK(indices.dim() == 1 && indices.scalar_type() == at::kLong, "StreamingLoader: gather takes int64 [k] ",
                "record indices, got ", indices.scalar_type(), " ", indices.sizes());
    const auto cpu = indices.cpu().contiguous();
    return gather(std::vector<std::int64_t>(cpu.data_ptr<std::int64_t>(), cpu.data_ptr<std::int64_t>() + cpu.numel()));
  }

  /// The records `indices` as a batch, decoded now on this thread with the evaluation crop and no transform - e.g.
  /// to compute whitening filters from the first images, or to show particular records.
  Batch gather(const std::vector<std::int64_t>& indices) {
    return make_batch(decode_records(*core_->source, indices, core_->options), indices, false);
  }
  /// The records' images as uint8 [k, 3, S, S] on the CPU (the evaluation crop), e.g. for a run's pictures.
  at::Tensor images(const at::Tensor& records) const {
    const auto cpu = records.to(at::kLong).cpu().contiguous();
    const std::vector<std::int64_t> r(cpu.data_ptr<std::int64_t>(), cpu.data_ptr<std::int64_t>() + cpu.numel());
    return decode_records(*core_->source, r, core_->options).permute({0, 3, 1, 2}).contiguous();
  }

  /// The order's state: epoch, seed and record count (the order is theirs), and the transform generator's state.
  void save(torch::serialize::OutputArchive& archive) const {
    archive.write("epoch", at::tensor(core_->epoch, at::kLong), true);
    archive.write("records", at::tensor(num_samples(), at::kLong), true);
    archive.write("seed", at::tensor(static_cast<std::int64_t>(core_->options.batches().seed()), at::kLong), true);
    archive.write("transform_generator", transform_gen_.get_state(), true);
  }
  /// Restores save()'s state; a checkpoint over other data (another record count) or another seed is refused before
  /// anything changes.
  void load(torch::serialize::InputArchive& archive) {
    at::Tensor epoch, records, seed, gen;
    archive.read("epoch", epoch, true);
    archive.read("records", records, true);
    archive.read("seed", seed, true);
    archive.read("transform_generator", gen, true);
    TORCH_CHECK(records.item<std::int64_t>() == num_samples(), "StreamingLoader: the saved order is over ",
                records.item<std::int64_t>(), " records, this loader has ", num_samples(), " (other data?)");
    TORCH_CHECK(seed.item<std::int64_t>() == static_cast<std::int64_t>(core_->options.batches().seed()),
                "StreamingLoader: the saved order has seed ", seed.item<std::int64_t>(), ", this loader ",
                core_->options.batches().seed());
    stop_work();
    transform_gen_.set_state(gen.cpu());
    core_->epoch = epoch.item<std::int64_t>();
    if (core_->epoch >= 0) core_->order.start_epoch(core_->epoch);
    reset_prefetcher();
  }

  /// Workers, prefetch and the memory that bounds: StreamingLoaderOptions::describe.
  std::string describe() const { return core_->options.describe(workers_, has_turbojpeg()); }
  const StreamingLoaderOptions& options() const { return core_->options; }
  const SampleSource& source() const { return *core_->source; }
  /// Records left out so far (the skip option): while listing, and while decoding.
  std::vector<SkippedSample> skipped() const {
    auto all = core_->source->skipped;
    all.insert(all.end(), skipped_.begin(), skipped_.end());
    return all;
  }

 private:
  /// Pixels (uint8 [n, S, S, 3]) of `records` as a batch on the device: normalised, transformed (`transform`, as a
  /// training batch), in the options' dtype and memory format.
  Batch make_batch(const at::Tensor& pixels, const std::vector<std::int64_t>& records, bool transform) {
    const auto dev = core_->options.batches().device();
    std::vector<std::int64_t> labels;
    for (auto r : records) labels.push_back(core_->source->records[static_cast<std::size_t>(r)].label);
    // One float tensor, laid out as the batch will be, filled and normalised in place.
    const auto nchw = pixels.to(dev, /*non_blocking=*/true).permute({0, 3, 1, 2});
    const auto format =
        core_->options.batches().channels_last() ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    auto x = at::empty(nchw.sizes(), nchw.options().dtype(at::kFloat), format);
    x.copy_(nchw).sub_(shift_).mul_(scale_);
    const auto index = at::tensor(records, at::kLong).to(dev);
    if (transform && transform_) {
      x = transform_(x, transform_gen_, {std::max<std::int64_t>(core_->epoch, 0), index, num_samples()});
    }
    if (x.scalar_type() != core_->options.batches().dtype()) x = x.to(core_->options.batches().dtype());
    x = core_->options.batches().channels_last() ? x.contiguous(at::MemoryFormat::ChannelsLast) : x.contiguous();
    return {x, at::tensor(labels, at::kLong).to(dev), index};
  }

  /// The evaluation view (ordered()) reads in evaluation order; any other loader in training order.
  StreamingLoader(std::shared_ptr<const SampleSource> source, StreamingLoaderOptions options, bool evaluation)
      : core_(std::make_unique<Core>(Core{std::move(source), std::move(options), {}, -1})) {
    TORCH_CHECK(core_->source && core_->source->size() > 0, "StreamingLoader: the data set is empty");
    const auto& o = core_->options;
    o.check();
    std::tie(shift_, scale_) = o.batches().normalization(3);
    const auto seed = o.batches().seed();
    transform_gen_ = make_generator(o.batches().device(), (seed ^ 0x9E3779B97F4A7C15ULL) + rank_offset());
    workers_ = o.workers() > 0 ? o.workers() : system::usable_cpus();
    prefetcher_ = std::make_unique<system::Prefetcher<Slots>>(workers_, o.prefetch());
    core_->order = StreamingOrder(core_->source->size(), o.batches(), evaluation);
    reset_prefetcher();
  }

  /// One batch's pixels (uint8 [n, S, S, 3], pinned for CUDA) and the records they hold.
  struct Slots {
    at::Tensor pixels;
    std::uint8_t* data = nullptr;
    std::vector<std::int64_t> records;
  };

  std::uint64_t rank_offset() const {
    return static_cast<std::uint64_t>(core_->options.batches().rank()) * 0xD1B54A32D192ED03ULL;
  }

  /// Drops the batches in flight and waits for the workers (before anything they read changes).
  void stop_work() {
    if (prefetcher_) prefetcher_->reset(0, nullptr, nullptr, nullptr);
  }
  void reset_prefetcher() {
    const bool pin = core_->options.batches().device().is_cuda();
    const auto s = core_->options.image_size_at(core_->epoch);  // the epoch's (the workers stop when it changes)
    prefetcher_->reset(
        core_->order.batches(),
        [core = core_.get(), pin, s](std::int64_t b) {
          Slots slots;
          slots.records = core->order.batch(b);
          const auto n = static_cast<std::int64_t>(slots.records.size());
          slots.pixels = at::empty({n, s, s, 3}, at::TensorOptions().dtype(at::kByte).pinned_memory(pin));
          slots.data = slots.pixels.data_ptr<std::uint8_t>();
          return slots;
        },
        [core = core_.get()](std::int64_t b) { return core->order.batch_length(b); },
        [core = core_.get()](std::int64_t, std::int64_t item, Slots& slots) {
          const auto s = static_cast<std::size_t>(core->options.image_size_at(core->epoch));
          return decode_record(*core->source, slots.records[static_cast<std::size_t>(item)], core->options,
                               std::max<std::int64_t>(core->epoch, 0),
                               slots.data + static_cast<std::size_t>(item) * s * s * 3);
        });
  }

  /// What the decoding threads read, on the heap so that a moved loader's workers keep finding it.
  struct Core {
    std::shared_ptr<const SampleSource> source;
    StreamingLoaderOptions options;
    StreamingOrder order;
    std::int64_t epoch = -1;
  };
  std::unique_ptr<Core> core_;
  at::Tensor shift_, scale_;
  at::Generator transform_gen_;
  Transform transform_;
  int workers_ = 1;
  std::vector<SkippedSample> skipped_;
  std::unique_ptr<system::Prefetcher<Slots>> prefetcher_;
};

}  // namespace data
}  // namespace superconv
