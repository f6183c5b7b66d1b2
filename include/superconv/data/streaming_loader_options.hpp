// SPDX-License-Identifier: MIT
// StreamingLoader's options: the output size, the batches (as DeviceLoader's), training augmentation or evaluation
// crop with torchvision's semantics, decoding threads, prefetch depth, DCT scaling, what to do with a bad record.
#pragma once

#include <superconv/data/crop_box.hpp>
#include <superconv/data/device_loader_options.hpp>

#include <torch/arg.h>

#include <cstdint>

namespace superconv {
namespace data {

/// Options for StreamingLoader. Example:
/// `StreamingLoaderOptions(224).batches(DeviceLoaderOptions(256).device(dev).mean(m).std(s)).workers(8)`
struct StreamingLoaderOptions {
  /* implicit */ StreamingLoaderOptions(std::int64_t image_size = 224) : image_size_(image_size) {}
  /// The batches' images are image_size x image_size.
  TORCH_ARG(std::int64_t, image_size);
  /// Batch size, shuffle, drop_last, seed, device, normalisation, dtype, channels_last and rank/world_size, as a
  /// DeviceLoader's (data/device_loader_options.hpp).
  TORCH_ARG(DeviceLoaderOptions, batches) = DeviceLoaderOptions(256);
  /// Training: RandomResizedCrop (`crop`) and a horizontal flip (`flip`, p = 0.5) drawn per record from (seed,
  /// epoch, record). false: evaluation, Resize(`resize`) + CenterCrop(image_size).
  TORCH_ARG(bool, augment) = true;
  TORCH_ARG(RandomResizedCropOptions, crop);
  TORCH_ARG(bool, flip) = true;
  /// Evaluation: the shorter side before the centre crop; 0: image_size / 0.875 (256 for 224).
  TORCH_ARG(std::int64_t, resize) = 0;
  /// Decoding threads; 0: the CPUs this process may use (system::usable_cpus()).
  TORCH_ARG(int, workers) = 0;
  /// Batches decoded ahead of the one in use: the memory bound is prefetch x batch bytes (describe() says it).
  TORCH_ARG(int, prefetch) = 4;
  /// JPEGs shrunk by 2, 4 or 8 while decoding (libjpeg-turbo's DCT scaling) when the crop allows it.
  TORCH_ARG(bool, dct_scaling) = true;
  /// A record that cannot be read or decoded: an error naming its file and member (false), or left out of its
  /// batch and listed in skipped() (true).
  TORCH_ARG(bool, skip_bad) = false;

 public:
  /// The shard count (the engine checks it against the replicas).
  int world_size() const { return batches_.world_size(); }
  std::int64_t resize_or_default() const {
    return resize_ > 0 ? resize_ : static_cast<std::int64_t>(static_cast<double>(image_size_) / 0.875 + 0.5);
  }
};

}  // namespace data
}  // namespace superconv
