// superconv/distributed/buckets.hpp: gradients in buckets and tensors flattened per dtype, with a stand-in for the
// collective (two replicas holding the same values: the sum doubles them), on every device at hand.
#include <superconv/distributed/buckets.hpp>

#include "devices.hpp"
#include "support.hpp"

#include <vector>

namespace sd = superconv::distributed;

TEST_CASE("Gradients are averaged in buckets with the extra values summed in the last", "[distributed][buckets]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      const auto opt = at::TensorOptions().device(dev);
      std::vector<at::Tensor> params = {at::ones({10}, opt).requires_grad_(), at::ones({3, 4}, opt).requires_grad_(),
                                        at::ones({5}, opt).requires_grad_()};
      params[0].mutable_grad() = at::arange(10, opt).to(at::kFloat);
      params[1].mutable_grad() = at::full({3, 4}, 2.0, opt);  // params[2] has no gradient: zeros take part
      auto extra = at::tensor({1.5, 2.0, 3.0, 0.0}, opt.dtype(at::kDouble));
      int calls = 0;
      std::vector<std::int64_t> sizes;
      const sd::FlatOp twice = [&](at::Tensor& flat) { ++calls, sizes.push_back(flat.numel()), flat.mul_(2); };
      // 48 bytes a bucket: [10 floats = 40 B], [12 floats = 48 B], [5 floats + extra]
      sd::average_gradients_in_buckets(params, 2, 48, extra, twice);
      CHECK(calls == 3);
      CHECK(sizes == std::vector<std::int64_t>{10, 12, 9});
      CHECK(params[0].grad().equal(at::arange(10, opt).to(at::kFloat)));  // (g + g) / 2
      CHECK(params[1].grad().equal(at::full({3, 4}, 2.0, opt)));
      REQUIRE(params[2].grad().defined());
      CHECK(params[2].grad().equal(at::zeros({5}, opt)));
      CHECK(extra.cpu().equal(at::tensor({3.0, 4.0, 6.0, 0.0}, at::kDouble)));  // summed, not averaged
      calls = 0;
      sd::average_gradients_in_buckets(params, 2, 1 << 20, extra, twice);  // everything fits: one message
      CHECK(calls == 1);
    }
  }
}

TEST_CASE("flat_collective runs once per dtype and writes the result back in place", "[distributed][buckets]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      const auto opt = at::TensorOptions().device(dev);
      auto a = at::ones({2, 2}, opt), b = at::full({3}, 4.0, opt);
      auto n = at::full({2}, 7, opt.dtype(at::kLong));
      int calls = 0;
      sd::flat_collective({a, n, b}, [&](at::Tensor& flat) { ++calls, flat.add_(1); });
      CHECK(calls == 2);  // float32 and int64
      CHECK(a.equal(at::full({2, 2}, 2.0, opt)));
      CHECK(b.equal(at::full({3}, 5.0, opt)));
      CHECK(n.equal(at::full({2}, 8, opt.dtype(at::kLong))));
    }
  }
}

TEST_CASE("Extra values travel on their own when the gradients are bf16", "[distributed][buckets]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto p = at::ones({4}, at::TensorOptions().device(dev).dtype(at::kBFloat16)).requires_grad_();
      p.mutable_grad() = at::ones_like(p);
      auto extra = at::tensor({1001.0, 4097.0}, at::TensorOptions().device(dev).dtype(at::kDouble));
      std::vector<c10::ScalarType> seen;
      sd::average_gradients_in_buckets({p}, 2, 1 << 20, extra, [&](at::Tensor& flat) {
        seen.push_back(flat.scalar_type());
        flat.mul_(2);
      });
      CHECK(seen == std::vector<c10::ScalarType>{at::kDouble, at::kBFloat16});
      CHECK(extra.cpu().equal(at::tensor({2002.0, 8194.0}, at::kDouble)));  // exact: bf16 would round these
      CHECK(p.grad().to(at::kFloat).cpu().equal(at::ones({4})));
    }
  }
}

TEST_CASE("Buckets are built where the gradients are, whatever device the extra values are on",
          "[distributed][buckets][cuda]") {
  if (!torch::cuda::is_available()) SC_SKIP(sc_test::no_cuda_reason() << "; the mixed-device case needs one");
  // The Trainer's step figures live with the batch (here the CPU), the gradients on the GPU: joining them used to
  // throw "Expected all tensors to be on the same device" at the first step.
  const auto gpu = at::TensorOptions().device(c10::Device(c10::kCUDA, 0));
  auto p = at::ones({6}, gpu).requires_grad_();
  p.mutable_grad() = at::full({6}, 3.0, gpu);
  auto extra = at::tensor({1.0, 2.0}, at::kDouble);  // on the CPU
  std::vector<c10::Device> seen;
  sd::average_gradients_in_buckets({p}, 2, 1 << 20, extra, [&](at::Tensor& flat) {
    seen.push_back(flat.device());
    flat.mul_(2);
  });
  CHECK(seen == std::vector<c10::Device>{c10::Device(c10::kCUDA, 0)});
  CHECK(p.grad().cpu().equal(at::full({6}, 3.0)));
  CHECK(extra.device().is_cpu());
  CHECK(extra.equal(at::tensor({2.0, 4.0}, at::kDouble)));
  // Tensors on two devices: one flat tensor per device, each on its own.
  auto a = at::ones({2}), b = at::ones({3}, gpu);
  seen.clear();
  sd::flat_collective({a, b}, [&](at::Tensor& flat) { seen.push_back(flat.device()), flat.add_(1); });
  CHECK(seen.size() == 2);
  CHECK(a.equal(at::full({2}, 2.0)));
  CHECK(b.cpu().equal(at::full({3}, 2.0)));
}
