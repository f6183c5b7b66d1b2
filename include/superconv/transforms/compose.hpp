// SPDX-License-Identifier: MIT
#pragma once

#include <ATen/ATen.h>
#include <ATen/core/Generator.h>

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace superconv {
namespace transforms {

/// Applies transforms in order, each drawing from the same generator. The composition is static (a tuple), so
/// nothing is type-erased per call. Example:
/// `auto augment = Compose(RandomCrop(), FlipLR(), Cutout());  x = augment(x, gen);`
template <typename... Ts>
class Compose {
  static_assert(sizeof...(Ts) > 0, "Compose<...>: give at least one transform");
  static_assert((std::is_invocable_r<at::Tensor, const Ts&, const at::Tensor&, at::Generator&>::value && ...),
                "Compose<...>: every transform must be callable as at::Tensor(const at::Tensor&, at::Generator&) "
                "const; wrap a stateless function in a lambda taking (x, gen)");

 public:
  explicit Compose(Ts... transforms) : transforms_(std::move(transforms)...) {}

  at::Tensor operator()(const at::Tensor& x, at::Generator& gen) const {
    at::Tensor y = x;
    std::apply([&](const auto&... t) { ((y = t(y, gen)), ...); }, transforms_);
    return y;
  }

  /// The I-th transform.
  template <std::size_t I>
  const auto& get() const {
    return std::get<I>(transforms_);
  }
  static constexpr std::size_t size() { return sizeof...(Ts); }

 private:
  std::tuple<Ts...> transforms_;
};

template <typename... Ts>
Compose(Ts...) -> Compose<Ts...>;

}  // namespace transforms
}  // namespace superconv
