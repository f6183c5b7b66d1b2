#include <superconv/optim/scheduler.hpp>

#include "support.hpp"

#include <torch/optim/adagrad.h>

using namespace superconv::optim::detail;

TEST_CASE("momentum_kind recognises what each optimizer can cycle", "[optim][scheduler]") {
  std::vector<at::Tensor> p{at::zeros({1}, at::requires_grad())};
  torch::optim::SGD sgd(p, torch::optim::SGDOptions(0.1).momentum(0.9));
  torch::optim::Adam adam(p, torch::optim::AdamOptions(0.1));
  torch::optim::AdamW adamw(p, torch::optim::AdamWOptions(0.1));
  torch::optim::RMSprop rms(p, torch::optim::RMSpropOptions(0.1));
  torch::optim::Adagrad adagrad(p, torch::optim::AdagradOptions(0.1));
  CHECK(momentum_kind(sgd) == MomentumKind::kSgd);
  CHECK(momentum_kind(adam) == MomentumKind::kBeta1);
  CHECK(momentum_kind(adamw) == MomentumKind::kBeta1);
  CHECK(momentum_kind(rms) == MomentumKind::kRmsprop);
  CHECK_THROWS_WITH(checked_momentum_kind(adagrad, "OneCycle"), SC_CONTAINS("OneCycle: cycle_momentum needs"));
  set_momentum(adamw, MomentumKind::kBeta1, 0.8);
  CHECK(std::get<0>(static_cast<torch::optim::AdamWOptions&>(adamw.param_groups()[0].options()).betas()) == 0.8);
  set_lr(sgd, 0.25);
  CHECK(sgd.param_groups()[0].options().get_lr() == 0.25);
}
