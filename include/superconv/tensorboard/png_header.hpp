// SPDX-License-Identifier: MIT
// A PNG file's size and colour space, read from its signature and IHDR chunk (what an image summary records).
#pragma once

#include <c10/util/Exception.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace superconv {
namespace tensorboard {

/// A PNG's size and TensorBoard colour space (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA), read from its IHDR chunk.
struct PngInfo {
  int width = 0, height = 0, colorspace = 0;
};

inline PngInfo png_info(std::string_view png, const std::string& what = "png_info") {
  static constexpr unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  TORCH_CHECK(png.size() >= 33 &&
                  std::string_view(png.data(), 8) == std::string_view(reinterpret_cast<const char*>(kSignature), 8) &&
                  png.substr(12, 4) == "IHDR",
              what, ": not a PNG (", png.size(), " bytes without a PNG signature and IHDR chunk)");
  const auto u32 = [&](std::size_t at) {
    const auto* p = reinterpret_cast<const unsigned char*>(png.data()) + at;
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
  };
  PngInfo info;
  info.width = static_cast<int>(u32(16));
  info.height = static_cast<int>(u32(20));
  const auto colour_type = static_cast<unsigned char>(png[25]);  // 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA
  info.colorspace = colour_type == 0 ? 1 : colour_type == 4 ? 2 : colour_type == 6 ? 4 : 3;
  return info;
}

}  // namespace tensorboard
}  // namespace superconv
