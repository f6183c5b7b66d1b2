#include <superconv/optim/lr_range_test.hpp>

#include "support.hpp"

#include <superconv/data/cifar10.hpp>
#include <superconv/data/device_loader.hpp>
#include <superconv/nn/custom_resnet.hpp>
#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>

#include <cmath>

using namespace superconv::optim;

namespace {
bool same_params(torch::nn::Module& a, const std::vector<at::Tensor>& saved) {
  std::size_t i = 0;
  for (const auto& p : a.parameters())
    if (!at::equal(p, saved[i++])) return false;
  return true;
}
}  // namespace

TEST_CASE("LRRangeTest sweeps, stops at divergence, suggests inside the sweep, restores everything",
          "[optim][lr_range_test]") {
  torch::manual_seed(0);
  torch::nn::Linear model(8, 1);
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  auto x = at::randn({256, 8}), w = at::randn({8, 1}), y = x.mm(w);
  // Give the optimizer state (a momentum buffer) to restore.
  sgd.zero_grad();
  torch::nn::functional::mse_loss(model(x), y).backward();
  sgd.step();
  std::vector<at::Tensor> before;
  for (const auto& p : model->parameters()) before.push_back(p.detach().clone());
  LRRangeTest finder(*model, sgd, LRRangeTestOptions(1e-4, 100, 120));
  CHECK(finder.lr_at(0) == Approx(1e-4));
  CHECK(finder.lr_at(119) == Approx(100));
  auto r = finder.run([&](std::int64_t i) {
    auto xb = x.narrow(0, (i * 32) % 256, 32), yb = y.narrow(0, (i * 32) % 256, 32);
    return torch::nn::functional::mse_loss(model(xb), yb);
  });
  CHECK(r.lrs.size() < 120);  // diverged before the end
  CHECK_THAT(r.stop_reason, SC_CONTAINS("iteration"));
  for (auto s : {Suggestion::kSteepest, Suggestion::kValley, Suggestion::kMinLoss}) {
    INFO(to_string(s));
    CHECK(r.suggestion(s) >= r.lrs.front());
    CHECK(r.suggestion(s) <= r.lrs.back());
  }
  CHECK(same_params(*model, before));
  CHECK(sgd.param_groups()[0].options().get_lr() == 0.05);
  // The momentum buffer is back: one more step equals the step an untouched twin takes.
  torch::manual_seed(0);
  torch::nn::Linear twin(8, 1);
  torch::optim::SGD sgd2(twin->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  sgd2.zero_grad();
  torch::nn::functional::mse_loss(twin(x), y).backward();
  sgd2.step();  // the twin's first step, as the model had before the sweep
  sgd.zero_grad();
  sgd2.zero_grad();
  torch::nn::functional::mse_loss(model(x), y).backward();
  sgd.step();
  torch::nn::functional::mse_loss(twin(x), y).backward();
  sgd2.step();
  CHECK(at::equal(model->weight, twin->weight));
}

TEST_CASE("LRRangeTest: a NaN loss ends the sweep, bad options", "[optim][lr_range_test]") {
  torch::nn::Linear model(2, 1);
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.1));
  LRRangeTest finder(*model, sgd, LRRangeTestOptions(1e-3, 1, 50));
  auto r = finder.run([&](std::int64_t i) {
    auto l = model(at::ones({1, 2})).sum() * 0 + 1.0 / (i + 1);
    return i == 30 ? l * NAN : l;
  });
  CHECK(r.lrs.size() == 31);
  CHECK_THAT(r.stop_reason, SC_CONTAINS("non-finite at iteration 30"));
  CHECK_THROWS_WITH(LRRangeTest(*model, sgd, LRRangeTestOptions(1, 0.1, 10)),
                    SC_CONTAINS("end_lr (0.1) must exceed start_lr (1)"));
  CHECK_THROWS_WITH(suggestion_from_string("fast"), SC_CONTAINS("unknown suggestion 'fast'"));
}

TEST_CASE("LRRangeTest on real CIFAR-10: suggestion inside the sweep, weights unchanged",
          "[optim][lr_range_test][real]") {
  const auto dir = sc_test::real_data_dir();
  if (dir.empty()) SC_SKIP(sc_test::kNoData);
  auto data = superconv::data::Cifar10(dir, superconv::data::Split::kTrain).limit(2048);
  superconv::data::DeviceLoader loader(data.images(), data.targets(),
                                       superconv::data::DeviceLoaderOptions(128)
                                           .mean(superconv::data::cifar10_mean())
                                           .std(superconv::data::cifar10_std()));
  torch::manual_seed(1);
  superconv::nn::CustomResNet model(superconv::nn::CustomResNetOptions().width(8));
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9).nesterov(true));
  std::vector<at::Tensor> before;
  for (const auto& p : model->parameters()) before.push_back(p.detach().clone());
  loader.start_epoch();
  auto r = LRRangeTest(*model, sgd, LRRangeTestOptions(1e-4, 10, 40)).run([&](std::int64_t i) {
    auto b = loader.get(i % loader.size());
    return torch::nn::functional::cross_entropy(model(b.input), b.target);
  });
  REQUIRE(std::isfinite(r.valley));
  CHECK(r.valley > 1e-4);
  CHECK(r.valley < 10);
  CHECK(r.smoothed.front() > 2.0);  // near ln(10) at the start
  CHECK(same_params(*model, before));
}
