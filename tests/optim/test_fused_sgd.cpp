#include <superconv/optim/fused_sgd.hpp>

#include "support.hpp"
#include "devices.hpp"

#include <superconv/optim/one_cycle.hpp>
#include <superconv/optim/sgd_rule.hpp>

#include <torch/optim/sgd.h>
#include <torch/serialize.h>

#include <sstream>
#include <string>

namespace sc = superconv;
using sc::optim::FusedSGD;
using torch::optim::SGDOptions;

namespace {
// A small problem with two parameter groups (filters and a head with decay, biases without): the loss is a fixed
// quadratic-plus-tanh of the parameters, so every step's gradient depends on the previous steps.
struct Problem {
  std::vector<at::Tensor> decay, no_decay;
  at::Tensor x, y;
  explicit Problem(const c10::Device& dev) {
    const auto i = at::arange(4 * 3 * 3 * 3, at::kDouble);
    decay.push_back(at::sin(i * 0.37 + 0.1).reshape({4, 3, 3, 3}).to(at::kFloat).to(dev).requires_grad_());
    decay.push_back(
        at::cos(at::arange(10 * 4, at::kDouble) * 0.21).reshape({10, 4}).to(at::kFloat).to(dev).requires_grad_());
    no_decay.push_back(at::linspace(-0.5, 0.5, 4, at::kFloat).to(dev).requires_grad_());
    no_decay.push_back(at::linspace(0.2, -0.3, 10, at::kFloat).to(dev).requires_grad_());
    x = at::sin(at::arange(6 * 3 * 8 * 8, at::kDouble) * 0.013).reshape({6, 3, 8, 8}).to(at::kFloat).to(dev);
    y = at::arange(6, at::kLong).remainder(10).to(dev);
  }
  std::vector<torch::optim::OptimizerParamGroup> groups(const SGDOptions& base) const {
    return {
        torch::optim::OptimizerParamGroup(decay, std::make_unique<SGDOptions>(base)),
        torch::optim::OptimizerParamGroup(no_decay, std::make_unique<SGDOptions>(SGDOptions(base).weight_decay(0)))};
  }
  at::Tensor loss() const {
    auto h = at::conv2d(x, decay[0], no_decay[0], 1, 1).tanh().mean({2, 3});
    auto logits = at::linear(h, decay[1], no_decay[1]);
    return at::cross_entropy_loss(logits, y) + 0.01 * decay[0].pow(2).sum();
  }
  std::vector<at::Tensor> all() const { return {decay[0], decay[1], no_decay[0], no_decay[1]}; }
};

double max_difference(const Problem& a, const Problem& b) {
  double worst = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    worst = std::max(worst, (a.all()[i] - b.all()[i]).abs().max().item<double>());
  }
  return worst;
}

void train_step(torch::optim::Optimizer& opt, const Problem& p) {
  opt.zero_grad(true);
  p.loss().backward();
  opt.step();
}
}  // namespace

TEST_CASE("FusedSGD: equals torch::optim::SGD within 1e-6 over 50 One Cycle steps, host and device schedule",
          "[optim][fused_sgd]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      const auto base = SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(5e-4);
      const auto schedule = sc::optim::OneCycleOptions(0.4, 50).pct_start(0.25).div_factor(10).final_div_factor(1);
      Problem ref_p(dev), host_p(dev), device_p(dev);
      torch::optim::SGD ref(ref_p.groups(base), base);
      sc::optim::restore_group_options(ref, ref_p.groups(base));
      FusedSGD host(host_p.groups(base), base), device(device_p.groups(base), base);
      sc::optim::OneCycle ref_s(ref, schedule), host_s(host, schedule), device_s(device, schedule);
      device.follow_schedule(device_s, 50);
      CHECK(device.scalars().following());
      double worst = 0;
      for (int step = 0; step < 50; ++step) {
        train_step(ref, ref_p), train_step(host, host_p), train_step(device, device_p);
        ref_s.step(), host_s.step(), device_s.step();
        worst = std::max({worst, max_difference(ref_p, host_p), max_difference(ref_p, device_p)});
      }
      CHECK(worst < 1e-6);
      // The schedule moved the parameters (a fixed LR would leave the same figures for a differently-made step).
      CHECK(max_difference(ref_p, Problem(dev)) > 1e-2);
      // The device-mode LR tensors hold the last step's values (clamped at the table's end).
      CHECK(device.scalars().lr(1).item<double>() == Approx(schedule.max_lr() / 10).epsilon(1e-6));
    }
  }
}

TEST_CASE("FusedSGD: plain momentum, dampening, no momentum and Nesterov equal torch::optim::SGD",
          "[optim][fused_sgd]") {
  const std::vector<std::pair<std::string, SGDOptions>> cases = {
      {"momentum", SGDOptions(0.05).momentum(0.9).weight_decay(1e-3)},
      {"dampening", SGDOptions(0.05).momentum(0.8).dampening(0.3)},
      {"no momentum", SGDOptions(0.2)},
      {"nesterov", SGDOptions(0.05).momentum(0.5).nesterov(true)}};
  for (const auto& dev : sc_test::devices()) {
    for (const auto& [name, o] : cases) {
      DYNAMIC_SECTION(sc_test::device_name(dev) << " " << name) {
        Problem ref_p(dev), fused_p(dev);
        torch::optim::SGD ref(ref_p.groups(o), o);
        sc::optim::restore_group_options(ref, ref_p.groups(o));
        FusedSGD fused(fused_p.groups(o), o);
        double worst = 0;
        for (int step = 0; step < 20; ++step) {
          train_step(ref, ref_p), train_step(fused, fused_p);
          worst = std::max(worst, max_difference(ref_p, fused_p));
        }
        CHECK(worst < 1e-6);
        CHECK(max_difference(ref_p, Problem(dev)) > 1e-3);
      }
    }
  }
}

TEST_CASE("FusedSGD: saves and loads torch::optim::SGD's archive, both ways", "[optim][fused_sgd]") {
  const auto o = SGDOptions(0.05).momentum(0.9).nesterov(true).weight_decay(5e-4);
  Problem ref_p(c10::kCPU), fused_p(c10::kCPU);
  torch::optim::SGD ref(ref_p.groups(o), o);
  FusedSGD fused(fused_p.groups(o), o);
  for (int step = 0; step < 3; ++step) train_step(ref, ref_p), train_step(fused, fused_p);
  // SGD's buffers into FusedSGD and FusedSGD's into SGD: both continue as the other would have.
  std::stringstream from_ref, from_fused;
  {
    torch::serialize::OutputArchive a;
    ref.save(a);
    a.save_to(from_ref);
    torch::serialize::OutputArchive b;
    fused.save(b);
    b.save_to(from_fused);
  }
  Problem ref2_p(c10::kCPU), fused2_p(c10::kCPU);
  for (std::size_t i = 0; i < 4; ++i) {
    at::NoGradGuard g;
    fused2_p.all()[i].copy_(ref_p.all()[i]);
    ref2_p.all()[i].copy_(fused_p.all()[i]);
  }
  FusedSGD fused2(fused2_p.groups(SGDOptions(1.0)), SGDOptions(1.0));
  torch::optim::SGD ref2(ref2_p.groups(SGDOptions(1.0)), SGDOptions(1.0));
  {
    torch::serialize::InputArchive a;
    a.load_from(from_ref);
    fused2.load(a);
    torch::serialize::InputArchive b;
    b.load_from(from_fused);
    ref2.load(b);
  }
  CHECK(static_cast<const SGDOptions&>(fused2.param_groups()[0].options()).momentum() == 0.9);
  for (int step = 0; step < 3; ++step) {
    train_step(ref, ref_p), train_step(fused2, fused2_p), train_step(fused, fused_p), train_step(ref2, ref2_p);
  }
  CHECK(max_difference(ref_p, fused2_p) < 1e-6);
  CHECK(max_difference(fused_p, ref2_p) < 1e-6);
}

TEST_CASE("FusedSGD: bad options name the option and value", "[optim][fused_sgd]") {
  Problem p(c10::kCPU);
  CHECK_THROWS_WITH(FusedSGD(p.all(), SGDOptions(0.1).nesterov(true)),
                    SC_CONTAINS("nesterov needs a momentum > 0 and dampening 0, got momentum 0"));
  CHECK_THROWS_WITH(FusedSGD(p.all(), SGDOptions(-1)), SC_CONTAINS("lr must be finite and >= 0, got -1"));
  FusedSGD ok(p.all(), SGDOptions(0.1));
  static_cast<SGDOptions&>(ok.param_groups()[0].options()).weight_decay(-0.5);
  p.loss().backward();
  CHECK_THROWS_WITH(ok.step(), SC_CONTAINS("weight_decay must be >= 0, got -0.5"));
}

TEST_CASE("DeviceScalars: follows a schedule table on the device, clamps at its end, jumps for a resume",
          "[optim][fused_sgd]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      sc::optim::DeviceScalars s(2, dev);
      s.write(0, 0.5, 0.9);
      CHECK(s.lr(0).item<float>() == 0.5f);
      CHECK(s.momentum(0).item<float>() == 0.9f);
      CHECK(s.lr(0).device() == dev);
      sc::optim::ScheduleTable t{at::tensor({1.0, 10.0, 2.0, 20.0, 3.0, 30.0}, at::kDouble).reshape({3, 2}),
                                 at::zeros({3, 2}, at::kDouble)};
      s.follow(t, 1);
      s.write(0, 99, 99);  // ignored while following
      s.advance();
      CHECK(s.lr(0).item<float>() == 2.0f);
      CHECK(s.lr(1).item<float>() == 20.0f);
      s.advance(), s.advance(), s.advance();  // past the end: the last row
      CHECK(s.lr(1).item<float>() == 30.0f);
      s.set_step(0), s.advance();
      CHECK(s.lr(0).item<float>() == 1.0f);
      CHECK_FALSE(s.has_momentum(0, 0.9));  // the table has none
      CHECK_THROWS_WITH(s.follow({at::zeros({3, 3}, at::kDouble), at::zeros({3, 3}, at::kDouble)}, 0),
                        SC_CONTAINS("must be [steps, 2]"));
      s.unfollow(), s.write(0, 0.25, 0);
      CHECK(s.lr(0).item<float>() == 0.25f);
    }
  }
}

TEST_CASE("tabulate_schedule: One Cycle's values per step, the scheduler left where it was", "[optim][fused_sgd]") {
  Problem p(c10::kCPU);
  FusedSGD sgd(p.groups(SGDOptions(0.1).momentum(0.9)), SGDOptions(0.1).momentum(0.9));
  const auto o = sc::optim::OneCycleOptions(0.4, 20).pct_start(0.3);
  sc::optim::OneCycle one_cycle(sgd, o);
  for (int i = 0; i < 7; ++i) one_cycle.step();
  const auto t = sc::optim::tabulate_schedule(one_cycle, sgd, 20, [](const torch::optim::OptimizerOptions& x) {
    return static_cast<const SGDOptions&>(x).momentum();
  });
  CHECK(one_cycle.last_step() == 7);
  CHECK(sgd.param_groups()[1].options().get_lr() == one_cycle.lr_at(7));
  for (int s : {0, 5, 19}) {
    CHECK(t.lr[s][0].item<double>() == one_cycle.lr_at(s));
    CHECK(t.lr[s][1].item<double>() == one_cycle.lr_at(s));
    CHECK(t.momentum[s][1].item<double>() == one_cycle.momentum_at(s));
  }
}

TEST_CASE("FusedSGD: a schedule whose momentum is 0 at some steps and not at others is refused on the device",
          "[optim][fused_sgd]") {
  Problem p(c10::kCPU);
  FusedSGD sgd(p.groups(SGDOptions(0.1).momentum(0.9).dampening(0.5)), SGDOptions(0.1));
  // One Cycle between momentum 0 and 0.9: torch::optim::SGD skips the buffer at the steps with momentum 0.
  sc::optim::OneCycle one_cycle(sgd, sc::optim::OneCycleOptions(0.4, 10).base_momentum(0.0).max_momentum(0.9));
  CHECK_THROWS_WITH(
      sgd.follow_schedule(one_cycle, 10),
      SC_CONTAINS("FusedSGD: the schedule sets group 0's momentum to 0 at step") && SC_CONTAINS("torch::optim::SGD"));
  CHECK_FALSE(sgd.scalars().following());  // left in host mode
  train_step(sgd, p);                      // and it still steps
}

TEST_CASE("FusedSGD: follows its options on the device - the step reads them only as refresh_from_options copies them",
          "[optim][fused_sgd]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      Problem p(dev);
      FusedSGD sgd(p.groups(SGDOptions(0.1).momentum(0.9)), SGDOptions(0.1));
      sgd.follow_options();
      CHECK(sgd.scalars().following());
      for (auto& g : sgd.param_groups()) g.options().set_lr(0.05);  // a hook's step decay
      train_step(sgd, p);
      CHECK(sgd.scalars().lr(0).item<float>() == 0.1f);  // a captured step would not see the host's change ...
      sgd.refresh_from_options();
      CHECK(sgd.scalars().lr(0).item<float>() == 0.05f);  // ... until it is copied in, outside the step
      static_cast<SGDOptions&>(sgd.param_groups()[0].options()).momentum(0);
      CHECK_THROWS_WITH(sgd.refresh_from_options(), SC_CONTAINS("group 0's momentum went to 0"));
      sgd.unfollow_schedule();
      CHECK_FALSE(sgd.scalars().following());
    }
  }
}

TEST_CASE(
    "DeviceScalars: a parameter group added after the first step is sized in, following a schedule it is an error",
    "[optim][fused_sgd]") {
  Problem p(c10::kCPU);
  FusedSGD sgd(std::vector<at::Tensor>{p.decay[0]}, SGDOptions(0.1).momentum(0.9));
  train_step(sgd, p);
  sgd.add_param_group(torch::optim::OptimizerParamGroup(std::vector<at::Tensor>{p.decay[1]},
                                                        std::make_unique<SGDOptions>(SGDOptions(0.2))));
  const auto before = p.decay[1].detach().clone();
  train_step(sgd, p);  // the new group steps with its own LR
  CHECK(sgd.scalars().groups() == 2);
  CHECK(sgd.scalars().lr(1).item<float>() == 0.2f);
  CHECK_FALSE(at::equal(p.decay[1], before));
  sc::optim::OneCycle one_cycle(sgd, sc::optim::OneCycleOptions(0.4, 10));
  sgd.follow_schedule(one_cycle, 10);
  sgd.add_param_group(torch::optim::OptimizerParamGroup(std::vector<at::Tensor>{p.no_decay[0]},
                                                        std::make_unique<SGDOptions>(SGDOptions(0.2))));
  CHECK_THROWS_WITH(sgd.step(), SC_CONTAINS("follows a schedule made for 2"));
}

TEST_CASE("sgd_step: torch::optim::SGD's rule with host values and with device values", "[optim][sgd_rule]") {
  // Both forms against torch::optim::SGD over 5 steps: plain momentum with dampening, Nesterov with decay, none.
  struct Case {
    SGDOptions options;
    bool buffer;
  };
  const std::vector<Case> cases = {{SGDOptions(0.1).momentum(0.9).dampening(0.3), true},
                                   {SGDOptions(0.05).momentum(0.85).nesterov(true).weight_decay(0.01), true},
                                   {SGDOptions(0.2).weight_decay(0.001), false}};
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const auto& o = cases[k].options;
    Problem ref(c10::kCPU), host(c10::kCPU), device(c10::kCPU);
    torch::optim::SGD sgd(ref.all(), o);
    std::vector<at::Tensor> host_buffers(4), device_buffers(4);
    const sc::optim::SgdRule rule{o.dampening(), o.weight_decay(), o.nesterov(), cases[k].buffer};
    const auto lr_t = at::full({}, o.lr(), at::kFloat), m_t = at::full({}, o.momentum(), at::kFloat);
    for (int step = 0; step < 5; ++step) {
      train_step(sgd, ref);
      for (auto* p : {&host, &device}) {
        for (auto& t : p->all()) t.mutable_grad() = at::Tensor();
        p->loss().backward();
      }
      at::NoGradGuard no_grad;
      std::vector<at::Tensor> grads_h, grads_d;
      for (const auto& t : host.all()) grads_h.push_back(t.grad());
      for (const auto& t : device.all()) grads_d.push_back(t.grad());
      sc::optim::sgd_step(host.all(), grads_h, host_buffers, o.lr(), o.momentum(), rule);
      sc::optim::sgd_step(device.all(), grads_d, device_buffers, lr_t, m_t, rule);
    }
    INFO("case " << k);
    CHECK(max_difference(ref, host) < 1e-6);
    CHECK(max_difference(ref, device) < 1e-6);
    CHECK(host_buffers[0].defined() == cases[k].buffer);
  }
}
