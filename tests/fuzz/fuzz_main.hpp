// Shared by the fuzz targets: the check that an error names its file, and - where the compiler has no libFuzzer
// (g++) - a main() that replays the seed corpus and then runs a fixed number of seeded random mutations of it.
#pragma once

#include <c10/util/Exception.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace sc_fuzz {
/// A rejected input must be rejected with a message that names the file it came from.
inline void expect_named(const c10::Error& e, const char* file) {
  if (std::strstr(e.what_without_backtrace(), file) == nullptr) {
    std::fprintf(stderr, "error without the file name '%s': %s\n", file, e.what_without_backtrace());
    std::abort();
  }
}
}  // namespace sc_fuzz

#ifndef SUPERCONV_LIBFUZZER
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

// usage: fuzz_x <corpus folder> [runs]: each seed once, then `runs` mutations (bit flips, byte changes, inserts,
// deletions, cuts, splices of two seeds), from a fixed random seed so that a finding can be replayed.
int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <corpus folder> [runs]\n", argv[0]);
    return 2;
  }
  std::vector<std::string> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream in(entry.path(), std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (seeds.empty()) seeds.emplace_back();
  const long runs = argc > 2 ? std::atol(argv[2]) : 100000;
  auto run = [](const std::string& s) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  for (const auto& s : seeds) run(s);
  std::mt19937_64 rng(1);
  for (long i = 0; i < runs; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < edits; ++k) {
      const std::size_t at = s.empty() ? 0 : rng() % s.size();
      switch (rng() % 6) {
        case 0:
          if (!s.empty()) s[at] = static_cast<char>(s[at] ^ (1 << (rng() % 8)));
          break;
        case 1:
          if (!s.empty()) s[at] = static_cast<char>(rng());
          break;
        case 2:
          s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), static_cast<char>(rng()));
          break;
        case 3:
          if (!s.empty()) s.erase(at, 1 + rng() % 16);
          break;
        case 4:
          s.resize(at);
          break;
        default: {
          const auto& o = seeds[rng() % seeds.size()];
          if (!o.empty()) s += o.substr(rng() % o.size());
        }
      }
    }
    run(s);
  }
  std::printf("%ld seeds and %ld mutations, no finding\n", static_cast<long>(seeds.size()), runs);
  return 0;
}
#endif
