#include <superconv/system/cpus.hpp>

#include "support.hpp"

#include <sched.h>

#include <thread>

namespace ss = superconv::system;

TEST_CASE("A cgroup CPU quota gives its CPUs, rounded up", "[system][cpus]") {
  CHECK(ss::detail::cpus_from_cpu_max("max 100000") == 0);  // no limit
  CHECK(ss::detail::cpus_from_cpu_max("200000 100000") == 2);
  CHECK(ss::detail::cpus_from_cpu_max("150000 100000") == 2);  // 1.5 CPUs: two threads
  CHECK(ss::detail::cpus_from_cpu_max("50000 100000") == 1);
  CHECK(ss::detail::cpus_from_cpu_max("") == 0);
  CHECK(ss::detail::cpus_from_cpu_max("garbage") == 0);
  CHECK(ss::detail::cpus_from_cfs("-1", "100000") == 0);  // cgroup v1, no limit
  CHECK(ss::detail::cpus_from_cfs("400000", "100000") == 4);
  CHECK(ss::detail::cpus_from_cfs("", "") == 0);
}

TEST_CASE("usable_cpus follows the affinity mask, not the machine's core count", "[system][cpus]") {
  const int all = ss::usable_cpus();
  CHECK(all >= 1);
  CHECK(all <= static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  int pinned = 0;
  std::thread t([&] {  // one thread pinned to its current CPU (sched_setaffinity applies to the calling thread)
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
    if (sched_setaffinity(0, sizeof(one), &one) == 0) pinned = ss::usable_cpus();
  });
  t.join();
  CHECK(pinned == 1);
}
