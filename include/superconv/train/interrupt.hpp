// SPDX-License-Identifier: MIT
// Stop requests: Ctrl-C (SIGINT), SIGTERM (schedulers, torchrun) and SIGHUP (a closed terminal) become a request that
// the trainer honours after its current step - it saves a checkpoint and stops.
#pragma once

#include <atomic>
#include <csignal>
#include <cstddef>

namespace superconv {
namespace train {

namespace detail {
/// The signal that asked to stop (0: none; -1: request_interrupt()).
inline std::atomic<int>& interrupt_signal() {
  static std::atomic<int> signal{0};
  return signal;
}
extern "C" inline void superconv_stop_handler(int sig) {
  interrupt_signal().store(sig);
  std::signal(sig, SIG_DFL);  // the same signal again ends the process at once (a checkpoint being written stays
                              // a .tmp file; the previous checkpoint is untouched)
}
inline constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};
}  // namespace detail

/// True once a stop signal arrived under an InterruptGuard (or request_interrupt() was called).
inline bool interrupt_requested() {
  return detail::interrupt_signal().load() != 0;
}
/// The signal that asked to stop (SIGINT, SIGTERM, SIGHUP), or 0 (none, or request_interrupt()).
inline int interrupt_signal() {
  const int s = detail::interrupt_signal().load();
  return s > 0 ? s : 0;
}
/// The exit code a program that stopped on request should return: 128 + the signal, as shells report it (130 for
/// Ctrl-C, 143 for SIGTERM, 129 for SIGHUP); 130 after request_interrupt().
inline int interrupt_exit_code() {
  return 128 + (interrupt_signal() > 0 ? interrupt_signal() : SIGINT);
}
/// Asks the running trainer to stop after its current step, as Ctrl-C does.
inline void request_interrupt() {
  detail::interrupt_signal().store(-1);
}
inline void clear_interrupt() {
  detail::interrupt_signal().store(0);
}

/// While alive, SIGINT, SIGTERM and SIGHUP set the stop request instead of ending the process; a second one of the
/// same signal ends it at once. The previous handlers come back on destruction. The library installs none on its
/// own: the program decides.
class InterruptGuard {
 public:
  InterruptGuard() {
    clear_interrupt();
    for (std::size_t i = 0; i < kCount; ++i)
      previous_[i] = std::signal(detail::kStopSignals[i], detail::superconv_stop_handler);
  }
  ~InterruptGuard() {
    for (std::size_t i = 0; i < kCount; ++i) {
      std::signal(detail::kStopSignals[i], previous_[i] == SIG_ERR ? SIG_DFL : previous_[i]);
    }
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  static constexpr std::size_t kCount = sizeof(detail::kStopSignals) / sizeof(int);
  void (*previous_[kCount])(int) = {SIG_DFL, SIG_DFL, SIG_DFL};
};

}  // namespace train
}  // namespace superconv
