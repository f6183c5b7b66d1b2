// SPDX-License-Identifier: MIT
// One streamed record made into its batch slot: read from its file or shard, its crop decided (torchvision's
// RandomResizedCrop or Resize + CenterCrop) before decoding, decoded (a JPEG shrunk in the DCT domain when the crop
// allows), resampled to the output size and, when drawn, mirrored. Runs on decoding threads; decode_records does
// several at once on the calling thread.
#pragma once

#include <superconv/data/crop_box.hpp>
#include <superconv/data/image_decode.hpp>
#include <superconv/data/resample.hpp>
#include <superconv/data/sample_source.hpp>
#include <superconv/data/streaming_loader_options.hpp>
#include <superconv/data/tar.hpp>
#include <superconv/system/error_message.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace superconv {
namespace data {

/// Decodes record `index` of `source` as `options` say for epoch `epoch` into `out` (S x S x 3 bytes, RGB; S is
/// options.image_size_at(epoch)). The crop and the flip are drawn from SplitMix::for_record(seed, epoch, index): the
/// same on any thread and in any run. Returns "" or what went wrong, naming the file and member; never throws (no ATen:
/// any thread).
inline std::string decode_record(const SampleSource& source, std::int64_t index, const StreamingLoaderOptions& options,
                                 std::int64_t epoch, std::uint8_t* out) {
  const auto& r = source.records[static_cast<std::size_t>(index)];
  const auto s = static_cast<int>(options.image_size_at(epoch));
  try {
    const auto bytes = read_member(source.files[r.file], r.offset, r.size, r.member);
    int h = 0, w = 0;
    if (!image_size(bytes, h, w)) return source.where(r) + ": not a JPEG or PNG image";
    auto gen = SplitMix::for_record(options.batches().seed(), epoch, index);
    const auto box = options.augment() ? random_resized_crop(h, w, options.crop(), gen)
                                       : resize_center_crop(h, w, options.resize_or_default(), s);
    const auto why = decode_box(bytes, r.jpeg, box, s, options.dct_scaling(), out);  // DCT shrink: JPEG bytes only
    if (!why.empty()) return source.where(r) + ": " + why;
    if (options.augment() && options.flip() && (gen.next() & 1)) {
      for (int y = 0; y < s; ++y) {
        auto* row = out + static_cast<std::size_t>(y) * s * 3;
        for (int a = 0, b = s - 1; a < b; ++a, --b) {
          for (int c = 0; c < 3; ++c) std::swap(row[a * 3 + c], row[b * 3 + c]);
        }
      }
    }
    return {};
  } catch (const std::exception& e) {
    return source.where(r) + ": " + system::error_message(e);
  }
}

/// Records `indices` of `source` decoded now on this thread with the evaluation crop (Resize + CenterCrop, whatever
/// `options.augment()` says): uint8 [k, S, S, 3]. An index out of range or a record that cannot be decoded is an
/// error naming it.
inline at::Tensor decode_records(const SampleSource& source, const std::vector<std::int64_t>& indices,
                                 StreamingLoaderOptions options) {
  TORCH_CHECK(!indices.empty(), "StreamingLoader: no record indices given");
  options.augment(false);
  const auto s = options.image_size();
  auto pixels = at::empty({static_cast<std::int64_t>(indices.size()), s, s, 3}, at::kByte);
  for (std::size_t k = 0; k < indices.size(); ++k) {
    TORCH_CHECK(indices[k] >= 0 && indices[k] < source.size(), "StreamingLoader: record index ", indices[k],
                " is out of range [0, ", source.size(), ")");
    const auto why = decode_record(source, indices[k], options, 0,
                                   pixels.data_ptr<std::uint8_t>() + k * static_cast<std::size_t>(s * s * 3));
    TORCH_CHECK(why.empty(), "StreamingLoader: ", why);
  }
  return pixels;
}

}  // namespace data
}  // namespace superconv
