// SPDX-License-Identifier: MIT
// JPEG decoding with libjpeg-turbo, in builds that have it (SUPERCONV_WITH_TURBOJPEG): grey, grey + alpha, RGB or
// RGBA out (CMYK and YCCK JPEGs converted to RGB as stb_image does), shrunk by 2, 4 or 8 in the DCT domain on request,
// one decoder a thread. pixel_decode.hpp is its one caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#ifdef SUPERCONV_WITH_TURBOJPEG
#include <turbojpeg.h>
#endif

namespace superconv {
namespace data {

/// Whether this build decodes JPEG with libjpeg-turbo (DCT-domain shrinking) rather than stb_image.
inline bool has_turbojpeg() {
#ifdef SUPERCONV_WITH_TURBOJPEG
  return true;
#else
  return false;
#endif
}

namespace detail {

/// Where the JPEG in `p` starts when the bytes are one as stb_image reads them (0xFF, any run of fill bytes 0xFF,
/// then the SOI marker's 0xD8): the offset of the 0xFF just before 0xD8. `n` when the bytes are no JPEG.
inline std::size_t jpeg_start(const unsigned char* p, std::size_t n) {
  std::size_t i = 0;
  while (i < n && p[i] == 0xFF) ++i;
  return i == 0 || i >= n || p[i] != 0xD8 ? n : i - 1;
}

#ifdef SUPERCONV_WITH_TURBOJPEG
/// The thread's libjpeg-turbo decoder (nullptr when it cannot start one). `fresh` replaces it first: a decoder that
/// failed on one file keeps that file's half-read state (libjpeg-turbo 2.1 then refuses every later file with the
/// same error), so each failure gets a new one.
inline tjhandle turbo_decoder(bool fresh = false) {
  struct Decoder {  // one a thread, kept for its next image
    tjhandle handle = tjInitDecompress();
    Decoder() = default;
    Decoder(const Decoder&) = delete;
    Decoder& operator=(const Decoder&) = delete;
    ~Decoder() {
      if (handle != nullptr) tjDestroy(handle);
    }
  };
  thread_local Decoder decoder;
  if (fresh || decoder.handle == nullptr) {
    if (decoder.handle != nullptr) tjDestroy(decoder.handle);
    decoder.handle = tjInitDecompress();
  }
  return decoder.handle;
}

/// The size and colour space of the JPEG at `p` (starting at its SOI marker) from its header; false with `error` set
/// otherwise.
inline bool turbo_header(const unsigned char* p, std::size_t n, int& height, int& width, int& space,
                         std::string& error) {
  tjhandle tj = turbo_decoder();
  int sub = 0;
  if (tj == nullptr || tjDecompressHeader3(tj, p, static_cast<unsigned long>(n), &width, &height, &sub, &space) != 0) {
    error = std::string("libjpeg-turbo: ") + (tj ? tjGetErrorStr2(tj) : "could not start a decoder");
    turbo_decoder(true);
    return false;
  }
  return true;
}

/// Decodes the JPEG at `p` (starting at its SOI marker) into `out`: height x width pixels of `channels` (1-4) bytes,
/// shrunk by `shrink` (1, 2, 4, 8). Data errors libjpeg-turbo recovers from (a truncated scan: grey from there on) give
/// an image, as PIL's do; false with `error` set for a fatal one.
inline bool turbo_decode(const unsigned char* p, std::size_t n, int channels, int shrink,
                         std::vector<std::uint8_t>& out, int& height, int& width, std::string& error) {
  height = width = 0;
  int w = 0, h = 0, space = 0;
  if (!turbo_header(p, n, h, w, space, error)) return false;
  tjhandle tj = turbo_decoder();
  const tjscalingfactor factor{1, shrink};
  const int sw = TJSCALED(w, factor), sh = TJSCALED(h, factor);
  const bool cmyk = space == TJCS_CMYK || space == TJCS_YCCK;
  const int format = cmyk ? TJPF_CMYK : channels <= 2 ? TJPF_GRAY : channels == 3 ? TJPF_RGB : TJPF_RGBA;
  const auto pixels = static_cast<std::size_t>(sw) * static_cast<std::size_t>(sh);
  const bool direct = !cmyk && tjPixelSize[format] == channels;
  thread_local std::vector<std::uint8_t> scratch;
  auto& target = direct ? out : scratch;
  target.resize(pixels * static_cast<std::size_t>(tjPixelSize[format]));
  if (tjDecompress2(tj, p, static_cast<unsigned long>(n), target.data(), sw, 0, sh, format, TJFLAG_ACCURATEDCT) != 0) {
    const bool fatal = tjGetErrorCode(tj) == TJERR_FATAL;
    if (fatal) error = std::string("libjpeg-turbo: ") + tjGetErrorStr2(tj);
    turbo_decoder(true);  // a warning too: the next file starts from a clean decoder
    if (fatal) {
      out.clear();
      return false;
    }
  }
  height = sh, width = sw;
  if (direct) return true;
  out.resize(pixels * static_cast<std::size_t>(channels));
  const auto blend = [](unsigned x, unsigned y) {  // x * y / 255, rounded: stb_image's stbi__blinn_8x8
    const unsigned t = x * y + 128;
    return static_cast<std::uint8_t>((t + (t >> 8)) >> 8);
  };
  for (std::size_t i = 0; i < pixels; ++i) {
    std::uint8_t rgb[3] = {scratch[i], scratch[i], scratch[i]};
    if (cmyk) {  // Adobe's inverted CMYK, as libjpeg gives it: R = C * K / 255, as stb_image converts it
      const std::uint8_t* q = &scratch[i * 4];
      rgb[0] = blend(q[0], q[3]), rgb[1] = blend(q[1], q[3]), rgb[2] = blend(q[2], q[3]);
    }
    std::uint8_t* o = &out[i * static_cast<std::size_t>(channels)];
    if (channels <= 2) {  // stb_image's grey from RGB
      o[0] = cmyk ? static_cast<std::uint8_t>((rgb[0] * 77 + rgb[1] * 150 + rgb[2] * 29) >> 8) : rgb[0];
    } else {
      o[0] = rgb[0], o[1] = rgb[1], o[2] = rgb[2];
    }
    if (channels == 2 || channels == 4) o[channels - 1] = 255;
  }
  return true;
}
#endif

}  // namespace detail
}  // namespace data
}  // namespace superconv
