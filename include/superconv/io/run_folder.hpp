// SPDX-License-Identifier: MIT
// A run's folder: naming a new one, finding it from what a user passes to resume, and the configuration a resumed
// run takes from it (options given again must agree with what the run used).
#pragma once

#include <superconv/io/json.hpp>

#include <c10/util/Exception.h>

#include <ctime>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace superconv {
namespace io {

/// `root/<YYYYmmdd-HHMMSS>` for a new run (local time).
inline std::filesystem::path timestamped_folder(const std::filesystem::path& root = "runs") {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return root / stamp;
}

/// The run folder of a resume argument: the folder itself, or the folder of a file in it (its checkpoint.pt).
/// Outputs go there, never under a file's path. The error names the argument when it is neither.
inline std::filesystem::path run_folder_of(const std::filesystem::path& resume) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(resume, ec)) return resume;
  TORCH_CHECK(fs::is_regular_file(resume, ec), "resume: ", resume.string(),
              " is neither a run folder nor a file in one");
  return resume.has_parent_path() ? resume.parent_path() : fs::path(".");
}

/// The first setting on which a resumed run and this invocation disagree.
struct Disagreement {
  std::string key;  ///< the setting's key (an option `--lr-max` is the key `lr_max`)
  Json saved, given;
  /// The option that sets `key`: `--` and the key with `-` for `_`.
  std::string option() const {
    std::string o = "--" + key;
    for (auto& c : o) c = c == '_' ? '-' : c;
    return o;
  }
};

/// The key of a command-line option: `--lr-max` -> `lr_max` (empty for a name without a leading `--`).
inline std::string option_key(const std::string& option) {
  if (option.rfind("--", 0) != 0) return "";
  std::string k = option.substr(2);
  for (auto& c : k) c = c == '-' ? '_' : c;
  return k;
}

/// A resumed run's settings: `saved` (what the run used), with the keys in `may_change` taken from `given` where
/// they were given (`given_keys`: what this invocation set explicitly). Any other given key must equal the saved
/// value; the first that does not is returned in `disagreement` and `saved` is returned unchanged.
inline Json resumed_settings(const Json& saved, const Json& given, const std::vector<std::string>& given_keys,
                             const std::set<std::string>& may_change, std::optional<Disagreement>& disagreement) {
  Json merged = saved;
  for (const auto& key : given_keys) {
    if (!saved.contains(key) || !given.contains(key)) continue;
    if (may_change.count(key) != 0) {
      merged[key] = given[key];
    } else if (saved[key] != given[key]) {
      disagreement = Disagreement{key, saved[key], given[key]};
      return saved;
    }
  }
  return merged;
}

/// The settings of the run in `folder`, for resuming it: the `section` object of its config.json, merged with
/// `given` as resumed_settings() does. A disagreement is an error naming the option, the folder and both values.
inline Json resume_settings(const std::filesystem::path& folder, const Json& given,
                            const std::vector<std::string>& given_keys, const std::set<std::string>& may_change,
                            const std::string& section = "hyperparameters") {
  const auto config = read_json(folder / "config.json");
  TORCH_CHECK(config.contains(section) && config[section].is_object(), (folder / "config.json").string(), ": no \"",
              section, "\" object");
  std::optional<Disagreement> d;
  auto merged = resumed_settings(config[section], given, given_keys, may_change, d);
  TORCH_CHECK(!d, d ? d->option() : "", ": the run in ", folder.string(), " used ", d ? d->saved.dump() : "", ", not ",
              d ? d->given.dump() : "", " (an option given with --resume must agree with the run)");
  return merged;
}

}  // namespace io
}  // namespace superconv
