// SPDX-License-Identifier: MIT
// What the engine asks of a loader beyond size() and get(i): whether it has an evaluation view (ordered()), how many
// shards it declares, whether it keeps state in checkpoints - and the one check that its shards are the replicas.
#pragma once

#include <c10/util/Exception.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

namespace superconv {
namespace train {
namespace detail {

/// A loader with `ordered()`: the view evaluation reads (stored order, no augmentation; DeviceLoader has it).
template <typename L, typename = void>
struct has_ordered : std::false_type {};
template <typename L>
struct has_ordered<L, std::void_t<decltype(std::declval<const L&>().ordered())>> : std::true_type {};

/// A loader whose options declare a shard count (`options().world_size()`, as DeviceLoaderOptions do).
template <typename L, typename = void>
struct has_loader_options : std::false_type {};
template <typename L>
struct has_loader_options<L, std::void_t<decltype(std::declval<const L&>().options().world_size())>> : std::true_type {
};

/// A loader's optional state capability: `save(OutputArchive&) const` and `load(InputArchive&)`, as modules and
/// optimizers have (checkpoints keep it).
template <typename L, typename = void>
struct has_archive_state : std::false_type {};
template <typename L>
struct has_archive_state<
    L, std::void_t<decltype(std::declval<const L&>().save(std::declval<torch::serialize::OutputArchive&>())),
                   decltype(std::declval<L&>().load(std::declval<torch::serialize::InputArchive&>()))>>
    : std::true_type {};

/// The shard count a loader declares (DeviceLoader's world_size), 1 for loaders that declare none.
template <typename Loader>
std::int64_t loader_world_size(const Loader& loader) {
  if constexpr (has_loader_options<Loader>::value) {
    return loader.options().world_size();
  } else {
    return 1;
  }
}

/// A loader's shards must be the replicas it runs over (`world`; 1 without replicas): unsharded under replicas every
/// rank would see the same records, sharded without them one process would see 1/N of them. `loader` and `runner`
/// name both in the error ("Trainer: the training loader", "the Trainer"), `options` the options that take the
/// replicas ("TrainerOptions").
template <typename Loader>
void check_loader_shards(const Loader& loader, std::int64_t world, const std::string& subject,
                         const std::string& runner, const std::string& options) {
  const auto shards = loader_world_size(loader);
  TORCH_CHECK(shards == world, subject, " is sharded over world_size ", shards, " but ", runner, " runs over ", world,
              " replica(s)", world == 1 ? " (" + options + "().replicas is not set)" : std::string(),
              "; give the loader the replicas' rank and world size (DeviceLoaderOptions().rank(r).world_size(", world,
              ")) - otherwise ",
              world > shards ? "every rank sees the same records"
                             : "this process sees 1/" + std::to_string(shards) + " of the records");
}

}  // namespace detail
}  // namespace train
}  // namespace superconv
