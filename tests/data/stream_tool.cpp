// What tests/data/check_streaming.py compares with torchvision: superconv's RandomResizedCrop boxes, and images
// decoded, cropped and resized as the streaming loader's evaluation view does (Resize + CenterCrop).
//   stream_tool boxes HEIGHT WIDTH COUNT SEED          one box a line: left top width height
//   stream_tool eval-crop IMAGE SIZE RESIZE DCT OUT    SIZE x SIZE x 3 RGB bytes into OUT (DCT 1: shrink JPEGs)
#include <superconv/data/crop_box.hpp>
#include <superconv/data/record_decoder.hpp>
#include <superconv/system/error_message.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace D = superconv::data;

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "boxes" && argc == 6) {
      const auto h = std::atoll(argv[2]), w = std::atoll(argv[3]), n = std::atoll(argv[4]);
      D::SplitMix gen(static_cast<std::uint64_t>(std::atoll(argv[5])));
      for (long long i = 0; i < n; ++i) {
        const auto b = D::random_resized_crop(h, w, D::RandomResizedCropOptions(), gen);
        std::cout << fmt::format("{} {} {} {}\n", b.x0, b.y0, b.width(), b.height());
      }
      return 0;
    }
    if (mode == "eval-crop" && argc == 7) {  // the loader's own path: decode_record on a one-record source
      D::SampleSource source;
      source.files.push_back(argv[2]);
      D::SourceRecord r;
      r.size = std::filesystem::file_size(argv[2]);
      r.jpeg = std::string(argv[2]).find(".png") == std::string::npos;
      source.records.push_back(r);
      const int size = std::atoi(argv[3]);
      const auto options = D::StreamingLoaderOptions(size)
                               .augment(false)
                               .resize(std::atoi(argv[4]))
                               .dct_scaling(std::atoi(argv[5]) != 0);
      std::vector<std::uint8_t> out(static_cast<std::size_t>(size) * size * 3);
      const auto why = D::decode_record(source, 0, options, 0, out.data());
      if (!why.empty()) throw std::runtime_error(why);
      std::ofstream(argv[6], std::ios::binary)
          .write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
      return 0;
    }
    std::cerr << "usage: stream_tool boxes H W COUNT SEED | eval-crop IMAGE SIZE RESIZE DCT OUT\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << superconv::system::error_message(e) << "\n";
    return 1;
  }
}
