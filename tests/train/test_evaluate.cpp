#include <superconv/train/evaluate.hpp>

#include "support.hpp"

#include "devices.hpp"

#include <superconv/data/device_loader.hpp>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cmath>

namespace sc = superconv;
using sc::data::DeviceLoader;
using sc::data::DeviceLoaderOptions;

namespace {
/// A model that predicts the class stored in pixel (0, 0) of the first channel: logits one-hot * 10.
struct PixelClassImpl : torch::nn::Module {
  at::Tensor forward(const at::Tensor& x) {
    const auto c = (x.select(1, 0).select(1, 0).select(1, 0) * 255).round().to(at::kLong).clamp(0, 3);
    return at::one_hot(c, 4).to(at::kFloat) * 10;
  }
};
TORCH_MODULE(PixelClass);

/// Logits = the image's pixels in a row (1x1xW images: W classes).
struct FlatImpl : torch::nn::Module {
  at::Tensor forward(const at::Tensor& x) { return x.flatten(1); }
};
TORCH_MODULE(Flat);

/// Hands out batches of given records in a given order (indices need not be 0..N-1).
struct PickLoader {
  at::Tensor x, y, order;
  std::int64_t batch;
  void start_epoch() {}
  std::int64_t size() const { return (order.numel() + batch - 1) / batch; }
  sc::data::Batch get(std::int64_t i) {
    auto idx = order.narrow(0, i * batch, std::min(batch, order.numel() - i * batch));
    return {x.index_select(0, idx), y.index_select(0, idx), idx};
  }
};
}  // namespace

TEST_CASE("evaluate: predictions in record order whatever the loader's order, drop_last or subset",
          "[train][evaluate][devices]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      const std::int64_t n = 50;
      auto y = at::arange(n, at::kLong) % 4;
      auto x = at::zeros({n, 1, 2, 2}, at::kByte);
      x.select(1, 0).select(1, 0).select(1, 0).copy_(y.to(at::kByte));
      y.narrow(0, 0, 10).fill_(3);  // records 0-9 are mislabelled where the pixel says otherwise
      PixelClass model;
      model->to(dev);
      // A shuffled drop_last training loader (3 batches of 16) is evaluated through ordered(): all 50 records, the
      // tail that training drops included.
      DeviceLoader shuffled(x, y, DeviceLoaderOptions(16).device(dev).drop_last(true).seed(4));
      const auto r = sc::train::evaluate(model, shuffled);
      CHECK(r.total == n);
      CHECK(r.indices.numel() == n);
      CHECK(at::equal(r.indices, std::get<0>(r.indices.sort())));  // ascending
      CHECK(at::equal(r.targets, y.index_select(0, r.indices)));
      CHECK(at::equal(r.predictions, at::arange(n, at::kLong).index_select(0, r.indices) % 4));
      // A subset in reverse order, indices 20..49: all correct.
      PickLoader pick{x.to(dev).to(at::kFloat) / 255, y.to(dev), at::arange(49, 19, -1, at::kLong).to(dev), 7};
      const auto s = sc::train::evaluate(model, pick);
      CHECK(s.total == 30);
      CHECK(at::equal(s.indices, at::arange(20, 50, at::kLong)));
      CHECK(s.accuracy == 1.0);
      CHECK(s.predictions.device().is_cpu());
    }
  }
}

TEST_CASE("evaluate: flip TTA averages an image with its mirror, the training mode comes back",
          "[train][evaluate][devices]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      // A linear model on 1x1x2 images: logits = [x_left, x_right]; the mirror swaps them, so with TTA both classes
      // score the same and argmax picks class 0.
      Flat model;
      model->to(dev);
      auto x = at::tensor(std::vector<std::uint8_t>{0, 200, 200, 0}, at::kByte).view({2, 1, 1, 2});
      auto y = at::tensor(std::vector<std::int64_t>{1, 0}, at::kLong);
      DeviceLoader test(x, y, DeviceLoaderOptions(2).device(dev).shuffle(false));
      model->train();
      const auto plain = sc::train::evaluate(model, test);
      CHECK(plain.accuracy == 1.0);
      const auto tta = sc::train::evaluate(model, test, sc::train::EvalOptions().tta_views(sc::train::flip_views()));
      CHECK(at::allclose(tta.confidence, at::full({2}, 0.5)));  // both classes score the same
      CHECK(tta.loss == Approx(std::log(2.0)));
      CHECK(model->is_training());
      // A custom loss is what EvalResult::loss reports.
      const auto custom = sc::train::evaluate(
          model, test,
          sc::train::EvalOptions().loss([](const at::Tensor& l, const at::Tensor&) { return l.sum() * 0; }));
      CHECK(custom.loss == 0.0);
    }
  }
}

TEST_CASE("evaluate: a loader without record indices is refused by name", "[train][evaluate]") {
  struct NoIndex {
    void start_epoch() {}
    std::int64_t size() const { return 1; }
    sc::data::Batch get(std::int64_t) { return {at::zeros({2, 1, 1, 2}), at::zeros({2}, at::kLong), at::Tensor()}; }
  } loader;
  Flat model;
  CHECK_THROWS_WITH(sc::train::evaluate(model, loader), SC_CONTAINS("batch 0 has no record index per target"));
}
