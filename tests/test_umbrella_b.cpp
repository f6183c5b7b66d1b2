#include <superconv/superconv.hpp>

#include "support.hpp"

TEST_CASE("umbrella header, translation unit B", "[umbrella]") {
  CHECK(superconv::optim::OneCycle(superconv::optim::OneCycleOptions(1.0, 10)).lr_at(10) > 0);
  CHECK(superconv::JsonObject().add("a", 1).str() == "{\n  \"a\": 1\n}");
}
