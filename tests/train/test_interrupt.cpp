#include <superconv/train/interrupt.hpp>

#include "support.hpp"

#include <csignal>

using namespace superconv::train;

TEST_CASE("InterruptGuard turns SIGINT into a request and restores the old handler", "[train][interrupt]") {
  auto before = std::signal(SIGINT, SIG_DFL);
  std::signal(SIGINT, before);
  {
    InterruptGuard guard;
    CHECK_FALSE(interrupt_requested());
    std::raise(SIGINT);  // the process survives
    CHECK(interrupt_requested());
  }
  auto after = std::signal(SIGINT, before);
  CHECK(after == before);
  clear_interrupt();
  request_interrupt();
  CHECK(interrupt_requested());
  clear_interrupt();
}
