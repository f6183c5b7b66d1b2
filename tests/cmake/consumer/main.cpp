// Uses superconv as a user would: the umbrella header, a schedule, the model, a PNG; and the opt-in distributed
// wing (its vendored Gloo headers, c10d's symbols): a world of one through a FileStore. Prints with_cuda=1 where
// superconv::superconv defines SUPERCONV_WITH_CUDA (a CUDA build of LibTorch); run_consumer.cmake checks it.
#include <superconv/distributed/environment.hpp>
#include <superconv/superconv.hpp>
#ifdef SUPERCONV_WITH_CUDA  // defined by superconv::superconv where LibTorch is a CUDA build
#include <ATen/cuda/CUDAGraph.h>
#endif

#include <torch/version.h>

#include <cmath>
#include <cstdio>

// The standard a consumer gets through superconv::superconv: C++17 at least, C++20 where LibTorch demands it (2.15's
// headers refuse C++17; its torch target carries cxx_std_20).
static_assert(__cplusplus >= 201703L, "superconv::superconv should give its users C++17 at least");
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 15)
static_assert(__cplusplus >= 202002L, "LibTorch 2.15+ needs C++20: the torch target should have brought it");
#endif

int main() {
  namespace sc = superconv;
  sc::optim::OneCycle sched(
      sc::optim::OneCycleOptions(0.157, 24).pct_start(5.0 / 24).div_factor(10).final_div_factor(1).anneal(
          sc::optim::Anneal::kLinear));
  sc::nn::CustomResNet model;
  const auto params = sc::nn::count_parameters(*model);
  sc::viz::Canvas canvas(16, 16);
  canvas.line(0, 0, 15, 15, sc::viz::colors::kBlack);
  sc::viz::write_png("consumer.png", canvas);
  sc::distributed::ProcessGroup group(sc::distributed::ProcessGroupOptions(0, 1).file_store("consumer.store"));
  auto t = at::ones({3});
  group.all_reduce_sum(t);
  const bool distributed_ok = group.size() == 1 && t.sum().item<float>() == 3.0f;
#ifdef SUPERCONV_WITH_CUDA
  // A CUDA graph needs a GPU to capture; that the CUDA-only API compiles and links (libtorch_cuda) is checked here.
  void (at::cuda::CUDAGraph::*replay)() = &at::cuda::CUDAGraph::replay;
  const int with_cuda = replay != nullptr ? 1 : 0;
#else
  const int with_cuda = 0;
#endif
  std::printf("superconv %s: lr_at(1)=%.6f params=%lld distributed=%d with_cuda=%d torch=%s cplusplus=%ld\n",
              sc::version(), sched.lr_at(1), static_cast<long long>(params), distributed_ok ? 1 : 0, with_cuda,
              TORCH_VERSION, static_cast<long>(__cplusplus));
  return std::abs(sched.lr_at(1) - 0.051025) < 1e-12 && params == 6573130 && distributed_ok ? 0 : 1;
}
