#include <superconv/optim/cyclic_lr.hpp>

#include "golden/schedule_golden.hpp"
#include "support.hpp"

#include <torch/optim/sgd.h>

using namespace superconv::optim;

TEST_CASE("CyclicLR equals PyTorch's CyclicLR step for step (golden values)", "[optim][cyclic_lr]") {
  for (const auto& c : golden::cyclic_cases()) {
    INFO("case " << c.name);
    std::vector<at::Tensor> p{at::zeros({1}, at::requires_grad())};
    torch::optim::SGD sgd(p, torch::optim::SGDOptions(0.1).momentum(0.9));
    const CyclicMode modes[] = {CyclicMode::kTriangular, CyclicMode::kTriangular2, CyclicMode::kExpRange};
    auto o = CyclicLROptions(c.base_lr, c.max_lr)
                 .step_size_up(c.up)
                 .step_size_down(c.down)
                 .mode(modes[c.mode])
                 .gamma(c.gamma)
                 .base_momentum(c.base_momentum)
                 .max_momentum(c.max_momentum);
    CyclicLR s(sgd, o);
    for (std::size_t i = 0; i < c.lr.size(); ++i) {
      INFO("step " << i);
      if (i > 0) s.step();
      REQUIRE(sgd.param_groups()[0].options().get_lr() == Approx(c.lr[i]).epsilon(1e-9));
      REQUIRE(static_cast<torch::optim::SGDOptions&>(sgd.param_groups()[0].options()).momentum() ==
              Approx(c.momentum[i]).epsilon(1e-9));
    }
  }
}

TEST_CASE("CyclicLR triangular: peaks at odd multiples of the step size, troughs at even ones", "[optim][cyclic_lr]") {
  CyclicLR s(CyclicLROptions(0.001, 0.006).step_size_up(2000));
  for (int k = 0; k <= 6; ++k) CHECK(s.lr_at(k * 2000) == Approx(k % 2 ? 0.006 : 0.001));
  CHECK(s.lr_at(1000) == Approx(0.0035));
  CHECK(s.cycle_length() == 4000);
  CHECK_THROWS_WITH(CyclicLR(CyclicLROptions(0.01, 0.001)), SC_CONTAINS("base_lr (0.01) must be <= max_lr (0.001)"));
  CHECK_THROWS_WITH(CyclicLR(CyclicLROptions(0.001, 0.01).step_size_up(0)), SC_CONTAINS("step_size_up must be > 0"));
}
