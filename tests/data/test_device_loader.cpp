#include <superconv/data/device_loader.hpp>

#include "support.hpp"
#include "devices.hpp"

#include <set>

using superconv::data::DeviceLoader;
using superconv::data::DeviceLoaderOptions;

namespace {
/// n images on `dev` whose every pixel is i % 256; target i.
std::pair<at::Tensor, at::Tensor> indexed(std::int64_t n, const c10::Device& dev) {
  auto t = at::arange(n, at::TensorOptions().dtype(at::kLong).device(dev));
  auto im = (t % 256).to(at::kByte).view({n, 1, 1, 1}).expand({n, 3, 4, 4}).contiguous();
  return {im, t};
}

at::TensorOptions longs(const c10::Device& dev) {
  return at::TensorOptions().dtype(at::kLong).device(dev);
}
}  // namespace

TEST_CASE("DeviceLoader: batch count, last partial batch kept or dropped", "[data][device_loader]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto [im, t] = indexed(50000, dev);
      DeviceLoader a(im, t, DeviceLoaderOptions(512).device(dev));
      CHECK(a.size() == 98);
      a.start_epoch();
      const auto last = a.get(97);
      CHECK(last.input.size(0) == 50000 - 97 * 512);
      CHECK(last.input.device() == dev);
      CHECK(last.target.device() == dev);
      DeviceLoader b(im, t, DeviceLoaderOptions(512).device(dev).drop_last(true));
      CHECK(b.size() == 97);
      CHECK_THROWS_WITH(a.get(98), SC_CONTAINS("batch index 98 out of range"));
    }
  }
}

TEST_CASE("DeviceLoader: each epoch is a permutation, epochs differ, same seed, same order", "[data][device_loader]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto [im, t] = indexed(1000, dev);
      DeviceLoader a(im, t, DeviceLoaderOptions(128).device(dev).seed(5)),
          b(im, t, DeviceLoaderOptions(128).device(dev).seed(5));
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
        CHECK(at::equal(std::get<0>(order.sort()), at::arange(1000, longs(dev))));
        epochs.push_back(order);
      }
      CHECK_FALSE(at::equal(epochs[0], epochs[1]));
      DeviceLoader c(im, t, DeviceLoaderOptions(128).device(dev).shuffle(false));
      c.start_epoch();
      CHECK(at::equal(c.get(1).target, at::arange(128, 256, longs(dev))));
    }
  }
}

TEST_CASE("DeviceLoader: normalisation, dtype, channels_last, transform", "[data][device_loader]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto [im, t] = indexed(300, dev);
      auto opts = DeviceLoaderOptions(300).device(dev).shuffle(false).mean({0.5, 0.25, 0.0}).std({0.5, 0.25, 1.0});
      DeviceLoader a(im, t, opts);
      a.start_epoch();
      auto x = a.get(0).input;
      CHECK(x.device() == dev);
      CHECK(x.scalar_type() == at::kFloat);
      CHECK(x[200][0][1][1].item<float>() == Approx((200 / 255.0 - 0.5) / 0.5).epsilon(1e-5));
      CHECK(x[200][1][0][0].item<float>() == Approx((200 / 255.0 - 0.25) / 0.25).epsilon(1e-5));
      CHECK(x[200][2][3][3].item<float>() == Approx(200 / 255.0).epsilon(1e-5));
      DeviceLoader b(im, t,
                     DeviceLoaderOptions(300).device(dev).shuffle(false).dtype(at::kBFloat16).channels_last(true));
      b.set_transform([](const at::Tensor& v, at::Generator&) { return v + 1; });
      b.start_epoch();
      auto y = b.get(0).input;
      CHECK(y.device() == dev);
      CHECK(y.scalar_type() == at::kBFloat16);
      CHECK(y.is_contiguous(at::MemoryFormat::ChannelsLast));
      CHECK(y[10][0][0][0].item<float>() == Approx(10 / 255.0 + 1).epsilon(1e-2));
    }
  }
}

TEST_CASE("DeviceLoader: an empty std::function or nullptr means no transform, and ordered() keeps every record",
          "[data][device_loader]") {
  auto [im, t] = indexed(10, c10::Device(c10::kCPU));
  DeviceLoader a(im, t, DeviceLoaderOptions(4).shuffle(false).drop_last(true));
  a.start_epoch();
  const auto plain = a.get(0).input;
  a.set_transform([](const at::Tensor& v, at::Generator&) { return v + 1; });
  CHECK(at::equal(a.get(0).input, plain + 1));
  a.set_transform(std::function<at::Tensor(const at::Tensor&, at::Generator&)>());  // empty: none
  CHECK(at::equal(a.get(0).input, plain));
  a.set_transform([](const at::Tensor& v, at::Generator&) { return v + 1; });
  a.set_transform(nullptr);
  CHECK(at::equal(a.get(0).input, plain));
  // A drop-last training loader has 2 batches of 4; evaluating its ordered() view sees all 10 records.
  CHECK(a.size() == 2);
  auto o = a.ordered();
  CHECK(o.size() == 3);
  o.start_epoch();
  CHECK(o.get(2).target.size(0) == 2);
}

TEST_CASE("DeviceLoader: state() and load_state() resume the same stream", "[data][device_loader]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      // The transform draws from the loader's generator, which lives on `dev`: its tensor goes there too.
      const auto noise = [](const at::Tensor& v, at::Generator& g) { return v + at::rand({1}, g, v.options()); };
      auto [im, t] = indexed(1000, dev);
      DeviceLoader a(im, t, DeviceLoaderOptions(100).device(dev).seed(1));
      a.set_transform(noise);
      a.start_epoch();
      const auto saved = a.state();
      const auto first = a.get(3).input;
      a.start_epoch();
      const auto next_epoch = a.get(0).target;
      DeviceLoader b(im, t, DeviceLoaderOptions(100).device(dev).seed(99));
      b.set_transform(noise);
      b.load_state(saved);
      CHECK(at::equal(b.get(3).input, first));
      b.start_epoch();
      CHECK(at::equal(b.get(0).target, next_epoch));
    }
  }
}

TEST_CASE("DeviceLoader: bad input is named", "[data][device_loader]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto [im, t] = indexed(10, dev);
      const auto on = DeviceLoaderOptions().device(dev);
      CHECK_THROWS_WITH(DeviceLoader(im.to(at::kFloat), t, on), SC_CONTAINS("images must be uint8"));
      CHECK_THROWS_WITH(DeviceLoader(im, t.narrow(0, 0, 9), on), SC_CONTAINS("targets must be [N] with N = 10"));
      CHECK_THROWS_WITH(DeviceLoader(im, t, DeviceLoaderOptions(0).device(dev)),
                        SC_CONTAINS("batch_size must be > 0, got 0"));
      CHECK_THROWS_WITH(DeviceLoader(im, t, DeviceLoaderOptions(2).device(dev).mean({0.5}).std({0.5})),
                        SC_CONTAINS("mean/std have 1 values, the images 3 channels"));
    }
  }
}

TEST_CASE("DeviceLoader: ranks take disjoint shares that cover each global batch", "[data][device_loader]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto [im, t] = indexed(103, dev);  // 103 = 3 global batches of 30 and one of 13 (split 4, 4, 5)
      const auto noise = [](const at::Tensor& x, at::Generator& g) { return x + at::rand(x.sizes(), g, x.options()); };
      DeviceLoader whole(im, t, DeviceLoaderOptions(30).device(dev).seed(5));
      whole.set_transform(noise);
      std::vector<DeviceLoader> ranks;
      for (int r = 0; r < 3; ++r) {
        ranks.emplace_back(im, t, DeviceLoaderOptions(10).device(dev).seed(5).rank(r).world_size(3));
        ranks.back().set_transform(noise);
      }
      for (int epoch = 0; epoch < 2; ++epoch) {
        whole.start_epoch();
        for (auto& l : ranks) l.start_epoch();
        REQUIRE(ranks[0].size() == whole.size());
        REQUIRE(whole.size() == 4);
        std::vector<at::Tensor> seen;
        for (std::int64_t i = 0; i < whole.size(); ++i) {
          const auto w = whole.get(i);
          std::vector<at::Tensor> parts, inputs;
          for (auto& l : ranks) {
            auto b = l.get(i);
            parts.push_back(b.index), inputs.push_back(b.input);
            CHECK(at::equal(b.target, b.index));
          }
          // Rank order concatenated is exactly the one-process global batch: disjoint, complete, same order.
          CHECK(at::equal(at::cat(parts), w.index));
          if (i == 3)
            CHECK(std::vector<std::int64_t>{parts[0].numel(), parts[1].numel(), parts[2].numel()} ==
                  std::vector<std::int64_t>{4, 4, 5});
          // Each rank draws its own augmentation (rank 0's generator is seeded as one process's).
          if (i == 0) CHECK_FALSE(at::allclose(inputs[1] - inputs[1].floor(), inputs[0] - inputs[0].floor()));
          seen.insert(seen.end(), parts.begin(), parts.end());
        }
        const auto all = std::get<0>(at::cat(seen).sort());
        CHECK(at::equal(all, at::arange(103, longs(dev))));  // the union over ranks is the whole epoch
      }
    }
  }
}

TEST_CASE("DeviceLoader: whole() sees one process's batches, rank options are checked", "[data][device_loader]") {
  auto [im, t] = indexed(64, c10::Device(c10::kCPU));
  DeviceLoader r1(im, t, DeviceLoaderOptions(8).seed(2).rank(1).world_size(2));
  DeviceLoader one(im, t, DeviceLoaderOptions(16).seed(2));
  auto w = r1.whole();
  CHECK(w.options().batch_size() == 16);
  CHECK(w.options().world_size() == 1);
  w.start_epoch(), one.start_epoch();
  CHECK(at::equal(w.get(0).index, one.get(0).index));
  r1.start_epoch();  // whole()'s draws did not advance r1's: r1 starts the same first epoch
  CHECK(at::equal(r1.get(0).index, one.get(0).index.narrow(0, 8, 8)));
  CHECK_THROWS_WITH(DeviceLoader(im, t, DeviceLoaderOptions(8).rank(2).world_size(2)),
                    SC_CONTAINS("rank must be in [0, 2), got 2"));
  CHECK_THROWS_WITH(DeviceLoader(im, t, DeviceLoaderOptions(8).world_size(0)), SC_CONTAINS("world_size must be >= 1"));
}

TEST_CASE("DeviceLoader: a rank restoring rank 0's state keeps the order and draws its own augmentation",
          "[data][device_loader]") {
  auto [im, t] = indexed(40, c10::Device(c10::kCPU));
  const auto noise = [](const at::Tensor& x, at::Generator& g) { return x + at::rand(x.sizes(), g, x.options()); };
  DeviceLoader r0(im, t, DeviceLoaderOptions(5).seed(4).rank(0).world_size(2));
  DeviceLoader r1(im, t, DeviceLoaderOptions(5).seed(9).rank(1).world_size(2));
  r0.set_transform(noise), r1.set_transform(noise);
  r0.start_epoch();
  r1.load_state(r0.state());
  const auto a = r0.get(1), b = r1.get(1);
  CHECK(at::cat({a.index, b.index}).bincount().max().item<std::int64_t>() == 1);  // disjoint shares
  CHECK(a.index.numel() == 5);
  CHECK_FALSE(at::allclose(a.input - a.input.floor(), b.input - b.input.floor()));
}

TEST_CASE("DeviceLoader: gather gives chosen records normalised, without the transform", "[data][device_loader]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto [im, t] = indexed(300, dev);
      // A sharded loader (rank 1 of 2) with a transform: gather ignores both.
      DeviceLoader a(
          im, t, DeviceLoaderOptions(64).device(dev).mean({0.5, 0.5, 0.5}).std({0.5, 0.5, 0.5}).rank(1).world_size(2));
      a.set_transform([](const at::Tensor& v, at::Generator&) { return v + 100; });
      a.start_epoch();
      const auto b = a.gather(at::tensor({299, 3, 150}, at::kLong));
      REQUIRE(b.input.sizes() == at::IntArrayRef({3, 3, 4, 4}));
      CHECK(b.input.device() == dev);
      CHECK(b.target.cpu().equal(at::tensor({299, 3, 150}, at::kLong)));
      CHECK(b.index.cpu().equal(at::tensor({299, 3, 150}, at::kLong)));
      CHECK(b.input[0][2][3][3].item<float>() == Approx(((299 % 256) / 255.0 - 0.5) / 0.5).epsilon(1e-5));
      CHECK(b.input[2][0][0][0].item<float>() == Approx((150 / 255.0 - 0.5) / 0.5).epsilon(1e-5));
      CHECK_THROWS_WITH(a.gather(at::tensor({300}, at::kLong)), SC_CONTAINS("must be in [0, 300)"));
      CHECK_THROWS_WITH(a.gather(at::tensor({1.0f})), SC_CONTAINS("int64"));
    }
  }
}

TEST_CASE("DeviceLoader: sharded training leaves out a last batch too short for every rank", "[data][device_loader]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto [im, t] = indexed(9, dev);  // global batch 2 x 2 = 4: batches of 4, 4 and 1
      for (int r = 0; r < 2; ++r) {
        DeviceLoader train(im, t, DeviceLoaderOptions(2).device(dev).rank(r).world_size(2));
        CHECK(train.size() == 2);  // the 1-record tail would leave a rank empty
        DeviceLoader eval(im, t, DeviceLoaderOptions(2).device(dev).rank(r).world_size(2).shuffle(false));
        CHECK(eval.size() == 3);  // evaluation keeps every record
      }
      auto [im10, t10] = indexed(10, dev);  // a tail of 2: one record per rank, kept
      CHECK(DeviceLoader(im10, t10, DeviceLoaderOptions(2).device(dev).rank(1).world_size(2)).size() == 3);
      CHECK(DeviceLoader(im, t, DeviceLoaderOptions(2).device(dev)).size() == 5);  // one process: unchanged
    }
  }
}
