// cifar10_speedrun's data: CIFAR-10 from its binary files, or from WebDataset shards (--shards DIR: DIR/train and
// DIR/test, as superconv_shards writes them) read into memory - or, with --stream, the training shards read as
// training goes (data::StreamingLoader).
#pragma once

#include <superconv/data/cifar10.hpp>
#include <superconv/data/sample_source.hpp>
#include <superconv/data/source_dataset.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

// The data every seed shares: CIFAR-10 (the binary files, or --shards), or its first --train-limit / --test-limit
// records; with --stream the training shards' records, read as training goes.
struct Data {
  sc::data::Dataset train, test;
  std::shared_ptr<sc::data::SampleSource> stream;
};
Data load_cifar10(const Hyperparameters& h) {
  namespace D = sc::data;
  Data d;
  std::string from = h.shards;
  if (h.shards.empty()) {
    const auto root = D::resolve_cifar10_dir(h.data);
    from = root.string();
    d = {D::Cifar10(root, D::Split::kTrain).limit(h.train_limit).dataset(),
         D::Cifar10(root, D::Split::kTest).limit(h.test_limit).dataset(), nullptr};
  } else {
    auto train = D::shard_source({fs::path(h.shards) / "train"});
    if (h.train_limit > 0 && h.train_limit < train.size())
      train.records.resize(static_cast<std::size_t>(h.train_limit));
    d.test = D::read_source(D::shard_source({fs::path(h.shards) / "test"}), h.test_limit);
    if (h.stream) d.stream = std::make_shared<D::SampleSource>(std::move(train));
    if (!h.stream) d.train = D::read_source(train);
  }
  std::cout << fmt::format("data CIFAR-10 {}{}: train {}, test {}\n", from, h.stream ? " (training set streamed)" : "",
                           d.stream ? d.stream->size() : d.train.size(), d.test.size());
  return d;
}
