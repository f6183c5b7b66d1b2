// SPDX-License-Identifier: MIT
// An image file as a streamed evaluation sees it: torchvision's Resize(shorter side) + CenterCrop, resampled as
// Pillow's antialiased bilinear, decoded as StreamingLoader decodes (the same pixels, bit for bit). For predict and
// any program that feeds a model trained on streamed data.
#pragma once

#include <superconv/data/crop_box.hpp>
#include <superconv/data/image_decode.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace superconv {
namespace data {

/// The RGB image in `path` as uint8 [3, size, size]: its shorter side resized to `resize` (0: size / 0.875, rounded,
/// as StreamingLoaderOptions' default: 256 for 224), then the centred size x size crop. `dct_scaling` as the
/// loader's option of that name. Errors name the path: not found, unreadable, not an image, too small a crop.
inline at::Tensor read_image_center_crop(const std::filesystem::path& path, std::int64_t size, std::int64_t resize = 0,
                                         bool dct_scaling = true) {
  TORCH_CHECK(size >= 1 && size <= 16384, "read_image_center_crop: size must be in 1..16384, got ", size);
  const auto r = resize > 0 ? resize : static_cast<std::int64_t>(static_cast<double>(size) / 0.875 + 0.5);
  TORCH_CHECK(r >= size, "read_image_center_crop: resize (", r, ") must be >= size (", size, ")");
  std::error_code ec;
  TORCH_CHECK(std::filesystem::is_regular_file(path, ec), "read_image_center_crop: ", path.string(),
              std::filesystem::exists(path, ec) ? " is not a regular file" : " not found");
  std::ifstream in(path, std::ios::binary);
  std::string bytes;
  if (in) bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  TORCH_CHECK(in || in.eof(), "read_image_center_crop: cannot read ", path.string(), " (", std::strerror(errno), ")");
  int h = 0, w = 0;
  TORCH_CHECK(image_size(bytes, h, w), "read_image_center_crop: ", path.string(), " is not a JPEG, PNG or BMP image");
  const auto box = resize_center_crop(h, w, r, size);
  auto out = at::empty({size, size, 3}, at::kByte);
  const auto ext = path.extension().string();
  const bool jpeg = ext == ".jpg" || ext == ".jpeg" || ext == ".JPG" || ext == ".JPEG";
  const auto why = decode_box(bytes, jpeg, box, static_cast<int>(size), dct_scaling, out.data_ptr<std::uint8_t>());
  TORCH_CHECK(why.empty(), "read_image_center_crop: ", path.string(), ": ", why);
  return out.permute({2, 0, 1}).contiguous();
}

}  // namespace data
}  // namespace superconv
