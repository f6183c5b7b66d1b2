#include <superconv/train/interrupt.hpp>

#include "support.hpp"

#include <csignal>

using namespace superconv::train;

TEST_CASE("InterruptGuard turns SIGINT, SIGTERM and SIGHUP into a request and restores the old handlers",
          "[train][interrupt]") {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    INFO("signal " << sig);
    auto before = std::signal(sig, SIG_DFL);
    std::signal(sig, before);
    {
      InterruptGuard guard;
      CHECK_FALSE(interrupt_requested());
      std::raise(sig);  // the process survives
      CHECK(interrupt_requested());
      CHECK(interrupt_signal() == sig);
      CHECK(interrupt_exit_code() == 128 + sig);
      CHECK(std::signal(sig, SIG_DFL) == SIG_DFL);  // a second one would end the process at once
    }
    auto after = std::signal(sig, before);
    CHECK(after == before);
  }
  clear_interrupt();
  request_interrupt();
  CHECK(interrupt_requested());
  CHECK(interrupt_exit_code() == 130);
  clear_interrupt();
  CHECK_FALSE(interrupt_requested());
}
