// SPDX-License-Identifier: MIT
// Prefetcher: batches made on worker threads ahead of their use - each batch's items filled in parallel into a
// buffer the caller allocates, at most `depth` batches in flight (the memory bound), any batch asked for first.
#pragma once

#include <c10/util/Exception.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace superconv {
namespace system {

/// What the prefetcher hands back for a batch: the caller's buffer object, filled, and the items that failed.
template <typename Buffer>
struct PrefetchedBatch {
  Buffer buffer;
  std::vector<std::pair<std::int64_t, std::string>> errors;  ///< (item, what went wrong), in item order
};

/// Runs `fill(batch, item, buffer)` for every item of a batch on `workers` threads, keeping the next `depth` batches
/// (from the one last taken) in flight. `allocate(batch)` makes a batch's buffer on the calling thread (it may use
/// ATen: pinned memory, say); `items(batch)` says how many items it has; `fill` runs on a worker thread and returns
/// "" or what went wrong - it must not throw and must only write its item's part of the buffer. take(b) waits for
/// batch b: the batch after the last one taken comes from the prefetched ones, any other restarts the prefetching
/// there (a resume in the middle of an epoch). Stop with reset() before the callbacks' data changes.
template <typename Buffer>
class Prefetcher {
 public:
  using Allocate = std::function<Buffer(std::int64_t batch)>;
  using Items = std::function<std::int64_t(std::int64_t batch)>;
  using Fill = std::function<std::string(std::int64_t batch, std::int64_t item, Buffer& buffer)>;

  Prefetcher(int workers, int depth) : depth_(depth) {
    TORCH_CHECK(workers >= 1, "Prefetcher: workers must be >= 1, got ", workers);
    TORCH_CHECK(depth >= 1, "Prefetcher: depth must be >= 1, got ", depth);
    for (int i = 0; i < workers; ++i) {
      try {
        threads_.emplace_back([this] { work(); });
      } catch (const std::system_error& e) {
        stop_threads();
        TORCH_CHECK(false, "Prefetcher: cannot start worker thread ", i + 1, " of ", workers, ": ", e.what());
      }
    }
  }
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;
  ~Prefetcher() { stop_threads(); }

  /// Sets what the batches are, from batch 0 to `count` - 1; drops whatever was in flight.
  void reset(std::int64_t count, Allocate allocate, Items items, Fill fill) {
    std::unique_lock<std::mutex> lock(mutex_);
    drop_locked(lock);
    count_ = count, allocate_ = std::move(allocate), items_ = std::move(items), fill_ = std::move(fill);
    next_ = 0;
  }

  /// Batch `b`, waiting until every item is filled.
  PrefetchedBatch<Buffer> take(std::int64_t b) {
    TORCH_CHECK(b >= 0 && b < count_, "Prefetcher: batch ", b, " out of range [0, ", count_, ")");
    std::unique_lock<std::mutex> lock(mutex_);
    if (flight_.find(b) == flight_.end()) {  // not prefetched: start over from here
      drop_locked(lock);
      next_ = b;
    }
    while (next_ < count_ && next_ < b + depth_) schedule_locked(next_++);
    auto state = flight_.at(b);
    done_.wait(lock, [&] { return state->remaining == 0; });
    flight_.erase(b);
    if (next_ < count_ && next_ < b + 1 + depth_) schedule_locked(next_++);
    std::sort(state->errors.begin(), state->errors.end());
    return {std::move(state->buffer), std::move(state->errors)};
  }

 private:
  struct State {
    Buffer buffer;
    std::int64_t remaining = 0;
    std::vector<std::pair<std::int64_t, std::string>> errors;
  };
  struct Job {
    std::int64_t batch, item;
    std::shared_ptr<State> state;
  };

  void schedule_locked(std::int64_t b) {
    auto state = std::make_shared<State>();
    state->buffer = allocate_(b);
    const auto n = items_(b);
    state->remaining = n;
    flight_[b] = state;
    for (std::int64_t i = 0; i < n; ++i) jobs_.push_back({b, i, state});
    work_.notify_all();
  }
  /// Drops the batches in flight: queued jobs go, running ones finish into buffers nobody takes.
  void drop_locked(std::unique_lock<std::mutex>& lock) {
    jobs_.clear();
    flight_.clear();
    idle_.wait(lock, [&] { return running_ == 0; });  // no fill of the old batches writes on after this
  }
  void work() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      work_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
      if (stop_) return;
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      ++running_;
      const auto fill = fill_;
      lock.unlock();
      std::string error = fill(job.batch, job.item, job.state->buffer);
      lock.lock();
      --running_;
      if (!error.empty()) job.state->errors.emplace_back(job.item, std::move(error));
      if (--job.state->remaining == 0) done_.notify_all();
      if (running_ == 0) idle_.notify_all();
    }
  }
  void stop_threads() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    work_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  int depth_;
  std::int64_t count_ = 0, next_ = 0, running_ = 0;
  Allocate allocate_;
  Items items_;
  Fill fill_;
  std::mutex mutex_;
  std::condition_variable work_, done_, idle_;
  std::deque<Job> jobs_;
  std::map<std::int64_t, std::shared_ptr<State>> flight_;
  std::vector<std::thread> threads_;
  bool stop_ = false;
};

}  // namespace system
}  // namespace superconv
