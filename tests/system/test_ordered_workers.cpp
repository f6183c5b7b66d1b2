#include <superconv/system/ordered_workers.hpp>

#include "support.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ss = superconv::system;

TEST_CASE("run_in_order runs every index once and reports progress on the calling thread", "[system][workers]") {
  for (const std::int64_t threads : {1, 3, 8}) {
    INFO("threads " << threads);
    std::vector<std::atomic<int>> runs(40);
    std::vector<std::int64_t> seen;
    std::atomic<int> off_thread{0};
    const auto caller = std::this_thread::get_id();
    ss::run_in_order(
        5, 40, threads,
        [&](std::size_t i) {
          ++runs[i];
          return false;
        },
        [&](std::int64_t done, std::int64_t total) {
          if (std::this_thread::get_id() != caller) ++off_thread;
          CHECK(total == 40);
          seen.push_back(done);
        },
        "cannot start", "hint");
    for (std::size_t i = 0; i < runs.size(); ++i) CHECK(runs[i].load() == (i < 5 ? 0 : 1));
    CHECK(off_thread.load() == 0);
    REQUIRE(!seen.empty());
    CHECK(seen.front() >= 5);
    CHECK(seen.back() == 40);
    for (std::size_t k = 1; k < seen.size(); ++k) CHECK(seen[k] > seen[k - 1]);  // said only when it changed
  }
}

TEST_CASE("run_in_order stops claiming after a task says stop: the indices run are a prefix", "[system][workers]") {
  for (const std::int64_t threads : {1, 4}) {
    INFO("threads " << threads);
    std::mutex m;
    std::vector<std::size_t> ran;
    ss::run_in_order(
        0, 1000, threads,
        [&](std::size_t i) {
          std::lock_guard<std::mutex> guard(m);
          ran.push_back(i);
          return i == 10;
        },
        {}, "cannot start", "hint");
    std::sort(ran.begin(), ran.end());
    REQUIRE(ran.size() >= 11);
    CHECK(ran.size() < 1000);
    for (std::size_t k = 0; k < ran.size(); ++k) CHECK(ran[k] == k);  // each once, no gap
  }
}

TEST_CASE("run_in_order with nothing to do reports the end, and rethrows progress's exception", "[system][workers]") {
  std::vector<std::int64_t> seen;
  ss::run_in_order(
      7, 7, 4, [](std::size_t) { return false; }, [&](std::int64_t done, std::int64_t) { seen.push_back(done); },
      "cannot start", "hint");
  CHECK(seen == std::vector<std::int64_t>{7});
  std::atomic<int> runs{0};
  CHECK_THROWS_WITH(
      ss::run_in_order(
          0, 100000, 2,
          [&](std::size_t) {
            ++runs;
            return false;
          },
          [](std::int64_t, std::int64_t) { throw std::runtime_error("progress failed"); }, "cannot start", "hint"),
      SC_CONTAINS("progress failed"));
  const int after = runs.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(runs.load() == after);  // the threads were joined: the count no longer moves
}
