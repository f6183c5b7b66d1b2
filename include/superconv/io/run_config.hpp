// SPDX-License-Identifier: MIT
// A run's config.json: what the recipe records (its hyperparameters, the model card, the world it ran in) with
// the versions and the runtime every run records beside them.
#pragma once

#include <superconv/io/json.hpp>
#include <superconv/train/replicas.hpp>
#include <superconv/version.hpp>

#include <torch/version.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace superconv {
namespace io {

/// The world a run used, for config.json and summary.json: processes, this rank's batch and the global one.
inline Json world_json(const train::Replicas& replicas, std::int64_t per_rank_batch, const std::string& backend) {
  return {{"world_size", replicas.size()},
          {"backend", replicas.size() > 1 ? backend : std::string("none")},
          {"per_rank_batch", per_rank_batch},
          {"global_batch", per_rank_batch * replicas.size()}};
}

/// Writes `folder`/config.json: `fields` and what every run records beside them - the superconv and LibTorch
/// versions and the runtime line.
inline void write_run_config(const std::filesystem::path& folder, Json fields, const std::string& runtime) {
  fields["superconv"] = version();
  fields["libtorch"] = TORCH_VERSION;
  fields["runtime"] = runtime;
  write_json(folder / "config.json", fields);
}

}  // namespace io
}  // namespace superconv
