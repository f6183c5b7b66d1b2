#include <superconv/version.hpp>

#include "support.hpp"

#include <ATen/detail/CUDAHooksInterface.h>

#include <string>

TEST_CASE("version string matches the macros and the CMake project version", "[version]") {
  const std::string v = superconv::version();
  CHECK(v == std::to_string(SUPERCONV_VERSION_MAJOR) + "." + std::to_string(SUPERCONV_VERSION_MINOR) + "." +
                 std::to_string(SUPERCONV_VERSION_PATCH));
  CHECK(v == SUPERCONV_PROJECT_VERSION);
}

TEST_CASE("SUPERCONV_WITH_CUDA is defined exactly where LibTorch is a CUDA build", "[version][cuda]") {
  // The CUDA runtime's version is known to a CUDA build of LibTorch with or without a GPU; a CPU build refuses.
#ifdef SUPERCONV_WITH_CUDA
  CHECK(at::detail::getCUDAHooks().versionCUDART() > 0);
#else
  CHECK_THROWS(at::detail::getCUDAHooks().versionCUDART());
#endif
}
