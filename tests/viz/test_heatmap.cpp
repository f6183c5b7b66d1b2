#include <superconv/viz/heatmap.hpp>

#include "support.hpp"

using namespace superconv::viz;

TEST_CASE("turbo: dark blue to red through green, clamped", "[viz][heatmap]") {
  CHECK(turbo(0.0) == Color{35, 23, 27});  // the polynomial fit's ends and middle (checked in Python)
  CHECK(turbo(0.5) == Color{150, 250, 80});
  CHECK(turbo(1.0) == Color{144, 13, 0});
  CHECK(turbo(-3.0) == turbo(0.0));
  CHECK(turbo(7.0) == turbo(1.0));
  CHECK(turbo(std::nan("")) == turbo(0.0));
  const auto cold = turbo(0.15), hot = turbo(0.85);
  CHECK(cold.b > cold.r);
  CHECK(hot.r > hot.b);
}

TEST_CASE("colorize, blend, side_by_side", "[viz][heatmap]") {
  const auto map = at::tensor({0.0, 0.5, 1.0, 0.25}).view({2, 2});
  const auto im = colorize(map);
  REQUIRE(im.width == 2);
  REQUIRE(im.height == 2);
  CHECK(Color{im.rgb[3], im.rgb[4], im.rgb[5]} == turbo(0.5));
  CHECK(Color{im.rgb[9], im.rgb[10], im.rgb[11]} == turbo(0.25));
  Image gray{2, 2, std::vector<std::uint8_t>(12, 100)};
  CHECK(blend(gray, im, 0.0).rgb == gray.rgb);
  CHECK(blend(gray, im, 1.0).rgb == im.rgb);
  CHECK(blend(gray, im, 0.5).rgb[0] == 68);  // (100 + 35) / 2, rounded
  const auto pair = side_by_side(gray, im, 1);
  CHECK(pair.width == 5);
  CHECK(pair.rgb[2 * 3] == 255);  // the gap column is white
  CHECK(pair.rgb[(3 * 3) + 0] == im.rgb[0]);
  CHECK_THROWS_WITH(blend(gray, colorize(at::zeros({3, 2})), 0.5), SC_CONTAINS("blend: sizes differ"));
  CHECK_THROWS_WITH(colorize(at::zeros({4})), SC_CONTAINS("colorize: expected a map [H, W]"));
}

TEST_CASE("heatmap_gallery: image | overlay pairs with labels, written as PNG", "[viz][heatmap]") {
  const auto images = at::full({3, 3, 8, 8}, 200, at::kByte);
  auto maps = at::zeros({3, 8, 8});
  maps[0][0][0] = 1.0;   // one hot pixel in the first map
  maps[0][0][1] = 0.15;  // and a cool one beside it
  const auto c = heatmap_gallery(images, maps, {0, 1, 2}, {1, 1, 0}, {"cat", "dog", "ship"},
                                 HeatmapGalleryOptions().cols(2).scale(2).title("Grad-CAM"));
  // Two columns of (8 + 2 + 8) px pairs at scale 2 = 36 px wide, or wider for the captions.
  CHECK(c.width() >= 2 * 36);
  CHECK(c.height() > 2 * 16);
  CHECK(heatmap_gallery(images.narrow(0, 0, 1), maps.narrow(0, 0, 1), {}, {1}, {}).width() < c.width());
  const auto grey = heatmap_gallery(images.narrow(1, 0, 1), maps, {}, {0, 0, 0}, {});  // 1-channel images
  CHECK(grey.width() > 0);
  CHECK_THROWS_WITH(heatmap_gallery(images.narrow(1, 0, 2), maps, {}, {0, 0, 0}, {}),
                    SC_CONTAINS("images must be uint8 [N, 3, H, W] or [N, 1, H, W]"));
  CHECK_THROWS_WITH(heatmap_gallery(images, maps.narrow(0, 0, 2), {}, {0, 0, 0}, {}),
                    SC_CONTAINS("heatmap_gallery: maps must be [3, 8, 8], got [2, 8, 8]"));
  CHECK_THROWS_WITH(heatmap_gallery(images, maps, {0}, {0, 0, 0}, {}),
                    SC_CONTAINS("3 images but 1 true and 3 predicted labels"));
  sc_test::TempDir dir("heatmap");
  write_heatmap_gallery(dir.path / "cam.png", images, maps, {0, 1, 2}, {1, 1, 0}, {"cat", "dog", "ship"});
  CHECK(std::filesystem::file_size(dir.path / "cam.png") > 100);
  // In the overlay half the hot pixel is red-ish, the cool one blue-ish; the image half is the image.
  const auto pair = side_by_side(Image::from_chw(images[0]), blend(Image::from_chw(images[0]), colorize(maps[0])));
  CHECK(pair.rgb[0] == 200);
  const std::size_t hot = static_cast<std::size_t>(10) * 3, cold = static_cast<std::size_t>(11) * 3;
  CHECK(pair.rgb[hot] > pair.rgb[hot + 2]);
  CHECK(pair.rgb[cold] < pair.rgb[cold + 2]);
}
