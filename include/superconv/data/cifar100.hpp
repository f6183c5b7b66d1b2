// SPDX-License-Identifier: MIT
// CIFAR-100 in its canonical binary format (cifar-100-binary): validated reader, fine or coarse labels.
#pragma once

#include <superconv/data/dataset.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <istream>
#include <string>
#include <system_error>
#include <vector>

namespace superconv {
namespace data {

/// Which CIFAR-100 label becomes the target: the 100 fine classes or the 20 coarse superclasses.
enum class Cifar100Labels { kFine, kCoarse };

/// Options for Cifar100. Example: `Cifar100Options().labels(Cifar100Labels::kCoarse).limit(1000)`
struct Cifar100Options {
  /// Fine (100 classes, default) or coarse (20 superclasses) targets.
  TORCH_ARG(Cifar100Labels, labels) = Cifar100Labels::kFine;
  /// Keep only the first `limit` records (all when <= 0).
  TORCH_ARG(std::int64_t, limit) = 0;
};

/// Where CIFAR-100 is when no explicit path is given, in this order: `SUPERCONV_CIFAR100`, then
/// `./data/cifar-100-binary` (where `cmake -P cmake/FetchCIFAR100.cmake` unpacks it).
inline std::filesystem::path resolve_cifar100_dir(const std::string& explicit_path = "") {
  if (!explicit_path.empty()) return explicit_path;
  if (const char* env = std::getenv("SUPERCONV_CIFAR100"); env != nullptr && *env != '\0') return env;
  return std::filesystem::path("data") / "cifar-100-binary";
}

/// CIFAR-100 reader. `train.bin` holds 50,000 and `test.bin` 10,000 records of 1 coarse label byte (0..19), 1 fine
/// label byte (0..99) and 3,072 pixel bytes (1,024 red, 1,024 green, 1,024 blue, each 32x32 row-major). The file is
/// checked before anything is kept: a missing, truncated or over-long file, or a label byte out of range, raises an
/// error naming the file, the expected and found sizes or the record, and how to get the data. Class names come
/// from `fine_label_names.txt` / `coarse_label_names.txt` (the canonical names when absent). Example:
/// `superconv::data::Cifar100 train(superconv::data::resolve_cifar100_dir(), superconv::data::Split::kTrain);`
class Cifar100 {
 public:
  static constexpr std::int64_t kImageBytes = 3 * 32 * 32;
  static constexpr std::int64_t kRecordBytes = 2 + kImageBytes;
  static constexpr std::int64_t kNumFine = 100;
  static constexpr std::int64_t kNumCoarse = 20;

  static std::string file_name(Split split) { return split == Split::kTest ? "test.bin" : "train.bin"; }
  static std::int64_t records_in(Split split) { return split == Split::kTest ? 10000 : 50000; }

  /// How to get the data; appended to every "not found" error.
  static const char* how_to_get() {
    return "get CIFAR-100 (binary version) with `cmake -P cmake/FetchCIFAR100.cmake` (unpacks to "
           "./data/cifar-100-binary), or point SUPERCONV_CIFAR100 (or the program's data option) at a folder "
           "holding train.bin and test.bin";
  }

  Cifar100(const std::filesystem::path& root, Split split, Cifar100Options options = {})
      : root_(root), split_(split), options_(options) {
    namespace fs = std::filesystem;
    std::error_code ec;
    TORCH_CHECK(fs::is_directory(root, ec), "CIFAR-100: data folder ", root.string(), " does not exist; ",
                how_to_get());
    const auto path = root / file_name(split);
    const auto n = records_in(split);
    check_size(path, n);
    auto records = at::empty({n, kRecordBytes}, at::kByte);
    std::ifstream in(path, std::ios::binary);
    TORCH_CHECK(in, "CIFAR-100: cannot open ", path.string(), " for reading");
    in.read(reinterpret_cast<char*>(records.data_ptr<std::uint8_t>()), n * kRecordBytes);
    TORCH_CHECK(in.gcount() == n * kRecordBytes, "CIFAR-100: ", path.string(), " is truncated: expected ",
                n * kRecordBytes, " bytes, read ", in.gcount());
    check_labels(records, path);
    if (options.limit() > 0 && options.limit() < n) records = records.narrow(0, 0, options.limit());
    coarse_ = records.select(1, 0).to(at::kLong);
    fine_ = records.select(1, 1).to(at::kLong);
    images_ = records.narrow(1, 2, kImageBytes).reshape({records.size(0), 3, 32, 32}).contiguous();
    fine_names_ = read_names(root / "fine_label_names.txt", kNumFine, default_fine_names());
    coarse_names_ = read_names(root / "coarse_label_names.txt", kNumCoarse, default_coarse_names());
  }

  /// Images, uint8 `[N, 3, 32, 32]`, channel-planar as in the file.
  const at::Tensor& images() const { return images_; }
  /// The chosen labels (Cifar100Options::labels), int64 `[N]`.
  const at::Tensor& targets() const { return options_.labels() == Cifar100Labels::kCoarse ? coarse_ : fine_; }
  const at::Tensor& fine_targets() const { return fine_; }
  const at::Tensor& coarse_targets() const { return coarse_; }
  /// The chosen labels' names (100 fine or 20 coarse).
  const std::vector<std::string>& class_names() const {
    return options_.labels() == Cifar100Labels::kCoarse ? coarse_names_ : fine_names_;
  }
  std::int64_t size() const { return images_.size(0); }
  const std::filesystem::path& root() const { return root_; }
  Split split() const { return split_; }
  const Cifar100Options& options() const { return options_; }
  /// The images, chosen targets and their class names as a Dataset (shares the tensors).
  Dataset dataset() const { return Dataset{images_, targets(), class_names()}; }
  /* implicit */ operator Dataset() const { return dataset(); }

  /// Checks both label bytes of every record in `records` (uint8 [N, 3074], as read from `path`); the error names
  /// the file, the first bad record, its byte offset, which label and its value.
  static void check_labels(const at::Tensor& records, const std::filesystem::path& path) {
    TORCH_CHECK(records.dim() == 2 && records.size(1) == kRecordBytes && records.scalar_type() == at::kByte,
                "CIFAR-100: records must be uint8 [N, ", kRecordBytes, "], got ", records.sizes());
    const char* which[2] = {"coarse", "fine"};
    const std::int64_t limit[2] = {kNumCoarse, kNumFine};
    for (int k = 0; k < 2; ++k) {
      const auto labels = records.select(1, k);
      const auto bad = labels.ge(limit[k]).nonzero();
      if (bad.size(0) == 0) continue;
      const auto r = bad[0][0].item<std::int64_t>();
      TORCH_CHECK(false, "CIFAR-100: ", path.string(), ": record ", r, " (byte offset ", r * kRecordBytes + k, ") has ",
                  which[k], " label byte ", static_cast<int>(labels[r].item<std::uint8_t>()), ", expected 0..",
                  limit[k] - 1, "; the file is corrupt or not CIFAR-100 (CIFAR-10's binary format differs); ",
                  how_to_get());
    }
  }

  /// The class names of a label-names file (one a line; blank lines and trailing spaces ignored); exactly `count`.
  static std::vector<std::string> parse_names(std::istream& in, const std::filesystem::path& path, std::int64_t count) {
    std::vector<std::string> names;
    std::string line;
    while (static_cast<std::int64_t>(names.size()) <= count && std::getline(in, line)) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty()) names.push_back(line);
    }
    const auto found = static_cast<std::int64_t>(names.size());
    TORCH_CHECK(found == count, "CIFAR-100: ", path.string(), " lists ",
                found > count ? "more than " + std::to_string(count) : std::to_string(found), " class names, expected ",
                count);
    return names;
  }

  static std::vector<std::string> default_fine_names() {
    return {"apple",      "aquarium_fish", "baby",         "bear",       "beaver",      "bed",         "bee",
            "beetle",     "bicycle",       "bottle",       "bowl",       "boy",         "bridge",      "bus",
            "butterfly",  "camel",         "can",          "castle",     "caterpillar", "cattle",      "chair",
            "chimpanzee", "clock",         "cloud",        "cockroach",  "couch",       "crab",        "crocodile",
            "cup",        "dinosaur",      "dolphin",      "elephant",   "flatfish",    "forest",      "fox",
            "girl",       "hamster",       "house",        "kangaroo",   "keyboard",    "lamp",        "lawn_mower",
            "leopard",    "lion",          "lizard",       "lobster",    "man",         "maple_tree",  "motorcycle",
            "mountain",   "mouse",         "mushroom",     "oak_tree",   "orange",      "orchid",      "otter",
            "palm_tree",  "pear",          "pickup_truck", "pine_tree",  "plain",       "plate",       "poppy",
            "porcupine",  "possum",        "rabbit",       "raccoon",    "ray",         "road",        "rocket",
            "rose",       "sea",           "seal",         "shark",      "shrew",       "skunk",       "skyscraper",
            "snail",      "snake",         "spider",       "squirrel",   "streetcar",   "sunflower",   "sweet_pepper",
            "table",      "tank",          "telephone",    "television", "tiger",       "tractor",     "train",
            "trout",      "tulip",         "turtle",       "wardrobe",   "whale",       "willow_tree", "wolf",
            "woman",      "worm"};
  }

  static std::vector<std::string> default_coarse_names() {
    return {"aquatic_mammals",
            "fish",
            "flowers",
            "food_containers",
            "fruit_and_vegetables",
            "household_electrical_devices",
            "household_furniture",
            "insects",
            "large_carnivores",
            "large_man-made_outdoor_things",
            "large_natural_outdoor_scenes",
            "large_omnivores_and_herbivores",
            "medium_mammals",
            "non-insect_invertebrates",
            "people",
            "reptiles",
            "small_mammals",
            "trees",
            "vehicles_1",
            "vehicles_2"};
  }

 private:
  static void check_size(const std::filesystem::path& path, std::int64_t records) {
    namespace fs = std::filesystem;
    std::error_code ec;
    TORCH_CHECK(fs::exists(path, ec), "CIFAR-100: ", path.string(), " not found; ", how_to_get());
    TORCH_CHECK(fs::is_regular_file(path, ec), "CIFAR-100: ", path.string(), " is not a regular file");
    const auto size = static_cast<std::int64_t>(fs::file_size(path, ec));
    TORCH_CHECK(!ec, "CIFAR-100: cannot read the size of ", path.string(), ": ", ec.message());
    const auto expected = records * kRecordBytes;
    if (size != expected) {
      const char* what = size < expected ? "is truncated" : "is too long";
      TORCH_CHECK(false, "CIFAR-100: ", path.string(), " ", what, ": expected ", expected, " bytes (", records,
                  " records of ", kRecordBytes, "), found ", size, " bytes (", size / kRecordBytes, " whole records + ",
                  size % kRecordBytes, " bytes); ", how_to_get());
    }
  }

  static std::vector<std::string> read_names(const std::filesystem::path& path, std::int64_t count,
                                             std::vector<std::string> fallback) {
    std::ifstream in(path);
    if (!in) return fallback;
    return parse_names(in, path, count);
  }

  std::filesystem::path root_;
  Split split_;
  Cifar100Options options_;
  at::Tensor images_;
  at::Tensor fine_;
  at::Tensor coarse_;
  std::vector<std::string> fine_names_;
  std::vector<std::string> coarse_names_;
};

}  // namespace data
}  // namespace superconv
