// Test support: the devices a test runs on. CPU always, CUDA device 0 too when a GPU is visible, so the same test
// command proves the code on both on a GPU machine and skips CUDA cleanly elsewhere. Use one section per device, so
// a failure names its device and the other devices still run:
//
//   for (const auto& dev : sc_test::devices()) {
//     DYNAMIC_SECTION(sc_test::device_name(dev)) { ... tensors and generators on dev ... }
//   }
//
// Same seed, same draws holds on each device, but CPU and CUDA generators draw different numbers: across devices,
// compare statistics, or exact values only of deterministic code.
#pragma once

#include <c10/core/Device.h>
#include <torch/cuda.h>

#include <string>
#include <vector>

namespace sc_test {

/// CPU, then CUDA device 0 when `torch::cuda::is_available()`.
inline std::vector<c10::Device> devices() {
  std::vector<c10::Device> out{c10::Device(c10::kCPU)};
  if (torch::cuda::is_available()) out.emplace_back(c10::kCUDA, 0);
  return out;
}

/// Why a CUDA test case skips here (no GPU is visible), for SC_SKIP: with a CUDA build of LibTorch
/// (SUPERCONV_WITH_CUDA) the GPU is missing; with a CPU build there is no CUDA at all.
inline std::string no_cuda_reason() {
#ifdef SUPERCONV_WITH_CUDA
  return "no CUDA device (this LibTorch is a CUDA build, and no GPU is visible)";
#else
  return "no CUDA device (this LibTorch is a CPU build)";
#endif
}

/// "device cpu", "device cuda:0": a section name or INFO message that says where a check ran.
inline std::string device_name(const c10::Device& dev) {
  return "device " + dev.str();
}

}  // namespace sc_test
