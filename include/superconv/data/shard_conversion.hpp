// SPDX-License-Identifier: MIT
// Data sets turned into WebDataset shards: an image folder (each file's bytes as they are) or images in memory
// (CIFAR-10/100; each encoded by the caller's encoder), with their classes, and the classes.txt readers use.
#pragma once

#include <superconv/data/sample_source.hpp>
#include <superconv/data/shard_writer.hpp>
#include <superconv/data/tar.hpp>
#include <superconv/system/atomic_file.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace superconv {
namespace data {

/// Encodes interleaved RGB pixels (height x width x 3) as an image file's bytes.
using ImageEncoder = std::function<std::string(const std::uint8_t* rgb, int height, int width)>;
/// Called with (records done, records in all) as a conversion goes.
using ConversionProgress = std::function<void(std::int64_t done, std::int64_t total)>;

/// Writes `classes` as `classes.txt` (one name per line) into `folder`: what shard_source() reads class names from.
inline void write_class_names(const std::filesystem::path& folder, const std::vector<std::string>& classes) {
  std::string text;
  for (const auto& c : classes) {
    TORCH_CHECK(c.find('\n') == std::string::npos, "write_class_names: class name '", c, "' has a line break");
    text += c + "\n";
  }
  system::write_file_atomic(folder / "classes.txt", text, "classes.txt");
}

/// Every record of `source` (an image folder: folder_source()) into `out`, its file's bytes unchanged (`<key>.jpg` or
/// `.png`) with `<key>.cls`; keys are the record's number, zero-padded (its order in the folder).
inline void write_source_shards(const SampleSource& source, ShardWriter& out, const ConversionProgress& progress = {}) {
  for (std::int64_t i = 0; i < source.size(); ++i) {
    const auto& r = source.records[static_cast<std::size_t>(i)];
    const auto bytes = read_member(source.files[r.file], r.offset, r.size, r.member);
    const std::string ext = r.jpeg ? "jpg" : "png";
    out.write(fmt::format("{:08d}", i), {{ext, bytes}, {"cls", std::to_string(r.label)}});
    if (progress) progress(i + 1, source.size());
  }
  out.close();
}

/// Images in memory - uint8 [N, 3, H, W] (a CIFAR reader's) with int64 targets [N] - into `out`, each encoded by
/// `encode` as `<key>.<ext>` with `<key>.cls`; keys are the record's index, zero-padded.
inline void write_tensor_shards(const at::Tensor& images, const at::Tensor& targets, const ImageEncoder& encode,
                                const std::string& ext, ShardWriter& out, const ConversionProgress& progress = {}) {
  TORCH_CHECK(images.dim() == 4 && images.size(1) == 3 && images.scalar_type() == at::kByte,
              "write_tensor_shards: images must be uint8 [N, 3, H, W], got ", images.scalar_type(), " ",
              images.sizes());
  TORCH_CHECK(targets.dim() == 1 && targets.size(0) == images.size(0), "write_tensor_shards: targets must be [",
              images.size(0), "], got ", targets.sizes());
  const auto hwc = images.permute({0, 2, 3, 1}).contiguous().cpu();
  const auto labels = targets.to(at::kLong).cpu().contiguous();
  const auto n = images.size(0), h = images.size(2), w = images.size(3);
  const auto* px = hwc.data_ptr<std::uint8_t>();
  const auto* label = labels.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    const auto bytes = encode(px + static_cast<std::size_t>(i * h * w * 3), static_cast<int>(h), static_cast<int>(w));
    out.write(fmt::format("{:08d}", i), {{ext, bytes}, {"cls", std::to_string(label[i])}});
    if (progress) progress(i + 1, n);
  }
  out.close();
}

}  // namespace data
}  // namespace superconv
