// Data-side throughput at batch 512 on this machine: reading CIFAR-10, the device loader, the augmentation
// pipeline (RandomCrop + FlipLR + Cutout), and the pipeline's cost relative to one width-64 training step.
//   bench_pipeline [data folder] [threads]
#include <superconv/data/cifar10.hpp>
#include <superconv/data/device_loader.hpp>
#include <superconv/nn/custom_resnet.hpp>
#include <superconv/transforms/compose.hpp>
#include <superconv/transforms/cutout.hpp>
#include <superconv/transforms/flip_lr.hpp>
#include <superconv/transforms/random_crop.hpp>

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/sgd.h>

#include <chrono>
#include <thread>

namespace sc = superconv;
using Clock = std::chrono::steady_clock;
static double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

int main(int argc, char** argv) {
  const auto dir = sc::data::resolve_cifar10_dir(argc > 1 ? argv[1] : "");
  at::set_num_threads(argc > 2 ? std::atoi(argv[2]) : static_cast<int>(std::thread::hardware_concurrency()));
  at::Tensor images, targets;
  if (std::filesystem::exists(dir / "data_batch_1.bin")) {
    double best = 1e9;
    for (int r = 0; r < 3; ++r) {
      const auto t0 = Clock::now();
      sc::data::Cifar10 train(dir, sc::data::Split::kTrain), test(dir, sc::data::Split::kTest);
      best = std::min(best, since(t0));
      images = train.images(), targets = train.targets();
    }
    fmt::print("read CIFAR-10 (60,000 images, validated): {:.3f} s (best of 3)\n", best);
  } else {
    fmt::print("no CIFAR-10 at {}: synthetic images for the rest\n", dir.string());
    images = at::randint(0, 256, {50000, 3, 32, 32}, at::kLong).to(at::kByte);
    targets = at::randint(0, 10, {50000}, at::kLong);
  }
  namespace T = sc::transforms;
  auto augment = T::Compose(T::RandomCrop(), T::FlipLR(), T::Cutout());
  auto opts = sc::data::DeviceLoaderOptions(512).mean(sc::data::cifar10_mean()).std(sc::data::cifar10_std());
  sc::data::DeviceLoader plain(images, targets, opts), augmented(images, targets, opts);
  augmented.set_transform(augment);
  auto epoch = [](sc::data::DeviceLoader& l) {
    const auto t0 = Clock::now();
    l.start_epoch();
    for (std::int64_t i = 0; i < l.size(); ++i) (void)l.get(i);
    return since(t0);
  };
  epoch(augmented);
  const double tp = epoch(plain), ta = epoch(augmented);
  fmt::print("loader (gather + normalise), batch 512: {:.0f} img/s ({:.2f} ms/batch)\n", 50000 / tp,
             1e3 * tp / plain.size());
  fmt::print("loader + RandomCrop + FlipLR + Cutout:   {:.0f} img/s ({:.2f} ms/batch)\n", 50000 / ta,
             1e3 * ta / augmented.size());
  // One width-64 training step at batch 512 (fp32), for scale.
  torch::manual_seed(0);
  sc::nn::CustomResNet model;
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  augmented.start_epoch();
  auto b = augmented.get(0);
  double step = 1e9;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = Clock::now();
    sgd.zero_grad();
    torch::nn::functional::cross_entropy(model(b.input), b.target).backward();
    sgd.step();
    step = std::min(step, since(t0));
  }
  const double per_batch = ta / augmented.size();
  fmt::print("one width-64 train step, batch 512, fp32: {:.3f} s; the whole data pipeline costs {:.2f}% of it\n", step,
             100.0 * per_batch / step);
  return 0;
}
