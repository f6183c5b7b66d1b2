#include <superconv/optim/param_groups.hpp>

#include "support.hpp"

#include <superconv/nn/custom_resnet.hpp>

#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

namespace sc = superconv;

TEST_CASE("weight_decay_groups: decay on conv/linear weights, none on BN and biases, any optimizer's options",
          "[optim][param_groups]") {
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
  std::int64_t rank2 = 0, rank1 = 0;
  for (const auto& p : model->parameters()) (p.dim() >= 2 ? rank2 : rank1) += p.numel();
  auto sum = [](const torch::optim::OptimizerParamGroup& g) {
    std::int64_t n = 0;
    for (const auto& p : g.params()) n += p.numel();
    return n;
  };
  const auto sgd = sc::optim::weight_decay_groups(*model, torch::optim::SGDOptions(0.1).weight_decay(5e-4));
  REQUIRE(sgd.size() == 2);
  CHECK(sum(sgd[0]) == rank2);
  CHECK(sum(sgd[1]) == rank1);
  CHECK(static_cast<const torch::optim::SGDOptions&>(sgd[0].options()).weight_decay() == 5e-4);
  CHECK(static_cast<const torch::optim::SGDOptions&>(sgd[1].options()).weight_decay() == 0.0);
  const auto adamw = sc::optim::weight_decay_groups(*model, torch::optim::AdamWOptions(1e-3).weight_decay(0.05));
  CHECK(static_cast<const torch::optim::AdamWOptions&>(adamw[1].options()).weight_decay() == 0.0);
  torch::optim::AdamW opt(adamw, torch::optim::AdamWOptions(1e-3));
  CHECK(opt.param_groups().size() == 2);
  const auto one = sc::optim::weight_decay_groups(*model, torch::optim::SGDOptions(0.1), false);
  CHECK(one.size() == 1);
  CHECK(sum(one[0]) == rank1 + rank2);
}
