// cifar10_resnet's data: the data set chosen with --dataset (CIFAR-10, CIFAR-100, a folder of images or WebDataset
// shards), its train and test parts - in memory, or streamed (--stream: the records, read as training goes) -, the
// normalisation constants (CIFAR-10's published ones; measured on the training set otherwise), and the model card
// they imply (classes, input size, normalisation).
#pragma once

#include <superconv/data/cifar10.hpp>
#include <superconv/data/cifar100.hpp>
#include <superconv/data/dataset.hpp>
#include <superconv/data/image_folder.hpp>
#include <superconv/data/device_loader.hpp>
#include <superconv/data/sample_source.hpp>
#include <superconv/data/source_dataset.hpp>
#include <superconv/data/streaming_loader.hpp>
#include <superconv/system/memory.hpp>
#include <superconv/io/model_card.hpp>
#include <superconv/io/run_pictures.hpp>
#include <superconv/transforms/compose.hpp>
#include <superconv/transforms/cutout.hpp>
#include <superconv/transforms/flip_lr.hpp>
#include <superconv/transforms/random_crop.hpp>
#include <superconv/train/progress.hpp>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <tuple>
#include <utility>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

struct RecipeData {
  sc::data::Dataset train, test;                                      // streamed: no images, only the classes
  std::shared_ptr<sc::data::SampleSource> train_stream, test_stream;  // set when streaming
  std::vector<double> mean, std;                                      // [0, 1] units, per channel
  std::vector<std::string> test_files;  // a test folder's file per record (predictions.csv's "file" column)
  std::string source;                   // what was read, for the log
};

// The first n records (n = 0: all).
inline sc::data::Dataset first(const sc::data::Dataset& d, std::int64_t n) {
  return n > 0 && n < d.size() ? sc::data::subset(d, at::arange(n, at::kLong)) : d;
}

// A folder of class folders, decoded on every core with a progress bar on `log` (none when null).
inline sc::data::ImageFolder read_folder(const Hyperparameters& h, const std::string& dir, std::ostream* log) {
  std::optional<sc::train::ProgressBar> bar;  // from the first report on: the rate counts the files after it
  std::int64_t first = 0;
  auto opts = sc::data::ImageFolderOptions()
                  .size(h.image_size, h.image_size)
                  .on_error(h.bad_images == "skip" ? sc::data::OnBadImage::kSkip : sc::data::OnBadImage::kStop);
  if (log) {
    opts.progress([&bar, &first, log, dir](std::int64_t done, std::int64_t total) {
      if (!bar && done == total) return;  // done before the first report: nothing to show
      if (!bar) bar.emplace(*log, total, "decode " + dir, sc::train::ProgressMode::kAuto), first = done;
      bar->update(done, done - first, "");
      if (done == total) bar->finish();
    });
  }
  sc::data::ImageFolder folder(dir, opts);
  if (log && !folder.skipped().empty()) {
    *log << fmt::format("{}: skipped {} unreadable image(s), first {}: {}\n", dir, folder.skipped().size(),
                        folder.skipped().front().path.string(), folder.skipped().front().reason);
  }
  return folder;
}

// Whether a folder or shards stream: --stream on, or auto with shards, or a folder whose images at --image-size would
// take more than half the memory available.
inline bool streams(const Hyperparameters& h) {
  if (h.dataset != "folder" && h.dataset != "shards") return false;
  if (h.stream != "auto") return h.stream == "on";
  if (h.dataset == "shards" || h.test_dir.empty()) return h.dataset == "shards";
  const auto bytes = static_cast<double>(sc::data::folder_source(h.train_dir).size()) * 3.0 *
                     static_cast<double>(h.image_size * h.image_size);
  const auto available = static_cast<double>(sc::system::available_memory());
  return available > 0 && bytes > available / 2;
}

// The records of --train-dir and --test-dir, streamed; the normalisation measured on up to 1,000 training records
// spread over the set (their evaluation crops).
inline RecipeData load_streamed(const Hyperparameters& h, std::ostream* log) {
  namespace D = sc::data;
  auto source = [&](const std::string& dir) {
    auto s = h.dataset == "shards" ? D::shard_source({dir}, h.bad_images == "skip") : D::folder_source(dir);
    return std::make_shared<D::SampleSource>(std::move(s));
  };
  RecipeData d;
  d.train_stream = source(h.train_dir), d.test_stream = source(h.test_dir);
  TORCH_CHECK(d.train_stream->classes == d.test_stream->classes, "--test-dir ", h.test_dir,
              " has other classes than --train-dir ", h.train_dir, ": they must be the same");
  for (auto [set, limit] : {std::pair{d.train_stream, h.train_limit}, std::pair{d.test_stream, h.test_limit}}) {
    if (limit > 0 && limit < set->size()) set->records.resize(static_cast<std::size_t>(limit));
  }
  d.train.classes = d.test.classes = d.train_stream->classes;
  for (const auto& r : d.test_stream->records) d.test_files.push_back(d.test_stream->where(r));  // file or shard:member
  const auto n = std::min<std::int64_t>(1000, d.train_stream->size());
  const auto sample = D::StreamingLoader(d.train_stream, D::StreamingLoaderOptions(h.image_size).workers(1))
                          .images(at::arange(n, at::kLong) * d.train_stream->size() / n);
  std::tie(d.mean, d.std) = D::channel_mean_std(D::Dataset{sample, at::zeros({n}, at::kLong), d.train.classes});
  d.source = fmt::format("{} {} (train) and {} (test), streamed", h.dataset, h.train_dir, h.test_dir);
  if (log)
    *log << fmt::format("data {}: train {}, test {}, {} classes, {}x{} crops\n", d.source, d.train_stream->size(),
                        d.test_stream->size(), d.train.classes.size(), h.image_size, h.image_size);
  return d;
}

inline RecipeData load_data(const Hyperparameters& h, std::ostream* log) {
  namespace D = sc::data;
  if (streams(h)) return load_streamed(h, log);
  RecipeData d;
  if (h.dataset == "shards") {  // --stream off: shards of one image size, read into memory
    d.train = D::read_source(D::shard_source({h.train_dir}));
    d.test = D::read_source(D::shard_source({h.test_dir}));
    d.source = fmt::format("shards {} (train) and {} (test)", h.train_dir, h.test_dir);
  } else if (h.dataset == "cifar10") {
    const auto root = D::resolve_cifar10_dir(h.data);
    d.train = D::Cifar10(root, D::Split::kTrain).dataset();
    d.test = D::Cifar10(root, D::Split::kTest).dataset();
    d.mean = D::cifar10_mean(), d.std = D::cifar10_std();
    d.source = "CIFAR-10 " + root.string();
  } else if (h.dataset == "cifar100") {
    const auto root = D::resolve_cifar100_dir(h.data);
    const auto labels =
        D::Cifar100Options().labels(h.labels == "coarse" ? D::Cifar100Labels::kCoarse : D::Cifar100Labels::kFine);
    d.train = D::Cifar100(root, D::Split::kTrain, labels).dataset();
    d.test = D::Cifar100(root, D::Split::kTest, labels).dataset();
    d.source = fmt::format("CIFAR-100 ({} labels) {}", h.labels, root.string());
  } else {  // folder
    const auto train = read_folder(h, h.train_dir, log);
    d.train = train.dataset();
    if (!h.test_dir.empty()) {
      const auto test = read_folder(h, h.test_dir, log);
      TORCH_CHECK(test.class_names() == train.class_names(), "--test-dir ", h.test_dir, " has classes [",
                  fmt::format("{}", fmt::join(test.class_names(), ", ")), "], --train-dir ", h.train_dir, " has [",
                  fmt::format("{}", fmt::join(train.class_names(), ", ")), "]: they must be the same folders");
      d.test = test.dataset();
      for (const auto& p : test.paths()) d.test_files.push_back(p.string());
      d.source = fmt::format("image folders {} (train) and {} (test)", h.train_dir, h.test_dir);
    } else {
      std::tie(d.train, d.test) = D::split(d.train, h.holdout, h.split_seed);
      d.source = fmt::format("image folder {} ({:g} held out for testing, split seed {})", h.train_dir, h.holdout,
                             h.split_seed);
    }
  }
  d.train = first(d.train, h.train_limit), d.test = first(d.test, h.test_limit);
  if (h.test_limit > 0 && !d.test_files.empty()) d.test_files.resize(static_cast<std::size_t>(d.test.size()));
  if (d.mean.empty()) std::tie(d.mean, d.std) = D::channel_mean_std(d.train);  // measured on what trains
  if (log)
    *log << fmt::format("data {}: train {}, test {}, {} classes, {}x{}x{}\n", d.source, d.train.size(), d.test.size(),
                        d.train.classes.size(), d.train.channels(), d.train.height(), d.train.width());
  return d;
}

// What predict (and Python, examples/python/custom_resnet.py) needs to rebuild the trained model: config.json's
// "model".
inline sc::io::ModelCard model_card(const Hyperparameters& h, const RecipeData& data) {
  sc::io::ModelCard card;
  const bool streamed = data.train_stream != nullptr;
  card.width = h.width, card.logit_scale = h.logit_scale, card.classes = data.train.classes;
  card.num_classes = static_cast<std::int64_t>(data.train.classes.size());
  card.in_channels = streamed ? 3 : data.train.channels();
  card.image_height = streamed ? h.image_size : data.train.height();
  card.image_width = streamed ? h.image_size : data.train.width();
  card.mean = data.mean, card.std = data.std;
  if (streamed) card.resize = "center_crop";  // as the streamed test set was cropped (resize_size 0: size / 0.875)
  return card;
}

// The loaders of a run, handed to `rest(train, test, test_images)`: DeviceLoaders over the sets in memory, augmented
// on the device (RandomCrop with padding 4, flip, Cutout); or StreamingLoaders, cropped and flipped as torchvision's
// RandomResizedCrop and RandomHorizontalFlip do while they decode, then Cutout on the device.
template <typename Rest>
sc::io::Json with_loaders(const Hyperparameters& h, const RecipeData& data, sc::data::DeviceLoaderOptions opts,
                          Rest&& rest) {
  namespace T = sc::transforms;
  if (data.train_stream) {
    auto so = sc::data::StreamingLoaderOptions(h.image_size).workers(static_cast<int>(h.workers)).batches(opts);
    sc::data::StreamingLoader train(data.train_stream, so.skip_bad(h.bad_images == "skip"));
    sc::data::StreamingLoader test(data.test_stream, so.augment(false).batches(opts.shuffle(false)));
    train.set_transform(T::Cutout());
    std::cout << "streaming: " << train.describe() << "\n";
    return rest(train, test, [&test](const at::Tensor& r) { return test.images(r); });
  }
  sc::data::DeviceLoader train(data.train.images, data.train.targets, opts);
  sc::data::DeviceLoader test(data.test.images, data.test.targets, opts.shuffle(false));
  const auto size = data.train.height();  // square: 32 for CIFAR, --image-size for a folder
  train.set_transform(T::Compose(T::RandomCrop(T::RandomCropOptions(size).padding(4)), T::FlipLR(), T::Cutout()));
  return rest(train, test, sc::io::images_in(data.test.images));
}
