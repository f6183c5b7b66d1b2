// superconv: super-convergence training building blocks for LibTorch.
// SPDX-License-Identifier: MIT
#pragma once

#define SUPERCONV_VERSION_MAJOR 0
#define SUPERCONV_VERSION_MINOR 1
#define SUPERCONV_VERSION_PATCH 0

#define SUPERCONV_DETAIL_STR2(x) #x
#define SUPERCONV_DETAIL_STR(x) SUPERCONV_DETAIL_STR2(x)
#define SUPERCONV_VERSION_STRING                \
  SUPERCONV_DETAIL_STR(SUPERCONV_VERSION_MAJOR) \
  "." SUPERCONV_DETAIL_STR(SUPERCONV_VERSION_MINOR) "." SUPERCONV_DETAIL_STR(SUPERCONV_VERSION_PATCH)

namespace superconv {

/// The library's version, "major.minor.patch".
inline const char* version() {
  return SUPERCONV_VERSION_STRING;
}

}  // namespace superconv
