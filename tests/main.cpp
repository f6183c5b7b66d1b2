// Catch2 runner (v2 and v3): pins LibTorch to SUPERCONV_TEST_THREADS threads (default 1) so results are
// reproducible and parallel ctest jobs do not oversubscribe the cores.
#if __has_include(<catch2/catch_session.hpp>)
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

#include <ATen/Parallel.h>

#include <cstdlib>

int main(int argc, char* argv[]) {
  int threads = 1;
  if (const char* t = std::getenv("SUPERCONV_TEST_THREADS")) threads = std::max(1, std::atoi(t));
  at::set_num_threads(threads);
  return Catch::Session().run(argc, argv);
}
