// SPDX-License-Identifier: MIT
// A data set from a folder of images, one subfolder per class (root/<class name>/*.png|jpg|jpeg|bmp), decoded in
// parallel on the CPU cores.
#pragma once

#include <superconv/data/dataset.hpp>
#include <superconv/data/image_io.hpp>
#include <superconv/system/cpus.hpp>
#include <superconv/system/ordered_workers.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace superconv {
namespace data {

/// What ImageFolder does with a file it cannot read or decode.
enum class OnBadImage { kStop, kSkip };

/// Options for ImageFolder. Example:
/// `ImageFolderOptions().size(64, 64).channels(3).on_error(OnBadImage::kSkip).threads(8).progress(cb)`
struct ImageFolderOptions {
  /// Every image is resized to height x width (stb's resizer) when these are > 0; when 0 (default), all images
  /// must already share one size.
  TORCH_ARG(std::int64_t, height) = 0;
  TORCH_ARG(std::int64_t, width) = 0;

 public:
  /// Sets height and width together.
  ImageFolderOptions& size(std::int64_t h, std::int64_t w) {
    height_ = h;
    width_ = w;
    return *this;
  }
  /// Channels of the decoded images: 1 (grey), 2 (grey + alpha), 3 (RGB, default) or 4 (RGBA).
  TORCH_ARG(std::int64_t, channels) = 3;
  /// kStop (default): the first bad file is an error naming it; kSkip: bad files are left out and listed in
  /// ImageFolder::skipped().
  TORCH_ARG(OnBadImage, on_error) = OnBadImage::kStop;
  /// Decoding threads; 0 (default): the CPUs this process may use (system::usable_cpus(): affinity and cgroup quota).
  TORCH_ARG(std::int64_t, threads) = 0;
  /// Called on the constructing thread about every 50 ms and at the end with (files done, files in all); the last
  /// call has done == total unless an error stops the reading.
  TORCH_ARG(std::function<void(std::int64_t, std::int64_t)>, progress);
};

namespace detail {
/// Whether reading stops after a file's result: on an error with kStop, and on a fatal one (a size mismatch) always;
/// a skippable error with kSkip stops nothing.
inline bool stops_reading(const std::string& error, bool fatal, bool skip) {
  return !error.empty() && (!skip || fatal);
}
}  // namespace detail

/// A file ImageFolder left out, and why.
struct SkippedImage {
  std::filesystem::path path;
  std::string reason;
};

/// Reads `root/<class name>/<file>` for every class folder (sorted by name: class k is the k-th folder) and every
/// .png/.jpg/.jpeg/.bmp file in it (sorted by name; other files and hidden entries are ignored; subfolders of a class
/// folder are not searched). Errors name the problem: root missing or not a folder, no class folders, a class folder
/// with no images, a bad image (with OnBadImage::kStop), images of different sizes without the size option.
/// Example: `superconv::data::ImageFolder train("data/flowers/train", ImageFolderOptions().size(96, 96));`
class ImageFolder {
 public:
  explicit ImageFolder(const std::filesystem::path& root, ImageFolderOptions options = {})
      : root_(root), options_(std::move(options)) {
    const auto& o = options_;
    detail::check_channels(o.channels(), "ImageFolder");
    TORCH_CHECK(o.height() >= 0 && o.width() >= 0 && (o.height() > 0) == (o.width() > 0) && o.height() <= 65536 &&
                    o.width() <= 65536,
                "ImageFolder: size must be both 0 (keep) or both in 1..65536, got ", o.height(), "x", o.width());
    TORCH_CHECK(o.threads() >= 0, "ImageFolder: threads must be >= 0 (0: all cores), got ", o.threads());
    list_files();
    decode_all();
  }

  /// The images (uint8 [N, C, H, W]), targets and class names.
  const Dataset& dataset() const { return data_; }
  /* implicit */ operator Dataset() const { return data_; }
  const at::Tensor& images() const { return data_.images; }
  const at::Tensor& targets() const { return data_.targets; }
  const std::vector<std::string>& class_names() const { return data_.classes; }
  std::int64_t size() const { return data_.size(); }
  /// The file of each sample, in the data set's order.
  const std::vector<std::filesystem::path>& paths() const { return paths_; }
  /// Files left out with OnBadImage::kSkip, in file order, each with the reason.
  const std::vector<SkippedImage>& skipped() const { return skipped_; }
  const std::filesystem::path& root() const { return root_; }
  const ImageFolderOptions& options() const { return options_; }

 private:
  static bool hidden(const std::filesystem::path& p) { return p.filename().string().rfind('.', 0) == 0; }

  void list_files() {
    namespace fs = std::filesystem;
    std::error_code ec;
    TORCH_CHECK(fs::exists(root_, ec), "ImageFolder: ", root_.string(), " not found");
    TORCH_CHECK(fs::is_directory(root_, ec), "ImageFolder: ", root_.string(),
                " is not a folder (expected root/<class name>/<image files>)");
    std::vector<fs::path> class_dirs;
    for (fs::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code dec;
      if (it->is_directory(dec) && !hidden(it->path())) class_dirs.push_back(it->path());
    }
    TORCH_CHECK(!ec, "ImageFolder: cannot list ", root_.string(), ": ", ec.message());
    TORCH_CHECK(!class_dirs.empty(), "ImageFolder: ", root_.string(),
                " has no class folders (expected root/<class name>/*.png|jpg|jpeg|bmp)");
    std::sort(class_dirs.begin(), class_dirs.end(),
              [](const fs::path& a, const fs::path& b) { return a.filename().string() < b.filename().string(); });
    for (std::size_t k = 0; k < class_dirs.size(); ++k) {
      std::vector<fs::path> files;
      for (fs::directory_iterator it(class_dirs[k], ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code fec;
        if (!hidden(it->path()) && is_image_file(it->path()) && !it->is_directory(fec)) files.push_back(it->path());
      }
      TORCH_CHECK(!ec, "ImageFolder: cannot list ", class_dirs[k].string(), ": ", ec.message());
      const auto name = class_dirs[k].filename().string();
      TORCH_CHECK(!files.empty(), "ImageFolder: class folder ", class_dirs[k].string(), " (class '", name,
                  "') holds no images (.png, .jpg, .jpeg, .bmp)");
      std::sort(files.begin(), files.end());
      data_.classes.push_back(name);
      for (auto& f : files) {
        files_.push_back(std::move(f));
        labels_.push_back(static_cast<std::int64_t>(k));
      }
    }
  }

  /// Puts decoded file i, resized to h x w when the size option is set, into `slot` (C*H*W bytes): an empty string
  /// on success, else why not; `fatal` is set for a size mismatch (an error even with kSkip: the option is missing).
  std::string place(const detail::DecodedImage& img, std::size_t i, std::uint8_t* slot, std::int64_t h, std::int64_t w,
                    char& fatal) const {
    if (!img.error.empty()) return img.error;
    const auto c = img.channels;
    if (options_.height() == 0 && (img.height != h || img.width != w)) {
      fatal = 1;
      return "ImageFolder: " + files_[i].string() + " is " + std::to_string(img.height) + "x" +
             std::to_string(img.width) + " but " + files_[first_].string() + " is " + std::to_string(h) + "x" +
             std::to_string(w) + "; images must share one size, or set ImageFolderOptions().size(height, width) " +
             "to resize them";
    }
    std::vector<std::uint8_t> resized(static_cast<std::size_t>(h * w * c));
    if (!detail::resize_hwc(img.hwc.data(), img.height, img.width, c, resized.data(), h, w))
      return "ImageFolder: cannot resize " + files_[i].string() + " (out of memory?)";
    detail::hwc_to_chw(resized.data(), h, w, c, slot);
    return {};
  }

  void decode_all() {
    const auto n = files_.size();
    const auto total = static_cast<std::int64_t>(n);
    const auto c = options_.channels();
    std::vector<std::string> errors(n);
    std::vector<char> fatal(n, 0);
    // The size: the option's, or the first decodable file's (decoded here, on this thread).
    std::int64_t h = options_.height(), w = options_.width();
    detail::DecodedImage first_img;
    for (first_ = 0; first_ < n; ++first_) {
      first_img = detail::decode_image(files_[first_], c);
      if (first_img.error.empty()) break;
      TORCH_CHECK(options_.on_error() == OnBadImage::kSkip, first_img.error);
      errors[first_] = first_img.error;
    }
    TORCH_CHECK(first_ < n, "ImageFolder: none of the ", n, " image files under ", root_.string(),
                " could be decoded; the first: ", errors[0]);
    if (h == 0) {
      h = first_img.height;
      w = first_img.width;
    }
    auto images = at::empty({total, c, h, w}, at::kByte);
    auto* base = images.data_ptr<std::uint8_t>();
    const auto stride = static_cast<std::size_t>(c * h * w);
    errors[first_] = place(first_img, first_, base + first_ * stride, h, w, fatal[first_]);
    first_img = {};

    const bool skip = options_.on_error() == OnBadImage::kSkip;
    std::vector<char> reached(n, 0);  // files a worker finished: only these may be kept
    reached[first_] = 1;
    if (detail::stops_reading(errors[first_], fatal[first_], skip)) {
      if (options_.progress()) options_.progress()(static_cast<std::int64_t>(first_ + 1), total);
    } else {  // a skippable failure of the first file stops nothing: the others are still decoded
      const auto threads =
          options_.threads() > 0 ? options_.threads() : static_cast<std::int64_t>(system::usable_cpus());
      system::run_in_order(
          first_ + 1, n, threads,
          [&](std::size_t i) {
            try {  // out of memory on a huge image: named, never std::terminate from a worker thread
              errors[i] = place(detail::decode_image(files_[i], c), i, base + i * stride, h, w, fatal[i]);
            } catch (const std::exception& e) {
              errors[i] = "ImageFolder: " + files_[i].string() + ": " + e.what();
              fatal[i] = 1;
            }
            reached[i] = 1;
            return detail::stops_reading(errors[i], fatal[i], skip);
          },
          options_.progress(), "ImageFolder: cannot start a decoding thread",
          "set ImageFolderOptions().threads(n) lower");
    }
    // The decoded files are a prefix, so the first error (raised here, in file order, before any file left undecoded
    // is reached) is the same for any thread count.
    std::vector<std::int64_t> keep;
    for (std::size_t i = 0; i < n; ++i) {
      TORCH_CHECK(reached[i] || !errors[i].empty(), "ImageFolder: ", files_[i].string(),
                  " was never decoded (internal error)");
      if (errors[i].empty()) {
        keep.push_back(static_cast<std::int64_t>(i));
        continue;
      }
      TORCH_CHECK(skip && !fatal[i], errors[i]);
      skipped_.push_back({files_[i], errors[i]});
    }
    if (skipped_.empty()) {
      data_.images = images;
      paths_ = files_;
    } else {
      const auto idx = at::tensor(keep, at::TensorOptions().dtype(at::kLong));
      data_.images = images.index_select(0, idx);
      for (auto k : keep) paths_.push_back(files_[static_cast<std::size_t>(k)]);
    }
    std::vector<std::int64_t> labels;
    for (auto k : keep) labels.push_back(labels_[static_cast<std::size_t>(k)]);
    data_.targets = at::tensor(labels, at::TensorOptions().dtype(at::kLong));
    check_dataset(data_, "ImageFolder " + root_.string());
  }

  std::filesystem::path root_;
  ImageFolderOptions options_;
  std::vector<std::filesystem::path> files_;
  std::vector<std::int64_t> labels_;
  std::size_t first_ = 0;
  Dataset data_;
  std::vector<std::filesystem::path> paths_;
  std::vector<SkippedImage> skipped_;
};

}  // namespace data
}  // namespace superconv
