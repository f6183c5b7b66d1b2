// cifar10_resnet's data: the data set chosen with --dataset (CIFAR-10, CIFAR-100 or a folder of images), its train
// and test parts, the normalisation constants (CIFAR-10's published ones; measured on the training set otherwise),
// and the model card they imply (classes, input size, normalisation).
#pragma once

#include <superconv/data/cifar10.hpp>
#include <superconv/data/cifar100.hpp>
#include <superconv/data/dataset.hpp>
#include <superconv/data/image_folder.hpp>
#include <superconv/data/device_loader.hpp>
#include <superconv/io/model_card.hpp>
#include <superconv/train/progress.hpp>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

struct RecipeData {
  sc::data::Dataset train, test;
  std::vector<double> mean, std;        // [0, 1] units, per channel
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

inline RecipeData load_data(const Hyperparameters& h, std::ostream* log) {
  namespace D = sc::data;
  RecipeData d;
  if (h.dataset == "cifar10") {
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
  card.width = h.width, card.logit_scale = h.logit_scale, card.classes = data.train.classes;
  card.num_classes = static_cast<std::int64_t>(data.train.classes.size()), card.in_channels = data.train.channels();
  card.image_height = data.train.height(), card.image_width = data.train.width();
  card.mean = data.mean, card.std = data.std;
  return card;
}
