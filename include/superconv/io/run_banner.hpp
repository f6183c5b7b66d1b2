// SPDX-License-Identifier: MIT
// A run's first line: the superconv and LibTorch versions, the runtime and the processes.
#pragma once

#include <superconv/version.hpp>

#include <fmt/format.h>
#include <torch/version.h>

#include <cstdint>
#include <string>

namespace superconv {
namespace io {

/// A run's first line: the superconv and LibTorch versions, the runtime (system::Runtime::describe()) and the
/// processes with their backend ("none" for one).
inline std::string run_banner(const std::string& runtime, std::int64_t world_size, const std::string& backend) {
  return fmt::format("superconv {} | LibTorch {} | {} | {} process(es), backend {}\n", version(), TORCH_VERSION,
                     runtime, world_size, backend);
}

}  // namespace io
}  // namespace superconv
