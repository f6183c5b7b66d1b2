// SPDX-License-Identifier: MIT
// How the engine runs any model: a module holder, shared_ptr or AnyModule as one AnyModule, and the forward pass
// under autocast and a memory format that the trainer, the evaluation and the LR range test share.
#pragma once

#include <superconv/train/amp.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/pimpl.h>

#include <memory>
#include <type_traits>

namespace superconv {
namespace train {

/// How a batch goes through the model. Example: `ForwardOptions().amp(true).channels_last(true)`
struct ForwardOptions {
  /// Autocast the forward pass to amp_dtype on the batch's device type.
  TORCH_ARG(bool, amp) = false;
  TORCH_ARG(c10::ScalarType, amp_dtype) = c10::kBFloat16;
  /// Feed the model channels_last batches. Convert the model's parameters too (nn::to_channels_last): the
  /// engine does not change a model's parameters behind the user's back.
  TORCH_ARG(bool, channels_last) = false;
};

/// Any model as an AnyModule: an AnyModule itself, a module holder (`CustomResNet`, `torch::nn::Sequential`) or a
/// `std::shared_ptr` to a module with a `forward(at::Tensor)`.
inline torch::nn::AnyModule as_any_module(torch::nn::AnyModule module) {
  TORCH_CHECK(!module.is_empty(), "superconv::train: the model is empty");
  return module;
}
template <typename M>
torch::nn::AnyModule as_any_module(const torch::nn::ModuleHolder<M>& holder) {
  TORCH_CHECK(!holder.is_empty(), "superconv::train: the model is empty (a module holder made with nullptr)");
  return torch::nn::AnyModule(holder);
}
template <typename M>
torch::nn::AnyModule as_any_module(const std::shared_ptr<M>& module) {
  static_assert(std::is_base_of<torch::nn::Module, M>::value,
                "superconv::train: the model must be a torch::nn::Module (a module holder, shared_ptr or AnyModule)");
  TORCH_CHECK(module != nullptr, "superconv::train: the model is a null shared_ptr");
  return torch::nn::AnyModule(module);
}

/// Logits as float32 for a batch: channels_last if asked, under autocast if asked.
inline at::Tensor forward_logits(torch::nn::AnyModule& model, const at::Tensor& input, const ForwardOptions& options) {
  at::Tensor in = input;
  if (options.channels_last() && input.dim() == 4 && !input.is_contiguous(at::MemoryFormat::ChannelsLast)) {
    in = input.contiguous(at::MemoryFormat::ChannelsLast);
  }
  AutocastGuard autocast(input.device().type(), options.amp(), options.amp_dtype());
  return model.forward(in).to(at::kFloat);
}

/// The device of a model's first parameter (or buffer); CPU for a model with neither.
inline c10::Device device_of(const torch::nn::Module& module) {
  for (const auto& p : module.parameters()) return p.device();
  for (const auto& b : module.buffers()) return b.device();
  return c10::Device(c10::kCPU);
}

}  // namespace train
}  // namespace superconv
