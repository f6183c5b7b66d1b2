#include <superconv/transforms/compose.hpp>
#include <superconv/transforms/cutout.hpp>
#include <superconv/transforms/flip_lr.hpp>
#include <superconv/transforms/random_crop.hpp>

#include "support.hpp"
#include "devices.hpp"

using namespace superconv::transforms;

TEST_CASE("Compose applies in order with one generator", "[transforms][compose]") {
  auto add1 = [](const at::Tensor& x, at::Generator&) { return x + 1; };
  auto twice = [](const at::Tensor& x, at::Generator&) { return x * 2; };
  static_assert(decltype(Compose(add1, twice))::size() == 2, "two transforms");
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto gen = superconv::make_generator(dev, 0);
      auto x = at::zeros({1, 1, 1, 1}, at::TensorOptions().device(dev));
      CHECK(Compose(add1, twice)(x, gen).item<float>() == 2.0f);
      CHECK(Compose(twice, add1)(x, gen).item<float>() == 1.0f);
    }
  }
}

TEST_CASE("Compose of the recipe's augmentations equals the steps applied one by one", "[transforms][compose]") {
  auto augment = Compose(RandomCrop(), FlipLR(), Cutout());
  CHECK(augment.get<2>().options().size() == 8);
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto x = at::randn({32, 3, 32, 32}, at::TensorOptions().device(dev));
      auto g1 = superconv::make_generator(dev, 11), g2 = superconv::make_generator(dev, 11);
      auto composed = augment(x, g1);
      auto manual = Cutout()(FlipLR()(RandomCrop()(x, g2), g2), g2);
      CHECK(composed.device() == dev);
      CHECK(at::equal(composed, manual));
    }
  }
}

TEST_CASE("Recipe augmentations on CUDA match the CPU statistics", "[transforms][compose][cuda]") {
  if (!at::hasCUDA()) SC_SKIP(sc_test::no_cuda_reason());
  auto gen = superconv::make_generator(c10::Device(c10::kCUDA, 0), 1);
  auto x = at::ones({4096, 3, 32, 32}, at::TensorOptions().device(c10::kCUDA));
  auto y = Compose(RandomCrop(), FlipLR(), Cutout())(x, gen);
  CHECK(y.is_cuda());
  CHECK(y.eq(0).select(1, 0).sum({1, 2}).to(at::kDouble).mean().item<double>() == Approx(56.25).margin(1.5));
}
