#include <superconv/version.hpp>

#include "support.hpp"

#include <string>

TEST_CASE("version string matches the macros and the CMake project version", "[version]") {
  const std::string v = superconv::version();
  CHECK(v == std::to_string(SUPERCONV_VERSION_MAJOR) + "." + std::to_string(SUPERCONV_VERSION_MINOR) + "." +
                 std::to_string(SUPERCONV_VERSION_PATCH));
  CHECK(v == SUPERCONV_PROJECT_VERSION);
}
