// SPDX-License-Identifier: MIT
// A run's hyper-parameters for TensorBoard's HParams dashboard, from its JSON configuration: nested objects as
// dotted names, numbers, strings and bools as they are, anything else as JSON text.
#pragma once

#include <superconv/tensorboard/summary.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace superconv {
namespace tensorboard {

namespace detail {
inline void flatten_hparams(const nlohmann::json& j, const std::string& prefix, HParamList& out) {
  for (const auto& [key, v] : j.items()) {
    const auto name = prefix.empty() ? key : prefix + "." + key;
    if (v.is_object()) {
      flatten_hparams(v, name, out);
    } else if (v.is_boolean()) {
      out.emplace_back(name, v.get<bool>());
    } else if (v.is_number()) {
      out.emplace_back(name, v.get<double>());
    } else if (v.is_string()) {
      out.emplace_back(name, v.get<std::string>());
    } else if (!v.is_null()) {
      out.emplace_back(name, v.dump());
    }
  }
}
}  // namespace detail

/// The hyper-parameters in `j` (a JSON object; anything else gives none), in the order of its keys: `{"model":
/// {"width": 16}}` gives `model.width` 16; arrays and other values become their JSON text; nulls are left out.
inline HParamList hparams_from_json(const nlohmann::json& j) {
  HParamList out;
  if (j.is_object()) detail::flatten_hparams(j, "", out);
  return out;
}

}  // namespace tensorboard
}  // namespace superconv
