#include <superconv/optim/muon.hpp>

#include "support.hpp"
#include "devices.hpp"

#include <superconv/optim/newton_schulz.hpp>
#include <superconv/optim/piecewise_linear.hpp>

#include <torch/optim/sgd.h>
#include <torch/serialize.h>

#include <cmath>
#include <sstream>

namespace sc = superconv;
using sc::optim::Muon;
using sc::optim::MuonOptions;

namespace {
// The deterministic pattern tests/golden's Muon numbers were made from: sin(i^2 0.0137 + i k + 0.1), full rank.
at::Tensor pattern(at::IntArrayRef shape, double k, const c10::Device& dev = c10::kCPU) {
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  const auto i = at::arange(n, at::kDouble);
  return at::sin(i * i * 0.0137 + i * k + 0.1).reshape(shape).to(at::kFloat).to(dev);
}
at::Tensor singular_values(const at::Tensor& x) {
  return at::linalg_svdvals(x.to(at::kDouble).cpu());
}
}  // namespace

TEST_CASE("newton_schulz: singular values in the published band after 3 steps, closer to 1 after 5",
          "[optim][muon][newton_schulz]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      const auto g = pattern({16, 40}, 0.23, dev);
      const auto sv3 = singular_values(sc::optim::newton_schulz(g, 3));
      CHECK(sv3.min().item<double>() > 0.5);
      CHECK(sv3.max().item<double>() < 1.5);
      CHECK(sc::optim::newton_schulz(g, 3).scalar_type() == at::kBFloat16);
      // A tall matrix is done transposed and comes back in its own shape.
      CHECK(sc::optim::newton_schulz(g.t(), 3).sizes() == g.t().sizes());
      // A wide spectrum (1 down to 1e-3): the small singular values need more steps to approach 1.
      auto wide = at::zeros({8, 12}, at::TensorOptions().device(dev));
      for (int i = 0; i < 8; ++i) wide[i][i] = std::pow(10.0, -3.0 * i / 7.0);
      const auto w3 = singular_values(sc::optim::newton_schulz(wide, 3, {3.4445, -4.7750, 2.0315}, at::kFloat));
      const auto w5 = singular_values(sc::optim::newton_schulz(wide, 5, {3.4445, -4.7750, 2.0315}, at::kFloat));
      CHECK(w5.min().item<double>() > w3.min().item<double>() * 3);
      CHECK(w5.max().item<double>() < 1.5);
    }
  }
  CHECK_THROWS_WITH(sc::optim::newton_schulz(at::ones({2, 2, 2})), SC_CONTAINS("expected a matrix"));
}

TEST_CASE("Muon: two steps on a 4-d filter equal PyTorch's published Muon within bf16 tolerance", "[optim][muon]") {
  // Golden values: the published Muon step (airbench94_muon's zeropower_via_newtonschulz5, momentum 0.6 Nesterov,
  // lr 0.24, weight renormalised to sqrt(out)) in PyTorch 2.13 on the same pattern tensors, two steps.
  const double first6[] = {0.015277, 0.086396, 0.142618, 0.165126, 0.144392, 0.063143};
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto p = pattern({8, 3, 3, 3}, 0.37, dev).requires_grad_();
      Muon muon({p}, MuonOptions(0.24).momentum(0.6).nesterov(true).ns_steps(3).renormalize(true));
      for (int step = 0; step < 2; ++step) {
        p.mutable_grad() = pattern({8, 3, 3, 3}, 0.11 + 0.05 * step, dev);
        muon.step();
      }
      const auto got = p.detach().cpu().flatten();
      for (int i = 0; i < 6; ++i) CHECK(got[i].item<double>() == Approx(first6[i]).margin(0.01));
      CHECK(got.sum().item<double>() == Approx(-0.869843).margin(0.05));
      CHECK(got.norm().item<double>() == Approx(2.940828).epsilon(0.01));
    }
  }
}

TEST_CASE("Muon: a group that does not orthogonalise is torch::optim::SGD (Nesterov, coupled decay), exactly",
          "[optim][muon]") {
  auto a = pattern({5, 4}, 0.3).requires_grad_(), b = a.detach().clone().requires_grad_();
  Muon muon({a}, MuonOptions(0.05).momentum(0.85).weight_decay(0.01).orthogonalize(false));
  torch::optim::SGD sgd({b}, torch::optim::SGDOptions(0.05).momentum(0.85).nesterov(true).weight_decay(0.01));
  for (int step = 0; step < 5; ++step) {
    a.mutable_grad() = pattern({5, 4}, 0.7 + step);
    b.mutable_grad() = pattern({5, 4}, 0.7 + step);
    muon.step(), sgd.step();
  }
  CHECK(at::allclose(a, b, 0, 1e-7));
}

TEST_CASE("Muon: each group keeps its own options (LibTorch would give them the defaults)", "[optim][muon]") {
  auto a = at::ones({4, 4}, at::requires_grad()), b = at::ones({4}, at::requires_grad());
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<at::Tensor>{a}, std::make_unique<MuonOptions>(MuonOptions(0.24).momentum(0.6)));
  groups.emplace_back(std::vector<at::Tensor>{b},
                      std::make_unique<MuonOptions>(MuonOptions(0.053).momentum(0.85).orthogonalize(false)));
  Muon muon(groups);
  const auto& g0 = static_cast<const MuonOptions&>(muon.param_groups()[0].options());
  const auto& g1 = static_cast<const MuonOptions&>(muon.param_groups()[1].options());
  CHECK(g0.lr() == 0.24);
  CHECK(g0.momentum() == 0.6);
  CHECK(g1.lr() == 0.053);
  CHECK_FALSE(g1.orthogonalize());
}

TEST_CASE("Muon: state round-trips through an archive, the resumed steps equal the uninterrupted ones",
          "[optim][muon]") {
  auto p = pattern({6, 2, 3, 3}, 0.4).requires_grad_();
  auto q = p.detach().clone().requires_grad_();
  Muon a({p}, MuonOptions(0.1).momentum(0.6).ns_steps(3));
  for (int s = 0; s < 3; ++s) p.mutable_grad() = pattern({6, 2, 3, 3}, 0.2 + s), a.step();
  std::stringstream bytes;
  {
    torch::serialize::OutputArchive out;
    a.save(out);
    out.save_to(bytes);
  }
  q.detach().copy_(p.detach());
  Muon b({q}, MuonOptions(0.1).momentum(0.6).ns_steps(3));
  {
    torch::serialize::InputArchive in;
    in.load_from(bytes);
    b.load(in);
  }
  for (int s = 3; s < 5; ++s) {
    p.mutable_grad() = pattern({6, 2, 3, 3}, 0.2 + s), a.step();
    q.mutable_grad() = pattern({6, 2, 3, 3}, 0.2 + s), b.step();
  }
  CHECK(at::equal(p, q));
}

TEST_CASE("Muon: bad options are named", "[optim][muon]") {
  auto p = at::ones({2, 2}, at::requires_grad());
  CHECK_THROWS_WITH(Muon({p}, MuonOptions(-1)), SC_CONTAINS("lr must be finite and >= 0, got -1"));
  CHECK_THROWS_WITH(Muon({p}, MuonOptions(0.1).momentum(1.0)), SC_CONTAINS("momentum must be in [0, 1), got 1"));
  CHECK_THROWS_WITH(Muon({p}, MuonOptions(0.1).momentum(0).nesterov(true)), SC_CONTAINS("nesterov needs"));
  CHECK_THROWS_WITH(Muon({p}, MuonOptions(0.1).ns_steps(-1)), SC_CONTAINS("ns_steps must be >= 0, got -1"));
  CHECK_THROWS_WITH(Muon({p}, MuonOptions(0.1).weight_decay(std::nan(""))), SC_CONTAINS("weight_decay"));
}

TEST_CASE("Muon: following a schedule on the device equals reading it from the options", "[optim][muon][cuda_graph]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      std::vector<at::Tensor> host_p{pattern({8, 3, 3, 3}, 0.37, dev).requires_grad_(),
                                     pattern({8}, 0.2, dev).requires_grad_()};
      std::vector<at::Tensor> dev_p{host_p[0].detach().clone().requires_grad_(),
                                    host_p[1].detach().clone().requires_grad_()};
      auto groups = [](const std::vector<at::Tensor>& p) {
        std::vector<torch::optim::OptimizerParamGroup> g;
        g.emplace_back(std::vector<at::Tensor>{p[0]},
                       std::make_unique<MuonOptions>(MuonOptions(0.24).momentum(0.6).ns_steps(3).renormalize(true)));
        g.emplace_back(std::vector<at::Tensor>{p[1]},
                       std::make_unique<MuonOptions>(MuonOptions(0.053).momentum(0.85).orthogonalize(false)));
        return g;
      };
      Muon host(groups(host_p)), device(groups(dev_p));
      const auto o =
          sc::optim::PiecewiseLinearOptions(sc::optim::linear_decay(12)).group_knots({{1, sc::optim::linear_decay(4)}});
      sc::optim::PiecewiseLinear host_s(host, o), device_s(device, o);
      device.follow_schedule(device_s, 12);
      REQUIRE(device.scalars().following());
      for (int step = 0; step < 10; ++step) {
        for (int i = 0; i < 2; ++i) {
          host_p[i].mutable_grad() = pattern(host_p[i].sizes(), 0.11 + 0.05 * step + i, dev);
          dev_p[i].mutable_grad() = host_p[i].grad().clone();
        }
        host.step(), device.step();
        host_s.step(), device_s.step();
      }
      // bf16 Newton-Schulz on inputs that differ in the last float bit: bf16-rounding tolerance.
      CHECK(at::allclose(host_p[0], dev_p[0], 1e-3, 1e-3));
      CHECK(at::allclose(host_p[1], dev_p[1], 0, 1e-6));
      // The bias's schedule ended after 4 steps: it has not moved since.
      CHECK(device.scalars().lr(1).item<float>() == 0.0f);
      device.unfollow_schedule();
      CHECK_FALSE(device.scalars().following());
    }
  }
}

TEST_CASE("Muon: orthogonalised weights decay decoupled, p (1 - lr wd) - lr NS(u), in host and device mode",
          "[optim][muon]") {
  // Published Muon: p.mul_(1 - lr * wd), then p.add_(update, alpha=-lr). Added to the gradient instead, the decay
  // would vanish in Newton-Schulz's normalisation.
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      const double lr = 0.1, wd = 0.5, m = 0.6;
      const auto p0 = pattern({6, 2, 3, 3}, 0.31, dev), g = pattern({6, 2, 3, 3}, 0.17, dev);
      const auto u = g + m * g;  // the first step: buf = g, Nesterov u = g + m buf
      const auto ns = sc::optim::newton_schulz(u.reshape({6, -1}), 3).view(p0.sizes()).to(at::kFloat);
      const auto want = p0 * (1 - lr * wd) - lr * ns;
      for (const bool device_mode : {false, true}) {
        INFO("device mode " << device_mode);
        auto p = p0.clone().requires_grad_();
        Muon muon({p}, MuonOptions(lr).momentum(m).ns_steps(3).weight_decay(wd));
        sc::optim::PiecewiseLinear constant(muon, sc::optim::PiecewiseLinearOptions(sc::optim::Knots{{0.0, 1.0}}));
        if (device_mode) muon.follow_schedule(constant, 4);
        p.mutable_grad() = g.clone();
        muon.step();
        CHECK(at::allclose(p.detach(), want, 1e-5, 1e-6));
        CHECK_FALSE(at::allclose(p.detach(), p0 - lr * ns, 1e-3, 1e-4));  // the decay shows
      }
    }
  }
}

TEST_CASE("Muon: renormalising a zero weight keeps it finite (no 0/0)", "[optim][muon]") {
  auto p = at::zeros({4, 6}).requires_grad_();
  Muon muon({p}, MuonOptions(0.1).momentum(0.6).ns_steps(3).renormalize(true));
  p.mutable_grad() = pattern({4, 6}, 0.3);
  muon.step();
  CHECK(at::isfinite(p.detach()).all().item<bool>());
  const auto u = pattern({4, 6}, 0.3) * 1.6;
  CHECK(at::allclose(p.detach(), -0.1 * sc::optim::newton_schulz(u, 3).to(at::kFloat), 1e-5, 1e-6));
}
