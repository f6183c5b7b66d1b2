// SPDX-License-Identifier: MIT
#pragma once

#include <ATen/ATen.h>
#include <ATen/core/Generator.h>
#include <c10/core/Device.h>
#include <c10/core/InferenceMode.h>
#include <c10/core/ScalarType.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

namespace superconv {
namespace detail {

/// The `[1, C, 1, 1]` mean and std tensors of a Normalize, built once per (device, dtype) on first use and reused,
/// so a call copies nothing from the host. Guarded by a mutex: a `const` Normalize may be called from several threads
/// at once (the lock is uncontended in the usual single-threaded loop and costs next to nothing beside the kernels).
/// A copy starts with an empty cache and builds its own tensors on first use.
class NormalizeConstants {
 public:
  NormalizeConstants() = default;
  NormalizeConstants(const NormalizeConstants& /*other*/) {}
  NormalizeConstants& operator=(const NormalizeConstants& other) {
    if (this != &other) {
      std::lock_guard<std::mutex> lock(mutex_);
      entries_.clear();
    }
    return *this;
  }

  /// {mean, std} as `[1, C, 1, 1]` tensors of `dtype` on `device`, from the cache or built now.
  std::pair<at::Tensor, at::Tensor> get(const std::vector<double>& mean, const std::vector<double>& std,
                                        const c10::Device& device, c10::ScalarType dtype) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& e : entries_) {
      if (e.device == device && e.dtype == dtype) return {e.mean, e.std};
    }
    // Plain tensors even when the first call runs under InferenceMode: an inference tensor could not be saved for
    // backward by a later call on a batch that requires grad.
    c10::InferenceMode normal_tensors(false);
    const auto c = static_cast<std::int64_t>(mean.size());
    const auto opt = at::TensorOptions().dtype(at::kDouble);
    Entry e{device, dtype, at::tensor(mean, opt).to(device, dtype).view({1, c, 1, 1}),
            at::tensor(std, opt).to(device, dtype).view({1, c, 1, 1})};
    entries_.push_back(e);
    return {e.mean, e.std};
  }

 private:
  struct Entry {
    c10::Device device;
    c10::ScalarType dtype;
    at::Tensor mean, std;
  };
  mutable std::mutex mutex_;
  mutable std::vector<Entry> entries_;  // one per (device, dtype) seen: a handful at most
};

}  // namespace detail

namespace transforms {

/// Per-channel (x - mean) / std of a float batch `[B, C, H, W]`; deterministic (the generator is unused).
/// Example: `Normalize({0.4914, 0.4822, 0.4465}, {0.2470, 0.2435, 0.2616})` on images in [0, 1].
///
/// The constants are built as `[1, C, 1, 1]` tensors once per (device, dtype) of the batches seen and reused after
/// that; the cache is guarded by a mutex, so one Normalize may be called from several threads.
class Normalize {
 public:
  Normalize(std::vector<double> mean, std::vector<double> std) : mean_(std::move(mean)), std_(std::move(std)) {
    TORCH_CHECK(!mean_.empty() && mean_.size() == std_.size(), "Normalize: mean and std need the same, non-zero ",
                "number of values, got ", mean_.size(), " and ", std_.size());
    for (double m : mean_) TORCH_CHECK(std::isfinite(m), "Normalize: mean must be finite, got ", m);
    for (double s : std_) {
      TORCH_CHECK(s > 0, "Normalize: std must be > 0, got ", s);
      TORCH_CHECK(std::isfinite(s), "Normalize: std must be finite, got ", s);
    }
  }

  at::Tensor operator()(const at::Tensor& x, at::Generator& /*gen*/) const { return (*this)(x); }

  at::Tensor operator()(const at::Tensor& x) const {
    TORCH_CHECK(x.dim() == 4 && x.size(1) == static_cast<std::int64_t>(mean_.size()), "Normalize: expected [B, ",
                mean_.size(), ", H, W], got ", x.sizes());
    TORCH_CHECK(at::isFloatingType(x.scalar_type()), "Normalize: expected a floating-point batch, got ",
                x.scalar_type(), " (convert uint8 with x.to(at::kFloat) / 255 first)");
    const auto ms = constants_.get(mean_, std_, x.device(), x.scalar_type());
    return (x - ms.first) / ms.second;
  }

  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& std() const { return std_; }

  /// The `[1, C, 1, 1]` mean tensor used for batches like `like` (its device and dtype), built on first use and the
  /// same tensor afterwards (same storage). For inspection and tests.
  at::Tensor mean_tensor(const at::Tensor& like) const {
    return constants_.get(mean_, std_, like.device(), like.scalar_type()).first;
  }
  /// The `[1, C, 1, 1]` std tensor used for batches like `like`; see mean_tensor().
  at::Tensor std_tensor(const at::Tensor& like) const {
    return constants_.get(mean_, std_, like.device(), like.scalar_type()).second;
  }

 private:
  std::vector<double> mean_, std_;
  detail::NormalizeConstants constants_;
};

}  // namespace transforms
}  // namespace superconv
