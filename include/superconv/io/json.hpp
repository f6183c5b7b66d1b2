// SPDX-License-Identifier: MIT
// Run files as JSON (nlohmann/json): atomic writes, reads whose errors name the file, the LR range test's curve.
#pragma once

#include <superconv/system/atomic_file.hpp>

#include <superconv/optim/lr_range_test.hpp>

#include <c10/util/Exception.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace superconv {
namespace io {

/// nlohmann's JSON value (members sorted by key), so that types serialised with its NLOHMANN_DEFINE_TYPE_* macros
/// go straight in.
using Json = nlohmann::json;

/// Writes `text` to `path` atomically and durably (system/atomic_file.hpp); creates parent folders. A failed write
/// (disk full) leaves the previous file as it was.
inline void write_text_atomic(const std::filesystem::path& path, const std::string& text) {
  system::write_file_atomic(path, text);
}

/// Writes `value` as indented JSON (NaN and infinity become null, as JSON has neither).
inline void write_json(const std::filesystem::path& path, const Json& value) {
  write_text_atomic(path, value.dump(2) + "\n");
}

/// Parses JSON text; the error names `source` (a file) and where the text went wrong.
inline Json parse_json(const std::string& text, const std::filesystem::path& source) {
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    TORCH_CHECK(false, source.string(), ": not valid JSON: ", e.what());
  }
}

/// Reads a JSON file; the error names the file and, for malformed text, where it went wrong.
inline Json read_json(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  TORCH_CHECK(in, path.string(), ": cannot open (does it exist?)");
  return parse_json(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), path);
}

/// The value at `key` of a JSON object, converted to T; the error names the file, the key and what was found.
template <typename T>
T get(const Json& object, const std::string& key, const std::filesystem::path& file) {
  TORCH_CHECK(object.is_object() && object.contains(key), file.string(), ": no \"", key, "\"");
  try {
    return object.at(key).get<T>();
  } catch (const nlohmann::json::exception& e) {
    TORCH_CHECK(false, file.string(), ": \"", key, "\" is ", object.at(key).dump(), ", not usable here: ", e.what());
  }
}

/// A range test's curve: lrs, losses, smoothed, the three suggestions, why it stopped, and the chosen rule and LR
/// when given.
inline Json to_json(const optim::LRRangeTestResult& r, const std::string& chosen_rule = "", double chosen_lr = 0.0) {
  Json j;
  j["lrs"] = r.lrs;
  j["losses"] = r.losses;
  j["smoothed"] = r.smoothed;
  j["suggestions"] = {{"steepest", r.steepest}, {"valley", r.valley}, {"min_loss", r.min_loss}};
  j["stop_reason"] = r.stop_reason;
  if (!chosen_rule.empty()) j["chosen"] = {{"rule", chosen_rule}, {"lr", chosen_lr}};
  return j;
}

}  // namespace io
}  // namespace superconv
