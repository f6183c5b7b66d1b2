// SPDX-License-Identifier: MIT
// What a transform may know about the batch it augments beyond its pixels: the epoch and the records' indices.
#pragma once

#include <ATen/ATen.h>
#include <ATen/core/Generator.h>

#include <cstdint>
#include <type_traits>

namespace superconv {
namespace transforms {

/// The batch's place in training, for transforms whose draw depends on it (AlternatingFlip). A transform callable as
/// `at::Tensor(const at::Tensor& x, at::Generator& gen, const BatchInfo& info)` receives it; one callable as
/// `(x, gen)` does not need it, and Compose and DeviceLoader call each transform the way it accepts.
struct BatchInfo {
  std::int64_t epoch = 0;    ///< 0-based epoch of the loader that made the batch
  at::Tensor index;          ///< int64 [B]: the records' indices in the data set, on the batch's device
  std::int64_t records = 0;  ///< records in the data set (indices are in [0, records))
};

}  // namespace transforms

namespace detail {  // (superconv::detail, where the transforms' other helpers live)

template <typename T>
constexpr bool takes_batch_info =
    std::is_invocable_r<at::Tensor, const T&, const at::Tensor&, at::Generator&, const transforms::BatchInfo&>::value;
template <typename T>
constexpr bool takes_generator = std::is_invocable_r<at::Tensor, const T&, const at::Tensor&, at::Generator&>::value;

/// Calls `t` with the batch information when it takes it, without otherwise.
template <typename T>
at::Tensor apply_transform(const T& t, const at::Tensor& x, at::Generator& gen, const transforms::BatchInfo& info) {
  static_assert(takes_batch_info<T> || takes_generator<T>,
                "a transform must be callable as at::Tensor(const at::Tensor&, at::Generator&) const, or with a "
                "third const BatchInfo& argument");
  if constexpr (takes_batch_info<T>) {
    return t(x, gen, info);
  } else {
    return t(x, gen);
  }
}

}  // namespace detail
}  // namespace superconv
