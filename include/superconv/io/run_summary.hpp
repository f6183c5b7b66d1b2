// SPDX-License-Identifier: MIT
// One seed's summary.json: the recipe's figures with what every run records beside them (its seconds, seed, device
// and world of processes), written by rank 0.
#pragma once

#include <superconv/io/json.hpp>
#include <superconv/io/summary.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

namespace superconv {
namespace io {

/// How one seed's run started, for its summary.json: the seed, the device, the world of processes (world_json()) and
/// the clock, which starts at construction.
///
/// ```
/// const io::RunStart start(h.seed, runtime.device.str(), world);  // before the data and the model
/// ...
/// io::write_run_summary(folder, io::run_summary(history, eval, images_per_second), start, replicas->is_main());
/// ```
struct RunStart {
  RunStart(std::uint64_t seed, std::string device, Json world)
      : seed(seed), device(std::move(device)), world(std::move(world)), time(std::chrono::steady_clock::now()) {}
  std::uint64_t seed;
  std::string device;
  Json world;
  std::chrono::steady_clock::time_point time;
  /// Seconds since the start.
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - time).count(); }
};

/// One seed's summary: `figures` (run_summary() and the recipe's own) with `total_seconds` (since `start`), `seed`,
/// `device` and `world`, which replace figures of those names. Writes it to `folder`/summary.json when `write` (rank
/// 0; the other ranks get the same summary back) and returns it.
inline Json write_run_summary(const std::filesystem::path& folder, Json figures, const RunStart& start, bool write) {
  figures.update(
      {{"total_seconds", start.seconds()}, {"seed", start.seed}, {"device", start.device}, {"world", start.world}});
  if (write) write_json(folder / "summary.json", figures);
  return figures;
}

}  // namespace io
}  // namespace superconv
