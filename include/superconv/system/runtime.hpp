// SPDX-License-Identifier: MIT
// Where and how a training process runs: the device (auto, cpu, cuda), CPU threads, bf16 autocast and channels_last
// where the hardware pays for them, cuDNN's autotuner and TF32, the heap policy - chosen once, described in one line.
#pragma once

#include <superconv/system/heap.hpp>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/cpu/Utils.h>
#include <c10/core/Device.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <torch/arg.h>
#include <torch/cuda.h>

#include <algorithm>
#include <string>
#include <thread>

namespace superconv {
namespace system {

/// True when this CPU has bf16 arithmetic in hardware (AVX-512 BF16 or AMX-BF16), where bf16 autocast with
/// channels_last pays on the CPU (2.2x fp32 for the custom ResNet on an AVX-512 BF16 machine); without it bf16 is
/// emulated and slower than fp32.
inline bool cpu_has_native_bf16() {
  const auto caps = at::cpu::get_cpu_capabilities();
  for (const char* key : {"avx512_bf16", "amx_bf16"}) {
    const auto it = caps.find(key);
    if (it != caps.end() && it->second.isBool() && it->second.toBool()) return true;
  }
  return false;
}

/// Options for set_up_runtime(). Tri-state switches: -1 chooses, 0 off, 1 on. Example:
/// `RuntimeOptions().device("auto").threads(0)`
struct RuntimeOptions {
  /// "auto" (CUDA when LibTorch sees a GPU), "cpu" or "cuda" (or "cuda:1").
  TORCH_ARG(std::string, device) = "auto";
  /// CPU threads for ATen; 0: every core.
  TORCH_ARG(int, threads) = 0;
  /// bf16 autocast; -1: on for CUDA and for CPUs with native bf16.
  TORCH_ARG(int, amp) = -1;
  /// channels_last batches and parameters; -1: as amp.
  TORCH_ARG(int, channels_last) = -1;
  /// On the CPU, keep freed memory in the heap (retain_freed_memory()).
  TORCH_ARG(bool, retain_heap) = true;
  /// On CUDA, let cuDNN time the convolution algorithms for each shape and keep the fastest.
  TORCH_ARG(bool, cudnn_benchmark) = true;
  /// On CUDA, let float32 matmuls and convolutions use TF32 tensor cores (10-bit mantissa inputs, float32
  /// accumulation), as PyTorch's `torch.backends.{cuda.matmul,cudnn}.allow_tf32 = True` does (set_cuda_tf32). What
  /// autocast leaves in float32 (the loss, BatchNorm statistics) is unaffected.
  TORCH_ARG(bool, tf32) = true;
};

/// What set_up_runtime() chose.
struct Runtime {
  c10::Device device = c10::Device(c10::kCPU);
  bool amp = false, channels_last = false, native_bf16 = false, tf32 = false;
  int threads = 1;
  std::string heap;  ///< what the heap policy did
  /// One line for the log: device, precision (and why), threads, heap.
  std::string describe() const {
    const char* why = device.is_cuda() ? "" : native_bf16 ? " (this CPU computes bf16 natively)" : " (no native bf16)";
    return fmt::format("device {} | bf16 autocast {}, channels_last {}{}{} | threads {} | heap: {}", device.str(),
                       amp ? "on" : "off", channels_last ? "on" : "off", why,
                       device.is_cuda() ? (tf32 ? ", TF32 on" : ", TF32 off") : "", threads, heap);
  }
};

/// TF32 for CUDA float32 matmuls (cuBLAS) and convolutions (cuDNN), on or off, through the setters every LibTorch
/// has (`torch.backends.cuda.matmul.allow_tf32`, `torch.backends.cudnn.allow_tf32`): since 2.9 they set the newer
/// per-backend precisions too, so code that later reads either API (`allowTF32CuBLAS()`,
/// `float32MatmulPrecision()`, `float32Precision(CUDA, MATMUL)`) sees one consistent answer. Setting only the newer
/// enum API would leave the legacy flags out of step (reading them then throws "mix of the legacy and new APIs")
/// and would need LibTorch 2.9 or later. Needs no GPU.
inline void set_cuda_tf32(bool on) {
  at::globalContext().setAllowTF32CuBLAS(on);
  at::globalContext().setAllowTF32CuDNN(on);
}

/// Chooses the device and precision and sets the process up for them (threads, heap, cuDNN). Process-wide: call it
/// once at the start of main(). The error names the device option when CUDA is asked for and absent.
inline Runtime set_up_runtime(const RuntimeOptions& o) {
  // Every option is checked before anything process-wide changes.
  TORCH_CHECK(o.threads() >= 0, "set_up_runtime: threads must be >= 0, got ", o.threads());
  TORCH_CHECK(o.amp() >= -1 && o.amp() <= 1, "set_up_runtime: amp must be -1 (auto), 0 or 1, got ", o.amp());
  TORCH_CHECK(o.channels_last() >= -1 && o.channels_last() <= 1,
              "set_up_runtime: channels_last must be -1 (auto), 0 or 1, got ", o.channels_last());
  Runtime r;
  const bool cuda_seen = torch::cuda::is_available();
  if (o.device() == "auto") {
    r.device = c10::Device(cuda_seen ? c10::kCUDA : c10::kCPU);
  } else {
    try {
      r.device = c10::Device(o.device());
    } catch (const c10::Error&) {
      TORCH_CHECK(false, "device: '", o.device(), "' is not a device; use auto, cpu or cuda");
    }
    TORCH_CHECK(r.device.is_cpu() || r.device.is_cuda(), "device: ", o.device(), " is not supported; use cpu or cuda");
    TORCH_CHECK(r.device.is_cpu() || cuda_seen, "device ", o.device(),
                ": no CUDA device is available to this LibTorch");
  }
  const bool cuda = r.device.is_cuda();
  r.native_bf16 = cuda || cpu_has_native_bf16();
  r.amp = o.amp() < 0 ? r.native_bf16 : o.amp() > 0;
  r.channels_last = o.channels_last() < 0 ? r.amp : o.channels_last() > 0;
  at::set_num_threads(o.threads() > 0 ? o.threads()
                                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  r.threads = at::get_num_threads();
  if (cuda && o.cudnn_benchmark()) at::globalContext().setBenchmarkCuDNN(true);
  if (cuda) {
    set_cuda_tf32(o.tf32());
    r.tf32 = o.tf32();
  }
  r.heap = cuda ? "not applied (CUDA)" : o.retain_heap() ? retain_freed_memory().detail : "not applied (off)";
  return r;
}

}  // namespace system
}  // namespace superconv
