#include <superconv/transforms/normalize.hpp>

#include "support.hpp"
#include "devices.hpp"

#include <ATen/record_function.h>

#include <string>
#include <thread>
#include <vector>

using namespace superconv::transforms;

namespace {
std::vector<std::string>& recorded() {
  static thread_local std::vector<std::string> ops;
  return ops;
}

/// The names of the top-level ATen ops that `f` runs on this thread, in order.
template <typename F>
std::vector<std::string> ops_during(F f) {
  recorded().clear();
  const auto handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback([](const at::RecordFunction& fn) -> std::unique_ptr<at::ObserverContext> {
        recorded().emplace_back(fn.name());
        return nullptr;
      }).scopes({at::RecordScope::FUNCTION}));
  f();
  at::removeCallback(handle);
  return recorded();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}
}  // namespace

TEST_CASE("Normalize: (x - mean) / std per channel", "[transforms][normalize]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      Normalize n({0.5, 0.25, 0.0}, {0.5, 0.5, 2.0});
      auto x = at::full({2, 3, 4, 4}, 1.0, at::TensorOptions().device(dev));
      auto y = n(x);
      CHECK(y.device() == dev);
      CHECK(y[1][0][2][2].item<float>() == Approx(1.0));
      CHECK(y[1][1][2][2].item<float>() == Approx(1.5));
      CHECK(y[1][2][2][2].item<float>() == Approx(0.5));
      at::Generator gen;  // unused by Normalize
      CHECK(at::equal(n(x, gen), y));
    }
  }
}

TEST_CASE("Normalize: the constants are built once per device and dtype, results unchanged",
          "[transforms][normalize]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      const std::vector<double> mean{0.4914, 0.4822, 0.4465}, std{0.2470, 0.2435, 0.2616};
      Normalize n(mean, std);
      for (auto dtype : {at::kFloat, at::kDouble, at::kBFloat16}) {
        INFO("dtype " << dtype);
        auto x = at::rand({5, 3, 6, 7}, at::TensorOptions().dtype(dtype).device(dev));
        const auto m = n.mean_tensor(x), s = n.std_tensor(x);
        CHECK(m.sizes() == at::IntArrayRef({1, 3, 1, 1}));
        CHECK(m.device() == dev);
        CHECK(m.scalar_type() == dtype);
        CHECK_FALSE(m.requires_grad());
        // Built once: every later call, the accessors' and the transform's, sees the same storage.
        const auto y = n(x);
        n(x);
        CHECK(n.mean_tensor(x).data_ptr() == m.data_ptr());
        CHECK(n.std_tensor(x).data_ptr() == s.data_ptr());
        // And a call builds nothing: the only ops it runs are the subtraction and the division.
        const auto ops = ops_during([&] { n(x); });
        INFO("ops: " << join(ops));
        CHECK(ops == std::vector<std::string>{"aten::sub", "aten::div"});
        // The probe sees the building when there is some: a fresh Normalize's first call runs more ops.
        const Normalize fresh(mean, std);
        const auto cold = ops_during([&] { fresh(x); });
        INFO("first call: " << join(cold));
        CHECK(cold.size() > 2);
        // Numerically what the uncached version computed: constants made from doubles, cast to the batch's dtype.
        const auto dopt = at::TensorOptions().dtype(at::kDouble);
        const auto m_ref = at::tensor(mean, dopt).to(dev, dtype).view({1, 3, 1, 1});
        const auto s_ref = at::tensor(std, dopt).to(dev, dtype).view({1, 3, 1, 1});
        CHECK(at::equal(m, m_ref));
        CHECK(at::equal(s, s_ref));
        CHECK(at::equal(y, (x - m_ref) / s_ref));
        CHECK(y.scalar_type() == dtype);
      }
      // Another dtype did not evict the first: float still gets its original tensor.
      auto xf = at::rand({1, 3, 2, 2}, at::TensorOptions().device(dev));
      const auto mf = n.mean_tensor(xf);
      n(xf.to(at::kDouble));
      CHECK(n.mean_tensor(xf).data_ptr() == mf.data_ptr());
      // A copy builds its own constants, equal in value.
      const Normalize copy = n;
      CHECK(copy.mean_tensor(xf).data_ptr() != mf.data_ptr());
      CHECK(at::equal(copy.mean_tensor(xf), mf));
      CHECK(at::equal(copy(xf), n(xf)));
    }
  }
}

TEST_CASE("Normalize: constants built under InferenceMode still serve a batch that requires grad",
          "[transforms][normalize]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      Normalize n({0.5, 0.5, 0.5}, {0.25, 0.5, 1.0});
      auto x = at::rand({2, 3, 2, 2}, at::TensorOptions().device(dev));
      {
        c10::InferenceMode guard;
        n(x);
      }
      CHECK_FALSE(n.mean_tensor(x).is_inference());
      auto xg = x.clone().requires_grad_(true);
      auto y = n(xg);
      y.sum().backward();
      // d/dx (x - m) / s = 1 / s per channel.
      CHECK(xg.grad()[1][2][0][0].item<float>() == Approx(1.0));
      CHECK(xg.grad()[0][0][1][1].item<float>() == Approx(4.0));
    }
  }
}

TEST_CASE("Normalize: one object called from several threads", "[transforms][normalize]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      const Normalize n({0.5, 0.25, 0.0}, {0.5, 0.5, 2.0});
      auto x = at::rand({4, 3, 8, 8}, at::TensorOptions().device(dev));
      std::vector<at::Tensor> out(4);
      std::vector<std::thread> threads;
      for (std::size_t i = 0; i < out.size(); ++i) {
        threads.emplace_back([&, i] { out[i] = n(i % 2 == 0 ? x : x.to(at::kDouble)); });
      }
      for (auto& t : threads) t.join();
      for (std::size_t i = 0; i < out.size(); ++i) CHECK(at::equal(out[i], n(i % 2 == 0 ? x : x.to(at::kDouble))));
    }
  }
}

TEST_CASE("Normalize: errors", "[transforms][normalize]") {
  CHECK_THROWS_WITH(Normalize({0.5}, {0.5, 0.5}), SC_CONTAINS("got 1 and 2"));
  CHECK_THROWS_WITH(Normalize({0.5}, {0.0}), SC_CONTAINS("std must be > 0"));
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      Normalize n({0.5, 0.5, 0.5}, {1, 1, 1});
      const auto opt = at::TensorOptions().device(dev);
      CHECK_THROWS_WITH(n(at::zeros({1, 3, 2, 2}, opt.dtype(at::kByte))),
                        SC_CONTAINS("expected a floating-point batch"));
      CHECK_THROWS_WITH(n(at::zeros({1, 1, 2, 2}, opt)), SC_CONTAINS("expected [B, 3, H, W]"));
    }
  }
}
