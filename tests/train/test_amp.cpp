#include <superconv/train/amp.hpp>

#include "support.hpp"

#include "devices.hpp"

TEST_CASE("AutocastGuard: bf16 matmuls inside the scope, the previous state after it, disabled does nothing",
          "[train][amp][devices]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      const auto a = at::randn({4, 4}, at::TensorOptions().device(dev));
      CHECK_FALSE(at::autocast::is_autocast_enabled(dev.type()));
      {
        superconv::train::AutocastGuard outer(dev.type(), true, at::kBFloat16);
        CHECK(at::mm(a, a).scalar_type() == at::kBFloat16);
        {
          superconv::train::AutocastGuard off(dev.type(), false);
          CHECK(at::mm(a, a).scalar_type() == at::kBFloat16);  // a disabled guard changes nothing
        }
      }
      CHECK_FALSE(at::autocast::is_autocast_enabled(dev.type()));
      CHECK(at::mm(a, a).scalar_type() == at::kFloat);
    }
  }
}
