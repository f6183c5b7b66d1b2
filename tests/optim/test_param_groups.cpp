#include <superconv/optim/param_groups.hpp>

#include "support.hpp"

#include <superconv/optim/group_options.hpp>
#include <superconv/optim/partition.hpp>

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

TEST_CASE("weight_decay_groups + restore_group_options: the bias group keeps weight decay 0 in torch::optim::SGD",
          "[optim][param_groups]") {
  // LibTorch 2.13's Optimizer replaces a group's weight_decay(0) (its constructor default) by the defaults' decay.
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
  const auto opts = torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(5e-4);
  const auto groups = sc::optim::weight_decay_groups(*model, opts);
  torch::optim::SGD sgd(groups, opts);
  sc::optim::restore_group_options(sgd, groups);
  CHECK(static_cast<const torch::optim::SGDOptions&>(sgd.param_groups()[0].options()).weight_decay() == 5e-4);
  CHECK(static_cast<const torch::optim::SGDOptions&>(sgd.param_groups()[1].options()).weight_decay() == 0.0);
  torch::optim::SGD other({at::ones({1}, at::requires_grad())}, opts);
  CHECK_THROWS_WITH(sc::optim::restore_group_options(other, groups),
                    SC_CONTAINS("the optimizer has 1 parameter groups, 2 were given"));
}

TEST_CASE("partition_parameters: first matching rule, every trainable parameter once, strays named",
          "[optim][param_groups]") {
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
  model->fc->bias.requires_grad_(false);  // not trainable: left out
  namespace O = sc::optim;
  const auto groups = O::partition_parameters(*model, {O::dims_equal(4), O::name_contains("bn"), O::any_parameter()});
  REQUIRE(groups.size() == 3);
  std::int64_t trainable = 0, taken = 0;
  for (const auto& p : model->parameters()) trainable += p.requires_grad() ? 1 : 0;
  for (const auto& g : groups) taken += static_cast<std::int64_t>(g.size());
  CHECK(taken == trainable);
  for (const auto& p : groups[0]) CHECK(p.dim() == 4);
  CHECK(groups[2].size() == 1);  // fc.weight: the conv filters and BN parameters went to the first rules
  CHECK_THROWS_WITH(O::partition_parameters(*model, {O::dims_equal(4)}),
                    SC_CONTAINS("the trainable parameter 'prep.bn.weight' [4] matches no rule"));
  CHECK_THROWS_WITH(O::partition_parameters(*model, {O::name_contains("nothing"), O::any_parameter()}),
                    SC_CONTAINS("rule 0 matches no trainable parameter"));
  CHECK(O::partition_parameters(*model, {O::name_contains("nothing"), O::any_parameter()}, true)[0].empty());
}
