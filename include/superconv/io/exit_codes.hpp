// SPDX-License-Identifier: MIT
// A training program's body with its stops turned into exit codes: 128 + the signal for Ctrl-C, SIGTERM and
// SIGHUP (with the resume command), 1 for an error, printed without LibTorch's backtrace.
#pragma once

#include <superconv/system/error_message.hpp>
#include <superconv/train/interrupt.hpp>
#include <superconv/train/stops.hpp>

#include <fmt/format.h>

#include <exception>
#include <functional>
#include <iostream>
#include <string>

namespace superconv {
namespace io {

/// A training program's body with its stops turned into exit codes: train::Interrupted (Ctrl-C, SIGTERM, SIGHUP)
/// prints where it stopped and `resume_hint` (on rank 0) and returns 128 + the signal; any other error prints
/// "error: <message>" without LibTorch's backtrace and returns 1. Each message is one write, so ranks' lines do not
/// interleave.
inline int run_guarded(const std::function<int()>& body, const std::string& resume_hint, bool main_rank = true) {
  try {
    return body();
  } catch (const train::Interrupted& e) {
    std::string text = fmt::format("\n{}\n", e.what());
    if (main_rank && !resume_hint.empty()) text += fmt::format("resume with: {}\n", resume_hint);
    std::cerr << text;
    return train::interrupt_exit_code();  // 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP
  } catch (const std::exception& e) {
    std::cerr << "error: " << system::error_message(e) << "\n";
    return 1;
  }
}

}  // namespace io
}  // namespace superconv
