#include <superconv/viz/png.hpp>

#include "support.hpp"

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#if __has_include(<stb/stb_image.h>)
#include <stb/stb_image.h>
#else
#include <stb_image.h>
#endif

using namespace superconv::viz;

TEST_CASE("write_png: the file decodes to the canvas, pixel for pixel", "[viz][png]") {
  sc_test::TempDir tmp("png");
  Canvas c(37, 23);
  c.fill_rect(3, 4, 5, 6, colors::kOrange);
  c.line(0, 22, 36, 0, colors::kBlue, 2);
  const auto p = tmp.path / "deep" / "a.png";
  write_png(p, c);
  int w = 0, h = 0, n = 0;
  unsigned char* data = stbi_load(p.string().c_str(), &w, &h, &n, 3);
  REQUIRE(data != nullptr);
  CHECK(w == 37);
  CHECK(h == 23);
  CHECK(std::equal(c.pixels().begin(), c.pixels().end(), data));
  stbi_image_free(data);
  CHECK_THROWS_WITH(write_png("/proc/forbidden/x.png", c), SC_CONTAINS("forbidden"));
}
