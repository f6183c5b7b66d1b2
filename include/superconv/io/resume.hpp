// SPDX-License-Identifier: MIT
// Resuming a run folder: where the run stands (nothing yet, finished, stopped with a checkpoint), what it takes back
// from the config.json it wrote, and the command line that resumes it.
#pragma once

#include <superconv/io/json.hpp>
#include <superconv/train/replicas.hpp>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace superconv {
namespace io {

/// Where a run folder stands when a program starts on it: nothing yet, finished (summary.json), or stopped with a
/// checkpoint to continue from. Under data parallelism rank 0's view is every rank's (one file system may lag).
struct ResumePoint {
  bool finished = false;
  bool from_checkpoint = false;
};

/// The ResumePoint of `folder` (all false unless `resume`); a collective when `replicas` are several processes.
inline ResumePoint resume_point(const std::filesystem::path& folder, bool resume, train::Replicas& replicas,
                                const std::string& checkpoint = "checkpoint.pt") {
  namespace fs = std::filesystem;
  auto flags = at::zeros({2}, at::kFloat);
  if (resume && replicas.is_main()) {
    flags[0] = fs::exists(folder / "summary.json") ? 1.0 : 0.0;
    flags[1] = fs::exists(folder / checkpoint) ? 1.0 : 0.0;
  }
  if (replicas.size() > 1) replicas.all_reduce_sum(flags);  // only rank 0 contributes
  return {flags[0].item<float>() > 0.5f, flags[1].item<float>() > 0.5f};
}

/// What a resumed run takes back from the config.json it wrote (write_run_config). Both members are null for a new
/// run: not resuming, or stopped before it wrote its config.json.
struct ResumedConfig {
  /// The object under the section's key ("hyperparameters"), as the run was given it.
  Json settings;
  /// What the run found before training (such as the LR range test's LRs), only when it continues from its
  /// checkpoint: the weights there were trained with it. A run stopped before its first checkpoint finds it again.
  Json found;
};

/// The ResumedConfig of the run in `folder`: `found` is config.json's `found_key` (null when absent or when `point`
/// has no checkpoint). A config.json without `section` is an error naming the file and the key.
///
/// ```
/// const auto saved = io::resumed_config(folder, point, resume, "lr_range_test");
/// if (!saved.found.is_null()) lr_max = saved.found.at("lr_max");  // not the range test again
/// ```
inline ResumedConfig resumed_config(const std::filesystem::path& folder, const ResumePoint& point, bool resume,
                                    const std::string& found_key, const std::string& section = "hyperparameters") {
  ResumedConfig saved;
  const auto file = folder / "config.json";
  if (!resume || !std::filesystem::exists(file)) return saved;
  const auto config = read_json(file);
  TORCH_CHECK(config.is_object() && config.contains(section), file.string(), ": no \"", section, "\"");
  saved.settings = config.at(section);
  if (point.from_checkpoint && config.contains(found_key)) saved.found = config.at(found_key);
  return saved;
}

/// The command that resumes the run in `folder`, for the message a stopped run prints: `<program> --resume <folder>`,
/// or, for a world of several processes, "the same torchrun command, running <program> --resume <folder>".
inline std::string resume_command(const std::string& program, const std::filesystem::path& folder,
                                  std::int64_t world_size = 1) {
  return fmt::format("{}{} --resume {}", world_size > 1 ? "the same torchrun command, running " : "", program,
                     folder.string());
}

}  // namespace io
}  // namespace superconv
