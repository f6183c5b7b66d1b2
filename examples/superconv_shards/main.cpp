// superconv_shards: data sets as WebDataset tar shards, indexed.
//   superconv_shards write --from folder --input photos/train --out shards/train --shard-size 5000
//   superconv_shards write --from cifar10 --input cifar-10-batches-bin --split test --out shards/test --format png
//   superconv_shards list shards/train/train-000000.tar     (key, class, format, bytes: one line a sample)
//   superconv_shards index shards/train                     (builds missing indexes, checks the others)
// An image folder's files go in as they are; CIFAR's images are encoded as PNG (lossless, default) or JPEG
// (--quality). classes.txt beside the shards names the classes. Exit 2 for a bad option, 1 for an error.
#include <superconv/data/cifar10.hpp>
#include <superconv/data/cifar100.hpp>
#include <superconv/data/image_decode.hpp>
#include <superconv/data/sample_source.hpp>
#include <superconv/data/shard_conversion.hpp>
#include <superconv/system/error_message.hpp>
#include <superconv/version.hpp>
#include <superconv/viz/png.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace sc = superconv;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  CLI::App app{fmt::format("Data sets as WebDataset tar shards (superconv {}).", sc::version())};
  app.require_subcommand(1);
  std::string from = "folder", input, out, split = "train", format = "png", prefix;
  std::int64_t shard_size = 10000;
  int quality = 90;
  auto* write = app.add_subcommand("write", "write a data set as shards with their index and classes.txt");
  write->add_option("--from", from, "folder|cifar10|cifar100")
      ->check(CLI::IsMember({"folder", "cifar10", "cifar100"}))
      ->capture_default_str();
  write->add_option("--input", input, "the image folder (root/<class>/*.jpg|png) or the CIFAR folder")->required();
  write->add_option("--out", out, "the shards' folder")->required();
  write->add_option("--split", split, "CIFAR: train|test")
      ->check(CLI::IsMember({"train", "test"}))
      ->capture_default_str();
  write->add_option("--format", format, "CIFAR: png (lossless) | jpg")
      ->check(CLI::IsMember({"png", "jpg"}))
      ->capture_default_str();
  write->add_option("--quality", quality, "CIFAR as jpg: JPEG quality")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  write->add_option("--shard-size", shard_size, "samples per shard")
      ->check(CLI::Range(1, 100000000))
      ->capture_default_str();
  write->add_option("--prefix", prefix, "shard file names: <prefix>-000000.tar (default: the split, or 'shard')");
  std::vector<std::string> shards;
  auto* list = app.add_subcommand("list", "print each sample: key, class, format, bytes");
  list->add_option("shards", shards, "shards or folders of shards")->required();
  auto* index = app.add_subcommand("index", "build missing indexes and check the others");
  index->add_option("shards", shards, "shards or folders of shards")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  try {
    if (*write) {
      if (prefix.empty()) prefix = from == "folder" ? "shard" : split;
      sc::data::ShardWriter writer(
          sc::data::ShardWriterOptions((fs::path(out) / (prefix + "-%06d.tar")).string()).max_count(shard_size));
      auto progress = [](std::int64_t done, std::int64_t total) {
        if (done % 5000 == 0 || done == total) std::cerr << fmt::format("\rwritten {}/{}", done, total) << std::flush;
      };
      std::vector<std::string> classes;
      if (from == "folder") {
        const auto source = sc::data::folder_source(input);
        classes = source.classes;
        sc::data::write_source_shards(source, writer, progress);
      } else {
        const auto s = split == "train" ? sc::data::Split::kTrain : sc::data::Split::kTest;
        const auto ds =
            from == "cifar10" ? sc::data::Cifar10(input, s).dataset() : sc::data::Cifar100(input, s).dataset();
        classes = ds.classes;
        const sc::data::ImageEncoder encode =
            format == "png" ? sc::data::ImageEncoder(
                                  [](const std::uint8_t* rgb, int h, int w) { return sc::viz::encode_png(rgb, w, h); })
                            : sc::data::ImageEncoder([quality](const std::uint8_t* rgb, int h, int w) {
                                return sc::data::encode_jpeg(rgb, h, w, quality);
                              });
        sc::data::write_tensor_shards(ds.images, ds.targets, encode, format, writer, progress);
      }
      sc::data::write_class_names(out, classes);
      std::cerr << "\n";
      std::cout << fmt::format("{} samples in {} shard(s) in {}, {} classes\n", writer.samples(),
                               writer.shards().size(), out, classes.size());
      return 0;
    }
    std::vector<fs::path> paths(shards.begin(), shards.end());
    const auto source = sc::data::shard_source(paths);
    if (*index) {
      std::cout << fmt::format("{} samples in {} shard(s), {} classes: every index matches its shard\n", source.size(),
                               source.files.size(), source.classes.size());
      return 0;
    }
    for (const auto& r : source.records) {
      std::cout << fmt::format("{}\t{}\t{}\t{}\n", r.member.substr(0, r.member.find('.')), r.label,
                               r.jpeg ? "jpg" : "png", r.size);
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << sc::system::error_message(e) << "\n";
    return 1;
  }
}
