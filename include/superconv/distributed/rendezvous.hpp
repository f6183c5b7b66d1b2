// SPDX-License-Identifier: MIT
// How the ranks of one run meet: their own keys in a store an earlier run may have left behind.
#pragma once

#include <c10/util/Exception.h>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <cstdint>
#include <string>

namespace superconv {
namespace distributed {

/// The key prefix of this run in `store`: `<prefix>/run_<g>`. Every rank adds 1 to `<prefix>/joined`, so ranks
/// w*g+1 ... w*g+w of a world of w share generation g: a FileStore file left by a run that crashed after all its
/// ranks joined (no clean exit removes it) then feeds no stale keys to the next run on the same file. (A file left
/// by a rendezvous that never completed still has to be removed by hand: its ranks' generations disagree and the
/// join times out, naming the store.)
inline std::string run_prefix(c10d::Store& store, const std::string& prefix, int world_size) {
  TORCH_CHECK(world_size >= 1, "distributed: world size must be >= 1, got ", world_size);
  const std::int64_t joined = store.add(prefix + "/joined", 1);
  return prefix + "/run_" + std::to_string((joined - 1) / world_size);
}

}  // namespace distributed
}  // namespace superconv
