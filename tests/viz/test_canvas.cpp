#include <superconv/viz/canvas.hpp>

#include "support.hpp"

using namespace superconv::viz;

namespace {
bool dark(const Canvas& c, int x, int y) {
  const auto p = c.at(x, y);
  return p.r < 128 && p.g < 128 && p.b < 128;
}
bool white(const Canvas& c, int x, int y) {
  return c.at(x, y) == colors::kWhite;
}
}  // namespace

TEST_CASE("Canvas: a drawn line passes through the expected pixels and nowhere else", "[viz][canvas]") {
  Canvas c(100, 60);
  c.line(10, 20.5, 90, 20.5, colors::kBlack, 1.0);
  for (int x = 10; x < 90; ++x) CHECK(dark(c, x, 20));
  CHECK(white(c, 50, 22));
  CHECK(white(c, 50, 18));
  Canvas d(100, 100);
  d.line(0, 0, 100, 100, colors::kBlack, 2.0);
  for (int i = 2; i < 98; i += 7) CHECK(dark(d, i, i));
  CHECK(white(d, 80, 20));
  // Anti-aliasing: partial coverage leaves grey at the edge of a thick line.
  Canvas e(40, 40);
  e.line(5, 20.25, 35, 20.25, colors::kBlack, 3.0);
  bool grey = false;
  for (int y = 17; y <= 23; ++y) {
    const auto p = e.at(20, y);
    grey = grey || (p.r > 20 && p.r < 235);
  }
  CHECK(grey);
}

TEST_CASE("Canvas: rectangles, text ink inside its box, vertical text", "[viz][canvas]") {
  Canvas c(200, 80);
  c.fill_rect(5, 5, 10, 10, colors::kRed);
  CHECK(c.at(9, 9) == colors::kRed);
  CHECK(white(c, 16, 9));
  const std::string text = "Accuracy 94%";
  const int w = Canvas::text_width(text), h = Canvas::text_height() + 6;
  CHECK(w > 0);
  c.text(40, 30, text, colors::kBlack);
  int inside = 0, outside = 0;
  for (int y = 0; y < 80; ++y)
    for (int x = 0; x < 200; ++x) {
      if (!dark(c, x, y)) continue;
      (x >= 40 && x < 40 + w && y >= 30 && y < 30 + h ? inside : outside)++;
    }
  CHECK(inside > 40);
  CHECK(outside == 0);
  // Every glyph is drawn whole wherever it stands: "0" as the last of a string has the same ink as on its own.
  auto ink = [](const std::string& t, int from) {
    Canvas k(200, 30);
    k.text(0, 0, t, colors::kBlack);
    int n = 0;
    for (int y = 0; y < 30; ++y)
      for (int x = from; x < 200; ++x) n += dark(k, x, y);
    return n;
  };
  CHECK(ink("5000", Canvas::text_width("500")) == ink("0", 0));
  Canvas v(60, 200);
  v.text_vertical(30, 100, "loss", colors::kBlack);
  int first = -1, last = -1, left = 60, right = -1;
  for (int y = 0; y < 200; ++y)
    for (int x = 0; x < 60; ++x)
      if (dark(v, x, y)) {
        if (first < 0) first = y;
        last = y, left = std::min(left, x), right = std::max(right, x);
      }
  // The word runs down the canvas: as tall as the horizontal text is wide, as wide as it is tall, centred.
  CHECK(last - first + 1 >= Canvas::text_width("loss") - 6);
  CHECK(last - first + 1 <= Canvas::text_width("loss"));
  CHECK(right - left + 1 <= Canvas::text_height() + 4);
  CHECK(std::abs((first + last) / 2 - 100) <= 4);
  CHECK_THROWS_WITH(Canvas(0, 10), SC_CONTAINS("size 0x10 outside"));
  CHECK_THROWS_WITH(c.at(200, 0), SC_CONTAINS("pixel (200, 0) outside 200x80"));
}
