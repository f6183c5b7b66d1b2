// SPDX-License-Identifier: MIT
// Compose: transforms applied in order from one generator, each given the batch information when it takes it.
#pragma once

#include <superconv/transforms/transform_traits.hpp>

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
  static_assert(((detail::takes_generator<Ts> || detail::takes_batch_info<Ts>)&&...),
                "Compose<...>: every transform must be callable as at::Tensor(const at::Tensor&, at::Generator&) "
                "const (or with a third const BatchInfo& argument); wrap a stateless function in a lambda taking "
                "(x, gen)");

 public:
  explicit Compose(Ts... transforms) : transforms_(std::move(transforms)...) {}

  /// Applies every transform; those that need the batch information (AlternatingFlip) get `info`.
  at::Tensor operator()(const at::Tensor& x, at::Generator& gen, const BatchInfo& info) const {
    at::Tensor y = x;
    std::apply([&](const auto&... t) { ((y = detail::apply_transform(t, y, gen, info)), ...); }, transforms_);
    return y;
  }
  /// Without batch information: only for compositions whose transforms all do without it.
  template <bool Plain = (detail::takes_generator<Ts> && ...), typename = std::enable_if_t<Plain>>
  at::Tensor operator()(const at::Tensor& x, at::Generator& gen) const {
    return (*this)(x, gen, BatchInfo{});
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
