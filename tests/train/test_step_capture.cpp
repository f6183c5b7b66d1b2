#include <superconv/train/step_capture.hpp>

#include "support.hpp"

#include "devices.hpp"

#include <superconv/data/device_loader.hpp>
#include <superconv/nn/custom_resnet.hpp>
#include <superconv/optim/fused_sgd.hpp>
#include <superconv/optim/one_cycle.hpp>
#include <superconv/random.hpp>
#include <superconv/train/trainer.hpp>
#include <superconv/transforms/compose.hpp>
#include <superconv/transforms/flip_lr.hpp>
#include <superconv/transforms/random_crop.hpp>

#include <torch/optim/sgd.h>

namespace sc = superconv;
using sc::train::CapturedStep;
using sc::train::EagerCapture;
using sc::train::StepOutputs;

TEST_CASE("CapturedStep: warm-up eager, then capture and replay with static buffers, another shape eager",
          "[train][cuda_graph]") {
  auto capture = std::make_unique<EagerCapture>();
  CapturedStep step(std::move(capture), 2);
  std::vector<float> seen;  // what the step read, call by call
  auto fn = [&](const at::Tensor& x, const at::Tensor& y) {
    seen.push_back(x.sum().item<float>() + y.sum().item<float>());
    return StepOutputs{x.sum(), x * 2, y.to(at::kDouble)};
  };
  auto batch = [](float v, std::int64_t n) { return at::full({n, 2}, v); };
  const auto target = at::zeros({4}, at::kLong);
  step.run(batch(1, 4), target, fn);
  step.run(batch(2, 4), target, fn);
  CHECK_FALSE(step.captured());
  auto out = step.run(batch(3, 4), target, fn);  // captured, then replayed once
  CHECK(step.captured());
  CHECK(out.loss.item<float>() == 24.0f);
  out = step.run(batch(4, 4), target, fn);  // copied into the static input, replayed
  CHECK(out.loss.item<float>() == 32.0f);
  out = step.run(batch(5, 3), target.narrow(0, 0, 3), fn);  // a partial batch: eager
  CHECK(out.loss.item<float>() == 30.0f);
  out = step.run(batch(6, 4).contiguous(), target, fn);
  CHECK(out.loss.item<float>() == 48.0f);
  CHECK(step.replays() == 3);
  CHECK(step.eager_steps() == 3);
  // Warm-up 1 and 2, replays 3, 4, partial 5, replay 6 (capture itself ran nothing).
  CHECK(seen == std::vector<float>{8, 16, 24, 32, 30, 48});
  CHECK_THROWS_WITH(CapturedStep(std::make_unique<EagerCapture>(), 0), SC_CONTAINS("warmup_steps must be >= 1, got 0"));
}

namespace {
/// EagerCapture that counts its replays.
struct CountingCapture final : sc::train::StepCapture {
  std::int64_t* replays;
  EagerCapture inner;
  explicit CountingCapture(std::int64_t* r) : replays(r) {}
  void warmup(const std::function<void()>& step) override { inner.warmup(step); }
  void capture(const std::function<void()>& step) override { inner.capture(step); }
  void replay() override { ++*replays, inner.replay(); }
};

struct Result {
  std::vector<sc::train::EpochStats> history;
  std::vector<at::Tensor> params;
};

/// Trains a width-4 ResNet on 300 random images (batches 128, 128 and a partial 44) with FusedSGD and One Cycle,
/// optionally through a captured step; `stop_after` epochs then a resume from the checkpoint when given.
Result train_small(const c10::Device& dev, bool captured, std::int64_t epochs, const std::string& ckpt = "",
                   bool resume = false, std::int64_t* replays = nullptr) {
  torch::manual_seed(3);
  auto g = sc::make_generator(c10::kCPU, 11);
  const auto images = at::randint(0, 256, {300, 3, 32, 32}, g, at::kLong).to(at::kByte);
  const auto targets = at::randint(0, 10, {300}, g, at::kLong);
  auto opts = sc::data::DeviceLoaderOptions(128).seed(5).device(dev);
  sc::data::DeviceLoader train(images, targets, opts), test(images, targets, opts.shuffle(false));
  namespace T = sc::transforms;
  train.set_transform(T::Compose(T::RandomCrop(), T::FlipLR()));
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
  model->to(dev);
  sc::optim::FusedSGD sgd(model->parameters(),
                          torch::optim::SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(5e-4));
  sc::optim::OneCycle schedule(sgd, sc::optim::OneCycleOptions(0.1, 3 * train.size()).div_factor(10));
  auto topts = sc::train::TrainerOptions().cuda_graph(captured).checkpoint(ckpt).progress_updates(1);
  if (captured && !dev.is_cuda()) {
    topts.step_capture([replays](const at::Device&) -> std::unique_ptr<sc::train::StepCapture> {
      if (replays) return std::make_unique<CountingCapture>(replays);
      return std::make_unique<EagerCapture>();
    });
  }
  sc::train::Trainer trainer(model, sgd, &schedule, topts);
  if (resume) trainer.load_checkpoint(ckpt, train);
  trainer.fit(train, test, epochs);
  CHECK_FALSE(sgd.scalars().following());  // host mode again after fit()
  Result r{trainer.history(), {}};
  for (const auto& p : model->parameters()) r.params.push_back(p.detach().cpu().clone());
  return r;
}

void check_close(const Result& a, const Result& b, double tolerance) {
  REQUIRE(a.history.size() == b.history.size());
  for (std::size_t e = 0; e < a.history.size(); ++e) {
    INFO("epoch " << e + 1);
    CHECK(a.history[e].train_loss == Approx(b.history[e].train_loss).epsilon(tolerance));
    CHECK(a.history[e].test_loss == Approx(b.history[e].test_loss).epsilon(tolerance));
    CHECK(a.history[e].lr == b.history[e].lr);
  }
  double worst = 0;
  for (std::size_t i = 0; i < a.params.size(); ++i) {
    worst = std::max(worst, (a.params[i] - b.params[i]).abs().max().item<double>());
  }
  CHECK(worst <= tolerance);
}
}  // namespace

TEST_CASE("Trainer cuda_graph: the captured step trains as the eager one, partial batches and resume included",
          "[train][cuda_graph]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      // On a CPU the capture is EagerCapture (the bookkeeping); on a GPU a real CUDA graph. cuDNN may pick other
      // algorithms inside a graph, hence a tolerance there.
      const double tolerance = dev.is_cuda() ? 1e-3 : 1e-6;
      const auto eager = train_small(dev, false, 3);
      std::int64_t replays = 0;
      const auto captured = train_small(dev, true, 3, "", false, &replays);
      check_close(eager, captured, tolerance);
      // 3 warm-up steps (epoch 1), then the full batches of epochs 2 and 3 replayed, the partial ones eager.
      if (!dev.is_cuda()) CHECK(replays == 4);
      sc_test::TempDir tmp("cuda_graph");
      const auto ckpt = (tmp.path / "checkpoint.pt").string();
      train_small(dev, true, 2, ckpt);
      check_close(eager, train_small(dev, true, 3, ckpt, true), tolerance);
    }
  }
}

TEST_CASE("Trainer cuda_graph: a clear error on a CPU model and for an optimizer that reads its LR on the host",
          "[train][cuda_graph]") {
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
  const auto images = at::zeros({8, 3, 32, 32}, at::kByte);
  const auto targets = at::zeros({8}, at::kLong);
  sc::data::DeviceLoader train(images, targets, sc::data::DeviceLoaderOptions(4));
  sc::optim::FusedSGD fused(model->parameters(), torch::optim::SGDOptions(0.1));
  sc::train::Trainer on_cpu(model, fused, nullptr, sc::train::TrainerOptions().cuda_graph(true));
  CHECK_THROWS_WITH(on_cpu.fit(train, train, 1),
                    SC_CONTAINS("CUDA graphs need the model on a CUDA device; it is on cpu"));
  torch::optim::SGD plain(model->parameters(), torch::optim::SGDOptions(0.1));
  sc::train::Trainer host_lr(model, plain, nullptr,
                             sc::train::TrainerOptions().cuda_graph(true).step_capture(
                                 [](const at::Device&) { return std::make_unique<EagerCapture>(); }));
  CHECK_THROWS_WITH(host_lr.fit(train, train, 1), SC_CONTAINS("optim::DeviceSchedulable"));
}

TEST_CASE("Trainer cuda_graph without a per-batch scheduler: LRs a hook sets reach every captured step",
          "[train][cuda_graph]") {
  // A manual step decay in a hook (no scheduler): the optimizer follows its options on the device, refreshed before
  // every step, so a replayed graph reads the new LR; the run equals the eager one.
  auto run = [](bool captured, bool* fed) {
    torch::manual_seed(3);
    auto g = sc::make_generator(c10::kCPU, 11);
    const auto images = at::randint(0, 256, {300, 3, 32, 32}, g, at::kLong).to(at::kByte);
    const auto targets = at::randint(0, 10, {300}, g, at::kLong);
    auto opts = sc::data::DeviceLoaderOptions(128).seed(5);
    sc::data::DeviceLoader train(images, targets, opts), test(images, targets, opts.shuffle(false));
    sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
    sc::optim::FusedSGD sgd(model->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
    auto topts = sc::train::TrainerOptions().cuda_graph(captured);
    if (captured) topts.step_capture([](const at::Device&) { return std::make_unique<EagerCapture>(); });
    sc::train::Trainer trainer(model, sgd, nullptr, topts);
    trainer.on_batch_end([&](const sc::train::BatchEnd& b) {
      if (fed) *fed = sgd.scalars().following();
      if (b.batch == 0) sgd.param_groups()[0].options().set_lr(sgd.param_groups()[0].options().get_lr() / 2);
    });
    trainer.fit(train, test, 3);
    CHECK_FALSE(sgd.scalars().following());
    Result r{trainer.history(), {}};
    for (const auto& p : model->parameters()) r.params.push_back(p.detach().clone());
    return r;
  };
  bool fed = false;
  const auto eager = run(false, nullptr), captured = run(true, &fed);
  CHECK(fed);  // the step read device values the Trainer refreshed
  check_close(eager, captured, 1e-6);
  CHECK(captured.history[2].lr == Approx(0.1 / 4));
}

TEST_CASE("Trainer cuda_graph: an epoch's last batch is never captured, even when it comes up for capture",
          "[train][cuda_graph]") {
  // 400 records in batches of 128: 128, 128, 128 and 16. Warm-up takes batches 0-2; batch 3 (partial) runs eagerly
  // instead of being captured, and epoch 2 captures its first, full batch.
  torch::manual_seed(3);
  const auto images = at::randint(0, 256, {400, 3, 32, 32}, at::kLong).to(at::kByte);
  const auto targets = at::randint(0, 10, {400}, at::kLong);
  sc::data::DeviceLoader train(images, targets, sc::data::DeviceLoaderOptions(128).seed(5));
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
  sc::optim::FusedSGD sgd(model->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  std::int64_t replays = 0;
  auto topts = sc::train::TrainerOptions().cuda_graph(true).eval_every(0).step_capture(
      [&replays](const at::Device&) -> std::unique_ptr<sc::train::StepCapture> {
        return std::make_unique<CountingCapture>(&replays);
      });
  sc::train::Trainer trainer(model, sgd, nullptr, topts);
  trainer.fit(train, train, 2);
  CHECK(replays == 3);  // epoch 2's batches 0-2; both partial batches eager
}
