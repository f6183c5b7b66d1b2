#include <superconv/train/lookahead.hpp>

#include "support.hpp"

#include "devices.hpp"

#include <superconv/data/device_loader.hpp>
#include <superconv/random.hpp>

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>

#include <cmath>

namespace sc = superconv;
using sc::train::Lookahead;
using sc::train::LookaheadOptions;

TEST_CASE("Lookahead: the published decay schedule, the average and the copy-back by hand", "[train][lookahead]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      torch::nn::Sequential model(torch::nn::Linear(1, 1), torch::nn::BatchNorm1d(1));
      model->to(dev);
      auto w = model->parameters()[0];
      {
        at::NoGradGuard g;
        w.fill_(1.0);
      }
      Lookahead la(*model, LookaheadOptions(10).every(2));
      CHECK(la.decay_at(5) == Approx(std::pow(0.95, 5) * 0.125));
      CHECK(la.decay_at(10) == Approx(std::pow(0.95, 5)));
      // Linear weight and bias, BatchNorm weight, bias, running mean and var; num_batches_tracked (long) is not.
      CHECK(la.average().size() == 6);
      auto set = [&](double v) {
        at::NoGradGuard g;
        w.fill_(v);
      };
      set(3.0), la.after_step(1);  // not a multiple of 2: nothing
      CHECK(w.item<double>() == 3.0);
      CHECK_FALSE(la.started());
      set(5.0), la.after_step(2);  // the average starts as a copy: 5
      CHECK(la.started());
      CHECK(w.item<double>() == 5.0);
      set(1.0), la.after_step(4);  // average 5 -> toward 1 with weight 1 - d, copied back
      const double d4 = la.decay_at(4), avg4 = d4 * 5.0 + (1 - d4) * 1.0;
      CHECK(w.item<double>() == Approx(avg4));
      CHECK(la.average()[0].item<double>() == Approx(avg4));
      set(7.0), la.after_step(5, true);  // an epoch's end: the weights become the average
      CHECK(w.item<double>() == Approx(avg4));
      set(-1.0), la.after_step(9), la.after_step(10);  // step 10: update, then the run ends on the average
      const double d10 = la.decay_at(10), avg10 = d10 * avg4 + (1 - d10) * -1.0;
      CHECK(w.item<double>() == Approx(avg10));
      Lookahead late(*model, LookaheadOptions(10).every(2).start_after(6));
      late.after_step(6);
      CHECK_FALSE(late.started());
      late.after_step(8);
      CHECK(late.started());
      CHECK_THROWS_WITH(Lookahead(*model, LookaheadOptions(0)), SC_CONTAINS("total_steps must be > 0, got 0"));
      CHECK_THROWS_WITH(Lookahead(*model, LookaheadOptions(5).decay(1.5)),
                        SC_CONTAINS("decay must be in [0, 1], got 1.5"));
    }
  }
}

namespace {
/// conv > BatchNorm > ReLU > mean > linear: parameters and BatchNorm buffers to average.
struct TinyNetImpl : torch::nn::Module {
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d norm{nullptr};
  torch::nn::Linear fc{nullptr};
  TinyNetImpl()
      : conv(register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).padding(1)))),
        norm(register_module("norm", torch::nn::BatchNorm2d(4))),
        fc(register_module("fc", torch::nn::Linear(4, 3))) {}
  at::Tensor forward(const at::Tensor& x) { return fc(at::relu(norm(conv(x))).mean({2, 3})); }
};
TORCH_MODULE(TinyNet);

std::vector<at::Tensor> train_run(std::int64_t epochs, const std::string& ckpt, bool resume, bool lookahead = true) {
  torch::manual_seed(1);
  auto g = sc::make_generator(c10::kCPU, 4);
  const auto images = at::randint(0, 256, {96, 3, 8, 8}, g, at::kLong).to(at::kByte);
  const auto targets = at::randint(0, 3, {96}, g, at::kLong);
  sc::data::DeviceLoader train(images, targets, sc::data::DeviceLoaderOptions(32).seed(2));
  TinyNet model;
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.2).momentum(0.9));
  sc::train::Trainer trainer(model, sgd, nullptr,
                             sc::train::TrainerOptions().checkpoint(ckpt).progress(sc::train::ProgressMode::kNone));
  Lookahead la(*model, LookaheadOptions(3 * train.size()).every(2).start_after(train.size()));
  if (lookahead) la.attach(trainer);
  if (resume) trainer.load_checkpoint(ckpt, train);
  trainer.fit(train, train, epochs);
  std::vector<at::Tensor> out;
  for (const auto& p : model->parameters()) out.push_back(p.detach().clone());
  for (const auto& b : model->buffers()) out.push_back(b.detach().clone());
  if (lookahead && epochs == 3) {  // the run ended on the average
    for (std::size_t i = 0; i < la.average().size(); ++i) CHECK(at::equal(la.average()[i], out[i]));
  }
  return out;
}
}  // namespace

TEST_CASE("Lookahead: a Trainer hook whose average is in the checkpoint: 2 epochs + resume equals 3 straight",
          "[train][lookahead][checkpoint]") {
  sc_test::TempDir tmp("lookahead");
  const auto ckpt = (tmp.path / "checkpoint.pt").string();
  const auto straight = train_run(3, "", false);
  train_run(2, ckpt, false);
  const auto resumed = train_run(3, ckpt, true);
  REQUIRE(straight.size() == resumed.size());
  for (std::size_t i = 0; i < straight.size(); ++i) CHECK(at::equal(straight[i], resumed[i]));
  // Without the hook the run differs (the average matters), and a checkpoint without its state is refused.
  const auto plain = train_run(3, "", false, false);
  CHECK_FALSE(at::allclose(plain[0], straight[0]));
  const auto bare = (tmp.path / "bare.pt").string();
  train_run(2, bare, false, false);
  CHECK_THROWS_WITH(train_run(3, bare, true), SC_CONTAINS("has no 'lookahead' state") && SC_CONTAINS("bare.pt"));
}

TEST_CASE("Lookahead made before the model moves follows it (another dtype here, a GPU where one is seen)",
          "[train][lookahead]") {
  std::vector<std::pair<c10::Device, at::ScalarType>> moves = {{c10::Device(c10::kCPU), at::kDouble}};
  for (const auto& dev : sc_test::devices()) {
    if (dev.is_cuda()) moves.emplace_back(dev, at::kFloat);
  }
  for (const auto& [dev, dtype] : moves) {
    DYNAMIC_SECTION(sc_test::device_name(dev) << " " << dtype) {
      torch::nn::Sequential model(torch::nn::Linear(2, 2), torch::nn::BatchNorm1d(2));
      Lookahead la(*model, LookaheadOptions(10).every(1));  // made on the CPU in float32
      model->to(dev, dtype);
      auto w = model->parameters()[0];
      {
        at::NoGradGuard g;
        w.fill_(2.0);
      }
      la.after_step(1);  // the average starts: a copy of the moved weights
      {
        at::NoGradGuard g;
        w.fill_(4.0);
      }
      CHECK_NOTHROW(la.after_step(2));
      CHECK(la.average()[0].device() == dev);
      CHECK(la.average()[0].scalar_type() == dtype);
      const double d = la.decay_at(2);
      CHECK(w.min().item<double>() == Approx(2 * d + 4 * (1 - d)));  // copied back
    }
  }
}
