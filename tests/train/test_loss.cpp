#include <superconv/train/loss.hpp>

#include "support.hpp"

#include "devices.hpp"

TEST_CASE("cross_entropy_loss: PyTorch's cross-entropy with label smoothing, bad smoothing named",
          "[train][loss][devices]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto logits = at::tensor(std::vector<float>{2, 0, 0, 0, 1, 0}, at::TensorOptions().device(dev)).view({2, 3});
      auto target = at::tensor(std::vector<std::int64_t>{0, 2}, at::TensorOptions().device(dev).dtype(at::kLong));
      // Hand-computed: -log softmax at the target, smoothed: (1 - e) * nll + e * mean over classes of -log p.
      const auto logp = at::log_softmax(logits, 1);
      const double nll = -(logp[0][0] + logp[1][2]).item<double>() / 2;
      const double uniform = -logp.mean(1).sum().item<double>() / 2;
      CHECK(superconv::train::cross_entropy_loss()(logits, target).item<double>() == Approx(nll));
      CHECK(superconv::train::cross_entropy_loss(0.1)(logits, target).item<double>() ==
            Approx(0.9 * nll + 0.1 * uniform));
    }
  }
  CHECK_THROWS_WITH(superconv::train::cross_entropy_loss(1.0), SC_CONTAINS("label_smoothing must be in [0, 1), got 1"));
  CHECK_THROWS_WITH(superconv::train::cross_entropy_loss(-0.1), SC_CONTAINS("got -0.1"));
}

TEST_CASE("cross_entropy_loss with Reduction::kSum is the batch's sum", "[train][loss]") {
  const auto logits = at::randn({6, 4});
  const auto target = at::randint(0, 4, {6}, at::kLong);
  const auto mean = superconv::train::cross_entropy_loss(0.2)(logits, target);
  const auto sum = superconv::train::cross_entropy_loss(0.2, superconv::train::Reduction::kSum)(logits, target);
  CHECK(sum.item<double>() == Approx(6 * mean.item<double>()).epsilon(1e-5));
}

TEST_CASE("Loss carries its reduction: cross_entropy_loss says it, a plain callable is a mean unless given",
          "[train][loss]") {
  namespace T = superconv::train;
  const auto logits = at::randn({5, 3});
  const auto target = at::randint(0, 3, {5}, at::kLong);
  const auto sum = T::cross_entropy_loss(0.0, T::Reduction::kSum);
  CHECK(sum.reduction() == T::Reduction::kSum);
  CHECK(sum.declares_reduction());
  CHECK(sum.per_record(sum(logits, target), 5).item<double>() ==
        Approx(T::cross_entropy_loss()(logits, target).item<double>()).epsilon(1e-5));
  const T::Loss plain = [](const at::Tensor& l, const at::Tensor& t) { return at::cross_entropy_loss(l, t); };
  CHECK(plain.reduction() == T::Reduction::kMean);
  CHECK_FALSE(plain.declares_reduction());
  const T::Loss given([](const at::Tensor& l, const at::Tensor& t) { return at::nll_loss(l.log_softmax(1), t); },
                      T::Reduction::kSum);
  CHECK(given.reduction() == T::Reduction::kSum);
  CHECK_FALSE(static_cast<bool>(T::Loss()));
  CHECK_THROWS_WITH(T::Loss()(logits, target), SC_CONTAINS("Loss: the loss function is empty"));
}
