// SPDX-License-Identifier: MIT
// An exception's message for people: LibTorch's errors (c10::Error) without the C++ backtrace they carry.
#pragma once

#include <c10/util/Exception.h>

#include <exception>

namespace superconv {
namespace system {

/// `e.what()`, or for a c10::Error its message without the backtrace. Example: `std::cerr << error_message(e);`
inline const char* error_message(const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  return c10_error ? c10_error->what_without_backtrace() : e.what();
}

}  // namespace system
}  // namespace superconv
