#include <superconv/data/device_loader.hpp>

#include "support.hpp"

#include <set>

using superconv::data::DeviceLoader;
using superconv::data::DeviceLoaderOptions;

namespace {
/// n images whose every pixel is i % 256; target i.
std::pair<at::Tensor, at::Tensor> indexed(std::int64_t n) {
  auto t = at::arange(n, at::kLong);
  auto im = (t % 256).to(at::kByte).view({n, 1, 1, 1}).expand({n, 3, 4, 4}).contiguous();
  return {im, t};
}
}  // namespace

TEST_CASE("DeviceLoader: batch count, last partial batch kept or dropped", "[data][device_loader]") {
  auto [im, t] = indexed(50000);
  DeviceLoader a(im, t, DeviceLoaderOptions(512));
  CHECK(a.size() == 98);
  a.start_epoch();
  CHECK(a.get(97).input.size(0) == 50000 - 97 * 512);
  DeviceLoader b(im, t, DeviceLoaderOptions(512).drop_last(true));
  CHECK(b.size() == 97);
  CHECK_THROWS_WITH(a.get(98), SC_CONTAINS("batch index 98 out of range"));
}

TEST_CASE("DeviceLoader: each epoch is a permutation; epochs differ; same seed, same order", "[data][device_loader]") {
  auto [im, t] = indexed(1000);
  DeviceLoader a(im, t, DeviceLoaderOptions(128).seed(5)), b(im, t, DeviceLoaderOptions(128).seed(5));
  std::vector<at::Tensor> epochs;
  for (int e = 0; e < 2; ++e) {
    a.start_epoch();
    b.start_epoch();
    std::vector<at::Tensor> parts;
    for (std::int64_t i = 0; i < a.size(); ++i) {
      auto ba = a.get(i), bb = b.get(i);
      CHECK(at::equal(ba.target, bb.target));
      CHECK(at::equal(ba.target, ba.index));  // targets travel with their images
      parts.push_back(ba.target);
    }
    auto order = at::cat(parts);
    CHECK(at::equal(std::get<0>(order.sort()), at::arange(1000, at::kLong)));
    epochs.push_back(order);
  }
  CHECK_FALSE(at::equal(epochs[0], epochs[1]));
  DeviceLoader c(im, t, DeviceLoaderOptions(128).shuffle(false));
  c.start_epoch();
  CHECK(at::equal(c.get(1).target, at::arange(128, 256, at::kLong)));
}

TEST_CASE("DeviceLoader: normalisation, dtype, channels_last, transform", "[data][device_loader]") {
  auto [im, t] = indexed(300);
  auto opts = DeviceLoaderOptions(300).shuffle(false).mean({0.5, 0.25, 0.0}).std({0.5, 0.25, 1.0});
  DeviceLoader a(im, t, opts);
  a.start_epoch();
  auto x = a.get(0).input;
  CHECK(x.scalar_type() == at::kFloat);
  CHECK(x[200][0][1][1].item<float>() == Approx((200 / 255.0 - 0.5) / 0.5).epsilon(1e-5));
  CHECK(x[200][1][0][0].item<float>() == Approx((200 / 255.0 - 0.25) / 0.25).epsilon(1e-5));
  CHECK(x[200][2][3][3].item<float>() == Approx(200 / 255.0).epsilon(1e-5));
  DeviceLoader b(im, t, DeviceLoaderOptions(300).shuffle(false).dtype(at::kBFloat16).channels_last(true));
  b.set_transform([](const at::Tensor& v, at::Generator&) { return v + 1; });
  b.start_epoch();
  auto y = b.get(0).input;
  CHECK(y.scalar_type() == at::kBFloat16);
  CHECK(y.is_contiguous(at::MemoryFormat::ChannelsLast));
  CHECK(y[10][0][0][0].item<float>() == Approx(10 / 255.0 + 1).epsilon(1e-2));
}

TEST_CASE("DeviceLoader: state() and load_state() resume the same stream", "[data][device_loader]") {
  auto [im, t] = indexed(1000);
  DeviceLoader a(im, t, DeviceLoaderOptions(100).seed(1));
  a.set_transform([](const at::Tensor& v, at::Generator& g) { return v + at::rand({1}, g); });
  a.start_epoch();
  const auto saved = a.state();
  const auto first = a.get(3).input;
  a.start_epoch();
  const auto next_epoch = a.get(0).target;
  DeviceLoader b(im, t, DeviceLoaderOptions(100).seed(99));
  b.set_transform([](const at::Tensor& v, at::Generator& g) { return v + at::rand({1}, g); });
  b.load_state(saved);
  CHECK(at::equal(b.get(3).input, first));
  b.start_epoch();
  CHECK(at::equal(b.get(0).target, next_epoch));
}

TEST_CASE("DeviceLoader: bad input is named", "[data][device_loader]") {
  auto [im, t] = indexed(10);
  CHECK_THROWS_WITH(DeviceLoader(im.to(at::kFloat), t), SC_CONTAINS("images must be uint8"));
  CHECK_THROWS_WITH(DeviceLoader(im, t.narrow(0, 0, 9)), SC_CONTAINS("targets must be [N] with N = 10"));
  CHECK_THROWS_WITH(DeviceLoader(im, t, DeviceLoaderOptions(0)), SC_CONTAINS("batch_size must be > 0, got 0"));
  CHECK_THROWS_WITH(DeviceLoader(im, t, DeviceLoaderOptions(2).mean({0.5}).std({0.5})),
                    SC_CONTAINS("mean/std have 1 values, the images 3 channels"));
}
