#include <superconv/system/runtime.hpp>

#include "support.hpp"

#include <fstream>
#include <sstream>

namespace sc = superconv;

TEST_CASE("cpu_has_native_bf16 agrees with the kernel's CPU flags", "[system][runtime]") {
  std::ifstream in("/proc/cpuinfo");
  if (!in) SC_SKIP("no /proc/cpuinfo to compare with");
  std::stringstream text;
  text << in.rdbuf();
  const auto flags = text.str();
  const bool expected = flags.find(" avx512_bf16") != std::string::npos || flags.find(" amx_bf16") != std::string::npos;
  CHECK(sc::system::cpu_has_native_bf16() == expected);
}

TEST_CASE("set_up_runtime: CPU choices, precision by hardware, threads, bad devices named", "[system][runtime]") {
  const int before = at::get_num_threads();
  const auto r = sc::system::set_up_runtime(sc::system::RuntimeOptions().device("cpu").threads(1).retain_heap(false));
  CHECK(r.device == c10::Device(c10::kCPU));
  CHECK(r.threads == 1);
  CHECK(at::get_num_threads() == 1);
  CHECK(r.amp == sc::system::cpu_has_native_bf16());
  CHECK(r.channels_last == r.amp);
  CHECK(r.heap == "not applied (off)");
  CHECK_THAT(r.describe(), SC_CONTAINS("device cpu | bf16 autocast ") && SC_CONTAINS("threads 1"));
  const auto forced = sc::system::set_up_runtime(
      sc::system::RuntimeOptions().device("cpu").threads(1).amp(0).channels_last(1).retain_heap(false));
  CHECK_FALSE(forced.amp);
  CHECK(forced.channels_last);
  CHECK_THROWS_WITH(sc::system::set_up_runtime(sc::system::RuntimeOptions().device("tpu")),
                    SC_CONTAINS("device: 'tpu' is not a device"));
  if (!torch::cuda::is_available()) {
    CHECK_THROWS_WITH(sc::system::set_up_runtime(sc::system::RuntimeOptions().device("cuda")),
                      SC_CONTAINS("device cuda: no CUDA device is available"));
  }
  CHECK_THROWS_WITH(sc::system::set_up_runtime(sc::system::RuntimeOptions().device("cpu").threads(-2)),
                    SC_CONTAINS("threads must be >= 0, got -2"));
  at::set_num_threads(before);
}

TEST_CASE("set_cuda_tf32 keeps the legacy and the newer precision flags in step (no GPU needed)", "[system][runtime]") {
  auto& ctx = at::globalContext();
  const bool cublas = ctx.allowTF32CuBLAS(), cudnn = ctx.allowTF32CuDNN();
  for (const bool on : {true, false, true}) {
    INFO("tf32 " << on);
    sc::system::set_cuda_tf32(on);
    // Each read below throws "mix of the legacy and new APIs" when only one API was set.
    CHECK(ctx.allowTF32CuBLAS() == on);
    CHECK(ctx.allowTF32CuDNN() == on);
    CHECK(ctx.float32MatmulPrecision() ==
          (on ? at::Float32MatmulPrecision::HIGH : at::Float32MatmulPrecision::HIGHEST));
  }
  sc::system::set_cuda_tf32(cublas);
  ctx.setAllowTF32CuDNN(cudnn);
}

TEST_CASE("set_up_runtime: TF32 for CUDA float32 matmuls and convolutions by default, off when asked, CPU untouched",
          "[system][runtime]") {
  auto& ctx = at::globalContext();
  const bool before = ctx.allowTF32CuBLAS();
  const int threads = at::get_num_threads();
  const auto cpu = sc::system::set_up_runtime(sc::system::RuntimeOptions().device("cpu").threads(threads));
  CHECK_FALSE(cpu.tf32);
  CHECK(ctx.allowTF32CuBLAS() == before);
  CHECK_THAT(cpu.describe(), !SC_CONTAINS("TF32"));
  if (!torch::cuda::is_available()) SC_SKIP("no CUDA device: the TF32 half needs one");
  const auto on = sc::system::set_up_runtime(sc::system::RuntimeOptions().device("cuda").threads(threads));
  CHECK(on.tf32);
  CHECK(ctx.allowTF32CuBLAS());
  CHECK(ctx.allowTF32CuDNN());
  CHECK(ctx.float32MatmulPrecision() == at::Float32MatmulPrecision::HIGH);
  CHECK_THAT(on.describe(), SC_CONTAINS(", TF32 on"));
  const auto off = sc::system::set_up_runtime(sc::system::RuntimeOptions().device("cuda").threads(threads).tf32(false));
  CHECK_FALSE(off.tf32);
  CHECK_FALSE(ctx.allowTF32CuBLAS());
  CHECK_FALSE(ctx.allowTF32CuDNN());
  CHECK(ctx.float32MatmulPrecision() == at::Float32MatmulPrecision::HIGHEST);
}
