// SPDX-License-Identifier: MIT
// A streamed data set read whole into memory when it fits: every record of a SampleSource (shards or an image
// folder) decoded on the CPU cores into a Dataset, for the in-memory DeviceLoader (CIFAR-10 from its shards, say).
#pragma once

#include <superconv/data/dataset.hpp>
#include <superconv/data/image_decode.hpp>
#include <superconv/data/sample_source.hpp>
#include <superconv/data/tar.hpp>
#include <superconv/system/cpus.hpp>
#include <superconv/system/error_message.hpp>
#include <superconv/system/ordered_workers.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace superconv {
namespace data {

/// Decodes every record of `source` (the first `limit`, when > 0) into a Dataset: uint8 [N, 3, H, W] images, the
/// records' classes, the source's class names. Every image must have the first one's size (shards of CIFAR do); an
/// image of another size, or one that cannot be read or decoded, is an error naming its file and member. Decoding
/// runs on `threads` threads (0: the usable CPUs).
inline Dataset read_source(const SampleSource& source, std::int64_t limit = 0, std::int64_t threads = 0) {
  const auto n = limit > 0 && limit < source.size() ? limit : source.size();
  TORCH_CHECK(n > 0, "read_source: the data set is empty");
  auto decode = [&](std::int64_t i) {
    const auto& r = source.records[static_cast<std::size_t>(i)];
    auto img = decode_rgb(read_member(source.files[r.file], r.offset, r.size, r.member), r.jpeg);
    TORCH_CHECK(img.error.empty(), "read_source: ", source.where(r), ": ", img.error);
    return img;
  };
  const auto first = decode(0);
  const auto h = first.height, w = first.width;
  auto hwc = at::empty({n, h, w, 3}, at::kByte);
  auto* out = hwc.data_ptr<std::uint8_t>();
  const auto stride = static_cast<std::size_t>(h) * static_cast<std::size_t>(w) * 3;
  std::memcpy(out, first.hwc.data(), stride);
  std::vector<std::string> errors(static_cast<std::size_t>(n));
  system::run_in_order(
      1, static_cast<std::size_t>(n), threads > 0 ? threads : system::usable_cpus(),
      [&](std::size_t i) {
        try {
          const auto img = decode(static_cast<std::int64_t>(i));
          if (img.height != h || img.width != w) {
            errors[i] = "read_source: " + source.where(source.records[i]) + " is " + std::to_string(img.height) + "x" +
                        std::to_string(img.width) + ", the first image " + std::to_string(h) + "x" + std::to_string(w) +
                        ": a data set in memory needs one size";
          } else {
            std::memcpy(out + i * stride, img.hwc.data(), stride);
          }
        } catch (const std::exception& e) {
          errors[i] = system::error_message(e);
        }
        return !errors[i].empty();
      },
      {}, "read_source: cannot start a decoding thread", "");
  for (const auto& e : errors) TORCH_CHECK(e.empty(), e);
  std::vector<std::int64_t> labels(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    labels[static_cast<std::size_t>(i)] = source.records[static_cast<std::size_t>(i)].label;
  return {hwc.permute({0, 3, 1, 2}).contiguous(), at::tensor(labels, at::kLong), source.classes};
}

}  // namespace data
}  // namespace superconv
