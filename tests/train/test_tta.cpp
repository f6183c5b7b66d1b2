#include <superconv/train/tta.hpp>

#include "support.hpp"
#include "devices.hpp"

#include <superconv/data/device_loader.hpp>
#include <superconv/train/evaluate.hpp>

#include <torch/nn/modules/linear.h>

namespace sc = superconv;
namespace T = superconv::train;

TEST_CASE("shift_reflect and the TTA view sets", "[train][tta]") {
  const auto x = at::arange(16, at::kFloat).view({1, 1, 4, 4});
  const auto padded = at::reflection_pad2d(x, {1, 1, 1, 1});
  CHECK(at::equal(T::shift_reflect(x, -1, -1), padded.narrow(2, 2, 4).narrow(3, 2, 4)));  // content moves up-left
  CHECK(at::equal(T::shift_reflect(x, 1, 1), padded.narrow(2, 0, 4).narrow(3, 0, 4)));
  CHECK(at::equal(T::shift_reflect(x, 0, 0), x));
  const auto views = T::flip_shift_views(1);
  REQUIRE(views.size() == 6);
  double sum = 0;
  for (const auto& v : views) sum += v.weight;
  CHECK(sum == Approx(1.0));
  CHECK(views[0].weight == 0.25);
  CHECK(views[5].weight == 0.125);
  CHECK_THROWS_WITH(T::check_tta_views({{"a", nullptr, 0.5}}), SC_CONTAINS("weights must sum to 1, got 0.5"));
  CHECK_THROWS_WITH(T::check_tta_views({}), SC_CONTAINS("tta_views is empty"));
}

TEST_CASE("flip_shift_views are airbench's infer_mirror_translate views: the mirror of each shifted image",
          "[train][tta]") {
  // airbench94: padded = F.pad(x, (1,)*4, 'reflect'); views x, x.flip(-1), then for padded[..., 0:H, 0:W] and
  // padded[..., 2:H+2, 2:W+2] the view and its flip(-1); weights 1/4, 1/4, 1/8 x 4.
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      const auto x = at::rand({2, 3, 6, 7}, at::TensorOptions().device(dev));
      const auto padded = at::reflection_pad2d(x, {1, 1, 1, 1});
      const auto down_right = padded.narrow(2, 0, 6).narrow(3, 0, 7), up_left = padded.narrow(2, 2, 6).narrow(3, 2, 7);
      const std::vector<at::Tensor> want = {x,          x.flip({-1}),         up_left, up_left.flip({-1}),
                                            down_right, down_right.flip({-1})};
      const std::vector<double> weights = {0.25, 0.25, 0.125, 0.125, 0.125, 0.125};
      const auto views = T::flip_shift_views(1);
      REQUIRE(views.size() == want.size());
      for (std::size_t i = 0; i < views.size(); ++i) {
        INFO("view " << i << " (" << views[i].name << ")");
        const auto got = views[i].transform ? views[i].transform(x) : x;
        CHECK(at::equal(got, want[i]));
        CHECK(views[i].weight == weights[i]);
      }
    }
  }
}

namespace {
struct Linear8 : torch::nn::Module {  // a model whose logits depend on where the pixels are
  Linear8() { fc = register_module("fc", torch::nn::Linear(3 * 4 * 4, 3)); }
  at::Tensor forward(const at::Tensor& x) { return fc->forward(x.flatten(1)); }
  torch::nn::Linear fc{nullptr};
};
}  // namespace

TEST_CASE("evaluate with TTA views: the logits are the weighted sum over the views", "[train][tta][evaluate]") {
  torch::manual_seed(1);
  auto model = std::make_shared<Linear8>();
  const auto images = at::randint(0, 255, {20, 3, 4, 4}, at::kLong).to(at::kByte);
  const auto targets = at::randint(0, 3, {20}, at::kLong);
  sc::data::DeviceLoader test(images, targets, sc::data::DeviceLoaderOptions(8).shuffle(false));
  const auto r = T::evaluate(model, test, T::EvalOptions().tta_views(T::flip_shift_views(1)));
  const auto x = test.gather(at::arange(20, at::kLong)).input;
  at::Tensor logits = at::zeros({20, 3});
  for (const auto& v : T::flip_shift_views(1)) logits += v.weight * model->forward(v.transform ? v.transform(x) : x);
  const auto want = std::get<1>(logits.max(1));
  CHECK(at::equal(r.predictions, want));
  CHECK(r.loss == Approx(at::cross_entropy_loss(logits, targets).item<double>()).epsilon(1e-5));
  // The deprecated tta_flip(true) is the two-view case.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
  const auto f = T::evaluate(model, test, T::EvalOptions().tta_flip(true));
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
  const auto g = T::evaluate(model, test, T::EvalOptions().tta_views(T::flip_views()));
  CHECK(at::equal(f.predictions, g.predictions));
  CHECK(f.loss == g.loss);
}

TEST_CASE("evaluate leaves a training loader as it was: order, random state, epoch", "[train][evaluate]") {
  const auto images = at::randint(0, 255, {40, 3, 4, 4}, at::kLong).to(at::kByte);
  const auto targets = at::randint(0, 3, {40}, at::kLong);
  auto model = std::make_shared<Linear8>();
  auto make = [&] {
    sc::data::DeviceLoader l(images, targets, sc::data::DeviceLoaderOptions(8).seed(9));
    l.set_transform([](const at::Tensor& x, at::Generator& g) { return x + at::rand(x.sizes(), g, x.options()); });
    return l;
  };
  auto a = make(), b = make();
  a.start_epoch(), b.start_epoch();
  (void)T::evaluate(model, a);  // on the training loader itself
  CHECK(a.epoch() == b.epoch());
  for (int e = 0; e < 2; ++e) {
    for (std::int64_t i = 0; i < a.size(); ++i) {
      const auto x = a.get(i), y = b.get(i);
      CHECK(at::equal(x.index, y.index));
      CHECK(at::equal(x.input, y.input));
    }
    a.start_epoch(), b.start_epoch();
  }
}

TEST_CASE("evaluate restores the model's training mode when a batch throws", "[train][evaluate]") {
  struct Broken : torch::nn::Module {
    at::Tensor forward(const at::Tensor&) { throw std::runtime_error("broken forward"); }
  };
  auto model = std::make_shared<Broken>();
  model->train();
  sc::data::DeviceLoader test(at::zeros({4, 1, 2, 2}, at::kByte), at::zeros({4}, at::kLong),
                              sc::data::DeviceLoaderOptions(2).shuffle(false));
  CHECK_THROWS_WITH(T::evaluate(model, test), SC_CONTAINS("broken forward"));
  CHECK(model->is_training());
}

TEST_CASE("evaluate of a sharded loader without the replicas is an error, not 1/N of the records",
          "[train][evaluate]") {
  auto model = std::make_shared<Linear8>();
  sc::data::DeviceLoader shard(at::zeros({8, 3, 4, 4}, at::kByte), at::zeros({8}, at::kLong),
                               sc::data::DeviceLoaderOptions(2).shuffle(false).rank(1).world_size(2));
  CHECK_THROWS_WITH(T::evaluate(model, shard), SC_CONTAINS("sharded over world_size 2 but the evaluation runs over 1"));
}
