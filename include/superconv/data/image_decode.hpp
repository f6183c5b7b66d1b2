// SPDX-License-Identifier: MIT
// Images decoded from their bytes on any thread: JPEG through libjpeg-turbo with its DCT-domain downscaling (1/2, 1/4,
// 1/8) when the crop's output is that much smaller than the source, PNG (and JPEG without libjpeg-turbo) through
// stb_image; and JPEG encoding, for writing shards.
#pragma once

#include <superconv/data/jpeg_turbo.hpp>
#include <superconv/data/pixel_decode.hpp>
#include <superconv/data/resample.hpp>

#include <c10/util/Exception.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#ifdef SUPERCONV_WITH_TURBOJPEG
#include <turbojpeg.h>
#endif

namespace superconv {
namespace data {

/// A decoded RGB image, interleaved, and the factor it was shrunk by while decoding (1, 2, 4 or 8).
struct RgbImage {
  std::vector<std::uint8_t> hwc;
  int height = 0, width = 0, shrink = 1;
  std::string error;  ///< empty on success; otherwise what went wrong (the caller names the file and member)
};

/// The size of a JPEG or PNG (or BMP) from its header (no decoding); false when the bytes are none of them.
inline bool image_size(const std::string& bytes, int& height, int& width) {
  return detail::pixel_size(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), height, width);
}

/// The largest shrink (8, 4, 2 or 1) at which `box` of the source still covers out_h x out_w pixels: decoding a
/// JPEG that much smaller loses nothing the resize to the output would keep.
inline int jpeg_shrink_for(const Box& box, int out_h, int out_w) {
  for (int s : {8, 4, 2}) {
    if (box.width() / s >= out_w && box.height() / s >= out_h) return s;
  }
  return 1;
}

/// Decodes JPEG or PNG `bytes` to RGB, a JPEG shrunk by `shrink` (1, 2, 4, 8) in the DCT domain where libjpeg-turbo
/// is there (elsewhere it decodes whole: `shrink` of the result says which happened). The decoder follows the bytes;
/// `jpeg` (what the file's name says) only words the error. Never throws; no ATen. `out` is overwritten and its pixel
/// buffer reused (a decoding thread keeps one RgbImage: no allocation per image).
inline void decode_rgb_into(const std::string& bytes, bool jpeg, int shrink, RgbImage& out) {
  out.error.clear();
  out.height = out.width = 0;
  out.shrink = 1;
  if (bytes.empty()) {
    out.error = "empty (0 bytes), not an image";
    return;
  }
  std::string why;
  if (!detail::decode_pixels(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), 3, shrink, out.hwc,
                             out.height, out.width, out.shrink, why)) {
    out.hwc.clear();
    out.error = std::string("cannot decode as ") + (jpeg ? "JPEG" : "PNG") + " (" + why +
                "): corrupt, truncated or not an image";
  }
}

/// decode_rgb_into, into a new RgbImage.
inline RgbImage decode_rgb(const std::string& bytes, bool jpeg, int shrink = 1) {
  RgbImage out;
  decode_rgb_into(bytes, jpeg, shrink, out);
  return out;
}

/// Decodes image `bytes` and resamples `box` of it (source pixels) to s x s RGB into `out` (s * s * 3 bytes), as
/// Pillow's antialiased bilinear resize of that box: a JPEG shrunk in the DCT domain first when `dct_scaling` is on
/// and the box still covers s x s pixels at the smaller size. Returns "" or the reason it failed (the caller names
/// the file). Never throws; no ATen: the streaming path's decoding threads call it, each with its own pixel buffer.
inline std::string decode_box(const std::string& bytes, bool jpeg, const Box& box, int s, bool dct_scaling,
                              std::uint8_t* out) {
  thread_local RgbImage img;  // the thread's pixel buffer, reused
  decode_rgb_into(bytes, jpeg, dct_scaling ? jpeg_shrink_for(box, s, s) : 1, img);
  if (!img.error.empty()) return img.error;
  const double f = static_cast<double>(img.shrink);
  const Box scaled{box.x0 / f, box.y0 / f, std::min(box.x1 / f, static_cast<double>(img.width)),
                   std::min(box.y1 / f, static_cast<double>(img.height))};
  resample(img.hwc.data(), img.height, img.width, 3, scaled, s, s, out);
  return {};
}

/// Encodes interleaved RGB pixels as a JPEG of `quality` (1-100; 4:2:0 chroma as PIL's default) with libjpeg-turbo
/// (an error in a build without it).
inline std::string encode_jpeg(const std::uint8_t* rgb, int height, int width, int quality = 90) {
  TORCH_CHECK(quality >= 1 && quality <= 100, "encode_jpeg: quality must be in 1..100, got ", quality);
  TORCH_CHECK(height > 0 && width > 0, "encode_jpeg: the image must not be empty, got ", height, "x", width);
#ifdef SUPERCONV_WITH_TURBOJPEG
  tjhandle tj = tjInitCompress();
  TORCH_CHECK(tj != nullptr, "encode_jpeg: libjpeg-turbo could not start an encoder");
  unsigned char* buf = nullptr;
  unsigned long n = 0;
  const int rc = tjCompress2(tj, rgb, width, 0, height, TJPF_RGB, &buf, &n, TJSAMP_420, quality, TJFLAG_ACCURATEDCT);
  std::string out = rc == 0 ? std::string(reinterpret_cast<const char*>(buf), n) : std::string();
  const std::string why = rc == 0 ? "" : tjGetErrorStr2(tj);
  tjFree(buf);
  tjDestroy(tj);
  TORCH_CHECK(rc == 0, "encode_jpeg: libjpeg-turbo failed: ", why);
  return out;
#else
  (void)rgb;
  TORCH_CHECK(false,
              "encode_jpeg: this build has no libjpeg-turbo (Debian/Ubuntu: apt-get install libturbojpeg0-dev, "
              "then configure again)");
  return {};
#endif
}

}  // namespace data
}  // namespace superconv
