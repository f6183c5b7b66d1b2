#include <superconv/train/forward.hpp>

#include "support.hpp"

#include "devices.hpp"

#include <superconv/nn/custom_resnet.hpp>

namespace sc = superconv;

TEST_CASE("as_any_module takes a module holder, a shared_ptr or an AnyModule, empty ones are named",
          "[train][forward]") {
  sc::nn::CustomResNet holder(sc::nn::CustomResNetOptions().width(4));
  auto a = sc::train::as_any_module(holder);
  auto b = sc::train::as_any_module(holder.ptr());
  auto c = sc::train::as_any_module(torch::nn::AnyModule(holder));
  CHECK(a.ptr().get() == holder.ptr().get());
  CHECK(b.ptr().get() == holder.ptr().get());
  CHECK(c.ptr().get() == holder.ptr().get());
  CHECK_THROWS_WITH(sc::train::as_any_module(sc::nn::CustomResNet(nullptr)), SC_CONTAINS("the model is empty"));
  CHECK_THROWS_WITH(sc::train::as_any_module(torch::nn::AnyModule()), SC_CONTAINS("the model is empty"));
}

TEST_CASE("forward_logits: float32 logits, channels_last and autocast as asked, device_of",
          "[train][forward][devices]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
      model->to(dev);
      model->eval();
      CHECK(sc::train::device_of(*model) == dev);
      auto any = sc::train::as_any_module(model);
      const auto x = at::randn({2, 3, 32, 32}, at::TensorOptions().device(dev));
      const auto plain = sc::train::forward_logits(any, x, {});
      CHECK(plain.scalar_type() == at::kFloat);
      CHECK(plain.sizes() == at::IntArrayRef{2, 10});
      const auto cl = sc::train::forward_logits(any, x, sc::train::ForwardOptions().channels_last(true));
      CHECK(at::allclose(cl, plain, 1e-4, 1e-5));
      const auto bf = sc::train::forward_logits(any, x, sc::train::ForwardOptions().amp(true));
      CHECK(bf.scalar_type() == at::kFloat);  // computed in bf16, handed back as float32
      CHECK(at::allclose(bf, plain, 0.1, 0.1));
      CHECK_FALSE(at::equal(bf, plain));
    }
  }
  torch::nn::Module empty;
  CHECK(sc::train::device_of(empty) == c10::Device(c10::kCPU));
}
