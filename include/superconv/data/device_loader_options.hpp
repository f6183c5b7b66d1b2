// SPDX-License-Identifier: MIT
// DeviceLoader's options (batch, shuffle, drop-last, seed, device, normalisation, dtype, sharding), their checks and
// the normalisation they describe, and its Batch.
#pragma once

#include <ATen/ATen.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace superconv {
namespace data {

/// Options for DeviceLoader. Example:
/// `DeviceLoaderOptions(512).device(torch::kCUDA).mean({0.4914, 0.4822, 0.4465}).std({0.247, 0.2435, 0.2616}).seed(0)`
struct DeviceLoaderOptions {
  /* implicit */ DeviceLoaderOptions(std::int64_t batch_size = 512) : batch_size_(batch_size) {}
  /// Images per batch.
  TORCH_ARG(std::int64_t, batch_size);
  /// Draw a new order every epoch (training); keep the stored order otherwise (evaluation).
  TORCH_ARG(bool, shuffle) = true;
  /// Drop the last partial batch. Off by default: 50,000 images at 512 give 98 batches, the last of 336.
  TORCH_ARG(bool, drop_last) = false;
  /// Seeds the shuffle and augmentation generators.
  TORCH_ARG(std::uint64_t, seed) = 0;
  /// Where the data lives and batches are made.
  TORCH_ARG(c10::Device, device) = c10::Device(c10::kCPU);
  /// Per-channel mean and std in [0, 1] units; pixels become (x / 255 - mean) / std. Empty: x / 255 only.
  TORCH_ARG(std::vector<double>, mean);
  TORCH_ARG(std::vector<double>, std);
  /// Output dtype (float32, or bfloat16/float16 to halve memory traffic).
  TORCH_ARG(c10::ScalarType, dtype) = c10::kFloat;
  /// Output in channels_last memory format.
  TORCH_ARG(bool, channels_last) = false;
  /// Data parallelism: this loader is rank `rank` of `world_size`. Every rank draws the same order (same seed) and
  /// takes its own contiguous share of each global batch of batch_size x world_size records, so the union over
  /// ranks is the whole epoch, no record twice; augmentation draws differ per rank. Default: one process. A short
  /// last batch is split as evenly as it goes; each rank's gradient is its share's mean and replicas average them
  /// unweighted, exact when the shares are equal (CIFAR's 50,000 at 512 for 2, 4, 8 or 16 ranks). When shuffling,
  /// a last batch with fewer records than ranks is left out (an empty share cannot train).
  TORCH_ARG(int, rank) = 0;
  TORCH_ARG(int, world_size) = 1;

 public:
  /// Checks the options for images of `channels` channels; the error names the option and the value.
  void check(std::int64_t channels) const {
    TORCH_CHECK(batch_size() > 0, "DeviceLoader: batch_size must be > 0, got ", batch_size());
    TORCH_CHECK(mean().size() == std().size(), "DeviceLoader: mean has ", mean().size(), " values but std has ",
                std().size());
    TORCH_CHECK(mean().empty() || static_cast<std::int64_t>(mean().size()) == channels, "DeviceLoader: mean/std have ",
                mean().size(), " values, the images ", channels, " channels");
    for (double m : mean()) TORCH_CHECK(std::isfinite(m), "DeviceLoader: mean must be finite, got ", m);
    for (double s : std()) {
      TORCH_CHECK(s > 0, "DeviceLoader: std must be > 0, got ", s);
      TORCH_CHECK(std::isfinite(s), "DeviceLoader: std must be finite, got ", s);
    }
    TORCH_CHECK(c10::isFloatingType(dtype()), "DeviceLoader: dtype must be a floating-point type, got ", dtype());
    TORCH_CHECK(world_size() >= 1, "DeviceLoader: world_size must be >= 1, got ", world_size());
    TORCH_CHECK(rank() >= 0 && rank() < world_size(), "DeviceLoader: rank must be in [0, ", world_size(), "), got ",
                rank());
  }
  /// The normalisation as float32 [1, C, 1, 1] tensors on the device: (x - shift) x scale = (x / 255 - mean) / std
  /// for uint8 pixels x.
  std::pair<at::Tensor, at::Tensor> normalization(std::int64_t channels) const {
    const auto fopt = at::TensorOptions().dtype(at::kFloat).device(device());
    if (mean().empty()) {
      return {at::zeros({1, channels, 1, 1}, fopt), at::full({1, channels, 1, 1}, 1.0 / 255.0, fopt)};
    }
    std::vector<float> shift, scale;
    for (std::size_t i = 0; i < mean().size(); ++i) {
      shift.push_back(static_cast<float>(mean()[i] * 255.0));
      scale.push_back(static_cast<float>(1.0 / (std()[i] * 255.0)));
    }
    return {at::tensor(shift, fopt.device(c10::kCPU)).view({1, channels, 1, 1}).to(device()),
            at::tensor(scale, fopt.device(c10::kCPU)).view({1, channels, 1, 1}).to(device())};
  }
};

/// One batch: normalised images `[B, C, H, W]`, int64 targets `[B]`, and the records' indices `[B]`.
struct Batch {
  at::Tensor input;
  at::Tensor target;
  at::Tensor index;
};

}  // namespace data
}  // namespace superconv
