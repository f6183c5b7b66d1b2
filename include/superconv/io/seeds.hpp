// SPDX-License-Identifier: MIT
// Several seeds of a recipe one after another (--runs): each in its folder, then their mean and spread.
#pragma once

#include <superconv/io/json.hpp>
#include <superconv/io/summary.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace superconv {
namespace io {

/// Runs `one(seed, folder)` for seeds seed..seed+runs-1, in `out` for one run and in out/seed-<s> for several, and
/// returns the summaries. With several runs, rank 0 writes out/summary.json: each of `figures` with its mean, sample
/// std and every run's value (io::aggregate).
template <typename OneRun>
std::vector<Json> run_seeds(const std::filesystem::path& out, std::uint64_t seed, std::int64_t runs,
                            const std::vector<std::string>& figures, bool write, OneRun one) {
  std::vector<Json> summaries;
  for (std::int64_t r = 0; r < runs; ++r) {
    const auto s = seed + static_cast<std::uint64_t>(r);
    summaries.push_back(one(s, runs > 1 ? out / fmt::format("seed-{}", s) : out));
  }
  if (runs > 1 && write) write_json(out / "summary.json", aggregate(summaries, figures));
  return summaries;
}

/// run_seeds() over a recipe's hyperparameters `h` (any struct with `seed` and `runs`, such as --seed and --runs
/// set them): `one(hs, folder)` gets a copy of `h` with the run's seed and runs = 1, as that run's config.json keeps
/// it.
///
/// ```
/// auto summaries = io::run_seeds(out, h, {"final_test_accuracy"}, replicas->is_main(),
///                                [&](const Hyperparameters& hs, const fs::path& folder) { return run(hs, folder); });
/// ```
template <typename Hyperparameters, typename OneRun>
std::vector<Json> run_seeds(const std::filesystem::path& out, const Hyperparameters& h,
                            const std::vector<std::string>& figures, bool write, OneRun one) {
  return run_seeds(out, h.seed, h.runs, figures, write, [&](std::uint64_t seed, const std::filesystem::path& folder) {
    auto hs = h;
    hs.seed = seed, hs.runs = 1;
    return one(static_cast<const Hyperparameters&>(hs), folder);
  });
}

}  // namespace io
}  // namespace superconv
