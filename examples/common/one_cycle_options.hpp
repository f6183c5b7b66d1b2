// The options the One Cycle recipes share (cifar10_resnet, imagenet_resnet): the LR range test and One Cycle's LR
// and momentum bounds, and the checks between them. `H` is a recipe's Hyperparameters, with members of these names.
#pragma once

#include "options.hpp"  // in_range, positive

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <string>

template <typename H>
void add_one_cycle_options(CLI::App& app, H& h) {
  const auto pos = positive();
  app.add_option("--lr-max", h.lr_max, "peak LR (default: from the LR range test)")->check(pos);
  app.add_option("--lr-min", h.lr_min, "first and last LR (default: --lr-max / --div-factor)")->check(pos);
  app.add_option("--div-factor", h.div_factor, "lr-min = lr-max / div-factor")->check(in_range(1, 1e6));
  app.add_option("--lr-suggestion", h.lr_suggestion, "range-test rule for --lr-max")
      ->check(CLI::IsMember({"steepest", "valley", "min_loss"}));
  app.add_option("--finder-iters", h.finder_iters, "LR range test: batches")->check(in_range(10, 100000));
  app.add_option("--finder-start", h.finder_start, "LR range test: first LR")->check(pos);
  app.add_option("--finder-end", h.finder_end, "LR range test: last LR")->check(pos);
  app.add_option("--momentum-min", h.momentum_min, "momentum at the LR peak")->check(in_range(0, 1));
  app.add_option("--momentum-max", h.momentum_max, "momentum at both ends")->check(in_range(0, 1));
}

// The checks between those options (CLI::ValidationError, exit 2): lr_min below lr_max, and only with it; momentum
// bounds in order; the range test's LRs in order.
template <typename H>
void check_one_cycle_options(const H& h) {
  auto need = [](bool ok, const std::string& m) { ok ? void() : throw CLI::ValidationError(m); };
  need(h.lr_min < h.lr_max || h.lr_max == 0,
       fmt::format("--lr-min ({}) must be below --lr-max ({})", h.lr_min, h.lr_max));
  need(h.lr_min == 0 || h.lr_max > 0, "--lr-min needs --lr-max (or neither: the LR range test finds both)");
  need(h.momentum_min <= h.momentum_max,
       fmt::format("--momentum-min ({}) must not exceed --momentum-max ({})", h.momentum_min, h.momentum_max));
  need(h.finder_start < h.finder_end,
       fmt::format("--finder-start ({}) must be below --finder-end ({})", h.finder_start, h.finder_end));
}
