#include <superconv/random.hpp>

#include "devices.hpp"
#include "support.hpp"

#include <ATen/ATen.h>

TEST_CASE("make_generator: same seed, same stream, other seed, other stream", "[random]") {
  auto a = superconv::make_generator(c10::kCPU, 7), b = superconv::make_generator(c10::kCPU, 7);
  auto c = superconv::make_generator(c10::kCPU, 8);
  const auto ra = at::randperm(100, a, at::kLong), rb = at::randperm(100, b, at::kLong);
  CHECK(at::equal(ra, rb));
  CHECK_FALSE(at::equal(ra, at::randperm(100, c, at::kLong)));
}

TEST_CASE("check_generator names the component and both devices", "[random]") {
  auto g = superconv::make_generator(c10::kCPU, 0);
  CHECK_NOTHROW(superconv::detail::check_generator(g, c10::Device(c10::kCPU), "X"));
  CHECK_THROWS_WITH(superconv::detail::check_generator(g, c10::Device(c10::kCUDA, 0), "Cutout"),
                    SC_CONTAINS("Cutout: the generator lives on cpu but the batch is on cuda"));
  CHECK_THROWS_WITH(superconv::detail::check_generator(at::Generator(), c10::Device(c10::kCPU), "FlipLR"),
                    SC_CONTAINS("FlipLR: the generator is undefined"));
}

TEST_CASE("make_generator on CUDA", "[random][cuda]") {
  if (!at::hasCUDA()) SC_SKIP(sc_test::no_cuda_reason());
  auto g = superconv::make_generator(c10::Device(c10::kCUDA, 0), 3);
  CHECK(g.device().is_cuda());
}
