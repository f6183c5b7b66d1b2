#include <superconv/train/replicas.hpp>

#include "support.hpp"

#include <superconv/data/device_loader.hpp>
#include <superconv/train/trainer.hpp>

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>

namespace sc = superconv;

namespace {
struct NetImpl : torch::nn::Module {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
  NetImpl()
      : fc1(register_module("fc1", torch::nn::Linear(48, 8))),
        fc2(register_module("fc2", torch::nn::Linear(8, 3))),
        bn(register_module("bn", torch::nn::BatchNorm1d(8))) {}
  at::Tensor forward(const at::Tensor& x) { return fc2(at::relu(bn(fc1(x.flatten(1))))); }
};
TORCH_MODULE(Net);

std::pair<std::vector<at::Tensor>, std::vector<sc::train::EpochStats>> train(const sc::train::ReplicasPtr& replicas) {
  auto g = sc::make_generator(c10::Device(c10::kCPU), 1);
  auto images = at::randint(0, 256, {200, 3, 4, 4}, g, at::kByte);
  auto targets = at::randint(0, 3, {200}, g, at::kLong);
  sc::data::DeviceLoader tr(images, targets, sc::data::DeviceLoaderOptions(32).seed(1));
  sc::data::DeviceLoader te(images, targets, sc::data::DeviceLoaderOptions(64).shuffle(false));
  torch::manual_seed(3);
  Net net;
  torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  sc::train::Trainer t(net, sgd, nullptr, sc::train::TrainerOptions().replicas(replicas));
  t.fit(tr, te, 2);
  std::vector<at::Tensor> state;
  for (const auto& p : net->parameters()) state.push_back(p.detach().clone());
  for (const auto& b : net->buffers()) state.push_back(b.detach().clone());
  return {state, t.history()};
}
}  // namespace

TEST_CASE("Replicas: one process is the identity", "[train][replicas]") {
  sc::train::Replicas one;
  CHECK(one.rank() == 0);
  CHECK(one.size() == 1);
  CHECK(one.is_main());
  auto t = at::arange(4, at::kFloat);
  one.all_reduce_sum(t);
  one.broadcast(t, 0);
  CHECK(at::equal(t, at::arange(4, at::kFloat)));
  CHECK(at::equal(one.all_gather(t), t));
  CHECK(one.any(true));
  CHECK_FALSE(one.any(false));
  CHECK_FALSE(sc::train::is_distributed(nullptr));
  CHECK_FALSE(sc::train::is_distributed(std::make_shared<sc::train::Replicas>()));
}

TEST_CASE("Replicas: collectives take temporaries, p.grad() and const tensors", "[train][replicas]") {
  // Tensors are handles: the collectives take `const at::Tensor&` and still write in place, so these compile.
  struct Doubling : sc::train::Replicas {
    void all_reduce_sum(const at::Tensor& t) override { t.mul_(2); }
    void broadcast(const at::Tensor& t, int) override { t.add_(1); }
  } twice;
  auto p = at::ones({3}).requires_grad_();
  p.mutable_grad() = at::full({3}, 2.0);
  twice.all_reduce_sum(p.grad());
  CHECK(p.grad().equal(at::full({3}, 4.0)));
  const auto c = at::zeros({2});
  twice.broadcast(c, 0);
  CHECK(c.equal(at::ones({2})));
  twice.all_reduce_sum(at::ones({2}));  // a temporary
  sc::train::Replicas one;
  one.average_gradients(*torch::nn::Linear(2, 2), at::zeros({3}));
}

TEST_CASE("Replicas: a trainer given one process trains bit for bit as without", "[train][replicas]") {
  const auto a = train(nullptr);
  const auto b = train(std::make_shared<sc::train::Replicas>());
  REQUIRE(a.first.size() == b.first.size());
  for (std::size_t i = 0; i < a.first.size(); ++i) CHECK(at::equal(a.first[i], b.first[i]));
  REQUIRE(a.second.size() == 2);
  for (std::size_t e = 0; e < 2; ++e) {
    CHECK(a.second[e].train_loss == b.second[e].train_loss);
    CHECK(a.second[e].test_acc == b.second[e].test_acc);
  }
}
