#include <superconv/optim/piecewise_linear.hpp>

#include "support.hpp"

#include <superconv/optim/group_options.hpp>

#include <torch/optim/sgd.h>

#include <cmath>

namespace sc = superconv;
using sc::optim::PiecewiseLinear;
using sc::optim::PiecewiseLinearOptions;

TEST_CASE("PiecewiseLinear: airbench's linear decay per group, a shorter one for one group",
          "[optim][piecewise_linear]") {
  auto a = at::ones({2}, at::requires_grad()), b = at::ones({2}, at::requires_grad());
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<at::Tensor>{a}, std::make_unique<torch::optim::SGDOptions>(0.24));
  groups.emplace_back(std::vector<at::Tensor>{b}, std::make_unique<torch::optim::SGDOptions>(0.053));
  torch::optim::SGD sgd(groups, torch::optim::SGDOptions(0.24));
  sc::optim::restore_group_options(sgd, groups);
  PiecewiseLinear s(sgd, PiecewiseLinearOptions(sc::optim::linear_decay(200)).group(1, sc::optim::linear_decay(75)));
  // Step 0 is written at construction: the full LRs, as airbench sets them before its first step.
  CHECK(sgd.param_groups()[0].options().get_lr() == Approx(0.24));
  CHECK(sgd.param_groups()[1].options().get_lr() == Approx(0.053));
  for (int i = 0; i < 50; ++i) s.step();
  CHECK(sgd.param_groups()[0].options().get_lr() == Approx(0.24 * (1 - 50.0 / 200)));
  CHECK(sgd.param_groups()[1].options().get_lr() == Approx(0.053 * (1 - 50.0 / 75)));
  CHECK(s.lr() == Approx(0.24 * 0.75));
  CHECK(std::isnan(s.momentum()));
  s.set_last_step(100);  // past the short group's end: 0 and stays 0
  CHECK(sgd.param_groups()[1].options().get_lr() == 0.0);
  CHECK(s.lr_at(199, 0) == Approx(0.24 / 200));
  CHECK(s.lr_at(200, 0) == 0.0);
  CHECK(s.lr_at(1000, 0) == 0.0);
  CHECK(s.last_step() == 100);
}

TEST_CASE("PiecewiseLinear: interpolates between any points and holds the ends", "[optim][piecewise_linear]") {
  auto a = at::ones({1}, at::requires_grad());
  torch::optim::SGD sgd({a}, torch::optim::SGDOptions(1.0));
  // airbench94's SGD triangle: 0.2 -> 1 at 23 % -> 0.07.
  PiecewiseLinear s(sgd, PiecewiseLinearOptions({{0, 0.2}, {23, 1.0}, {100, 0.07}}));
  CHECK(s.factor_at(0) == Approx(0.2));
  CHECK(s.factor_at(23) == Approx(1.0));
  CHECK(s.factor_at(10) == Approx(0.2 + 0.8 * 10 / 23.0));
  CHECK(s.factor_at(100) == Approx(0.07));
  CHECK(s.factor_at(150) == Approx(0.07));
  CHECK(s.factor_at(-5) == Approx(0.2));
}

TEST_CASE("PiecewiseLinear: bad knots and groups are named", "[optim][piecewise_linear]") {
  auto a = at::ones({1}, at::requires_grad());
  torch::optim::SGD sgd({a}, torch::optim::SGDOptions(1.0));
  CHECK_THROWS_WITH(PiecewiseLinear(sgd, PiecewiseLinearOptions(sc::optim::Knots{})), SC_CONTAINS("knots is empty"));
  CHECK_THROWS_WITH(PiecewiseLinear(sgd, PiecewiseLinearOptions({{0, 1}, {0, 0}})), SC_CONTAINS("steps must increase"));
  CHECK_THROWS_WITH(PiecewiseLinear(sgd, PiecewiseLinearOptions({{0, -1}})), SC_CONTAINS("factors finite and >= 0"));
  CHECK_THROWS_WITH(PiecewiseLinear(sgd, PiecewiseLinearOptions().group(3, sc::optim::linear_decay(5))),
                    SC_CONTAINS("names group 3 but the optimizer has 1 groups"));
}

TEST_CASE("interpolate: linear between knots, flat before the first and after the last", "[optim][piecewise_linear]") {
  const superconv::optim::Knots triangle = {{0.0, 0.2}, {110.0, 1.0}, {480.0, 0.07}};
  CHECK(superconv::optim::interpolate(triangle, -3) == 0.2);
  CHECK(superconv::optim::interpolate(triangle, 55) == Approx(0.6));
  CHECK(superconv::optim::interpolate(triangle, 143) == Approx(1.0 - 0.93 * 33 / 370));
  CHECK(superconv::optim::interpolate(triangle, 500) == 0.07);
}

TEST_CASE("PiecewiseLinear: the base LRs are the initial ones (PyTorch's initial_lr), also for a later scheduler",
          "[optim][piecewise_linear]") {
  auto a = at::ones({2}, at::requires_grad()), b = at::ones({2}, at::requires_grad());
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<at::Tensor>{a}, std::make_unique<torch::optim::SGDOptions>(0.24));
  groups.emplace_back(std::vector<at::Tensor>{b}, std::make_unique<torch::optim::SGDOptions>(0.053));
  torch::optim::SGD sgd(groups, torch::optim::SGDOptions(0.24));
  sc::optim::restore_group_options(sgd, groups);
  const auto options = PiecewiseLinearOptions(sc::optim::linear_decay(100));
  PiecewiseLinear first(sgd, options);
  for (int i = 0; i < 40; ++i) first.step();
  REQUIRE(sgd.param_groups()[0].options().get_lr() == Approx(0.24 * 0.6));
  // A second scheduler on the same optimizer: the same base, not the LRs the first one left (0.24 x 0.6).
  PiecewiseLinear second(sgd, options);
  CHECK(second.base_lrs() == std::vector<double>{0.24, 0.053});
  second.set_last_step(40);
  CHECK(sgd.param_groups()[0].options().get_lr() == Approx(0.24 * 0.6));
  CHECK(sgd.param_groups()[1].options().get_lr() == Approx(0.053 * 0.6));
  // LRs set by hand since: they are the new initial LRs (the record no longer describes this optimizer).
  for (auto& g : sgd.param_groups()) g.options().set_lr(0.5);
  PiecewiseLinear third(sgd, options);
  CHECK(third.base_lrs() == std::vector<double>{0.5, 0.5});
}

TEST_CASE("interpolate and linear_decay at their edges: an empty knot list is named, 0 steps is 0 throughout",
          "[optim][piecewise_linear]") {
  CHECK_THROWS_WITH(sc::optim::interpolate({}, 3), SC_CONTAINS("interpolate: the knot list is empty"));
  const auto none = sc::optim::linear_decay(0);
  REQUIRE(none.size() == 1);
  CHECK(sc::optim::interpolate(none, 0) == 0.0);
  CHECK(sc::optim::interpolate(none, 10) == 0.0);
}

TEST_CASE("knots_until: the knots through a step, then 0 - the whole run, none, or one step of it",
          "[optim][piecewise_linear]") {
  const sc::optim::Knots triangle = {{0.0, 0.2}, {23.0, 1.0}, {100.0, 0.07}};
  const auto k = sc::optim::knots_until(triangle, 29);  // airbench94's whitening bias: 3 of 10 epochs of 10 steps
  for (int s = 0; s <= 29; ++s) CHECK(sc::optim::interpolate(k, s) == Approx(sc::optim::interpolate(triangle, s)));
  for (int s = 30; s <= 120; ++s) CHECK(sc::optim::interpolate(k, s) == 0.0);
  // Each result is a valid schedule (increasing steps), also at the edges that used to repeat a step.
  auto a = at::ones({2}, at::requires_grad());
  torch::optim::SGD sgd({a}, torch::optim::SGDOptions(1.0));
  for (const double last : {-1.0, 0.0, 1.0, 23.0, 99.0, 150.0}) {
    INFO("last " << last);
    const auto cut = sc::optim::knots_until(triangle, last);
    CHECK_NOTHROW(PiecewiseLinear(sgd, PiecewiseLinearOptions(cut)));
    CHECK(sc::optim::interpolate(cut, last + 1) == 0.0);
    if (last >= 0) CHECK(sc::optim::interpolate(cut, last) == Approx(sc::optim::interpolate(triangle, last)));
  }
}
