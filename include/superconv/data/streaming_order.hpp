// SPDX-License-Identifier: MIT
// The order a streamed epoch reads its records in, a function of (seed, epoch) alone: shuffled or stored, split over
// ranks as PyTorch's DistributedSampler splits it (padded to equal lengths) for training, as DeviceLoader splits each
// global batch for evaluation; and its batches.
#pragma once

#include <superconv/data/crop_box.hpp>
#include <superconv/data/device_loader_options.hpp>

#include <c10/util/Exception.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

namespace superconv {
namespace data {

/// One rank's records of one epoch, and how they fall into batches.
///
/// Training (`evaluation` false): the records shuffled (Fisher-Yates from SplitMix seeded by (seed, epoch)) or in
/// stored order, padded by repeating the first ones to a multiple of the world size, and rank r takes every
/// world-th from r (DistributedSampler): every rank the same number of records, disjoint up to the padding; batches of
/// batch_size from that (the last partial one kept or dropped).
/// Evaluation: stored order, every record once; each global batch of batch_size x world_size records split into
/// contiguous shares as evenly as it goes (DeviceLoader's split): every rank the same number of batches.
class StreamingOrder {
 public:
  StreamingOrder() = default;
  StreamingOrder(std::int64_t records, DeviceLoaderOptions options, bool evaluation)
      : records_(records), options_(std::move(options)), evaluation_(evaluation) {
    TORCH_CHECK(records > 0, "StreamingOrder: no records");
    start_epoch(0);
  }

  /// The order of epoch `epoch` (0-based).
  void start_epoch(std::int64_t epoch) {
    mine_.resize(static_cast<std::size_t>(records_));
    std::iota(mine_.begin(), mine_.end(), std::int64_t{0});
    if (evaluation_) return;
    if (options_.shuffle()) {
      SplitMix gen = SplitMix::for_record(options_.seed(), epoch, -1);
      for (auto i = records_ - 1; i > 0; --i)
        std::swap(mine_[static_cast<std::size_t>(i)], mine_[static_cast<std::size_t>(gen.integer(0, i + 1))]);
    }
    const auto world = static_cast<std::int64_t>(options_.world_size()),
               rank = static_cast<std::int64_t>(options_.rank());
    if (world == 1) return;
    const auto per_rank = (records_ + world - 1) / world;
    std::vector<std::int64_t> all = mine_;
    while (static_cast<std::int64_t>(all.size()) < per_rank * world) {  // DistributedSampler's padding
      const auto need = per_rank * world - static_cast<std::int64_t>(all.size());
      all.insert(all.end(), mine_.begin(), mine_.begin() + std::min<std::int64_t>(need, records_));
    }
    mine_.clear();
    for (auto i = rank; i < per_rank * world; i += world) mine_.push_back(all[static_cast<std::size_t>(i)]);
  }

  /// Batches per epoch (the same on every rank).
  std::int64_t batches() const {
    const auto b = static_cast<std::int64_t>(options_.batch_size());
    if (evaluation_) return (records_ + b * options_.world_size() - 1) / (b * options_.world_size());
    const auto n = static_cast<std::int64_t>(mine_.size());
    return options_.drop_last() ? n / b : (n + b - 1) / b;
  }
  /// The records of batch `i`.
  std::vector<std::int64_t> batch(std::int64_t i) const {
    const auto [begin, end] = range(i);
    return {mine_.begin() + begin, mine_.begin() + end};
  }
  std::int64_t batch_length(std::int64_t i) const {
    const auto [begin, end] = range(i);
    return end - begin;
  }
  /// This rank's records this epoch, in order.
  const std::vector<std::int64_t>& records() const { return mine_; }

 private:
  std::pair<std::int64_t, std::int64_t> range(std::int64_t i) const {
    TORCH_CHECK(i >= 0 && i < batches(), "StreamingOrder: batch ", i, " out of range [0, ", batches(), ")");
    const auto b = static_cast<std::int64_t>(options_.batch_size());
    if (!evaluation_) return {i * b, std::min<std::int64_t>((i + 1) * b, static_cast<std::int64_t>(mine_.size()))};
    const auto w = static_cast<std::int64_t>(options_.world_size()), r = static_cast<std::int64_t>(options_.rank());
    const auto start = i * b * w, len = std::min(b * w, records_ - start);
    return {start + len * r / w, start + len * (r + 1) / w};
  }

  std::int64_t records_ = 0;
  DeviceLoaderOptions options_;
  bool evaluation_ = false;
  std::vector<std::int64_t> mine_;
};

}  // namespace data
}  // namespace superconv
