// SPDX-License-Identifier: MIT
// Image files in and out of uint8 [C, H, W] tensors: PNG, JPEG and BMP files read (decoded by pixel_decode.hpp:
// libjpeg-turbo for JPEG where the build has it, stb_image otherwise), images resized with stb_image_resize.
#pragma once

#include <superconv/data/pixel_decode.hpp>
#include <superconv/data/stb.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

namespace superconv {
namespace data {

/// True when `path` ends in .png, .jpg, .jpeg or .bmp (any case): the files read_image and ImageFolder read.
inline bool is_image_file(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

namespace detail {

/// A decoded image, interleaved (row-major, `channels` bytes a pixel), or the reason it could not be decoded.
struct DecodedImage {
  std::vector<std::uint8_t> hwc;
  std::int64_t height = 0, width = 0, channels = 0;
  std::string error;  // empty on success; otherwise names the path and the problem
};

/// Decodes `path` without throwing and without ATen (safe on any thread).
inline DecodedImage decode_image(const std::filesystem::path& path, std::int64_t channels) {
  DecodedImage out;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    out.error = "read_image: " + path.string() + " not found";
    return out;
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    out.error = "read_image: " + path.string() + " is not a regular file";
    return out;
  }
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes;
  if (in) bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) {
    out.error = "read_image: cannot read " + path.string() + " (" + std::strerror(errno) + ")";
    return out;
  }
  if (bytes.empty()) {
    out.error = "read_image: " + path.string() + " is empty (0 bytes), not an image";
    return out;
  }
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) {
    out.error = "read_image: " + path.string() + " is too large (over 2 GiB)";
    return out;
  }
  int h = 0, w = 0, shrink = 1;
  std::string why;
  if (!decode_pixels(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), static_cast<int>(channels), 1,
                     out.hwc, h, w, shrink, why)) {
    out.hwc.clear();
    out.error = "read_image: cannot decode " + path.string() + " as PNG, JPEG or BMP (" + why +
                "); the file is corrupt, truncated or not an image";
    return out;
  }
  out.height = h;
  out.width = w;
  out.channels = channels;
  return out;
}

/// Resizes interleaved pixels with stb's resizer (Mitchell filter down, Catmull-Rom up, edges clamped); false on
/// failure (out of memory).
inline bool resize_hwc(const std::uint8_t* in, std::int64_t h, std::int64_t w, std::int64_t c, std::uint8_t* out,
                       std::int64_t oh, std::int64_t ow) {
  if (h == oh && w == ow) {
    std::memcpy(out, in, static_cast<std::size_t>(h * w * c));
    return true;
  }
  return stbir_resize_uint8_generic(in, static_cast<int>(w), static_cast<int>(h), 0, out, static_cast<int>(ow),
                                    static_cast<int>(oh), 0, static_cast<int>(c), STBIR_ALPHA_CHANNEL_NONE, 0,
                                    STBIR_EDGE_CLAMP, STBIR_FILTER_DEFAULT, STBIR_COLORSPACE_LINEAR, nullptr) != 0;
}

/// Copies interleaved `[H, W, C]` bytes into channel-planar `[C, H, W]` at `chw`.
inline void hwc_to_chw(const std::uint8_t* hwc, std::int64_t h, std::int64_t w, std::int64_t c, std::uint8_t* chw) {
  const auto plane = h * w;
  for (std::int64_t p = 0; p < plane; ++p)
    for (std::int64_t k = 0; k < c; ++k) chw[k * plane + p] = hwc[p * c + k];
}

inline void check_channels(std::int64_t channels, const char* component) {
  TORCH_CHECK(channels >= 1 && channels <= 4, component, ": channels must be 1 (grey), 2 (grey + alpha), 3 (RGB) ",
              "or 4 (RGBA), got ", channels);
}

}  // namespace detail

/// Reads a PNG, JPEG or BMP file into a uint8 `[channels, H, W]` tensor (converted to `channels`: 1 grey, 3 RGB,
/// 4 RGBA). The error names the path and the problem: not found, unreadable, empty, or the decoder's reason for
/// failing (not an image, corrupt, truncated). Example: `auto img = superconv::data::read_image("cat.png");`
inline at::Tensor read_image(const std::filesystem::path& path, std::int64_t channels = 3) {
  detail::check_channels(channels, "read_image");
  const auto img = detail::decode_image(path, channels);
  TORCH_CHECK(img.error.empty(), img.error);
  auto out = at::empty({img.channels, img.height, img.width}, at::kByte);
  detail::hwc_to_chw(img.hwc.data(), img.height, img.width, img.channels, out.data_ptr<std::uint8_t>());
  return out;
}

/// Resizes a uint8 `[C, H, W]` CPU image to `height` x `width` with stb's resizer (Mitchell filter when shrinking,
/// Catmull-Rom when enlarging, edges clamped; a constant image stays constant). Same size returns a copy.
inline at::Tensor resize_image(const at::Tensor& chw, std::int64_t height, std::int64_t width) {
  TORCH_CHECK(chw.defined() && chw.dim() == 3 && chw.scalar_type() == at::kByte && chw.device().is_cpu(),
              "resize_image: expected a uint8 CPU image [C, H, W], got ",
              chw.defined() ? c10::str(chw.scalar_type(), " ", chw.device(), " ", chw.sizes()) : "undefined");
  TORCH_CHECK(height > 0 && width > 0 && height <= 65536 && width <= 65536,
              "resize_image: height and width must be in 1..65536, got ", height, "x", width);
  TORCH_CHECK(chw.size(0) >= 1 && chw.size(0) <= 64 && chw.size(1) > 0 && chw.size(2) > 0,
              "resize_image: expected 1..64 channels and a non-empty image, got ", chw.sizes());
  const auto c = chw.size(0);
  const auto hwc = chw.permute({1, 2, 0}).contiguous();
  auto out_hwc = at::empty({height, width, c}, at::kByte);
  TORCH_CHECK(detail::resize_hwc(hwc.data_ptr<std::uint8_t>(), chw.size(1), chw.size(2), c,
                                 out_hwc.data_ptr<std::uint8_t>(), height, width),
              "resize_image: stb_image_resize failed (out of memory?) resizing ", chw.sizes(), " to ", height, "x",
              width);
  return out_hwc.permute({2, 0, 1}).contiguous();
}

}  // namespace data
}  // namespace superconv
