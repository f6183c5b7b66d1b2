#include <superconv/system/error_message.hpp>

#include "support.hpp"

#include <stdexcept>
#include <string>

TEST_CASE("error_message drops LibTorch's backtrace and passes other messages through", "[system][error_message]") {
  try {
    TORCH_CHECK(false, "Thing: width must be > 0, got -1");
  } catch (const c10::Error& e) {
    const std::string m = superconv::system::error_message(e);
    CHECK(m == "Thing: width must be > 0, got -1");
    CHECK(std::string(e.what()).size() > m.size());  // what() also holds the source location / backtrace
  }
  CHECK(std::string(superconv::system::error_message(std::runtime_error("plain"))) == "plain");
}
