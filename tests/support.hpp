// Test support: one include for Catch2 v2 (Debian 12) and v3 (Debian 13), the real data's location, temp folders.
#pragma once

// c10's logging header defines CHECK (abort on failure) too. Include it first and drop its CHECK, so that Catch's
// CHECK wins whatever a test includes afterwards (the header guard keeps c10 from redefining it).
#include <c10/util/Logging.h>
#undef CHECK

#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#define SC_CONTAINS(s) Catch::Matchers::ContainsSubstring(s)
#define SC_SKIP(msg) SKIP(msg)
using Catch::Approx;
#else
#include <catch2/catch.hpp>
#define SC_CONTAINS(s) Catch::Contains(s)
// Catch2 v2 has no SKIP: say why and leave the test case.
#define SC_SKIP(msg)          \
  do {                        \
    WARN("SKIPPED: " << msg); \
    return;                   \
  } while (false)
using Catch::Detail::Approx;
#endif

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

namespace sc_test {

/// The real CIFAR-10 folder, or empty: SUPERCONV_DATA, else ../shared/data/cifar-10-batches-bin beside the source.
inline std::filesystem::path real_data_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("SUPERCONV_DATA"); env && *env) {
    if (fs::exists(fs::path(env) / "data_batch_1.bin")) return env;
  }
  const fs::path shared = fs::path(SUPERCONV_SOURCE_DIR) / ".." / "shared" / "data" / "cifar-10-batches-bin";
  if (fs::exists(shared / "data_batch_1.bin")) return fs::weakly_canonical(shared);
  return {};
}

inline const char* kNoData =
    "real CIFAR-10 not found (set SUPERCONV_DATA or put it at ../shared/data/cifar-10-batches-bin)";

/// A fresh empty folder under the build tree's tmp, removed on destruction.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name) {
    static std::mt19937_64 rng{std::random_device{}()};
    path = std::filesystem::temp_directory_path() / ("superconv-test-" + name + "-" + std::to_string(rng() % 1000000));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace sc_test
