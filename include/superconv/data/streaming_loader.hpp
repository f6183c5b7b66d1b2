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
  using Transform = std::function<at::Tensor(const at::Tensor&, at::Generator&, const transforms::BatchInfo&)>;

  StreamingLoader(std::shared_ptr<const SampleSource> source, StreamingLoaderOptions options)
      : StreamingLoader(std::move(source), std::move(options), false) {}
  StreamingLoader(const StreamingLoader&) = delete;
  StreamingLoader& operator=(const StreamingLoader&) = delete;
  StreamingLoader& operator=(StreamingLoader&&) = delete;
  /// Moves the loader (ordered() returns one): its workers stop first, then resume for the new object.
  StreamingLoader(StreamingLoader&& other)
      : source_((other.stop_work(), std::move(other.source_))),
        options_(std::move(other.options_)),
        order_(std::move(other.order_)),
        shift_(std::move(other.shift_)),
        scale_(std::move(other.scale_)),
        transform_gen_(std::move(other.transform_gen_)),
        transform_(std::move(other.transform_)),
        workers_(other.workers_),
        epoch_(other.epoch_),
        skipped_(std::move(other.skipped_)),
        prefetcher_(std::move(other.prefetcher_)) {
    reset_prefetcher();
  }

  /// The per-batch transform on the device after normalisation, as DeviceLoader::set_transform; nullptr: none.
  template <typename T>
  void set_transform(T transform) {
    if constexpr (std::is_constructible_v<bool, const T&>) {
      if (!static_cast<bool>(transform)) {
        transform_ = nullptr;
        return;
      }
    }
    transform_ = [t = std::move(transform)](const at::Tensor& x, at::Generator& gen,
                                            const transforms::BatchInfo& info) {
      return superconv::detail::apply_transform(t, x, gen, info);
    };
  }
  void set_transform(std::nullptr_t) { transform_ = nullptr; }

  /// Starts an epoch: its order, a function of (seed, epoch). epoch() is 0 after the first call.
  void start_epoch() {
    stop_work();  // no worker reads the epoch while it changes
    ++epoch_;
    order_.start_epoch(epoch_);
    reset_prefetcher();
  }
  /// Batches per epoch for this rank (every rank has as many).
  std::int64_t size() const { return order_.batches(); }
  std::int64_t num_samples() const { return source_->size(); }
  std::int64_t epoch() const { return epoch_; }

  /// Batch `i` of the current epoch: normalised images [B, 3, S, S] on the device, targets, record indices.
  Batch get(std::int64_t i) {
    TORCH_CHECK(i >= 0 && i < size(), "StreamingLoader: batch index ", i, " out of range [0, ", size(), ")");
    auto got = prefetcher_->take(i);
    auto& slots = got.buffer;
    std::vector<std::int64_t> keep;
    for (std::int64_t k = 0, e = 0; k < static_cast<std::int64_t>(slots.records.size()); ++k) {
      if (e < static_cast<std::int64_t>(got.errors.size()) && got.errors[static_cast<std::size_t>(e)].first == k) {
        const auto& [item, why] = got.errors[static_cast<std::size_t>(e++)];
        TORCH_CHECK(options_.skip_bad(), "StreamingLoader: ", why, " (", got.errors.size(), " bad record(s) in batch ",
                    i, "; the skip option leaves them out and lists them)");
        skipped_.push_back(
            {source_
                 ->files[source_->records[static_cast<std::size_t>(slots.records[static_cast<std::size_t>(item)])].file]
                 .string(),
             source_->records[static_cast<std::size_t>(slots.records[static_cast<std::size_t>(item)])].member, why});
        continue;
      }
      keep.push_back(k);
    }
    TORCH_CHECK(!keep.empty() || slots.records.empty(), "StreamingLoader: every record of batch ", i,
                " failed to decode");  // (an empty share of a short last evaluation batch is a batch of none)
    auto pixels = slots.pixels;
    std::vector<std::int64_t> records, labels;
    for (auto k : keep) {
      const auto r = slots.records[static_cast<std::size_t>(k)];
      records.push_back(r);
      labels.push_back(source_->records[static_cast<std::size_t>(r)].label);
    }
    if (keep.size() != slots.records.size()) pixels = pixels.index_select(0, at::tensor(keep, at::kLong));
    const auto dev = options_.batches().device();
    auto x = pixels.to(dev, /*non_blocking=*/true).permute({0, 3, 1, 2}).to(at::kFloat).sub_(shift_).mul_(scale_);
    const auto index = at::tensor(records, at::kLong).to(dev);
    if (transform_) x = transform_(x, transform_gen_, {std::max<std::int64_t>(epoch_, 0), index, num_samples()});
    if (x.scalar_type() != options_.batches().dtype()) x = x.to(options_.batches().dtype());
    x = options_.batches().channels_last() ? x.contiguous(at::MemoryFormat::ChannelsLast) : x.contiguous();
    return {x, at::tensor(labels, at::kLong).to(dev), index};
  }

  /// This loader for evaluation: every record in stored order, Resize + CenterCrop, no transform, this rank's share
  /// of each batch (DeviceLoader's split); a loader of its own (threads included) over the same records.
  StreamingLoader ordered() const {
    auto o = options_;
    o.augment(false);
    o.batches().shuffle(false).drop_last(false);
    StreamingLoader view(source_, o, true);
    view.start_epoch();
    return view;
  }

  /// The records `indices` as a batch, decoded now on this thread with the evaluation crop and no transform - e.g.
  /// to compute whitening filters from the first images, or to show particular records.
  Batch gather(const std::vector<std::int64_t>& indices) const {
    TORCH_CHECK(!indices.empty(), "StreamingLoader: gather needs at least one record index");
    auto o = options_;
    o.augment(false);
    const auto s = o.image_size();
    auto pixels = at::empty({static_cast<std::int64_t>(indices.size()), s, s, 3}, at::kByte);
    std::vector<std::int64_t> labels;
    for (std::size_t k = 0; k < indices.size(); ++k) {
      TORCH_CHECK(indices[k] >= 0 && indices[k] < num_samples(), "StreamingLoader: gather's record index ", indices[k],
                  " is out of range [0, ", num_samples(), ")");
      const auto why = decode_record(*source_, indices[k], o, 0,
                                     pixels.data_ptr<std::uint8_t>() + k * static_cast<std::size_t>(s * s * 3));
      TORCH_CHECK(why.empty(), "StreamingLoader: ", why);
      labels.push_back(source_->records[static_cast<std::size_t>(indices[k])].label);
    }
    const auto dev = options_.batches().device();
    auto x = pixels.to(dev).permute({0, 3, 1, 2}).to(at::kFloat).sub_(shift_).mul_(scale_);
    if (x.scalar_type() != o.batches().dtype()) x = x.to(o.batches().dtype());
    x = o.batches().channels_last() ? x.contiguous(at::MemoryFormat::ChannelsLast) : x.contiguous();
    return {x, at::tensor(labels, at::kLong).to(dev), at::tensor(indices, at::kLong).to(dev)};
  }

  /// The order's state: epoch, seed and record count (the order is theirs), and the transform generator's state.
  void save(torch::serialize::OutputArchive& archive) const {
    archive.write("epoch", at::tensor(epoch_, at::kLong), true);
    archive.write("records", at::tensor(num_samples(), at::kLong), true);
    archive.write("seed", at::tensor(static_cast<std::int64_t>(options_.batches().seed()), at::kLong), true);
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
    TORCH_CHECK(seed.item<std::int64_t>() == static_cast<std::int64_t>(options_.batches().seed()),
                "StreamingLoader: the saved order has seed ", seed.item<std::int64_t>(), ", this loader ",
                options_.batches().seed());
    stop_work();
    transform_gen_.set_state(gen.cpu());
    epoch_ = epoch.item<std::int64_t>();
    if (epoch_ >= 0) order_.start_epoch(epoch_);
    reset_prefetcher();
  }

  /// Workers, prefetch and the memory that bounds, e.g. "8 decoding threads, 4 batches ahead (4 x 256 x 224 x 224 x
  /// 3 bytes = 154 MB pinned)".
  std::string describe() const {
    const auto s = options_.image_size(), b = static_cast<std::int64_t>(options_.batches().batch_size());
    const double mb = static_cast<double>(options_.prefetch() * b * s * s * 3) / 1e6;
    return fmt::format("{} decoding threads ({}), {} batches ahead ({} x {} x {} x {} x 3 bytes = {:.0f} MB{})",
                       workers_, has_turbojpeg() ? "libjpeg-turbo" : "stb_image", options_.prefetch(),
                       options_.prefetch(), b, s, s, mb, options_.batches().device().is_cuda() ? " pinned" : "");
  }
  const StreamingLoaderOptions& options() const { return options_; }
  const SampleSource& source() const { return *source_; }
  /// Records left out so far (the skip option): while listing, and while decoding.
  std::vector<SkippedSample> skipped() const {
    auto all = source_->skipped;
    all.insert(all.end(), skipped_.begin(), skipped_.end());
    return all;
  }

 private:
  /// The evaluation view (ordered()) reads in evaluation order; any other loader in training order.
  StreamingLoader(std::shared_ptr<const SampleSource> source, StreamingLoaderOptions options, bool evaluation)
      : source_(std::move(source)), options_(std::move(options)) {
    TORCH_CHECK(source_ && source_->size() > 0, "StreamingLoader: the data set is empty");
    const auto& o = options_;
    TORCH_CHECK(o.image_size() > 0 && o.image_size() <= 16384, "StreamingLoader: image_size must be in 1..16384, got ",
                o.image_size());
    TORCH_CHECK(o.resize() >= 0, "StreamingLoader: resize must be >= 0, got ", o.resize());
    TORCH_CHECK(o.resize_or_default() >= o.image_size(), "StreamingLoader: resize (", o.resize_or_default(),
                ") must be >= image_size (", o.image_size(), ")");
    TORCH_CHECK(o.workers() >= 0, "StreamingLoader: workers must be >= 0 (0: all usable CPUs), got ", o.workers());
    TORCH_CHECK(o.prefetch() >= 1, "StreamingLoader: prefetch must be >= 1, got ", o.prefetch());
    o.crop().check();
    o.batches().check(3);
    std::tie(shift_, scale_) = o.batches().normalization(3);
    const auto seed = o.batches().seed();
    transform_gen_ = make_generator(o.batches().device(), (seed ^ 0x9E3779B97F4A7C15ULL) + rank_offset());
    workers_ = o.workers() > 0 ? o.workers() : system::usable_cpus();
    prefetcher_ = std::make_unique<system::Prefetcher<Slots>>(workers_, o.prefetch());
    order_ = StreamingOrder(source_->size(), o.batches(), evaluation);
    reset_prefetcher();
  }

  /// One batch's pixels (uint8 [n, S, S, 3], pinned for CUDA) and the records they hold.
  struct Slots {
    at::Tensor pixels;
    std::uint8_t* data = nullptr;
    std::vector<std::int64_t> records;
  };

  std::uint64_t rank_offset() const {
    return static_cast<std::uint64_t>(options_.batches().rank()) * 0xD1B54A32D192ED03ULL;
  }

  /// Drops the batches in flight and waits for the workers (before anything they read changes).
  void stop_work() {
    if (prefetcher_) prefetcher_->reset(0, nullptr, nullptr, nullptr);
  }
  void reset_prefetcher() {
    const bool pin = options_.batches().device().is_cuda();
    const auto s = options_.image_size();
    prefetcher_->reset(
        order_.batches(),
        [this, pin, s](std::int64_t b) {
          Slots slots;
          slots.records = order_.batch(b);
          const auto n = static_cast<std::int64_t>(slots.records.size());
          slots.pixels = at::empty({n, s, s, 3}, at::TensorOptions().dtype(at::kByte).pinned_memory(pin));
          slots.data = slots.pixels.data_ptr<std::uint8_t>();
          return slots;
        },
        [this](std::int64_t b) { return order_.batch_length(b); },
        [this](std::int64_t, std::int64_t item, Slots& slots) {
          const auto s = static_cast<std::size_t>(options_.image_size());
          return decode_record(*source_, slots.records[static_cast<std::size_t>(item)], options_,
                               std::max<std::int64_t>(epoch_, 0),
                               slots.data + static_cast<std::size_t>(item) * s * s * 3);
        });
  }

  std::shared_ptr<const SampleSource> source_;
  StreamingLoaderOptions options_;
  StreamingOrder order_;
  at::Tensor shift_, scale_;
  at::Generator transform_gen_;
  Transform transform_;
  int workers_ = 1;
  std::int64_t epoch_ = -1;
  std::vector<SkippedSample> skipped_;
  std::unique_ptr<system::Prefetcher<Slots>> prefetcher_;
};

}  // namespace data
}  // namespace superconv
