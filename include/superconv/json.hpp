// SPDX-License-Identifier: MIT
// A small JSON writer (output only; run files are written, never read back): objects, arrays, strings with escaping,
// finite-or-null numbers.
#pragma once

#include <c10/util/Exception.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace superconv {

inline std::string json_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

/// Shortest round-trip text of a double; non-finite values become null (JSON has no NaN).
inline std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  for (int prec = 15; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

/// Builds one JSON object, member by member, with two-space indentation. Example:
/// `JsonObject().add("accuracy", 0.94).add("device", "cuda").str()`
class JsonObject {
 public:
  JsonObject& add(const std::string& key, const std::string& value) { return raw(key, json_escape(value)); }
  JsonObject& add(const std::string& key, const char* value) { return raw(key, json_escape(value)); }
  JsonObject& add(const std::string& key, bool value) { return raw(key, value ? "true" : "false"); }
  template <typename T, typename = std::enable_if_t<std::is_arithmetic<T>::value>>
  JsonObject& add(const std::string& key, T value) {
    if constexpr (std::is_integral<T>::value)
      return raw(key, std::to_string(value));
    else
      return raw(key, json_number(static_cast<double>(value)));
  }
  template <typename T>
  JsonObject& add(const std::string& key, const std::vector<T>& values) {
    std::string s = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i) s += ", ";
      if constexpr (std::is_same<T, std::string>::value)
        s += json_escape(values[i]);
      else if constexpr (std::is_integral<T>::value)
        s += std::to_string(values[i]);
      else
        s += json_number(static_cast<double>(values[i]));
    }
    return raw(key, s + "]");
  }
  JsonObject& add(const std::string& key, const JsonObject& value) { return raw(key, value.str(indent_ + 2)); }
  /// Adds pre-rendered JSON text.
  JsonObject& raw(const std::string& key, const std::string& json) {
    members_.emplace_back(key, json);
    return *this;
  }
  std::string str(int indent = 0) const {
    if (members_.empty()) return "{}";
    std::string pad(static_cast<std::size_t>(indent) + 2, ' ');
    std::string s = "{\n";
    for (std::size_t i = 0; i < members_.size(); ++i) {
      s += pad + json_escape(members_[i].first) + ": " + members_[i].second;
      s += i + 1 < members_.size() ? ",\n" : "\n";
    }
    return s + std::string(static_cast<std::size_t>(indent), ' ') + "}";
  }

 private:
  std::vector<std::pair<std::string, std::string>> members_;
  int indent_ = 0;
};

/// Reads back a top-level number member (`"key": 1.5`) from JSON text written by JsonObject; NaN when absent.
inline double json_find_number(const std::string& json, const std::string& key) {
  const auto k = json.find(json_escape(key) + ":");
  if (k == std::string::npos) return std::numeric_limits<double>::quiet_NaN();
  const char* begin = json.c_str() + k + key.size() + 3;
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  return end == begin ? std::numeric_limits<double>::quiet_NaN() : v;
}

/// Writes `text` to `path` atomically: a temporary file beside it, then a rename. Creates parent folders.
inline void write_file_atomic(const std::filesystem::path& path, const std::string& text) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  TORCH_CHECK(!ec, "cannot create folder ", path.parent_path().string(), ": ", ec.message());
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    TORCH_CHECK(out, "cannot open ", tmp.string(), " for writing");
    out << text;
    out.flush();
    TORCH_CHECK(out, "write to ", tmp.string(), " failed (disk full?)");
  }
  fs::rename(tmp, path, ec);
  TORCH_CHECK(!ec, "cannot rename ", tmp.string(), " to ", path.string(), ": ", ec.message());
}

}  // namespace superconv
