// SPDX-License-Identifier: MIT
// Work over a range of indices on several threads, claimed in order and able to stop early, with progress reported
// on the calling thread (ImageFolder decodes its files this way).
#pragma once

#include <c10/util/Exception.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace superconv {
namespace system {

/// Runs `task(i)` for i = begin, begin + 1, ... below `end` on up to `threads` threads (at least one, at most one per
/// index), each thread claiming the next index. Once a task returns true (stop), no index is claimed any more, so the
/// indices that ran are a prefix of [begin, end). Meanwhile the calling thread calls `progress(done, end)` (the
/// indices below `begin` count as done) about every 50 ms while `done` changes and once at the end; it may be empty.
/// A task must not throw (catch inside it). When no thread can start, the error says `cannot_start` (e.g.
/// "ImageFolder: cannot start a decoding thread"), the system's reason, `hint` and the thread count; when some start,
/// they do all the work. An exception from `progress` stops the work and is rethrown once the threads have ended.
inline void run_in_order(std::size_t begin, std::size_t end, std::int64_t threads,
                         const std::function<bool(std::size_t)>& task,
                         const std::function<void(std::int64_t, std::int64_t)>& progress,
                         const std::string& cannot_start, const std::string& hint) {
  const auto total = static_cast<std::int64_t>(end);
  std::atomic<std::size_t> next{begin};
  std::atomic<std::int64_t> done{static_cast<std::int64_t>(begin)};
  std::atomic<bool> stop{false};
  std::mutex m;
  std::condition_variable cv;
  auto worker = [&] {
    // Check before claiming: every claimed index runs, so the claimed indices are a prefix.
    for (std::size_t i = 0; !stop.load() && (i = next++) < end;) {
      if (task(i)) stop = true;
      // Wake the calling thread only to finish; it reports progress every 50 ms on its own.
      if (++done == total || stop.load()) {
        std::lock_guard<std::mutex> guard(m);
        cv.notify_one();
      }
    }
  };
  const auto left = static_cast<std::int64_t>(end > begin ? end - begin : 0);
  threads = std::max<std::int64_t>(1, std::min(threads, left));
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  try {  // a thread that cannot start (a process limit) is an error, not std::terminate on the others
    try {
      for (std::int64_t t = 0; t < threads; ++t) pool.emplace_back(worker);
    } catch (const std::system_error& e) {
      TORCH_CHECK(!pool.empty(), cannot_start, " (", e.what(), "); ", hint, ", got ", threads);
      // Fewer threads than asked: those that started do every index.
    }
    std::int64_t reported = -1;
    std::unique_lock<std::mutex> lock(m);
    while (true) {
      const auto d = done.load();
      if (d != reported && progress) {
        lock.unlock();
        progress(d, total);
        lock.lock();
        reported = d;
      }
      if (d >= total || stop.load()) break;
      cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return done.load() >= total || stop.load(); });
    }
  } catch (...) {
    stop = true;
    for (auto& t : pool)
      if (t.joinable()) t.join();
    throw;
  }
  for (auto& t : pool) t.join();
}

}  // namespace system
}  // namespace superconv
