// SPDX-License-Identifier: MIT
// A run's per-epoch record: metrics.csv (kept across a resume) and the epoch lines on the console.
#pragma once

#include <superconv/train/hooks.hpp>
#include <superconv/train/log.hpp>
#include <superconv/train/metrics.hpp>

#include <filesystem>
#include <memory>
#include <ostream>

namespace superconv {
namespace io {

/// The run's per-epoch files and lines: metrics.csv (rank 0; rewritten from the trainer's history, so a resumed run
/// keeps its rows) and the epoch log on `out` (train/log.hpp). Call after load_checkpoint and before fit().
template <typename Trainer>
void log_run(Trainer& trainer, const std::filesystem::path& folder, bool main_rank, std::ostream& out) {
  train::log_epochs(trainer, out);
  if (!main_rank) return;
  auto csv = std::make_shared<train::MetricsCsv>(folder / "metrics.csv", trainer.history());
  trainer.on_epoch_end([csv](const train::EpochEnd& e) { csv->append(e.stats); });
}

}  // namespace io
}  // namespace superconv
