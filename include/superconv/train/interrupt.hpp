// SPDX-License-Identifier: MIT
// Ctrl-C (SIGINT) as a request: the trainer finishes its step, saves, and stops.
#pragma once

#include <atomic>
#include <csignal>

namespace superconv {
namespace train {

namespace detail {
inline std::atomic<bool>& interrupt_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}
extern "C" inline void superconv_sigint_handler(int /*sig*/) {
  interrupt_flag().store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}
}  // namespace detail

/// True once SIGINT arrived under an InterruptGuard (or request_interrupt() was called).
inline bool interrupt_requested() {
  return detail::interrupt_flag().load();
}
/// Asks the running trainer to stop after its current step, as Ctrl-C does.
inline void request_interrupt() {
  detail::interrupt_flag().store(true);
}
inline void clear_interrupt() {
  detail::interrupt_flag().store(false);
}

/// While alive, SIGINT sets the interrupt flag instead of killing the process; the previous handler comes back
/// on destruction. The library installs none on its own: the program decides.
class InterruptGuard {
 public:
  InterruptGuard() {
    clear_interrupt();
    previous_ = std::signal(SIGINT, detail::superconv_sigint_handler);
  }
  ~InterruptGuard() { std::signal(SIGINT, previous_ == SIG_ERR ? SIG_DFL : previous_); }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  void (*previous_)(int) = SIG_DFL;
};

}  // namespace train
}  // namespace superconv
