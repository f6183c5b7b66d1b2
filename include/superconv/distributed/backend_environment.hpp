// SPDX-License-Identifier: MIT
// What the environment tells the collective back-ends, read as PyTorch reads it: Gloo's network interfaces
// (GLOO_SOCKET_IFNAME) and NCCL made to throw on a timeout (TORCH_NCCL_BLOCKING_WAIT).
#pragma once

#include <c10/util/Exception.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace superconv {
namespace distributed {

/// The network interfaces in a GLOO_SOCKET_IFNAME value, which may list several separated by commas ("eth0,eth1"),
/// as PyTorch accepts: Gloo then uses one device per interface. Empty: none (Gloo's default device). An empty name
/// inside the list is refused, naming the value.
inline std::vector<std::string> socket_interfaces(const std::string& value) {
  std::vector<std::string> out;
  if (value.empty()) return out;
  std::size_t start = 0;
  while (true) {
    const auto comma = value.find(',', start);
    auto name = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    TORCH_CHECK(!name.empty(), "distributed: GLOO_SOCKET_IFNAME has an empty interface name in '", value,
                "' (expected names separated by commas, e.g. eth0,eth1)");
    out.push_back(std::move(name));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

/// Makes NCCL collectives throw from wait() when they exceed the process group's timeout, as Gloo's do: sets
/// TORCH_NCCL_BLOCKING_WAIT=1 unless the environment already sets it or NCCL_BLOCKING_WAIT (NCCL reads it when a
/// group is created; blocking wait also turns off its watchdog's teardown). Under NCCL's default instead, the
/// watchdog ends the whole process on a timeout. Returns whether blocking wait is in effect (false when the user
/// chose TORCH_NCCL_BLOCKING_WAIT=0: then a timeout ends the process).
/// setenv is not safe while other threads may read the environment (LibTorch's thread pools, NCCL's and Gloo's
/// threads): call it at the start of main(), before anything starts a thread - set_up_process() does it first
/// thing; once the variable is set, a later call only reads it.
inline bool enable_nccl_blocking_wait() {
  const char* set = std::getenv("TORCH_NCCL_BLOCKING_WAIT");
  if (set == nullptr || *set == '\0') set = std::getenv("NCCL_BLOCKING_WAIT");  // the older name
  if (set == nullptr || *set == '\0') {
    ::setenv("TORCH_NCCL_BLOCKING_WAIT", "1", 1);
    return true;
  }
  const std::string v = set;
  return v == "1" || v == "true" || v == "True" || v == "TRUE";
}

}  // namespace distributed
}  // namespace superconv
