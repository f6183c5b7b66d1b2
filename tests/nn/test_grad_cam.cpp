#include <superconv/nn/grad_cam.hpp>

#include "support.hpp"
#include "devices.hpp"

#include <superconv/nn/custom_resnet.hpp>

using namespace superconv::nn;

namespace {
// The quadrant (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right) of a [H, W] map's maximum.
int peak_quadrant(const at::Tensor& map) {
  const auto w = map.size(1), h = map.size(0);
  const auto i = map.flatten().argmax().item<std::int64_t>();
  return (i / w >= h / 2 ? 2 : 0) + (i % w >= w / 2 ? 1 : 0);
}
}  // namespace

TEST_CASE("grad_cam: on a crafted model the map peaks where the evidence is", "[nn][grad_cam]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      // Features: a fixed 3x3 blur (channel 0: bright evidence, channel 1: dark evidence) at half resolution.
      // Head: global average pool, then class 0 reads channel 0 and class 1 channel 1.
      const auto kernel = at::cat({at::ones({1, 1, 3, 3}), -at::ones({1, 1, 3, 3})}).div(9).to(dev);
      const auto features = [&](const at::Tensor& x) { return at::relu(at::conv2d(x, kernel, {}, 2, 1)); };
      const auto weight = at::eye(2, at::TensorOptions().device(dev)).mul(3);
      const auto head = [&](const at::Tensor& f) { return at::linear(f.mean({2, 3}), weight); };
      // Four images of 32x32, each with a bright 6x6 square in another quadrant, over faint noise.
      auto x = at::rand({4, 1, 32, 32}, at::TensorOptions().device(dev)).mul(0.05);
      const int corner[4][2] = {{4, 4}, {4, 22}, {22, 4}, {22, 22}};  // (row, col): quadrants 0, 1, 2, 3
      for (int i = 0; i < 4; ++i) x[i][0].narrow(0, corner[i][0], 6).narrow(1, corner[i][1], 6).fill_(1.0);
      const auto r = grad_cam(features, head, x);
      CHECK(r.maps.sizes() == at::IntArrayRef({4, 32, 32}));
      CHECK(r.maps.device() == dev);
      CHECK(r.classes.cpu().equal(at::zeros({4}, at::kLong)));  // the predicted class: bright evidence
      for (int i = 0; i < 4; ++i) {
        INFO("image " << i);
        CHECK(peak_quadrant(r.maps[i].cpu()) == i);
        CHECK(r.maps[i].max().item<float>() == Approx(1.0));
        CHECK(r.maps[i].min().item<float>() < 0.2f);  // the faint noise, far below the square's evidence
      }
      // Evidence everywhere (a uniformly bright image): the map is 1 everywhere, not 0 (min-max made it 0).
      const auto pooled = [](const at::Tensor& x) {
        const auto p = at::avg_pool2d(x, {8, 8});
        return at::relu(at::cat({p, -p}, 1));
      };
      const auto all = grad_cam(pooled, head, at::ones({1, 1, 32, 32}, at::TensorOptions().device(dev)));
      CHECK(all.classes.cpu().item<std::int64_t>() == 0);
      CHECK(all.maps.min().item<float>() == Approx(1.0));
      CHECK(all.maps.max().item<float>() == Approx(1.0));
      // Class 1 has no evidence in these images (no dark pixels): its maps are all zero, not NaN.
      const auto none = grad_cam(features, head, x, at::ones({4}, at::kLong));
      CHECK(none.maps.abs().sum().item<double>() == 0.0);
      CHECK(none.classes.cpu().equal(at::ones({4}, at::kLong)));
      CHECK_THROWS_WITH(grad_cam(features, head, x, at::full({4}, 2, at::kLong)),
                        SC_CONTAINS("grad_cam: classes must be in 0..1"));
      CHECK_THROWS_WITH(grad_cam(features, head, x, at::zeros({3}, at::kLong)),
                        SC_CONTAINS("grad_cam: classes must be [4], got [3]"));
      CHECK_THROWS_WITH(grad_cam(features, head, x[0]), SC_CONTAINS("grad_cam: input must be [B, C, H, W]"));
    }
  }
}

TEST_CASE("grad_cam: CustomResNet maps in [0, 1] at the input size, mode and grads left alone", "[nn][grad_cam]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      torch::manual_seed(0);
      CustomResNet model(CustomResNetOptions().width(4));
      model->to(dev);
      model->train();
      const auto x = at::randn({3, 3, 32, 32}, at::TensorOptions().device(dev));
      at::Tensor logits;
      {
        at::NoGradGuard no_grad;
        model->eval();
        logits = model(x);
        model->train();
      }
      {
        at::NoGradGuard no_grad;  // grad_cam turns grad mode on inside and leaves it as it found it
        const auto r = grad_cam(model, x);
        CHECK_FALSE(c10::GradMode::is_enabled());
        CHECK(r.maps.sizes() == at::IntArrayRef({3, 32, 32}));
        CHECK(r.maps.scalar_type() == at::kFloat);
        CHECK(r.maps.min().item<float>() >= 0.0f);
        CHECK(r.maps.max().item<float>() <= 1.0f);
        CHECK_FALSE(r.maps.isnan().any().item<bool>());
        CHECK(at::allclose(r.logits, logits, 1e-5, 1e-6));  // eval mode: the running statistics
        CHECK(r.classes.equal(logits.argmax(1)));
      }
      CHECK(model->is_training());
      for (const auto& p : model->parameters()) CHECK_FALSE(p.grad().defined());
      // Another input size: 48x40 images give 48x40 maps.
      const auto r = grad_cam(model, at::randn({2, 3, 48, 40}, at::TensorOptions().device(dev)));
      CHECK(r.maps.sizes() == at::IntArrayRef({2, 48, 40}));
    }
  }
}
