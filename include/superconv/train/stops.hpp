// SPDX-License-Identifier: MIT
// How training ends early, as exceptions the caller can tell apart: Interrupted (a stop request, after a checkpoint)
// and NonFiniteLoss (the loss became NaN or infinite), with the messages that say where and what was kept.
#pragma once

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace superconv {
namespace train {

/// Thrown when training stops on a non-finite loss; the last checkpoint (previous epoch) is left as it was.
class NonFiniteLoss : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
/// Thrown when training stopped at a Ctrl-C (or request_interrupt()), after saving a checkpoint when one is set.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// NonFiniteLoss for an epoch (1-based) whose per-step `losses` went non-finite by step `upto`: names the first bad
/// step and its LR (`lrs` per step), and what became of the checkpoint (`checkpoint` empty: none was set;
/// `epochs_done`: epochs it holds).
inline NonFiniteLoss non_finite_loss(std::int64_t epoch, const at::Tensor& losses, const std::vector<double>& lrs,
                                     std::int64_t upto, const std::string& checkpoint, std::int64_t epochs_done) {
  const auto bad = losses.narrow(0, 0, upto + 1).isfinite().logical_not().nonzero();
  const auto step = bad.numel() > 0 ? bad[0][0].item<std::int64_t>() : upto;
  const std::string kept =
      checkpoint.empty() ? std::string("no checkpoint path was set")
      : epochs_done > 0  ? fmt::format("the last good checkpoint (epoch {}) is kept at {}", epochs_done, checkpoint)
                         : std::string("no epoch had finished, so there is no checkpoint");
  return NonFiniteLoss(fmt::format(
      "training stopped: the loss became non-finite in epoch {} at step {} (LR {:.6g}); {}. Lower the LR or check the "
      "data.",
      epoch, step, lrs[static_cast<std::size_t>(step)], kept));
}

}  // namespace train
}  // namespace superconv
