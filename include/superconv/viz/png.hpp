// SPDX-License-Identifier: MIT
// PNG output through stb_image_write (compiled here with internal linkage: no symbol clashes with a program's own
// stb_image_write, as long as that program does not include it before this header with its implementation).
#pragma once

#include <superconv/viz/canvas.hpp>

#include <c10/util/Exception.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wcast-qual"
#endif
#ifndef STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_STATIC
#endif
#ifndef STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define SUPERCONV_DETAIL_STBIW_DEFINED
#endif
#if __has_include(<stb/stb_image_write.h>)
#include <stb/stb_image_write.h>
#else
#include <stb_image_write.h>
#endif
#ifdef SUPERCONV_DETAIL_STBIW_DEFINED
#undef STB_IMAGE_WRITE_IMPLEMENTATION
#undef SUPERCONV_DETAIL_STBIW_DEFINED
#endif
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace superconv {
namespace viz {

/// Writes raw RGB (row-major, 3 bytes a pixel) to a PNG file, creating parent folders.
inline void write_png(const std::filesystem::path& path, const std::uint8_t* rgb, int width, int height) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  TORCH_CHECK(!ec, "write_png: cannot create folder ", path.parent_path().string(), ": ", ec.message());
  const int ok = stbi_write_png(path.string().c_str(), width, height, 3, rgb, width * 3);
  TORCH_CHECK(ok != 0, "write_png: cannot write ", path.string());
}

/// Raw RGB (row-major, 3 bytes a pixel) encoded as PNG bytes in memory (lossless), e.g. for a data shard.
inline std::string encode_png(const std::uint8_t* rgb, int width, int height) {
  TORCH_CHECK(width > 0 && height > 0, "encode_png: the image must not be empty, got ", width, "x", height);
  std::string out;
  const int ok = stbi_write_png_to_func(
      [](void* context, void* data, int size) {
        static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
      },
      &out, width, height, 3, rgb, width * 3);
  TORCH_CHECK(ok != 0, "encode_png: stb_image_write failed");
  return out;
}

inline void write_png(const std::filesystem::path& path, const Canvas& canvas) {
  write_png(path, canvas.pixels().data(), canvas.width(), canvas.height());
}

}  // namespace viz
}  // namespace superconv
