// SPDX-License-Identifier: MIT
// CIFAR-10 in its canonical binary format: validated reader.
#pragma once

#include <superconv/data/dataset.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

namespace superconv {
namespace data {

/// CIFAR-10's training-set channel means and standard deviations, in [0, 1] (DeviceLoaderOptions::mean/std).
inline std::vector<double> cifar10_mean() {
  return {0.4914, 0.4822, 0.4465};
}
inline std::vector<double> cifar10_std() {
  return {0.2470, 0.2435, 0.2616};
}

/// Where the data is when no explicit path is given, in this order: `SUPERCONV_DATA`, then
/// `./data/cifar-10-batches-bin` (where `cmake -P cmake/FetchCIFAR10.cmake` unpacks it).
inline std::filesystem::path resolve_cifar10_dir(const std::string& explicit_path = "") {
  if (!explicit_path.empty()) return explicit_path;
  if (const char* env = std::getenv("SUPERCONV_DATA"); env != nullptr && *env != '\0') return env;
  return std::filesystem::path("data") / "cifar-10-batches-bin";
}

/// CIFAR-10 reader. Each file holds 10,000 records of 1 label byte and 3,072 pixel bytes (1,024 red, 1,024 green,
/// 1,024 blue, each 32x32 row-major). Every file is checked before anything is kept: a missing, truncated or
/// over-long file, or a label byte above 9, raises an error naming the file, the expected and found sizes or
/// the record, and how to get the data. Example:
/// `superconv::data::Cifar10 train(superconv::data::resolve_cifar10_dir(), superconv::data::Split::kTrain);`
class Cifar10 {
 public:
  static constexpr std::int64_t kRecordsPerFile = 10000;
  static constexpr std::int64_t kImageBytes = 3 * 32 * 32;
  static constexpr std::int64_t kRecordBytes = 1 + kImageBytes;
  static constexpr std::int64_t kFileBytes = kRecordsPerFile * kRecordBytes;
  static constexpr int kNumClasses = 10;

  /// The file names of a split, in canonical order.
  static std::vector<std::string> file_names(Split split) {
    if (split == Split::kTest) return {"test_batch.bin"};
    return {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"};
  }

  /// How to get the data; appended to every "not found" error.
  static const char* how_to_get() {
    return "get CIFAR-10 (binary version) with `cmake -P cmake/FetchCIFAR10.cmake` (unpacks to "
           "./data/cifar-10-batches-bin), or point --data / SUPERCONV_DATA at a folder holding data_batch_1.bin .. "
           "data_batch_5.bin and test_batch.bin";
  }

  Cifar10(const std::filesystem::path& root, Split split) : root_(root), split_(split) {
    namespace fs = std::filesystem;
    std::error_code ec;
    TORCH_CHECK(fs::is_directory(root, ec), "CIFAR-10: data folder ", root.string(), " does not exist; ", how_to_get());
    const auto names = file_names(split);
    const auto n = static_cast<std::int64_t>(names.size()) * kRecordsPerFile;
    // Validate every file's size first, so that a bad file is reported before a second is read.
    for (const auto& name : names) check_size(root / name);
    auto records = at::empty({n, kRecordBytes}, at::kByte);
    for (std::size_t f = 0; f < names.size(); ++f) {
      const auto path = root / names[f];
      auto chunk = records.narrow(0, static_cast<std::int64_t>(f) * kRecordsPerFile, kRecordsPerFile);
      std::ifstream in(path, std::ios::binary);
      TORCH_CHECK(in, "CIFAR-10: cannot open ", path.string(), " for reading");
      in.read(reinterpret_cast<char*>(chunk.data_ptr<std::uint8_t>()), kFileBytes);
      TORCH_CHECK(in.gcount() == kFileBytes, "CIFAR-10: ", path.string(), " is truncated: expected ", kFileBytes,
                  " bytes, read ", in.gcount());
      check_labels(chunk, path);
    }
    targets_ = records.select(1, 0).to(at::kLong);
    images_ = records.narrow(1, 1, kImageBytes).reshape({n, 3, 32, 32}).contiguous();
    class_names_ = read_class_names(root);
  }

  /// Images, uint8 `[N, 3, 32, 32]`, channel-planar as in the files.
  const at::Tensor& images() const { return images_; }
  /// Labels, int64 `[N]`, values 0..9.
  const at::Tensor& targets() const { return targets_; }
  /// Class names from `batches.meta.txt` (the canonical ten when that file is absent).
  const std::vector<std::string>& class_names() const { return class_names_; }
  /// The images, targets and class names as a Dataset (shares the tensors; see data/dataset.hpp).
  Dataset dataset() const { return Dataset{images_, targets_, class_names_}; }
  /* implicit */ operator Dataset() const { return dataset(); }
  std::int64_t size() const { return images_.size(0); }
  const std::filesystem::path& root() const { return root_; }
  Split split() const { return split_; }

  /// Keeps the first `n` records (all when `n` <= 0 or >= size()): a quick subset in the files' order.
  Cifar10& limit(std::int64_t n) {
    if (n > 0 && n < size()) {
      images_ = images_.narrow(0, 0, n);
      targets_ = targets_.narrow(0, 0, n);
    }
    return *this;
  }

  /// Checks the label byte of every record in `records` (uint8 [N, 3073], as read from `path`); the error names the
  /// file, the first bad record, its byte offset and its label.
  static void check_labels(const at::Tensor& records, const std::filesystem::path& path) {
    TORCH_CHECK(records.dim() == 2 && records.size(1) == kRecordBytes && records.scalar_type() == at::kByte,
                "CIFAR-10: records must be uint8 [N, ", kRecordBytes, "], got ", records.sizes());
    const auto labels = records.select(1, 0);
    const auto bad = labels.gt(kNumClasses - 1).nonzero();
    if (bad.size(0) > 0) {
      const auto r = bad[0][0].item<std::int64_t>();
      TORCH_CHECK(false, "CIFAR-10: ", path.string(), ": record ", r, " (byte offset ", r * kRecordBytes,
                  ") has label byte ", static_cast<int>(labels[r].item<std::uint8_t>()),
                  ", expected 0..9; the file is corrupt or not CIFAR-10 (CIFAR-100's binary format differs); ",
                  how_to_get());
    }
  }

  /// The class names of a `batches.meta.txt` (one a line; blank lines and trailing spaces ignored); exactly ten.
  static std::vector<std::string> parse_class_names(std::istream& in, const std::filesystem::path& path) {
    std::vector<std::string> names;
    std::string line;
    while (names.size() <= static_cast<std::size_t>(kNumClasses) && std::getline(in, line)) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty()) names.push_back(line);
    }
    TORCH_CHECK(names.size() == static_cast<std::size_t>(kNumClasses), "CIFAR-10: ", path.string(), " lists ",
                names.size() > static_cast<std::size_t>(kNumClasses) ? "more than 10" : std::to_string(names.size()),
                " class names, expected ", kNumClasses);
    return names;
  }

  static std::vector<std::string> default_class_names() {
    return {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  }

 private:
  static void check_size(const std::filesystem::path& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    TORCH_CHECK(fs::exists(path, ec), "CIFAR-10: ", path.string(), " not found; ", how_to_get());
    TORCH_CHECK(fs::is_regular_file(path, ec), "CIFAR-10: ", path.string(), " is not a regular file");
    const auto size = static_cast<std::int64_t>(fs::file_size(path, ec));
    TORCH_CHECK(!ec, "CIFAR-10: cannot read the size of ", path.string(), ": ", ec.message());
    if (size != kFileBytes) {
      const char* what = size < kFileBytes ? "is truncated" : "is too long";
      TORCH_CHECK(false, "CIFAR-10: ", path.string(), " ", what, ": expected ", kFileBytes, " bytes (", kRecordsPerFile,
                  " records of ", kRecordBytes, "), found ", size, " bytes (", size / kRecordBytes, " whole records + ",
                  size % kRecordBytes, " bytes); ", how_to_get());
    }
  }

  static std::vector<std::string> read_class_names(const std::filesystem::path& root) {
    std::ifstream in(root / "batches.meta.txt");
    if (!in) return default_class_names();
    return parse_class_names(in, root / "batches.meta.txt");
  }

  std::filesystem::path root_;
  Split split_;
  at::Tensor images_;
  at::Tensor targets_;
  std::vector<std::string> class_names_;
};

}  // namespace data
}  // namespace superconv
