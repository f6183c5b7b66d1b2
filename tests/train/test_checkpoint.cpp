#include <superconv/train/checkpoint.hpp>

#include "support.hpp"

#include <superconv/optim/fused_sgd.hpp>
#include <superconv/optim/piecewise_linear.hpp>

#include "devices.hpp"

#include <superconv/data/device_loader.hpp>
#include <superconv/nn/custom_resnet.hpp>

#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

namespace sc = superconv;
using namespace superconv::train;

namespace {
/// A loader with no state capability (no save/load): it must still checkpoint and resume.
struct PlainLoader {
  void start_epoch() {}
  std::int64_t size() const { return 1; }
};

TrainingState some_state() {
  TrainingState st;
  st.epoch = 2, st.batch = 3, st.scheduler_step = 7;
  st.partial = at::tensor(std::vector<double>{1, 2, 3, 0.1, 0.9}, at::kDouble);
  EpochStats e;
  e.epoch = 1, e.lr = 0.5, e.test_acc = 0.25, e.batches = 4;
  st.history = {e, e};
  return st;
}
}  // namespace

TEST_CASE("a checkpoint restores model, optimizer, state and the loader's order, a loader without state still works",
          "[train][checkpoint][devices]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      sc_test::TempDir tmp("ckpt-state");
      const auto p = tmp.path / "checkpoint.pt";
      torch::manual_seed(1);
      sc::nn::CustomResNet a(sc::nn::CustomResNetOptions().width(4)), b(sc::nn::CustomResNetOptions().width(4));
      a->to(dev), b->to(dev);
      torch::optim::SGD sa(a->parameters(), torch::optim::SGDOptions(0.1)), sb(b->parameters(), 0.1);
      auto images = at::randint(0, 255, {10, 3, 8, 8}, at::kByte);
      sc::data::DeviceLoader la(images, at::arange(10) % 3, sc::data::DeviceLoaderOptions(4).seed(5).device(dev));
      sc::data::DeviceLoader lb(images, at::arange(10) % 3, sc::data::DeviceLoaderOptions(4).seed(9).device(dev));
      la.start_epoch();
      save_checkpoint(p, *a, sa, some_state(), la);
      const auto st = load_checkpoint(p, *b, sb, lb, dev);
      CHECK(st.epoch == 2);
      CHECK(st.batch == 3);
      CHECK(st.scheduler_step == 7);
      CHECK(st.loader_state_restored);
      REQUIRE(st.history.size() == 2);
      CHECK(st.history[1].test_acc == 0.25);
      CHECK(st.history[1].batches == 4);
      CHECK(at::equal(st.partial, some_state().partial));
      for (std::size_t i = 0; i < a->parameters().size(); ++i) {
        CHECK(b->parameters()[i].device() == dev);
        CHECK(at::equal(a->parameters()[i], b->parameters()[i]));
      }
      CHECK(at::equal(la.get(0).index, lb.get(0).index));  // the same order
      la.start_epoch(), lb.start_epoch();
      CHECK(at::equal(la.get(0).index, lb.get(0).index));  // and the same next order (generator restored)

      PlainLoader plain;
      save_checkpoint(tmp.path / "plain.pt", *a, sa, some_state(), plain);
      const auto st2 = load_checkpoint(tmp.path / "plain.pt", *b, sb, lb, dev);
      CHECK_FALSE(st2.loader_state_restored);  // the checkpoint says it holds no loader state
      CHECK(st2.epoch == 2);
    }
  }
}

TEST_CASE("a checkpoint the loader refuses changes nothing: model and optimizer stay as they were",
          "[train][checkpoint]") {
  sc_test::TempDir tmp("ckpt-all-or-nothing");
  const auto p = tmp.path / "checkpoint.pt";
  torch::manual_seed(1);
  torch::nn::Linear a(4, 3), b(4, 3);
  torch::optim::SGD sa(a->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  torch::optim::SGD sb(b->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  for (auto* m : {&a, &b}) {  // one step each, so both optimizers hold momentum
    auto& opt = m == &a ? sa : sb;
    opt.zero_grad();
    (*m)->forward(at::randn({5, 4})).pow(2).sum().backward();
    opt.step();
  }
  const auto images = at::randint(0, 255, {10, 3, 8, 8}, at::kByte);
  sc::data::DeviceLoader la(images, at::arange(10) % 3, sc::data::DeviceLoaderOptions(4).seed(5));
  la.start_epoch();
  save_checkpoint(p, *a, sa, some_state(), la);
  // Resuming with other data (another --train-limit): the loader refuses the saved order.
  sc::data::DeviceLoader other(at::randint(0, 255, {12, 3, 8, 8}, at::kByte), at::arange(12) % 3,
                               sc::data::DeviceLoaderOptions(4).seed(5));
  const auto momentum = [&](const at::Tensor& param) {
    return static_cast<torch::optim::SGDParamState&>(*sb.state().at(param.unsafeGetTensorImpl()))
        .momentum_buffer()
        .clone();
  };
  std::vector<at::Tensor> params, moments;
  for (const auto& q : b->parameters()) params.push_back(q.detach().clone()), moments.push_back(momentum(q));
  CHECK_THROWS_WITH(load_checkpoint(p, *b, sb, other, c10::Device(c10::kCPU)),
                    SC_CONTAINS("nothing was restored") && SC_CONTAINS("saved order has 10 entries"));
  for (std::size_t i = 0; i < params.size(); ++i) {
    INFO("parameter " << i);
    CHECK(at::equal(b->parameters()[i], params[i]));  // not the checkpoint's weights
    CHECK_FALSE(at::equal(b->parameters()[i], a->parameters()[i]));
    CHECK(at::equal(momentum(b->parameters()[i]), moments[i]));
  }
  // The same checkpoint with the right loader still restores everything.
  sc::data::DeviceLoader same(images, at::arange(10) % 3, sc::data::DeviceLoaderOptions(4).seed(5));
  CHECK(load_checkpoint(p, *b, sb, same, c10::Device(c10::kCPU)).loader_state_restored);
  for (std::size_t i = 0; i < params.size(); ++i) CHECK(at::equal(b->parameters()[i], a->parameters()[i]));
}

TEST_CASE("a refused checkpoint leaves a fresh optimizer without state and puts the parts back, the loader is last",
          "[train][checkpoint]") {
  sc_test::TempDir tmp("ckpt-roll-back");
  const auto p = tmp.path / "checkpoint.pt";
  torch::manual_seed(2);
  torch::nn::Linear a(4, 3), b(4, 3);
  torch::optim::SGD sa(a->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  torch::optim::SGD fresh(b->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));  // never stepped
  sa.zero_grad();
  a->forward(at::randn({5, 4})).pow(2).sum().backward();
  sa.step();
  REQUIRE_FALSE(sa.state().empty());
  const auto images = at::randint(0, 255, {10, 3, 8, 8}, at::kByte);
  sc::data::DeviceLoader la(images, at::arange(10) % 3, sc::data::DeviceLoaderOptions(4).seed(5));
  la.start_epoch();
  double saved_value = 7, value = 1;  // a part's state: one number
  std::vector<std::string> order;
  const CheckpointPart part{"value",
                            [&](torch::serialize::OutputArchive& ar) { ar.write("v", at::tensor(value), true); },
                            [&](torch::serialize::InputArchive& ar) {
                              at::Tensor v;
                              ar.read("v", v, true);
                              value = v.item<double>();
                              order.push_back("part");
                            }};
  std::swap(value, saved_value);
  save_checkpoint(p, *a, sa, some_state(), la, {part});
  std::swap(value, saved_value);  // value 1 here, 7 in the checkpoint
  sc::data::DeviceLoader other(at::randint(0, 255, {12, 3, 8, 8}, at::kByte), at::arange(12) % 3,
                               sc::data::DeviceLoaderOptions(4).seed(5));
  CHECK_THROWS_WITH(load_checkpoint(p, *b, fresh, other, c10::Device(c10::kCPU), {part}),
                    SC_CONTAINS("nothing was restored") && SC_CONTAINS("saved order has 10 entries"));
  CHECK(fresh.state().empty());  // no momentum buffer of the checkpoint's left behind
  CHECK(value == 1);             // the part was loaded before the loader refused, and put back
  REQUIRE(order.size() == 2);    // loaded (7), then rolled back (1)
  // The right loader: everything lands, the part before the loader.
  sc::data::DeviceLoader same(images, at::arange(10) % 3, sc::data::DeviceLoaderOptions(4).seed(5));
  CHECK(load_checkpoint(p, *b, fresh, same, c10::Device(c10::kCPU), {part}).loader_state_restored);
  CHECK(value == 7);
  CHECK(fresh.state().size() == sa.state().size());
}

TEST_CASE("a checkpoint for another model, optimizer or format names the first mismatch", "[train][checkpoint]") {
  sc_test::TempDir tmp("ckpt-mismatch");
  const auto p = tmp.path / "checkpoint.pt";
  sc::nn::CustomResNet w4(sc::nn::CustomResNetOptions().width(4)), w8(sc::nn::CustomResNetOptions().width(8));
  sc::nn::CustomResNet c5(sc::nn::CustomResNetOptions().width(4).num_classes(5));
  torch::optim::SGD s4(w4->parameters(), 0.1), s8(w8->parameters(), 0.1), s5(c5->parameters(), 0.1);
  torch::optim::Adam adam(w4->parameters());
  PlainLoader plain;
  save_checkpoint(p, *w4, s4, TrainingState{}, plain);
  const c10::Device cpu(c10::kCPU);
  CHECK_THROWS_WITH(load_checkpoint(p, *w8, s8, plain, cpu),
                    SC_CONTAINS(p.string()) && SC_CONTAINS("'prep.conv.weight' is [4, 3, 3, 3] in the checkpoint") &&
                        SC_CONTAINS("but [8, 3, 3, 3] in this model"));
  CHECK_THROWS_WITH(load_checkpoint(p, *c5, s5, plain, cpu),
                    SC_CONTAINS("'fc.weight' is [10, 32] in the checkpoint but [5, 32] in this model"));
  CHECK_THROWS_WITH(load_checkpoint(p, *w4, adam, plain, cpu),
                    SC_CONTAINS("made with optimizer torch::optim::SGD; this one is torch::optim::Adam"));
  // FusedSGD keeps SGD's archive: an SGD checkpoint resumes in it (and the other way round).
  sc::optim::FusedSGD fused(w4->parameters(), torch::optim::SGDOptions(0.1));
  CHECK_NOTHROW(load_checkpoint(p, *w4, fused, plain, cpu));
  save_checkpoint(p, *w4, fused, TrainingState{}, plain);
  CHECK_NOTHROW(load_checkpoint(p, *w4, s4, plain, cpu));
  CHECK_THROWS_WITH(load_checkpoint(p, *w4, adam, plain, cpu),
                    SC_CONTAINS("made with optimizer superconv::optim::FusedSGD; this one is torch::optim::Adam"));
  save_checkpoint(p, *w4, s4, TrainingState{}, plain);
  torch::nn::Linear extra(2, 2);
  torch::optim::SGD se(extra->parameters(), 0.1);
  CHECK_THROWS_WITH(load_checkpoint(p, *extra, se, plain, cpu), SC_CONTAINS("it has no 'weight'"));
  // An older layout: no format version.
  torch::serialize::OutputArchive old;
  superconv::train::detail::write_int(old, "version", 1);
  save_archive_atomic(old, tmp.path / "old.pt");
  CHECK_THROWS_WITH(load_checkpoint(tmp.path / "old.pt", *w4, s4, plain, cpu),
                    SC_CONTAINS("old.pt has no format version"));
  torch::serialize::OutputArchive future;
  superconv::train::detail::write_int(future, "format", kCheckpointFormat + 1);
  save_archive_atomic(future, tmp.path / "future.pt");
  CHECK_THROWS_WITH(load_checkpoint(tmp.path / "future.pt", *w4, s4, plain, cpu),
                    SC_CONTAINS("has format version 3; this superconv reads version 2"));
}

TEST_CASE("a PiecewiseLinear made after a checkpoint load scales the initial LRs, as LambdaLR reads initial_lr",
          "[train][checkpoint][piecewise_linear]") {
  sc_test::TempDir tmp("ckpt-initial-lr");
  const auto p = tmp.path / "checkpoint.pt";
  torch::nn::Linear a(4, 3), b(4, 3);
  const auto knots = sc::optim::PiecewiseLinearOptions(sc::optim::linear_decay(10));
  torch::optim::SGD sa(a->parameters(), torch::optim::SGDOptions(0.4).momentum(0.9));
  sc::optim::PiecewiseLinear schedule(sa, knots);
  for (int i = 0; i < 5; ++i) schedule.step();
  REQUIRE(sa.param_groups()[0].options().get_lr() == Approx(0.2));
  PlainLoader plain;
  TrainingState st;
  st.scheduler_step = schedule.last_step();
  save_checkpoint(p, *a, sa, st, plain);
  // A new process: the optimizer is loaded first (its LR is now 0.2), the scheduler made after.
  torch::optim::SGD sb(b->parameters(), torch::optim::SGDOptions(0.4).momentum(0.9));
  const auto loaded = load_checkpoint(p, *b, sb, plain, c10::Device(c10::kCPU));
  CHECK(sb.param_groups()[0].options().get_lr() == Approx(0.2));
  sc::optim::PiecewiseLinear resumed(sb, knots);
  CHECK(resumed.base_lrs() == std::vector<double>{0.4});  // not 0.2: no compounding
  resumed.set_last_step(loaded.scheduler_step);
  CHECK(sb.param_groups()[0].options().get_lr() == Approx(0.2));
  resumed.step();
  CHECK(sb.param_groups()[0].options().get_lr() == Approx(0.4 * 0.4));
}
