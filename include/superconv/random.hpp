// SPDX-License-Identifier: MIT
#pragma once

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/core/Generator.h>
#include <c10/core/Device.h>
#include <c10/util/Exception.h>

#include <cstdint>

namespace superconv {

/// A new, independently seeded random generator that lives on `device`.
///
/// Every random op in superconv draws from an explicit generator that must live on the device of the
/// tensors it fills (CUDA kernels cannot use a CPU generator). Example:
/// `auto gen = superconv::make_generator(torch::kCUDA, 42);`
inline at::Generator make_generator(const c10::Device& device, std::uint64_t seed) {
  at::Generator gen;
  if (device.is_cpu()) {
    gen = at::detail::createCPUGenerator(seed);
  } else if (device.is_cuda()) {
    TORCH_CHECK(at::hasCUDA(), "make_generator: device ", device.str(),
                " requested but this LibTorch has no CUDA (or no GPU is visible)");
    gen = at::detail::getCUDAHooks().getNewGenerator(device.has_index() ? device.index() : 0);
    gen.set_current_seed(seed);
  } else {
    TORCH_CHECK(false, "make_generator: unsupported device ", device.str(), " (cpu and cuda are supported)");
  }
  return gen;
}

namespace detail {

/// Fails with a clear message when `gen` does not live on the device of `what`.
inline void check_generator(const at::Generator& gen, const c10::Device& device, const char* component) {
  TORCH_CHECK(gen.defined(), component, ": the generator is undefined; make one with superconv::make_generator");
  TORCH_CHECK(gen.device().type() == device.type(), component, ": the generator lives on ", gen.device().str(),
              " but the batch is on ", device.str(), "; make one with superconv::make_generator(batch.device(), seed)");
}

}  // namespace detail
}  // namespace superconv
