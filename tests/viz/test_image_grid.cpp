#include <superconv/viz/image_grid.hpp>

#include "support.hpp"

using namespace superconv::viz;

TEST_CASE("image_grid puts each image at its place, upscaled, with its caption below", "[viz][image_grid]") {
  std::vector<Image> ims;
  std::vector<std::string> caps;
  for (int i = 0; i < 7; ++i) {
    Image im{8, 8, std::vector<std::uint8_t>(8 * 8 * 3)};
    for (int p = 0; p < 64; ++p)
      im.rgb[p * 3] = static_cast<std::uint8_t>(30 * i), im.rgb[p * 3 + 1] = 200, im.rgb[p * 3 + 2] = 17;
    ims.push_back(im);
    caps.push_back("true: cat\npred: dog");
  }
  auto o = ImageGridOptions().cols(3).scale(4);
  auto c = image_grid(ims, caps, o);
  const int cell_w = std::max(32, std::max(Canvas::text_width("true: cat"), Canvas::text_width("pred: dog")) + 4);
  const int cell_h = 32 + 2 * (Canvas::text_height() + 6) + 4;
  CHECK(c.width() == o.padding() + 3 * (cell_w + o.padding()));
  CHECK(c.height() == o.padding() + 3 * (cell_h + o.padding()));
  for (int i = 0; i < 7; ++i) {
    const auto pos = image_grid_position(o, i, cell_w, cell_h);
    const int x = pos.first + (cell_w - 32) / 2;
    INFO("image " << i);
    CHECK(c.at(x + 16, pos.second + 16) == (Color{static_cast<std::uint8_t>(30 * i), 200, 17}));
    CHECK(c.at(x, pos.second) == (Color{static_cast<std::uint8_t>(30 * i), 200, 17}));
    int ink = 0;
    for (int y = pos.second + 34; y < pos.second + cell_h; ++y)
      for (int xx = pos.first; xx < pos.first + cell_w; ++xx) ink += c.at(xx, y) == colors::kBlack;
    CHECK(ink > 30);
  }
  auto chw = at::arange(3 * 2 * 2, at::kByte).view({3, 2, 2});
  auto im = Image::from_chw(chw);
  CHECK(im.rgb[0] == 0);
  CHECK(im.rgb[1] == 4);  // green of pixel (0, 0)
  CHECK(im.rgb[3] == 1);  // red of pixel (0, 1)
  CHECK_THROWS_WITH(image_grid(ims, {"one"}), SC_CONTAINS("7 images but 1 captions"));
}

TEST_CASE("heatmap: cells shaded by value and labelled", "[viz][image_grid]") {
  auto c = heatmap({{5, 0}, {1, 10}}, {"cat", "dog"}, {"cat", "dog"}, HeatmapOptions().title("confusion"));
  CHECK(c.width() > 112);
  CHECK_THROWS_WITH(heatmap({{1, 2}}, {"a", "b"}, {"a", "b"}), SC_CONTAINS("2 row and 2 column labels for a 1x2 grid"));
}
