// imagenet_resnet's data: --train-dir and --test-dir as streamed sources (an ImageNet-layout folder or shards), their
// classes checked against each other before any training, the normalisation measured on the training images; and
// the model card predict rebuilds the model from.
#pragma once

#include <superconv/data/sample_source.hpp>
#include <superconv/data/streaming_loader.hpp>
#include <superconv/io/model_card.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

struct RecipeData {
  std::shared_ptr<sc::data::SampleSource> train, test;
  std::vector<double> mean, std;
  std::vector<std::string> test_files;  // each test record's file (or shard:member), for predictions.csv
};

// Shards when the folder holds .tar files (--dataset auto), an image folder otherwise.
inline bool holds_shards(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".tar") return true;
  }
  return false;
}

inline RecipeData load_data(const Hyperparameters& h, std::ostream* log) {
  namespace D = sc::data;
  const bool shards = h.dataset == "shards" || (h.dataset == "auto" && holds_shards(h.train_dir));
  auto source = [&](const std::string& dir, std::int64_t limit) {
    auto s = std::make_shared<D::SampleSource>(shards ? D::shard_source({dir}, h.bad_images == "skip")
                                                      : D::folder_source(dir));
    if (limit > 0 && limit < s->size()) s->records.resize(static_cast<std::size_t>(limit));
    return s;
  };
  RecipeData d;
  d.train = source(h.train_dir, h.train_limit), d.test = source(h.test_dir, h.test_limit);
  TORCH_CHECK(d.train->classes == d.test->classes, "--test-dir ", h.test_dir, " has other classes (",
              d.test->classes.size(), ") than --train-dir ", h.train_dir, " (", d.train->classes.size(),
              "): they must be the same folders");
  for (const auto& r : d.test->records) d.test_files.push_back(d.test->where(r));
  const auto n = std::min<std::int64_t>(1000, d.train->size());  // normalisation: evaluation crops spread over the set
  const auto sample = D::StreamingLoader(d.train, D::StreamingLoaderOptions(h.image_size).workers(1))
                          .images(at::arange(n, at::kLong) * d.train->size() / n);
  std::tie(d.mean, d.std) = D::channel_mean_std(D::Dataset{sample, at::zeros({n}, at::kLong), d.train->classes});
  if (log)
    *log << fmt::format("data {} {} (train, {} images) and {} (test, {}), {} classes, streamed\n",
                        shards ? "shards" : "folder", h.train_dir, d.train->size(), h.test_dir, d.test->size(),
                        d.train->classes.size());
  return d;
}

// The card predict rebuilds the model from: the architecture, the classes, the evaluation crop, the normalisation.
inline sc::io::ModelCard model_card(const Hyperparameters& h, const RecipeData& data) {
  sc::io::ModelCard card;
  card.architecture = h.arch, card.classes = data.train->classes;
  card.num_classes = static_cast<std::int64_t>(card.classes.size());
  card.image_height = card.image_width = h.image_size;
  card.resize = "center_crop";  // Resize(image size / 0.875) + CenterCrop, as the test set was read
  card.mean = data.mean, card.std = data.std;
  return card;
}
