// Train-step throughput of the custom ResNet (SGD + Nesterov, cross-entropy, batch on the device), the number
// benchmarks/train_step_reference.py measures for the same model and step in PyTorch's Python API.
//   bench_train_step [width=64] [batch=512] [steps=6] [mode=fp32|bf16|bf16_cl] [threads=all] [heap=retain|default]
// Prints one line: mode, img/s (median step after 2 warm-up steps). heap=retain (the default, as cifar10_resnet
// runs on CPU) calls superconv::train::retain_freed_memory(); heap=default leaves glibc's malloc as it is.
#include <superconv/nn/custom_resnet.hpp>
#include <superconv/train/heap.hpp>
#include <superconv/train/trainer.hpp>
#include <superconv/version.hpp>

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/sgd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace sc = superconv;

int main(int argc, char** argv) {
  const std::int64_t width = argc > 1 ? std::atoll(argv[1]) : 64, batch = argc > 2 ? std::atoll(argv[2]) : 512;
  const int steps = argc > 3 ? std::atoi(argv[3]) : 6;
  const std::string mode = argc > 4 ? argv[4] : "fp32";
  const int threads = argc > 5 ? std::atoi(argv[5]) : static_cast<int>(std::thread::hardware_concurrency());
  const std::string heap = argc > 6 ? argv[6] : "retain";
  if (heap != "retain" && heap != "default") {
    fmt::print(stderr, "bench_train_step: heap must be retain or default, got '{}'\n", heap);
    return 2;
  }
  if (heap == "retain") superconv::train::retain_freed_memory();
  at::set_num_threads(threads);
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
  for (int i = 0; i < steps + 2; ++i) {
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
