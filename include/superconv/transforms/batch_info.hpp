// SPDX-License-Identifier: MIT
// What a transform may know about the batch it augments beyond its pixels: the epoch and the records' indices.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

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
}  // namespace superconv
