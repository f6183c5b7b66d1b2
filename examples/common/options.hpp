// The command line both recipes share: checks of finite numbers with a stated range and of flags given a value, on/off
// flags whose default is "auto", and parsing with its exit codes. CLI11's own checks (PositiveNumber, Range) let NaN
// through - every comparison with NaN is false - and print their bounds as "0.000000 to 179769313486231570814527...":
// these take finite numbers only and say what they want.
#pragma once

#include <superconv/system/error_message.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

inline CLI::Validator number(const std::string& name, const std::string& want, std::function<bool(double)> ok) {
  return {[want, ok](std::string& s) {
            char* end = nullptr;
            const double v = std::strtod(s.c_str(), &end);
            if (s.empty() || end != s.c_str() + s.size()) return "must be a number, got " + s;
            if (!std::isfinite(v)) return "must be a finite number, got " + s;
            return ok(v) ? std::string() : fmt::format("must be {}, got {}", want, s);
          },
          name};
}
inline CLI::Validator in_range(double lo, double hi) {
  const auto want = fmt::format("in [{}, {}]", lo, hi);
  return number(want, want, [lo, hi](double v) { return v >= lo && v <= hi; });
}
inline CLI::Validator positive() {
  return number("POSITIVE", "> 0", [](double v) { return v > 0; });
}
inline CLI::Validator nonnegative() {
  return number("NONNEGATIVE", ">= 0", [](double v) { return v >= 0; });
}
// A flag's value (--amp=VALUE): CLI11 counts any integer as that many flags and throws a bare "stoll" at a word.
inline const CLI::Validator boolean(
    [](std::string& s) {
      std::string v;
      for (char ch : s) v += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      for (const char* ok : {"true", "false", "1", "0", "on", "off", "yes", "no"}) {
        if (v == ok) return std::string();
      }
      return "must be true or false (1/0, on/off, yes/no), got " + s;
    },
    "");

// The keys (`lr_max` for --lr-max) of the options given on this command line, for io::resume_settings.
inline std::vector<std::string> given_keys(const CLI::App& app) {
  std::vector<std::string> keys;
  for (const auto* o : app.get_options()) {
    const auto& name = o->get_name();
    if (o->count() == 0 || name.rfind("--", 0) != 0) continue;
    std::string k = name.substr(2);
    for (auto& ch : k) ch = ch == '-' ? '_' : ch;
    keys.push_back(k);
  }
  return keys;
}

// An on/off flag over a setting that is -1 (auto) unless given: app.add_flag_function("--amp,!--no-amp",
// on_off(h.amp), ...) sets 1 for --amp and 0 for --no-amp.
inline std::function<void(std::int64_t)> on_off(int& v) {
  return [&v](std::int64_t n) { v = n > 0; };
}

// Parses the command line, then `settle()` (resuming, checks that span options). Returns the exit code when the
// program ends here - 0 after printing --help, 2 after "error: <why>" and a pointer to --help on std::cerr (a bad
// option, a bad run folder to resume) - and nothing when it goes on.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv,
                                             const std::function<void()>& settle) {
  try {
    app.parse(argc, argv);
    settle();
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const std::exception& e) {  // CLI11's errors, a bad run folder, options that give no valid schedule
    std::cerr << "error: " << superconv::system::error_message(e) << "\n(--help lists the options)\n";
    return 2;
  }
  return std::nullopt;
}
