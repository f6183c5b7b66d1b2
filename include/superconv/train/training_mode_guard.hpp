// SPDX-License-Identifier: MIT
// TrainingModeGuard: a module's training mode put back when a scope ends, also when an exception passes.
#pragma once

#include <torch/nn/module.h>

namespace superconv {
namespace train {

/// Restores a module's training mode (train() or eval()) when it goes out of scope. Example:
/// `{ TrainingModeGuard mode(*model); model->eval(); ... }`
class TrainingModeGuard {
 public:
  explicit TrainingModeGuard(torch::nn::Module& m) : m_(m), was_training_(m.is_training()) {}
  ~TrainingModeGuard() { m_.train(was_training_); }
  TrainingModeGuard(const TrainingModeGuard&) = delete;
  TrainingModeGuard& operator=(const TrainingModeGuard&) = delete;

 private:
  torch::nn::Module& m_;
  bool was_training_;
};

}  // namespace train
}  // namespace superconv
