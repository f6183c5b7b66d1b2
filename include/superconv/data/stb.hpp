// SPDX-License-Identifier: MIT
// stb_image (PNG, JPEG and BMP decoding) and stb_image_resize, compiled here with internal linkage, as viz/png.hpp
// does with stb_image_write: no symbol clashes with a program's own copy, as long as it does not include them before
// this header with their implementation.
#pragma once

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuseless-cast"
#pragma GCC diagnostic ignored "-Wduplicated-branches"
#endif
#pragma GCC diagnostic ignored "-Wmisleading-indentation"
#endif
#ifndef STB_IMAGE_STATIC
#define STB_IMAGE_STATIC
#endif
#ifndef STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_IMPLEMENTATION
#define SUPERCONV_DETAIL_STBI_DEFINED
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#endif
#if __has_include(<stb/stb_image.h>)
#include <stb/stb_image.h>
#else
#include <stb_image.h>
#endif
#ifdef SUPERCONV_DETAIL_STBI_DEFINED
#undef STB_IMAGE_IMPLEMENTATION
#undef SUPERCONV_DETAIL_STBI_DEFINED
#endif
#ifndef STB_IMAGE_RESIZE_STATIC
#define STB_IMAGE_RESIZE_STATIC
#endif
#ifndef STB_IMAGE_RESIZE_IMPLEMENTATION
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#define SUPERCONV_DETAIL_STBIR_DEFINED
#endif
#if __has_include(<stb/stb_image_resize.h>)
#include <stb/stb_image_resize.h>
#else
#include <stb_image_resize.h>
#endif
#ifdef SUPERCONV_DETAIL_STBIR_DEFINED
#undef STB_IMAGE_RESIZE_IMPLEMENTATION
#undef SUPERCONV_DETAIL_STBIR_DEFINED
#endif
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
