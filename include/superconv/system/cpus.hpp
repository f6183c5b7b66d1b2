// SPDX-License-Identifier: MIT
// How many CPUs this process may use: its affinity mask (taskset, numactl, a container's cpuset) and its cgroup's
// CPU quota (docker --cpus, Kubernetes limits), not the machine's core count.
#pragma once

#include <algorithm>
#include <cmath>
#include <exception>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#if defined(__linux__)
#include <sched.h>
#endif

namespace superconv {
namespace system {

namespace detail {
/// The CPUs a cgroup v2 `cpu.max` line ("<quota> <period>" in microseconds, or "max <period>") allows, rounded up;
/// 0 when it sets no limit or cannot be read.
inline int cpus_from_cpu_max(const std::string& line) {
  std::istringstream in(line);
  std::string quota;
  double period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return 0;
  double q = 0;
  try {
    q = std::stod(quota);
  } catch (const std::exception&) {
    return 0;
  }
  if (!(q > 0)) return 0;
  return static_cast<int>(std::max(1.0, std::ceil(q / period - 1e-9)));
}

/// The same for cgroup v1's cpu.cfs_quota_us (-1: no limit) and cpu.cfs_period_us.
inline int cpus_from_cfs(const std::string& quota, const std::string& period) {
  return quota.empty() || period.empty() ? 0 : cpus_from_cpu_max(quota + " " + period);
}

inline std::string first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

/// CPUs in this thread's affinity mask; 0 when unknown.
inline int affinity_cpus() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
#endif
  return 0;
}
}  // namespace detail

/// The CPUs this process may use, at least 1: the smallest of the affinity mask, the cgroup's CPU quota (v2
/// `/sys/fs/cgroup/cpu.max`, or v1 `cpu.cfs_quota_us`/`cpu.cfs_period_us`; a fractional quota rounds up) and
/// std::thread::hardware_concurrency(). A default for worker threads: 2 in a 2-CPU container on a 128-core host.
inline int usable_cpus() {
  int n = static_cast<int>(std::thread::hardware_concurrency());
  const auto tighter = [&n](int limit) {
    if (limit > 0) n = n > 0 ? std::min(n, limit) : limit;
  };
  tighter(detail::affinity_cpus());
  std::ifstream groups("/proc/self/cgroup");  // cgroup v2: "0::/<path>"; the process's own group, then the root
  for (std::string line; std::getline(groups, line);) {
    if (line.rfind("0::/", 0) == 0 && line.size() > 4) {
      tighter(detail::cpus_from_cpu_max(detail::first_line(("/sys/fs/cgroup/" + line.substr(4) + "/cpu.max").c_str())));
    }
  }
  tighter(detail::cpus_from_cpu_max(detail::first_line("/sys/fs/cgroup/cpu.max")));
  tighter(detail::cpus_from_cfs(detail::first_line("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
                                detail::first_line("/sys/fs/cgroup/cpu/cpu.cfs_period_us")));
  return std::max(1, n);
}

}  // namespace system
}  // namespace superconv
