// Fuzz target: image decoding (the streaming path's decode_rgb; read_image and ImageFolder reach the same decoder).
// The input is an image file's bytes after a first byte that chooses the name's kind (JPEG or PNG: the decoder
// follows the bytes either way), the DCT shrink and a crop box. decode_rgb must return an image or an error (never
// crash or throw), and a decoded image's box must resample without reading outside it.
#include <superconv/data/crop_box.hpp>
#include <superconv/data/image_decode.hpp>
#include <superconv/data/resample.hpp>

#include "fuzz_main.hpp"

#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace D = superconv::data;
  if (size < 2) return 0;
  const bool jpeg = (data[0] & 1) != 0;
  const int shrink = 1 << ((data[0] >> 1) & 3);
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  int h = 0, w = 0;
  if (!D::image_size(bytes, h, w) || static_cast<std::int64_t>(h) * w > (std::int64_t{1} << 22)) return 0;
  const auto img = D::decode_rgb(bytes, jpeg, shrink);
  if (!img.error.empty()) return 0;
  if (img.width <= 0 || img.height <= 0 ||
      img.hwc.size() != static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height) * 3) {
    std::abort();
  }
  D::SplitMix gen(data[0]);
  const auto box = D::random_resized_crop(img.height, img.width, D::RandomResizedCropOptions(), gen);
  std::vector<std::uint8_t> out(16 * 16 * 3);
  D::resample(img.hwc.data(), img.height, img.width, 3, box, 16, 16, out.data());
  return 0;
}
