#include <superconv/superconv.hpp>

#include "support.hpp"

TEST_CASE("umbrella header, translation unit B", "[umbrella]") {
  CHECK(superconv::optim::OneCycle(superconv::optim::OneCycleOptions(1.0, 10)).lr_at(10) > 0);
  CHECK(superconv::io::Json{{"a", 1}}.dump() == "{\"a\":1}");
  CHECK(superconv::train::cross_entropy_loss(0.1));
}
