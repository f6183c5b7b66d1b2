// Train-step throughput of the custom ResNet (SGD + Nesterov, cross-entropy, batch on the device), the number
// benchmarks/train_step_reference.py measures for the same model and step in PyTorch's Python API.
//   bench_train_step [width=64] [batch=512] [steps=6] [mode=fp32|bf16|bf16_cl] [threads=all] [heap=retain|default]
// Prints one line: mode, img/s (median step after 2 warm-up steps). heap=retain (the default, as cifar10_resnet
// runs on CPU) calls superconv::system::retain_freed_memory(); heap=default leaves glibc's malloc as it is.
// A bad argument (a count below 1, not a number, an unknown mode) exits with 2 and says which one.
#include <superconv/nn/custom_resnet.hpp>
#include <superconv/system/heap.hpp>
#include <superconv/train/trainer.hpp>
#include <superconv/version.hpp>

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/sgd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace sc = superconv;

namespace {
/// argv[i] as an integer in [1, max_value], `fallback` when absent, or -1 after printing what is wrong with it.
long long count_arg(int argc, char** argv, int i, const char* name, long long fallback, long long max_value) {
  if (argc <= i) return fallback;
  const char* s = argv[i];
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s, &end, 10);
  if (end == s || *end != '\0' || errno == ERANGE || v < 1 || v > max_value) {
    fmt::print(stderr, "bench_train_step: {} (argument {}) must be an integer from 1 to {}, got '{}'\n", name, i,
               max_value, s);
    return -1;
  }
  return v;
}
}  // namespace

int main(int argc, char** argv) {
  constexpr long long kIntMax = std::numeric_limits<int>::max();
  if (argc > 7) {
    fmt::print(stderr, "bench_train_step: at most 6 arguments (width batch steps mode threads heap), got {}\n",
               argc - 1);
    return 2;
  }
  const std::int64_t width = count_arg(argc, argv, 1, "width", 64, kIntMax);
  const std::int64_t batch = count_arg(argc, argv, 2, "batch", 512, kIntMax);
  const long long steps = count_arg(argc, argv, 3, "steps", 6, kIntMax - 2);
  const std::string mode = argc > 4 ? argv[4] : "fp32";
  const bool all_threads = argc <= 5 || std::string(argv[5]) == "all";
  const long long threads = all_threads ? std::max(1, static_cast<int>(std::thread::hardware_concurrency()))
                                        : count_arg(argc, argv, 5, "threads", 1, kIntMax);
  const std::string heap = argc > 6 ? argv[6] : "retain";
  if (width < 1 || batch < 1 || steps < 1 || threads < 1) return 2;  // count_arg said which
  if (mode != "fp32" && mode != "bf16" && mode != "bf16_cl") {
    fmt::print(stderr, "bench_train_step: mode (argument 4) must be fp32, bf16 or bf16_cl, got '{}'\n", mode);
    return 2;
  }
  if (heap != "retain" && heap != "default") {
    fmt::print(stderr, "bench_train_step: heap (argument 6) must be retain or default, got '{}'\n", heap);
    return 2;
  }
  if (heap == "retain") superconv::system::retain_freed_memory();
  at::set_num_threads(static_cast<int>(threads));
  const bool amp = mode != "fp32", cl = mode == "bf16_cl";
  torch::manual_seed(0);
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(width));
  if (cl) sc::nn::to_channels_last(*model);
  torch::optim::SGD sgd(model->parameters(),
                        torch::optim::SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(5e-4));
  auto x = at::randn({batch, 3, 32, 32});
  if (cl) x = x.contiguous(at::MemoryFormat::ChannelsLast);
  auto y = at::randint(0, 10, {batch}, at::kLong);
  std::vector<double> times;
  for (long long i = 0; i < steps + 2; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    sgd.zero_grad();
    at::Tensor logits;
    {
      sc::train::AutocastGuard guard(c10::kCPU, amp, c10::kBFloat16);
      logits = model(x);
    }
    auto loss = torch::nn::functional::cross_entropy(logits.to(at::kFloat), y);
    loss.backward();
    sgd.step();
    (void)loss.item<float>();
    if (i >= 2) times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  const double med = times[times.size() / 2];
  fmt::print("superconv {} | C++ | width {} batch {} {} threads {} heap {} | {:.1f} img/s (median step {:.3f} s)\n",
             sc::version(), width, batch, mode, threads, heap, batch / med, med);
  return 0;
}
