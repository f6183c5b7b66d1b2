#include <superconv/system/heap.hpp>

#include "support.hpp"

#include <ATen/ATen.h>
#include <sys/resource.h>

namespace {
long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}
// Allocates `bytes`, writes every page, frees it; returns the page faults that took.
long faults_of_one_round(std::int64_t bytes) {
  const long before = minor_faults();
  {
    auto t = at::empty({bytes / 4}, at::kFloat);
    t.fill_(1.0f);
    REQUIRE(t[bytes / 4 - 1].item<float>() == 1.0f);
  }
  return minor_faults() - before;
}
}  // namespace

TEST_CASE("retain_freed_memory: a freed large buffer is reused without faulting its pages in again", "[train][heap]") {
  const auto heap = superconv::system::retain_freed_memory();
  CHECK_FALSE(heap.detail.empty());
  if (!heap.applied) SC_SKIP("heap tuning not available here: " << heap.detail);
  // 384 MiB: larger than anything the other tests allocate, so this round grows the heap and faults its pages
  // in. Then 256 MiB, which fits in the freed block: with the tuning it reuses those pages; without it glibc
  // would mmap a fresh block and fault all 65,536 of its pages in again (and munmap it when freed).
  const long first = faults_of_one_round(std::int64_t{384} << 20);
  const long second = faults_of_one_round(std::int64_t{256} << 20);
  INFO("page faults: 384 MiB round " << first << ", 256 MiB round " << second);
  CHECK(first > 0);
  CHECK(second < 65536 / 10);
}
