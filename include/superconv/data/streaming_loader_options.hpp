// SPDX-License-Identifier: MIT
// StreamingLoader's options: the output size (progressive resizing for training), the batches (as DeviceLoader's),
// training augmentation or evaluation crop with torchvision's semantics, decoding threads, prefetch depth, DCT
// scaling, what to do with a bad record.
#pragma once

#include <superconv/data/crop_box.hpp>
#include <superconv/data/device_loader_options.hpp>
#include <superconv/data/progressive_resize.hpp>

#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <torch/arg.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace superconv {
namespace data {

/// Options for StreamingLoader. Example:
/// `StreamingLoaderOptions(224).batches(DeviceLoaderOptions(256).device(dev).mean(m).std(s)).workers(8)`
struct StreamingLoaderOptions {
  /* implicit */ StreamingLoaderOptions(std::int64_t image_size = 224) : image_size_(image_size) {}
  /// The batches' images are image_size x image_size (training ones: see `progressive`).
  TORCH_ARG(std::int64_t, image_size);
  /// Training images sized by epoch (image_size_at), evaluation ones (ordered(), augment false) at image_size.
  TORCH_ARG(ProgressiveResize, progressive);
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
  /// Checks the options; the error names the option and the value.
  void check() const {
    TORCH_CHECK(image_size_ > 0 && image_size_ <= 16384, "StreamingLoader: image_size must be in 1..16384, got ",
                image_size_);
    TORCH_CHECK(resize_ >= 0, "StreamingLoader: resize must be >= 0, got ", resize_);
    TORCH_CHECK(resize_or_default() >= image_size_, "StreamingLoader: resize (", resize_or_default(),
                ") must be >= image_size (", image_size_, ")");
    TORCH_CHECK(workers_ >= 0, "StreamingLoader: workers must be >= 0 (0: all usable CPUs), got ", workers_);
    TORCH_CHECK(prefetch_ >= 1, "StreamingLoader: prefetch must be >= 1, got ", prefetch_);
    crop_.check();
    progressive_.check();
    batches_.check(3);
  }
  /// The images' size in epoch `epoch`: progressive's for training batches when it is on, image_size otherwise.
  std::int64_t image_size_at(std::int64_t epoch) const {
    return augment_ && progressive_.enabled() ? progressive_.size_at(std::max<std::int64_t>(epoch, 0)) : image_size_;
  }
  /// The decoding threads, the prefetch and the memory that bounds, e.g. "8 decoding threads (libjpeg-turbo), 4
  /// batches ahead (4 x 256 x 224 x 224 x 3 bytes = 154 MB pinned)".
  std::string describe(int workers, bool turbojpeg) const {
    const auto s = augment_ && progressive_.enabled() ? std::max(image_size_, progressive_.to()) : image_size_;
    const auto b = static_cast<std::int64_t>(batches_.batch_size());
    const double mb = static_cast<double>(prefetch_ * b * s * s * 3) / 1e6;
    return fmt::format("{} decoding threads ({}), {} batches ahead ({} x {} x {} x {} x 3 bytes = {:.0f} MB{})",
                       workers, turbojpeg ? "libjpeg-turbo" : "stb_image", prefetch_, prefetch_, b, s, s, mb,
                       batches_.device().is_cuda() ? " pinned" : "");
  }
  std::int64_t resize_or_default() const {
    return resize_ > 0 ? resize_ : static_cast<std::int64_t>(static_cast<double>(image_size_) / 0.875 + 0.5);
  }
};

}  // namespace data
}  // namespace superconv
