#include <superconv/train/trainer.hpp>

#include "support.hpp"

#include "devices.hpp"

#include <superconv/data/cifar10.hpp>
#include <superconv/data/device_loader.hpp>
#include <superconv/nn/custom_resnet.hpp>
#include <superconv/optim/one_cycle.hpp>
#include <superconv/transforms/compose.hpp>
#include <superconv/transforms/cutout.hpp>
#include <superconv/transforms/flip_lr.hpp>
#include <superconv/transforms/random_crop.hpp>
#include <superconv/nn/custom_resnet.hpp>
#include <superconv/train/amp.hpp>

#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>

#include <fstream>
#include <sstream>

namespace sc = superconv;
using sc::data::DeviceLoader;
using sc::data::DeviceLoaderOptions;

namespace {
/// 4 classes: the bright quadrant tells the class; noise everywhere.
std::pair<at::Tensor, at::Tensor> quadrants(std::int64_t n, std::uint64_t seed) {
  auto g = sc::make_generator(c10::kCPU, seed);
  auto y = at::randint(0, 4, {n}, g, at::kLong);
  auto im = at::randint(0, 120, {n, 3, 32, 32}, g, at::kLong);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto q = y[i].item<std::int64_t>();
    im[i].narrow(1, (q / 2) * 16, 16).narrow(2, (q % 2) * 16, 16).add_(120);
  }
  return {im.to(at::kByte), y};
}

/// A two-layer perceptron on 1x4x4 images: a model the engine was not written for.
struct MlpImpl : torch::nn::Module {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  MlpImpl()
      : fc1(register_module("fc1", torch::nn::Linear(16, 8))), fc2(register_module("fc2", torch::nn::Linear(8, 2))) {}
  at::Tensor forward(const at::Tensor& x) { return fc2(at::relu(fc1(x.flatten(1)))); }
};
TORCH_MODULE(Mlp);

struct Run {
  std::vector<sc::train::EpochStats> history;
  std::vector<at::Tensor> params;
};

/// A forwarding loader that asks for an interrupt when it hands out one given batch.
struct InterruptingLoader {
  DeviceLoader& inner;
  std::int64_t at_epoch, at_batch, epoch = -1;
  void start_epoch() {
    ++epoch;
    inner.start_epoch();
  }
  std::int64_t size() const { return inner.size(); }
  sc::data::Batch get(std::int64_t i) {
    if (epoch == at_epoch && i == at_batch) sc::train::request_interrupt();
    return inner.get(i);
  }
  void save(torch::serialize::OutputArchive& a) const { inner.save(a); }
  void load(torch::serialize::InputArchive& a) { inner.load(a); }
};

struct Setup {
  at::Tensor xi, yi, xt, yt;
  Setup() {
    std::tie(xi, yi) = quadrants(512, 1);
    std::tie(xt, yt) = quadrants(256, 2);
  }
  /// Trains to `epochs`; a non-empty `resume_from` loads that checkpoint first; `interrupt_at` = {epoch, batch}.
  Run run(std::int64_t epochs, const std::string& ckpt = "", const std::string& resume_from = "",
          std::pair<std::int64_t, std::int64_t> interrupt_at = {-1, -1}, double lr = 0.2) {
    sc::train::clear_interrupt();
    torch::manual_seed(42);
    auto opts = DeviceLoaderOptions(128).seed(7).mean(sc::data::cifar10_mean()).std(sc::data::cifar10_std());
    DeviceLoader train(xi, yi, opts), test(xt, yt, opts.shuffle(false));
    namespace T = sc::transforms;
    train.set_transform(T::Compose(T::RandomCrop(), T::FlipLR(), T::Cutout()));
    sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
    torch::optim::SGD sgd(model->parameters(),
                          torch::optim::SGDOptions(lr).momentum(0.9).nesterov(true).weight_decay(5e-4));
    sc::optim::OneCycle sched(sgd, sc::optim::OneCycleOptions(lr, 3 * train.size())
                                       .pct_start(0.3)
                                       .div_factor(10)
                                       .final_div_factor(1)
                                       .anneal(sc::optim::Anneal::kLinear));
    sc::train::Trainer trainer(
        model, sgd, &sched,
        sc::train::TrainerOptions().loss(sc::train::cross_entropy_loss(0.1)).checkpoint(ckpt).progress_updates(2));
    InterruptingLoader wrapped{train, interrupt_at.first, interrupt_at.second};
    if (!resume_from.empty()) trainer.load_checkpoint(resume_from, wrapped);
    trainer.fit(wrapped, test, epochs);
    Run r{trainer.history(), {}};
    for (const auto& p : model->parameters()) r.params.push_back(p.detach().clone());
    return r;
  }
};

void require_same(const Run& a, const Run& b) {
  REQUIRE(a.history.size() == b.history.size());
  for (std::size_t i = 0; i < a.history.size(); ++i) {
    INFO("epoch " << i + 1);
    CHECK(a.history[i].train_loss == b.history[i].train_loss);
    CHECK(a.history[i].train_acc == b.history[i].train_acc);
    CHECK(a.history[i].test_loss == b.history[i].test_loss);
    CHECK(a.history[i].test_acc == b.history[i].test_acc);
    CHECK(a.history[i].lr == b.history[i].lr);
  }
  for (std::size_t i = 0; i < a.params.size(); ++i) CHECK(at::equal(a.params[i], b.params[i]));
}
}  // namespace

TEST_CASE("Trainer: the same seed gives identical metrics and weights", "[train][trainer]") {
  Setup s;
  auto a = s.run(2), b = s.run(2);
  require_same(a, b);
  CHECK(a.history[0].lr == Approx(0.02));
  CHECK(a.history[1].lr ==
        Approx(sc::optim::OneCycle(
                   sc::optim::OneCycleOptions(0.2, 12).pct_start(0.3).div_factor(10).final_div_factor(1).anneal(
                       sc::optim::Anneal::kLinear))
                   .lr_at(4)));
}

TEST_CASE("Trainer: 2 epochs + resume for 1 equals 3 epochs straight", "[train][trainer][checkpoint]") {
  Setup s;
  sc_test::TempDir tmp("resume");
  const auto ckpt = (tmp.path / "checkpoint.pt").string();
  auto straight = s.run(3);
  s.run(2, ckpt);
  CHECK_FALSE(std::filesystem::exists(ckpt + ".tmp"));
  auto resumed = s.run(3, ckpt, ckpt);
  require_same(straight, resumed);
}

TEST_CASE("Trainer: Ctrl-C mid-epoch saves, resuming from there equals the straight run",
          "[train][trainer][interrupt]") {
  Setup s;
  sc_test::TempDir tmp("interrupt");
  const auto ckpt = (tmp.path / "checkpoint.pt").string();
  auto straight = s.run(3);
  CHECK_THROWS_WITH(s.run(3, ckpt, "", {1, 1}), SC_CONTAINS("interrupted in epoch 2 after batch 2/4") &&
                                                    SC_CONTAINS("checkpoint saved to " + ckpt));
  REQUIRE(std::filesystem::exists(ckpt));
  auto resumed = s.run(3, ckpt, ckpt);
  require_same(straight, resumed);
  sc::train::clear_interrupt();
}

TEST_CASE("Trainer: a non-finite loss stops with epoch, step and LR, the last good checkpoint stays",
          "[train][trainer]") {
  Setup s;
  sc_test::TempDir tmp("nan");
  const auto ckpt = (tmp.path / "checkpoint.pt").string();
  CHECK_THROWS_AS(s.run(3, ckpt, "", {-1, -1}, 1e6), sc::train::NonFiniteLoss);
  try {
    s.run(3, ckpt, "", {-1, -1}, 1e6);
  } catch (const sc::train::NonFiniteLoss& e) {
    const std::string m = e.what();
    CHECK_THAT(m, SC_CONTAINS("non-finite in epoch") && SC_CONTAINS("at step") && SC_CONTAINS("(LR "));
    if (std::filesystem::exists(ckpt)) CHECK_THAT(m, SC_CONTAINS("last good checkpoint"));
  }
}

TEST_CASE("Trainer: hooks see every batch and epoch, a progress bar, evaluate() matches the epoch's evaluation",
          "[train][trainer]") {
  auto [x, y] = quadrants(256, 3);
  DeviceLoader train(x, y, DeviceLoaderOptions(64)), test(x, y, DeviceLoaderOptions(64).shuffle(false));
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  sc::optim::OneCycle sched(sgd, sc::optim::OneCycleOptions(0.05, 4).pct_start(0.5));
  std::ostringstream log;
  sc::train::Trainer t(
      model, sgd, &sched,
      sc::train::TrainerOptions().log(&log).progress(sc::train::ProgressMode::kLines).step_per_batch(false));
  std::vector<std::int64_t> batches;
  int begins = 0, ends = 0;
  t.on_epoch_begin([&](const sc::train::EpochStats& s) { begins += s.epoch == 1 && s.lr == Approx(0.002); });
  double correct = 0, loss_sum = 0;
  t.on_batch_end([&](const sc::train::BatchEnd& b) {
    batches.push_back(b.batch);
    CHECK(b.batches == 4);
    CHECK(b.logits.size(0) == b.target.size(0));
    CHECK(b.global_step() == b.batch + 1);  // epoch 1
    // The step's figures, computed once by the Trainer: loss x records, correct, records.
    REQUIRE(b.figures.numel() >= 3);
    CHECK(b.figures[2].item<double>() == 64);
    CHECK(b.figures[1].item<double>() == b.logits.argmax(1).eq(b.target).sum().item<double>());
    CHECK(b.figures[0].item<double>() == Approx(64 * b.loss.item<double>()));
    correct += b.figures[1].item<double>(), loss_sum += b.figures[0].item<double>();
  });
  sc::train::EvalResult seen;
  t.on_epoch_end([&](const sc::train::EpochEnd& e) {
    ends += e.stats.epoch == 1 && e.epochs == 1;
    seen = e.eval;
  });
  t.fit(train, test, 1);
  CHECK(begins == 1);
  CHECK(ends == 1);
  CHECK(batches == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK_THAT(log.str(), SC_CONTAINS("train 4/4 ["));
  const auto e = sc::train::evaluate(model, test);
  CHECK(e.total == 256);
  CHECK(e.correct == e.predictions.eq(y).sum().item<std::int64_t>());
  CHECK(at::equal(e.predictions, seen.predictions));
  CHECK(t.history().front().batches == 4);
  CHECK(t.history().front().train_acc == Approx(correct / 256));  // the epoch's figures are the steps' sums
  CHECK(t.history().front().train_loss == Approx(loss_sum / 256));
}

TEST_CASE("Trainer: another model, loss, optimizer and no scheduler train through the same engine",
          "[train][trainer][devices]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      // Two classes told apart by mean brightness; an MLP, a multi-margin loss, Adam, no schedule.
      torch::manual_seed(3);
      auto g = sc::make_generator(c10::kCPU, 11);
      auto y = at::randint(0, 2, {512}, g, at::kLong);
      auto x = (at::randint(0, 100, {512, 1, 4, 4}, g, at::kLong) + y.view({-1, 1, 1, 1}) * 100).to(at::kByte);
      auto opts = DeviceLoaderOptions(64).device(dev);
      DeviceLoader train(x, y, opts), test(x, y, opts.shuffle(false));
      Mlp mlp;
      mlp->to(dev);
      torch::optim::Adam adam(mlp->parameters(), torch::optim::AdamOptions(0.05));
      auto margin = [](const at::Tensor& logits, const at::Tensor& target) {
        return torch::nn::functional::multi_margin_loss(logits, target);
      };
      sc::train::Trainer t(mlp, adam, nullptr, sc::train::TrainerOptions().loss(margin));
      t.fit(train, test, 4);
      INFO("train loss by epoch: " << t.history().front().train_loss << " -> " << t.history().back().train_loss);
      CHECK(t.history().back().train_loss < t.history().front().train_loss);
      CHECK(t.history().back().test_acc > 0.95);
      CHECK(std::isnan(t.history().front().momentum));  // no scheduler: nothing cycled
    }
  }
}

TEST_CASE("Trainer: bf16 autocast + channels_last (the path every Results row used) learns with finite losses",
          "[train][trainer][amp][devices]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto [x, y] = quadrants(1024, 5);
      auto opts = DeviceLoaderOptions(64).device(dev).channels_last(true).mean(sc::data::cifar10_mean());
      opts.std(sc::data::cifar10_std());
      DeviceLoader train(x, y, opts), test(x, y, DeviceLoaderOptions(opts).shuffle(false));
      torch::manual_seed(0);
      sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(8));
      model->to(dev);
      sc::nn::to_channels_last(*model);
      torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9).nesterov(true));
      const auto fwd = sc::train::ForwardOptions().amp(true).channels_last(true);
      sc::train::Trainer t(model, sgd, nullptr, sc::train::TrainerOptions().forward(fwd));
      std::vector<double> losses;
      t.on_batch_end([&](const sc::train::BatchEnd& b) {
        CHECK(b.logits.scalar_type() == at::kFloat);  // the engine hands the loss float32 logits
        losses.push_back(b.loss.item<double>());
      });
      t.fit(train, test, 3);
      for (double l : losses) CHECK(std::isfinite(l));
      CHECK(t.history().back().train_loss < t.history().front().train_loss);
      INFO("train accuracy by epoch: " << t.history().front().train_acc << " -> " << t.history().back().train_acc
                                       << ", test " << t.history().back().test_acc);
      CHECK(t.history().back().train_acc > 0.6);  // 4 classes: chance is 0.25
      // Inside the autocast scope the convolutions compute in bf16; the parameters stay float32, channels_last.
      sc::train::AutocastGuard amp(dev.type(), true, at::kBFloat16);
      CHECK(model->prep->forward(train.get(0).input).scalar_type() == at::kBFloat16);
      for (const auto& p : model->parameters()) CHECK(p.scalar_type() == at::kFloat);
      CHECK(model->prep->conv->weight.is_contiguous(at::MemoryFormat::ChannelsLast));
    }
  }
}

TEST_CASE("Trainer: short real-data run reaches well above chance", "[train][trainer][real][slow]") {
  const auto dir = sc_test::real_data_dir();
  if (dir.empty()) SC_SKIP(sc_test::kNoData);
  auto tr = sc::data::Cifar10(dir, sc::data::Split::kTrain).limit(10240);
  auto te = sc::data::Cifar10(dir, sc::data::Split::kTest).limit(1000);
  torch::manual_seed(0);
  auto opts = DeviceLoaderOptions(256).mean(sc::data::cifar10_mean()).std(sc::data::cifar10_std());
  DeviceLoader train(tr.images(), tr.targets(), opts), test(te.images(), te.targets(), opts.shuffle(false));
  namespace T = sc::transforms;
  train.set_transform(T::Compose(T::RandomCrop(), T::FlipLR()));
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(8).logit_scale(0.125));
  torch::optim::SGD sgd(model->parameters(),
                        torch::optim::SGDOptions(0.4).momentum(0.9).nesterov(true).weight_decay(5e-4));
  sc::optim::OneCycle sched(sgd, sc::optim::OneCycleOptions(0.4, 3 * train.size())
                                     .pct_start(0.25)
                                     .div_factor(10)
                                     .final_div_factor(1)
                                     .anneal(sc::optim::Anneal::kLinear));
  sc::train::Trainer t(model, sgd, &sched, sc::train::TrainerOptions().loss(sc::train::cross_entropy_loss(0.1)));
  t.fit(train, test, 3);
  const auto acc = t.history().back().test_acc;
  INFO("test accuracy on records 0-999 after 3 short epochs: " << acc);
  CHECK(acc > 0.45);  // chance is 0.10
}

namespace {
/// Stand-in replicas: this process as rank 0 of `world`, every collective local; average_buffers sets each floating
/// buffer to 42 (as if the other ranks' statistics had been averaged in) and counts its calls.
struct FakeReplicas : sc::train::Replicas {
  explicit FakeReplicas(int w) : world(w) {}
  int size() const override { return world; }
  void average_buffers(torch::nn::Module& m) override {
    ++averaged;
    for (auto& b : m.buffers())
      if (b.is_floating_point()) b.fill_(42.0);
  }
  int world;
  int averaged = 0;
};
struct StatelessLoader {};
}  // namespace

TEST_CASE("Trainer: save_checkpoint under replicas averages the BatchNorm buffers first, as fit() does",
          "[train][trainer][checkpoint][replicas]") {
  sc_test::TempDir tmp("trainer-save-averaged");
  auto replicas = std::make_shared<FakeReplicas>(2);
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
  torch::optim::SGD sgd(model->parameters(), 0.1);
  sc::train::Trainer trainer(model, sgd, nullptr, sc::train::TrainerOptions().replicas(replicas));
  StatelessLoader none;
  trainer.save_checkpoint(tmp.path / "c.pt", none);
  CHECK(replicas->averaged == 1);
  sc::nn::CustomResNet other(sc::nn::CustomResNetOptions().width(4));
  torch::optim::SGD other_sgd(other->parameters(), 0.1);
  sc::train::load_checkpoint(tmp.path / "c.pt", *other, other_sgd, none, c10::Device(c10::kCPU));
  for (const auto& b : other->named_buffers()) {  // the averaged statistics were saved, not this rank's own
    INFO(b.key());
    if (b.value().is_floating_point()) CHECK(b.value().eq(42).all().item<bool>());
  }
}

TEST_CASE("Trainer: a training loader sharded otherwise than the replicas is refused, naming both",
          "[train][trainer][replicas]") {
  const Setup data;
  auto replicas = std::make_shared<FakeReplicas>(2);
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
  torch::optim::SGD sgd(model->parameters(), 0.1);
  DeviceLoader test(data.xt, data.yt, DeviceLoaderOptions(64).shuffle(false));
  // Replicas over an unsharded loader: every rank would train on the same batches.
  DeviceLoader unsharded(data.xi, data.yi, DeviceLoaderOptions(128));
  sc::train::Trainer dist(model, sgd, nullptr, sc::train::TrainerOptions().replicas(replicas).progress_updates(0));
  CHECK_THROWS_WITH(dist.fit(unsharded, test, 1),
                    SC_CONTAINS("Trainer: the training loader is sharded over world_size 1 but the Trainer runs over "
                                "2 replica(s)") &&
                        SC_CONTAINS("every rank sees the same records"));
  CHECK(dist.epochs_done() == 0);
  // A sharded loader without replicas: this process would see half of the data.
  DeviceLoader sharded(data.xi, data.yi, DeviceLoaderOptions(64).rank(0).world_size(2));
  sc::train::Trainer single(model, sgd, nullptr);
  CHECK_THROWS_WITH(single.fit(sharded, test, 1),
                    SC_CONTAINS("sharded over world_size 2 but the Trainer runs over 1 replica(s) "
                                "(TrainerOptions().replicas is not set)"));
}

TEST_CASE("Trainer: a summed loss trains with its sum and logs the per-record mean, eval_every skips evaluations",
          "[train][trainer]") {
  at::Tensor xi, yi;
  std::tie(xi, yi) = quadrants(256, 3);
  auto fit = [&](sc::train::Reduction reduction, std::int64_t eval_every) {
    auto opts = DeviceLoaderOptions(64).seed(1);  // the same order for both runs
    DeviceLoader train(xi, yi, opts), test(xi, yi, opts.shuffle(false));
    torch::manual_seed(0);
    sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
    const double lr = reduction == sc::train::Reduction::kSum ? 0.01 / 64 : 0.01;  // the same step either way
    torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(lr));
    sc::train::Trainer trainer(
        model, sgd, nullptr,
        sc::train::TrainerOptions().loss(sc::train::cross_entropy_loss(0.0, reduction)).eval_every(eval_every));
    trainer.fit(train, test, 3);
    return trainer.history();
  };
  const auto mean = fit(sc::train::Reduction::kMean, 1), sum = fit(sc::train::Reduction::kSum, 0);
  for (std::size_t e = 0; e < 3; ++e) CHECK(sum[e].train_loss == Approx(mean[e].train_loss).epsilon(1e-2));
  CHECK(std::isnan(sum[0].test_acc));  // eval_every 0: the last epoch only
  CHECK(std::isnan(sum[1].test_acc));
  CHECK(sum[2].test_acc == Approx(mean[2].test_acc).margin(0.02));
  CHECK(!std::isnan(mean[0].test_acc));
}

TEST_CASE("Trainer: a loss_reduction that contradicts the loss's own is refused, a plain callable may still state one",
          "[train][trainer]") {
  torch::manual_seed(0);
  at::Tensor xi, yi;
  std::tie(xi, yi) = quadrants(64, 3);
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.01 / 16));
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
  // cross_entropy_loss(kSum) says it sums; a stale loss_reduction(kMean) beside it would scale every logged loss.
  const auto wrong = sc::train::TrainerOptions()
                         .loss(sc::train::cross_entropy_loss(0.0, sc::train::Reduction::kSum))
                         .loss_reduction(sc::train::Reduction::kMean);
  CHECK_THROWS_WITH(sc::train::Trainer(model, sgd, nullptr, wrong),
                    SC_CONTAINS("loss_reduction says mean but the loss reduces by sum"));
  // A plain callable that sums: the deprecated setter still tells the Trainer.
  const auto summed = [](const at::Tensor& l, const at::Tensor& t) {
    return at::cross_entropy_loss(l, t, {}, at::Reduction::Sum);
  };
  const auto legacy = sc::train::TrainerOptions().loss(summed).loss_reduction(sc::train::Reduction::kSum);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
  CHECK(legacy.loss_reduction() == sc::train::Reduction::kSum);
  CHECK(sc::train::TrainerOptions().loss(summed).loss_reduction() == sc::train::Reduction::kMean);
  DeviceLoader train(xi, yi, DeviceLoaderOptions(16).seed(1)), test(xi, yi, DeviceLoaderOptions(16).shuffle(false));
  sc::train::Trainer trainer(model, sgd, nullptr, legacy);
  trainer.fit(train, test, 1);
  // Per record: about ln 4 = 1.4 from a random start (3.3 has been seen), where a sum over the 16 records of a batch
  // would read 16 times that.
  CHECK(trainer.history()[0].train_loss < 8.0);
}
