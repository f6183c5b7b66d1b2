// Multi-process scenarios for superconv::distributed: each runs as one rank of a world (a worker process that the
// test launches, or torchrun launches), and the single-process references the tests compare them with.
#pragma once

#include <superconv/data/device_loader.hpp>
#include <superconv/distributed/environment.hpp>
#include <superconv/distributed/process_group.hpp>
#include <superconv/train/interrupt.hpp>
#include <superconv/train/trainer.hpp>

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>
#include <torch/serialize.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

namespace sc_dist {

namespace sc = superconv;
namespace fs = std::filesystem;

constexpr std::int64_t kGlobalBatch = 512, kRecords = 2048, kTestRecords = 300, kEpochs = 2;

/// A tiny model whose result does not depend on batch statistics (no BatchNorm).
struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).padding(1)));
    fc = register_module("fc", torch::nn::Linear(16, 10));
  }
  at::Tensor forward(const at::Tensor& x) {
    return fc->forward(at::adaptive_avg_pool2d(at::relu(conv->forward(x)), {2, 2}).flatten(1));
  }
  torch::nn::Conv2d conv{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(Tiny);
inline Tiny tiny_model() {
  torch::manual_seed(7);
  return Tiny();
}

struct Data {
  at::Tensor images, targets, test_images, test_targets;
};
inline Data tiny_data() {
  auto g = sc::make_generator(c10::Device(c10::kCPU), 11);
  Data d;
  d.images = at::randint(0, 256, {kRecords, 3, 8, 8}, g, at::kByte);
  d.targets =
      (d.images.to(at::kFloat).mean({1, 2, 3}) > 127.5).to(at::kLong) + at::randint(0, 2, {kRecords}, g, at::kLong);
  d.test_images = at::randint(0, 256, {kTestRecords, 3, 8, 8}, g, at::kByte);
  d.test_targets = at::randint(0, 3, {kTestRecords}, g, at::kLong);
  return d;
}

/// What a training run leaves for comparison.
struct Outcome {
  std::vector<at::Tensor> params;
  std::vector<sc::train::EpochStats> history;
};

/// Trains the tiny model for kEpochs on `replicas` (global batch kGlobalBatch split over the ranks); `options`
/// and `hooks` may add to the trainer before fit().
inline Outcome train_tiny(const sc::train::ReplicasPtr& replicas,
                          const std::function<void(sc::train::TrainerOptions&)>& options = {},
                          const std::function<void(sc::train::Trainer&)>& hooks = {}) {
  const int rank = replicas ? replicas->rank() : 0, world = replicas ? replicas->size() : 1;
  const auto d = tiny_data();
  auto opts = sc::data::DeviceLoaderOptions(kGlobalBatch / world).seed(3).rank(rank).world_size(world);
  sc::data::DeviceLoader train(d.images, d.targets, opts);
  sc::data::DeviceLoader test(d.test_images, d.test_targets, opts.batch_size(64 / world).shuffle(false));
  auto model = tiny_model();
  auto sgd_opts = torch::optim::SGDOptions(0.05).momentum(0.9).nesterov(true).weight_decay(5e-4);
  torch::optim::SGD sgd(model->parameters(), sgd_opts);
  auto topts = sc::train::TrainerOptions().replicas(replicas);
  if (options) options(topts);
  sc::train::Trainer trainer(model, sgd, nullptr, topts);
  if (hooks) hooks(trainer);
  trainer.fit(train, test, kEpochs);
  Outcome o;
  for (const auto& p : model->parameters()) o.params.push_back(p.detach().clone());
  o.history = trainer.history();
  return o;
}

inline void save_outcome(const Outcome& o, const fs::path& file) {
  std::vector<at::Tensor> all = o.params;
  for (const auto& s : o.history) all.push_back(at::tensor(s.to_vector(), at::kDouble));
  torch::save(all, file.string());
}
inline Outcome load_outcome(const fs::path& file, std::size_t num_params) {
  std::vector<at::Tensor> all;
  torch::load(all, file.string());
  Outcome o;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i < num_params) {
      o.params.push_back(all[i]);
    } else {
      o.history.push_back(sc::train::EpochStats::from_vector(all[i].contiguous().data_ptr<double>()));
    }
  }
  return o;
}

inline void expect(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("check failed: " + what);
}

/// The replicas a worker runs with: torchrun's environment ("env"), or FileStore `dir`/store.
inline sc::train::ReplicasPtr join(const std::string& how, int rank, int world, const fs::path& dir,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  if (how == "env") return sc::distributed::from_environment(sc::distributed::ProcessGroupOptions().timeout(timeout));
  return std::make_shared<sc::distributed::ProcessGroup>(
      sc::distributed::ProcessGroupOptions(rank, world).file_store((dir / "store").string()).timeout(timeout));
}

}  // namespace sc_dist
