// The distributed tests' runner: `--worker <scenario> <rank|env> <world> <dir>` runs one rank of a scenario (the
// tests launch two of these; torchrun can too), anything else runs the Catch2 tests.
#if __has_include(<catch2/catch_session.hpp>)
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

#include <ATen/Parallel.h>

#include <cstring>

int sc_dist_worker(int argc, char** argv);  // test_distributed.cpp

int main(int argc, char* argv[]) {
  at::set_num_threads(1);
  if (argc > 1 && std::strcmp(argv[1], "--worker") == 0) return sc_dist_worker(argc, argv);
  return Catch::Session().run(argc, argv);
}
