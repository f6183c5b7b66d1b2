// SPDX-License-Identifier: MIT
// AlternatingFlip: each image mirrored at random in the first epoch and the other way in every following epoch.
#pragma once

#include <superconv/transforms/batch_info.hpp>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>

#include <cstdint>
#include <memory>
#include <mutex>

namespace superconv {
namespace transforms {

/// Options for AlternatingFlip. Example: `AlternatingFlipOptions().seed(run_seed)`
struct AlternatingFlipOptions {
  /// Seeds each record's first-epoch flip. The draw depends only on the seed and the record, not on the loader's
  /// generator, so a resumed run flips exactly as the uninterrupted one.
  TORCH_ARG(std::uint64_t, seed) = 0;
};

/// Mirrors record k of epoch e (0-based) left-right iff first_flip(k) XOR (e is odd): consecutive epochs show every
/// image both ways, where independent flips would show a quarter of the images the same way twice (Jordan 2024,
/// "alternating flip"). Needs the batch's epoch and record indices (BatchInfo): DeviceLoader provides them.
class AlternatingFlip {
 public:
  explicit AlternatingFlip(AlternatingFlipOptions options = {}) : options_(options) {}

  at::Tensor operator()(const at::Tensor& x, at::Generator& /*gen*/, const BatchInfo& info) const {
    TORCH_CHECK(x.dim() == 4, "AlternatingFlip: expected a batch [B, C, H, W], got ", x.sizes());
    TORCH_CHECK(info.index.defined() && info.index.dim() == 1 && info.index.size(0) == x.size(0),
                "AlternatingFlip: needs the batch's record indices (BatchInfo::index with ", x.size(0),
                " entries); use it through DeviceLoader or pass a BatchInfo");
    TORCH_CHECK(info.records > 0, "AlternatingFlip: BatchInfo::records must be > 0, got ", info.records);
    TORCH_CHECK(info.epoch >= 0, "AlternatingFlip: BatchInfo::epoch must be >= 0, got ", info.epoch);
    auto flip = first_flips(info.records, x.device()).index_select(0, info.index.to(at::kLong));
    if (info.epoch % 2 == 1) flip = flip.logical_not();
    return at::where(flip.view({x.size(0), 1, 1, 1}), x.flip({3}), x);
  }

  /// Whether each of `records` records is flipped in epoch 0 (bool [records], drawn once per size and device).
  at::Tensor first_flips(std::int64_t records, const c10::Device& device) const {
    std::lock_guard<std::mutex> lock(*mutex_);
    if (!cache_->defined() || cache_->size(0) != records || cache_->device() != device) {
      auto gen = at::detail::createCPUGenerator(options_.seed() ^ 0xA17E27A7F11BULL);
      *cache_ = at::rand({records}, gen, at::TensorOptions().dtype(at::kFloat)).lt(0.5).to(device);
    }
    return *cache_;
  }

  const AlternatingFlipOptions& options() const { return options_; }

 private:
  AlternatingFlipOptions options_;
  std::shared_ptr<at::Tensor> cache_ = std::make_shared<at::Tensor>();
  std::shared_ptr<std::mutex> mutex_ = std::make_shared<std::mutex>();
};

}  // namespace transforms
}  // namespace superconv
