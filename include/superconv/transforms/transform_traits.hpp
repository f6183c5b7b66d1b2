// SPDX-License-Identifier: MIT
// How a transform is called: with the batch information (BatchInfo) when it takes it, without otherwise - the one
// dispatch Compose and the loaders share.
#pragma once

#include <superconv/transforms/batch_info.hpp>

#include <ATen/ATen.h>
#include <ATen/core/Generator.h>

#include <functional>
#include <type_traits>
#include <utility>

namespace superconv {
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

/// A batch transform as the loaders keep it: any transform callable with or without the batch information.
using BatchTransform = std::function<at::Tensor(const at::Tensor&, at::Generator&, const transforms::BatchInfo&)>;

template <typename T>
struct is_std_function : std::false_type {};
template <typename R, typename... A>
struct is_std_function<std::function<R(A...)>> : std::true_type {};

/// `transform` as a BatchTransform (called the way it accepts); an empty std::function or a null function pointer
/// gives an empty one (no transform).
template <typename T>
BatchTransform make_batch_transform(T transform) {
  static_assert(takes_generator<T> || takes_batch_info<T>,
                "set_transform: the transform must be callable as at::Tensor(const at::Tensor&, at::Generator&) "
                "const, optionally with a third const transforms::BatchInfo& argument");
  if constexpr (std::is_pointer_v<T> || is_std_function<T>::value) {  // may be empty (a lambda never is)
    if (!static_cast<bool>(transform)) return nullptr;
  }
  return [t = std::move(transform)](const at::Tensor& x, at::Generator& gen, const transforms::BatchInfo& info) {
    return apply_transform(t, x, gen, info);
  };
}

}  // namespace detail
}  // namespace superconv
