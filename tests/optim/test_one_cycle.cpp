#include <superconv/optim/one_cycle.hpp>

#include "golden/schedule_golden.hpp"
#include "support.hpp"

#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

using namespace superconv::optim;

namespace {
OneCycleOptions options_of(const golden::OneCycleCase& c) {
  return OneCycleOptions(c.max_lr, c.total_steps)
      .pct_start(c.pct_start)
      .div_factor(c.div_factor)
      .final_div_factor(c.final_div_factor)
      .anneal(c.cos ? Anneal::kCos : Anneal::kLinear)
      .three_phase(c.three_phase)
      .base_momentum(c.base_momentum)
      .max_momentum(c.max_momentum);
}
double group_momentum(torch::optim::Optimizer& o, bool adam) {
  auto& g = o.param_groups()[0].options();
  return adam ? std::get<0>(static_cast<torch::optim::AdamOptions&>(g).betas())
              : static_cast<torch::optim::SGDOptions&>(g).momentum();
}
}  // namespace

TEST_CASE("OneCycle equals PyTorch's OneCycleLR step for step (golden values)", "[optim][one_cycle]") {
  for (const auto& c : golden::one_cycle_cases()) {
    INFO("case " << c.name);
    std::vector<at::Tensor> p{at::zeros({1}, at::requires_grad())};
    std::unique_ptr<torch::optim::Optimizer> opt;
    if (c.adam)
      opt = std::make_unique<torch::optim::Adam>(p, torch::optim::AdamOptions(0.1));
    else
      opt = std::make_unique<torch::optim::SGD>(p, torch::optim::SGDOptions(0.1).momentum(0.9));
    OneCycle s(*opt, options_of(c));
    const OneCycle pure(options_of(c));
    REQUIRE(c.lr.size() == static_cast<std::size_t>(c.total_steps + 1));
    for (std::size_t i = 0; i < c.lr.size(); ++i) {
      INFO("step " << i);
      if (i > 0) s.step();
      REQUIRE(opt->param_groups()[0].options().get_lr() == Approx(c.lr[i]).epsilon(1e-9).margin(1e-15));
      REQUIRE(group_momentum(*opt, c.adam) == Approx(c.momentum[i]).epsilon(1e-9));
      REQUIRE(pure.lr_at(static_cast<std::int64_t>(i)) == Approx(c.lr[i]).epsilon(1e-9).margin(1e-15));
      REQUIRE(pure.momentum_at(static_cast<std::int64_t>(i)) == Approx(c.momentum[i]).epsilon(1e-9));
    }
    CHECK_THROWS_WITH(s.step(), SC_CONTAINS("tried to step " + std::to_string(c.total_steps + 1) + " times"));
  }
}

TEST_CASE("The recipe's per-epoch schedule reproduces the reference run's log", "[optim][one_cycle]") {
  OneCycle s(OneCycleOptions(0.157, 24)
                 .pct_start(5.0 / 24)
                 .div_factor(10)
                 .final_div_factor(1)
                 .anneal(Anneal::kLinear)
                 .base_momentum(0.8)
                 .max_momentum(0.95));
  const std::vector<double> lr{0.0157, 0.051025, 0.08635, 0.121675, 0.157, 0.14956315789473684, 0.14212631578947368};
  const std::vector<double> m{0.95, 0.9125, 0.875, 0.8375, 0.8, 0.8078947368421053};
  for (std::size_t i = 0; i < lr.size(); ++i)
    CHECK(s.lr_at(static_cast<std::int64_t>(i)) == Approx(lr[i]).epsilon(1e-12));
  for (std::size_t i = 0; i < m.size(); ++i)
    CHECK(s.momentum_at(static_cast<std::int64_t>(i)) == Approx(m[i]).epsilon(1e-12));
  CHECK(s.lr_at(23) == Approx(0.0157).epsilon(1e-12));  // no annihilation: ends at LRMIN
  CHECK(s.momentum_at(23) == Approx(0.95).epsilon(1e-12));
  CHECK(s.initial_lr() == Approx(0.0157));
  CHECK(s.min_lr() == Approx(0.0157));
}

TEST_CASE("OneCycle: bad options are named, optimizers without momentum are refused", "[optim][one_cycle]") {
  CHECK_THROWS_WITH(OneCycle(OneCycleOptions(0.1, 0)), SC_CONTAINS("total_steps must be > 0, got 0"));
  CHECK_THROWS_WITH(OneCycle(OneCycleOptions(-1, 10)), SC_CONTAINS("max_lr must be > 0, got -1"));
  CHECK_THROWS_WITH(OneCycle(OneCycleOptions(0.1, 10).pct_start(1.2)),
                    SC_CONTAINS("pct_start must be in (0, 1), got 1.2"));
  CHECK_THROWS_WITH(OneCycle(OneCycleOptions(0.1, 10).base_momentum(0.99)), SC_CONTAINS("base_momentum (0.99)"));
  CHECK_THROWS_WITH(OneCycle(OneCycleOptions(0.1, 2).pct_start(0.5)),
                    SC_CONTAINS("gives a phase of zero length that step 0 falls in"));
  CHECK_THROWS_WITH(OneCycle(OneCycleOptions(0.1, 10)).lr_at(11), SC_CONTAINS("step 11 outside [0, 10]"));
  std::vector<at::Tensor> p{at::zeros({1}, at::requires_grad())};
  torch::optim::SGD plain(p, torch::optim::SGDOptions(0.1));
  OneCycle ok(plain, OneCycleOptions(0.1, 10).cycle_momentum(false));
  CHECK(std::isnan(ok.momentum()));
  ok.set_last_step(4);
  CHECK(plain.param_groups()[0].options().get_lr() == Approx(ok.lr_at(4)));
}

TEST_CASE("OneCycle: a warm-up shorter than one step is skipped, as PyTorch's OneCycleLR does", "[optim][one_cycle]") {
  // PyTorch 2.13: OneCycleLR(max_lr=0.05, total_steps=4, pct_start=5/24, div_factor=10, final_div_factor=1,
  // anneal_strategy="linear") gives these LRs (cifar10_resnet --epochs 2 --train-limit 1024 used to be refused);
  // OneCycleLR(max_lr=0.1, total_steps=3, pct_start=0.1) (cos, div 25, final 1e4) the second row.
  const OneCycle a(
      OneCycleOptions(0.05, 4).pct_start(5.0 / 24).div_factor(10).final_div_factor(1).anneal(Anneal::kLinear));
  const double want_a[] = {0.04763157894736843, 0.03342105263157895, 0.019210526315789473, 0.0049999999999999975};
  for (int i = 0; i < 4; ++i) CHECK(a.lr_at(i) == Approx(want_a[i]).epsilon(1e-12));
  const OneCycle b(OneCycleOptions(0.1, 3).pct_start(0.1));
  const double want_b[] = {0.08431214464510911, 0.03019629091399539, 4e-07};
  for (int i = 0; i < 3; ++i) CHECK(b.lr_at(i) == Approx(want_b[i]).epsilon(1e-9));
}
