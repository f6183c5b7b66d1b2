// SPDX-License-Identifier: MIT
// Mixed precision: an autocast scope for one device type (system/runtime.hpp says where bf16 pays).
#pragma once

#include <ATen/autocast_mode.h>
#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>

namespace superconv {
namespace train {

/// Enables autocast for one device type within a scope, as Python's torch.autocast does; does nothing when
/// `enabled` is false. Example: `{ AutocastGuard amp(c10::kCUDA, true, c10::kBFloat16); logits = model(x); }`
class AutocastGuard {
 public:
  AutocastGuard(c10::DeviceType type, bool enabled, c10::ScalarType dtype = c10::kBFloat16)
      : type_(type), enabled_(enabled) {
    if (!enabled_) return;
    prev_enabled_ = at::autocast::is_autocast_enabled(type_);
    prev_dtype_ = at::autocast::get_autocast_dtype(type_);
    at::autocast::set_autocast_enabled(type_, true);
    at::autocast::set_autocast_dtype(type_, dtype);
    at::autocast::increment_nesting();
  }
  ~AutocastGuard() {
    if (!enabled_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_autocast_enabled(type_, prev_enabled_);
    at::autocast::set_autocast_dtype(type_, prev_dtype_);
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  c10::DeviceType type_;
  bool enabled_;
  bool prev_enabled_ = false;
  c10::ScalarType prev_dtype_ = c10::kBFloat16;
};

}  // namespace train
}  // namespace superconv
