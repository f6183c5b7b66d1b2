// SPDX-License-Identifier: MIT
// How much memory this machine can still give a process without swapping (Linux's MemAvailable): what decides
// whether a data set is read into memory or streamed.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace superconv {
namespace system {

/// Bytes the kernel estimates can be allocated without swapping (/proc/meminfo's MemAvailable); 0 where unknown.
inline std::uint64_t available_memory() {
  std::ifstream in("/proc/meminfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    std::uint64_t kib = 0;
    return fields >> kib ? kib * 1024 : 0;
  }
  return 0;
}

}  // namespace system
}  // namespace superconv
