// SPDX-License-Identifier: MIT
// Image bytes to interleaved pixels, the decoder chosen by the bytes rather than the file's name: JPEG through
// libjpeg-turbo where the build has it (stb_image otherwise, behind a guard for its known table overflow), PNG and
// BMP through stb_image. The one place superconv decodes an image; read_image, ImageFolder and the streaming path
// call it. Never throws, no ATen: safe on any thread.
#pragma once

#include <superconv/data/jpeg_turbo.hpp>
#include <superconv/data/stb.hpp>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace superconv {
namespace data {
namespace detail {

/// Whether stb_image may parse `bytes`: false for a JPEG with a Huffman table (DHT segment) of more than 256 codes,
/// which stb_image up to 2.27 (Debian 12's and 13's) writes past the end of its table for (fixed in stb 2.28). Walks
/// the markers as stb does (segments by their length, entropy-coded data byte by byte) and checks every table.
inline bool stb_can_parse(const unsigned char* p, std::size_t n) {
  std::size_t i = 0;
  while (i < n && p[i] == 0xFF) ++i;                  // stb takes any run of 0xFF before the SOI marker's 0xD8
  if (i == 0 || i >= n || p[i] != 0xD8) return true;  // not a JPEG
  ++i;
  while (i + 1 < n) {
    const unsigned m = p[i + 1];
    if (p[i] != 0xFF || m == 0xFF) {  // entropy-coded data or a fill byte
      ++i;
      continue;
    }
    if (m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD9)) {  // a stuffed 0xFF, TEM, RSTn, SOI, EOI: no length
      i += 2;
      continue;
    }
    if (i + 3 >= n) return true;  // truncated: stb reads zeros from here on
    const std::size_t length = (std::size_t{p[i + 2]} << 8) | p[i + 3];
    if (m == 0xC4) {  // DHT: tables of 1 + 16 + codes bytes while the segment's length lasts, as stb reads them
      std::size_t at = i + 4;
      std::int64_t left = static_cast<std::int64_t>(length) - 2;
      while (left > 0) {
        std::size_t codes = 0;
        for (std::size_t k = 1; k <= 16; ++k) codes += at + k < n ? p[at + k] : 0;
        if (codes > 256) return false;
        at += 17 + codes;
        left -= static_cast<std::int64_t>(17 + codes);
      }
    }
    i += 2 + length;
  }
  return true;
}

/// The most pixels decode_pixels decodes: 2^28 (16384 x 16384, 1 GiB as RGBA), more than any camera's photo. A header
/// that declares more is refused before any memory is taken (a few hundred crafted bytes would otherwise ask for tens
/// of GiB, which libjpeg-turbo then fills).
constexpr std::int64_t kMaxImagePixels = std::int64_t{1} << 28;

/// The size of a JPEG, PNG or BMP from its header (no decoding); false when the bytes are none of them.
inline bool pixel_size(const unsigned char* p, std::size_t n, int& height, int& width) {
  const std::size_t jpeg = jpeg_start(p, n);
#ifdef SUPERCONV_WITH_TURBOJPEG
  if (jpeg < n) {
    int space = 0;
    std::string error;
    return turbo_header(p + jpeg, n - jpeg, height, width, space, error);
  }
#endif
  (void)jpeg;
  int c = 0;
  return n <= static_cast<std::size_t>(INT_MAX) && stb_can_parse(p, n) &&
         stbi_info_from_memory(p, static_cast<int>(n), &width, &height, &c) != 0;
}

/// Decodes image bytes into `out`: height x width pixels of `channels` (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA) bytes.
/// A JPEG is shrunk by `shrink` (1, 2, 4, 8) in the DCT domain where libjpeg-turbo decodes it and whole elsewhere;
/// `applied` says which. False with `error` set to the decoder's reason otherwise (the caller names the file).
inline bool decode_pixels(const unsigned char* p, std::size_t n, int channels, int shrink,
                          std::vector<std::uint8_t>& out, int& height, int& width, int& applied, std::string& error) {
  height = width = 0;
  applied = 1;
  int declared_h = 0, declared_w = 0;
  if (pixel_size(p, n, declared_h, declared_w) &&
      static_cast<std::int64_t>(declared_h) * static_cast<std::int64_t>(declared_w) > kMaxImagePixels) {
    error = "its header declares " + std::to_string(declared_w) + " x " + std::to_string(declared_h) +
            " pixels, more than the " + std::to_string(kMaxImagePixels) + " (16384 x 16384) superconv decodes";
    return false;
  }
  const std::size_t jpeg = jpeg_start(p, n);
#ifdef SUPERCONV_WITH_TURBOJPEG
  if (jpeg < n) {
    if (!turbo_decode(p + jpeg, n - jpeg, channels, shrink, out, height, width, error)) return false;
    applied = shrink;
    return true;
  }
#endif
  (void)shrink;
  if (n > static_cast<std::size_t>(INT_MAX)) {
    error = "over 2 GiB, too large to be an image";
    return false;
  }
  if (jpeg < n && !stb_can_parse(p, n)) {
    error = "a JPEG Huffman table declares more than 256 codes";
    return false;
  }
  int w = 0, h = 0, c = 0;
  stbi_uc* pixels = stbi_load_from_memory(p, static_cast<int>(n), &w, &h, &c, channels);
  if (pixels == nullptr) {
    const char* why = stbi_failure_reason();
    error = std::string("stb_image: ") + (why ? why : "unknown error");
    return false;
  }
  height = h, width = w;
  out.assign(pixels,
             pixels + static_cast<std::size_t>(h) * static_cast<std::size_t>(w) * static_cast<std::size_t>(channels));
  stbi_image_free(pixels);
  return true;
}

}  // namespace detail
}  // namespace data
}  // namespace superconv
