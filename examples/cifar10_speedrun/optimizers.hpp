// cifar10_speedrun's two ways to train the network, as published: airbench94_muon (the default: Muon on the 3x3
// filters, SGD groups beside it, every LR falling linearly to 0) and airbench94 (--optimizer sgd: Nesterov SGD with
// LR and weight decay given per 1,024 images, BatchNorm biases at 64x the LR, a triangular schedule, and Lookahead,
// which main.cpp attaches). Each gives the optimizer and its schedule; the whitening bias's LR ends after its epochs.
#pragma once

#include <cmath>
#include <memory>

struct Optimization {
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::unique_ptr<sc::optim::Scheduler> schedule;
};

namespace detail {
inline std::vector<torch::optim::OptimizerParamGroup> with_options(
    const std::vector<std::vector<at::Tensor>>& groups,
    std::vector<std::unique_ptr<torch::optim::OptimizerOptions>> options) {
  std::vector<torch::optim::OptimizerParamGroup> out;
  for (std::size_t i = 0; i < groups.size(); ++i) out.emplace_back(groups[i], std::move(options[i]));
  return out;
}
}  // namespace detail

/// airbench94_muon: groups filters (Muon), BatchNorm biases, head, whitening bias (SGD, decay x batch / LR).
inline Optimization muon_recipe(sc::nn::AirbenchNetImpl& model, const Hyperparameters& h, std::int64_t steps) {
  namespace O = sc::optim;
  const auto groups = O::partition_parameters(
      model, {O::dims_equal(4), O::name_contains("norm"), O::name_contains("head"), O::name_contains("whiten.bias")});
  const double decay = h.weight_decay * static_cast<double>(h.batch_size);
  auto sgd = [&](double lr) {
    return std::make_unique<O::MuonOptions>(
        O::MuonOptions(lr).momentum(h.sgd_momentum).weight_decay(decay / lr).orthogonalize(false));
  };
  std::vector<std::unique_ptr<torch::optim::OptimizerOptions>> options;
  options.push_back(std::make_unique<O::MuonOptions>(
      O::MuonOptions(h.muon_lr).momentum(h.muon_momentum).ns_steps(h.ns_steps).renormalize(true)));
  options.push_back(sgd(h.bias_lr)), options.push_back(sgd(h.head_lr)), options.push_back(sgd(h.bias_lr));
  Optimization o;
  o.optimizer = std::make_unique<O::Muon>(detail::with_options(groups, std::move(options)));
  o.schedule = std::make_unique<O::PiecewiseLinear>(
      *o.optimizer, O::PiecewiseLinearOptions(O::linear_decay(static_cast<double>(h.epochs * steps)))
                        .group(3, O::linear_decay(static_cast<double>(h.whiten_bias_epochs * steps))));
  return o;
}

/// airbench94: LR and decay "per 1,024 images" (lr = sgd_lr / (1024 (1 + 1 / (1 - momentum))), decay likewise x
/// batch), coupled into PyTorch SGD as decay / group LR; groups BatchNorm biases (LR x bias_scaler), whitening bias
/// and the rest; LR factor 0.2 -> 1 (at 23 % of the steps) -> 0.07, the whitening bias's 0 after its epochs.
inline Optimization sgd_recipe(sc::nn::AirbenchNetImpl& model, const Hyperparameters& h, std::int64_t steps) {
  namespace O = sc::optim;
  const auto groups =
      O::partition_parameters(model, {O::name_contains("norm"), O::name_contains("whiten.bias"), O::any_parameter()});
  const double kilostep = 1024 * (1 + 1 / (1 - h.sgd_momentum));
  const double lr = h.sgd_lr / kilostep, decay = h.sgd_weight_decay * static_cast<double>(h.batch_size) / kilostep;
  auto sgd = [&](double group_lr) {
    return std::make_unique<torch::optim::SGDOptions>(
        torch::optim::SGDOptions(group_lr).momentum(h.sgd_momentum).nesterov(true).weight_decay(decay / group_lr));
  };
  std::vector<std::unique_ptr<torch::optim::OptimizerOptions>> options;
  options.push_back(sgd(lr * h.bias_scaler)), options.push_back(sgd(lr)), options.push_back(sgd(lr));
  Optimization o;
  o.optimizer =
      std::make_unique<O::FusedSGD>(detail::with_options(groups, std::move(options)), torch::optim::SGDOptions(lr));
  const double total = static_cast<double>(h.epochs * steps), peak = std::floor(0.23 * total);
  // Fewer than 5 steps in all: the peak is step 0.
  const O::Knots triangle =
      peak > 0 ? O::Knots{{0.0, 0.2}, {peak, 1.0}, {total, 0.07}} : O::Knots{{0.0, 1.0}, {total, 0.07}};
  // The whitening bias: the same triangle for its first steps (at most the run's), then 0.
  const double last = std::min(static_cast<double>(h.whiten_bias_epochs * steps), total) - 1;
  o.schedule = std::make_unique<O::PiecewiseLinear>(
      *o.optimizer, O::PiecewiseLinearOptions(triangle).group(1, O::knots_until(triangle, last)));
  return o;
}
