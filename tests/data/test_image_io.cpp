#include <superconv/data/image_io.hpp>
#include <superconv/data/image_decode.hpp>

#include "support.hpp"

// stb_image_write's functions (static) for writing test files; the library's own writer is viz/png.hpp.
#include <superconv/viz/png.hpp>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {
namespace fs = std::filesystem;
namespace sd = superconv::data;

/// An h x w image with c interleaved channels: value (y * 13 + x * 7 + k * 50) % 256.
std::vector<std::uint8_t> pattern(int h, int w, int c) {
  std::vector<std::uint8_t> px(static_cast<std::size_t>(h * w * c));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k)
        px[static_cast<std::size_t>((y * w + x) * c + k)] = static_cast<std::uint8_t>((y * 13 + x * 7 + k * 50) % 256);
  return px;
}

/// The same pattern as a uint8 [C, H, W] tensor.
at::Tensor pattern_chw(int h, int w, int c) {
  const auto px = pattern(h, w, c);
  return at::from_blob(const_cast<std::uint8_t*>(px.data()), {h, w, c}, at::kByte).permute({2, 0, 1}).clone();
}
}  // namespace

TEST_CASE("read_image reads PNG and BMP back exactly and JPEG closely", "[data][image_io]") {
  sc_test::TempDir tmp("image-io");
  const int h = 9, w = 14;
  const auto rgb = pattern(h, w, 3);
  REQUIRE(stbi_write_png((tmp.path / "a.png").string().c_str(), w, h, 3, rgb.data(), w * 3) != 0);
  REQUIRE(stbi_write_bmp((tmp.path / "b.BMP").string().c_str(), w, h, 3, rgb.data()) != 0);
  REQUIRE(stbi_write_jpg((tmp.path / "c.jpeg").string().c_str(), w, h, 3, rgb.data(), 100) != 0);
  const auto expect = pattern_chw(h, w, 3);

  const auto png = sd::read_image(tmp.path / "a.png");
  CHECK(png.sizes() == at::IntArrayRef({3, h, w}));
  CHECK(png.scalar_type() == at::kByte);
  CHECK(png.equal(expect));
  CHECK(sd::read_image(tmp.path / "b.BMP").equal(expect));
  const auto jpg = sd::read_image(tmp.path / "c.jpeg");
  REQUIRE(jpg.sizes() == expect.sizes());
  const auto err = (jpg.to(at::kInt) - expect.to(at::kInt)).abs().to(at::kFloat);
  CHECK(err.mean().item<float>() < 8.f);  // quality 100 with 4:2:0 chroma on a busy pattern

  // Channel conversion: grey from a grey PNG, RGBA from RGB (alpha 255).
  const auto grey = pattern(h, w, 1);
  REQUIRE(stbi_write_png((tmp.path / "g.png").string().c_str(), w, h, 1, grey.data(), w) != 0);
  CHECK(sd::read_image(tmp.path / "g.png", 1).equal(pattern_chw(h, w, 1)));
  const auto rgba = sd::read_image(tmp.path / "a.png", 4);
  CHECK(rgba.narrow(0, 0, 3).equal(expect));
  CHECK(rgba[3].eq(255).all().item<bool>());
  CHECK_THROWS_WITH(sd::read_image(tmp.path / "a.png", 5), SC_CONTAINS("read_image: channels must be 1"));
}

TEST_CASE("read_image names the path and the problem for files that are not images", "[data][image_io]") {
  sc_test::TempDir tmp("image-io-bad");
  CHECK_THROWS_WITH(sd::read_image(tmp.path / "missing.png"), SC_CONTAINS("missing.png not found"));
  CHECK_THROWS_WITH(sd::read_image(tmp.path), SC_CONTAINS("is not a regular file"));
  std::ofstream(tmp.path / "text.png") << "this is a text file, renamed\n";
  CHECK_THROWS_WITH(sd::read_image(tmp.path / "text.png"),
                    SC_CONTAINS("cannot decode") && SC_CONTAINS("text.png") && SC_CONTAINS("stb_image: "));
  std::ofstream(tmp.path / "empty.jpg");
  CHECK_THROWS_WITH(sd::read_image(tmp.path / "empty.jpg"), SC_CONTAINS("empty.jpg is empty"));
  // A PNG cut in half.
  const auto rgb = pattern(40, 40, 3);
  REQUIRE(stbi_write_png((tmp.path / "cut.png").string().c_str(), 40, 40, 3, rgb.data(), 120) != 0);
  fs::resize_file(tmp.path / "cut.png", fs::file_size(tmp.path / "cut.png") / 2);
  CHECK_THROWS_WITH(sd::read_image(tmp.path / "cut.png"), SC_CONTAINS("cannot decode") && SC_CONTAINS("cut.png"));
}

TEST_CASE("A JPEG Huffman table of more than 256 codes is refused before stb_image sees it", "[data][image_io]") {
  // stb_image up to 2.27 writes past its 257-entry table for such a table (out of bounds under UBSan, a heap
  // overwrite without it); the fuzz target found it behind fill bytes before the SOI marker too. Where libjpeg-turbo
  // decodes JPEG, stb_image never sees one and libjpeg-turbo refuses the table itself.
  for (const std::size_t fill : {0, 5}) {
    std::string bytes(fill, '\xFF');
    bytes += std::string("\xFF\xD8\xFF\xC4\x01\x13\x00", 7);  // SOI, DHT of 275 bytes, DC table 0
    bytes += std::string(16, '\x20');                         // 16 lengths of 32 codes: 512 codes
    bytes += std::string(256, '\x00');
    const auto* raw = reinterpret_cast<const unsigned char*>(bytes.data());
    CHECK_FALSE(sd::detail::stb_can_parse(raw, bytes.size()));
    CHECK(sd::detail::jpeg_start(raw, bytes.size()) == fill);
    int h = -1, w = -1;
    CHECK_FALSE(sd::image_size(bytes, h, w));
    const auto img = sd::decode_rgb(bytes, false);
    CHECK(img.hwc.empty());
    CHECK_THAT(img.error, SC_CONTAINS("cannot decode") &&
                              SC_CONTAINS(sd::has_turbojpeg() ? "libjpeg-turbo: " : "more than 256 codes"));
    sc_test::TempDir tmp("image-io-dht");
    std::ofstream(tmp.path / "dht.jpg", std::ios::binary) << bytes;
    CHECK_THROWS_WITH(
        sd::read_image(tmp.path / "dht.jpg"),
        SC_CONTAINS("dht.jpg") && SC_CONTAINS(sd::has_turbojpeg() ? "libjpeg-turbo: " : "more than 256 codes"));
  }
  // A table of 256 codes is a valid one, and real JPEGs pass.
  std::string ok("\xFF\xD8\xFF\xC4\x01\x13\x00", 7);
  ok += std::string(14, '\x00') + std::string("\x01\xFF", 2) + std::string(256, '\x00');  // 1 + 255 codes
  CHECK(sd::detail::stb_can_parse(reinterpret_cast<const unsigned char*>(ok.data()), ok.size()));
  const auto rgb = pattern(24, 24, 3);
  sc_test::TempDir tmp("image-io-dht-ok");
  REQUIRE(stbi_write_jpg((tmp.path / "ok.jpg").string().c_str(), 24, 24, 3, rgb.data(), 90) != 0);
  CHECK(sd::read_image(tmp.path / "ok.jpg").sizes() == at::IntArrayRef({3, 24, 24}));
}

TEST_CASE("The decoder follows the bytes, not the name: one JPEG decodes alike through every path",
          "[data][image_io]") {
  // read_image (ImageFolder), decode_rgb (shards, folders streamed) and a JPEG named .png all reach one decoder:
  // libjpeg-turbo where the build has it, stb_image otherwise. Fill bytes before the SOI marker are read as
  // stb_image reads them.
  const int h = 21, w = 30;
  const auto rgb = pattern(h, w, 3);
  sc_test::TempDir tmp("image-io-route");
  REQUIRE(stbi_write_jpg((tmp.path / "a.jpg").string().c_str(), w, h, 3, rgb.data(), 95) != 0);
  std::ifstream in(tmp.path / "a.jpg", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(tmp.path / "named.png", std::ios::binary) << bytes;
  std::ofstream(tmp.path / "filled.jpg", std::ios::binary) << std::string(3, '\xFF') + bytes;
  // A corrupt JPEG first: a failed decode leaves the thread's decoder fit for the next file.
  CHECK_FALSE(
      sd::decode_rgb(bytes.substr(0, 200) + std::string("\xFF\xC4\x00\x13\x00", 5) + std::string(17, '\x40'), true)
          .error.empty());
  const auto as_jpeg = sd::decode_rgb(bytes, true);
  const auto as_png = sd::decode_rgb(bytes, false);
  REQUIRE(as_jpeg.error.empty());
  REQUIRE(as_png.error.empty());
  CHECK(as_png.hwc == as_jpeg.hwc);
  const auto hwc = at::from_blob(const_cast<std::uint8_t*>(as_jpeg.hwc.data()), {h, w, 3}, at::kByte);
  const auto chw = hwc.permute({2, 0, 1});
  CHECK(sd::read_image(tmp.path / "a.jpg").equal(chw));
  CHECK(sd::read_image(tmp.path / "named.png").equal(chw));
  CHECK(sd::read_image(tmp.path / "filled.jpg").equal(chw));
  // Grey and RGBA from a colour JPEG: the luma plane (as stb_image and PIL's "L" of a YCbCr JPEG give it), alpha 255.
  const auto grey = sd::read_image(tmp.path / "a.jpg", 1);
  const auto rgba = sd::read_image(tmp.path / "a.jpg", 4);
  CHECK(rgba.slice(0, 0, 3).equal(chw));
  CHECK(rgba[3].eq(255).all().item<bool>());
  const auto luma = (chw.to(at::kFloat) * at::tensor({0.299F, 0.587F, 0.114F}).view({3, 1, 1})).sum(0);
  CHECK((grey[0].to(at::kFloat) - luma).abs().max().item<float>() <= 5.0F);  // Y before chroma subsampling
  const auto grey_alpha = sd::read_image(tmp.path / "a.jpg", 2);
  CHECK(grey_alpha[0].equal(grey[0]));
  CHECK(grey_alpha[1].eq(255).all().item<bool>());
}

TEST_CASE("A header declaring more than 2^28 pixels is refused before any memory is taken", "[data][image_io]") {
  // A small JPEG and PNG whose headers are edited to say 30000 x 20000 (600 M pixels): a named error, no 1.8 GB buffer.
  const auto rgb = pattern(16, 16, 3);
  sc_test::TempDir tmp("image-io-huge");
  REQUIRE(stbi_write_jpg((tmp.path / "a.jpg").string().c_str(), 16, 16, 3, rgb.data(), 90) != 0);
  REQUIRE(stbi_write_png((tmp.path / "a.png").string().c_str(), 16, 16, 3, rgb.data(), 16 * 3) != 0);
  auto read = [&](const char* name) {
    std::ifstream in(tmp.path / name, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  std::string jpg = read("a.jpg"), png = read("a.png");
  const auto sof = jpg.find("\xFF\xC0");  // baseline SOF0: length, precision, height, width
  REQUIRE(sof != std::string::npos);
  jpg.replace(sof + 5, 4, std::string("\x4E\x20\x75\x30", 4));             // height 20000, width 30000
  png.replace(16, 8, std::string("\x00\x00\x75\x30\x00\x00\x4E\x20", 8));  // IHDR width 30000, height 20000
  int h = 0, w = 0;
  REQUIRE(sd::image_size(jpg, h, w));
  CHECK((h == 20000 && w == 30000));
  const auto img = sd::decode_rgb(jpg, true);
  CHECK(img.hwc.empty());
  CHECK_THAT(img.error, SC_CONTAINS("declares 30000 x 20000 pixels, more than the 268435456"));
  std::ofstream(tmp.path / "huge.jpg", std::ios::binary) << jpg;
  CHECK_THROWS_WITH(sd::read_image(tmp.path / "huge.jpg"), SC_CONTAINS("huge.jpg") && SC_CONTAINS("30000 x 20000"));
  // stb_image refuses a PNG of more than 1 GiB itself, header first.
  CHECK_FALSE(sd::image_size(png, h, w));
  CHECK_THAT(sd::decode_rgb(png, false).error, SC_CONTAINS("too large"));
}

#ifdef SUPERCONV_WITH_TURBOJPEG
TEST_CASE("A CMYK JPEG reads as RGB, R = C * K / 255 as stb_image converts it", "[data][image_io]") {
  // libjpeg-turbo gives CMYK (Adobe's inverted form) as it is stored; read_image converts it as stb_image does.
  const int h = 16, w = 16;
  const std::uint8_t cmyk[4] = {200, 120, 40, 180};
  std::vector<std::uint8_t> px(static_cast<std::size_t>(h * w * 4));
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = cmyk[i % 4];
  tjhandle tj = tjInitCompress();
  REQUIRE(tj != nullptr);
  unsigned char* buf = nullptr;
  unsigned long n = 0;
  const int rc = tjCompress2(tj, px.data(), w, 0, h, TJPF_CMYK, &buf, &n, TJSAMP_444, 100, 0);
  const std::string bytes = rc == 0 ? std::string(reinterpret_cast<const char*>(buf), n) : std::string();
  tjFree(buf);
  tjDestroy(tj);
  REQUIRE(rc == 0);
  sc_test::TempDir tmp("image-io-cmyk");
  std::ofstream(tmp.path / "cmyk.jpg", std::ios::binary) << bytes;
  const auto img = sd::read_image(tmp.path / "cmyk.jpg");
  REQUIRE(img.sizes() == at::IntArrayRef({3, h, w}));
  for (int k = 0; k < 3; ++k) {
    const double expect = cmyk[k] * cmyk[3] / 255.0;  // 141.2, 84.7, 28.2
    CHECK((img[k].to(at::kDouble) - expect).abs().max().item<double>() <= 2.0);
  }
  // stb_image's own reading of the same file (its JPEG decoder, in this test only) agrees.
  int sw = 0, sh = 0, sc = 0;
  stbi_uc* ref = stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), static_cast<int>(bytes.size()),
                                       &sw, &sh, &sc, 3);
  REQUIRE(ref != nullptr);
  const auto stb = at::from_blob(ref, {h, w, 3}, at::kByte).permute({2, 0, 1}).to(at::kInt);
  CHECK((img.to(at::kInt) - stb).abs().max().item<int>() <= 2);
  stbi_image_free(ref);
  const auto grey = sd::read_image(tmp.path / "cmyk.jpg", 1);
  const double y = (141.2 * 77 + 84.7 * 150 + 28.2 * 29) / 256;
  CHECK((grey.to(at::kDouble) - y).abs().max().item<double>() <= 2.0);
}
#endif

TEST_CASE("resize_image gives the asked shape and keeps a constant image constant", "[data][image_io]") {
  const auto img = pattern_chw(20, 30, 3);
  const auto small = sd::resize_image(img, 7, 11);
  CHECK(small.sizes() == at::IntArrayRef({3, 7, 11}));
  const auto big = sd::resize_image(img, 64, 50);
  CHECK(big.sizes() == at::IntArrayRef({3, 64, 50}));
  CHECK(sd::resize_image(img, 20, 30).equal(img));
  for (int v : {0, 77, 255}) {
    const auto flat = at::full({2, 13, 9}, v, at::kByte);
    CHECK(sd::resize_image(flat, 5, 31).eq(v).all().item<bool>());
    CHECK(sd::resize_image(flat, 40, 3).eq(v).all().item<bool>());
  }
  // Channels stay apart: a red image stays red.
  auto red = at::zeros({3, 16, 16}, at::kByte);
  red[0].fill_(200);
  const auto r = sd::resize_image(red, 5, 5);
  CHECK(r[0].eq(200).all().item<bool>());
  CHECK(r.narrow(0, 1, 2).eq(0).all().item<bool>());
  CHECK_THROWS_WITH(sd::resize_image(img.to(at::kFloat), 4, 4),
                    SC_CONTAINS("resize_image: expected a uint8 CPU image"));
  CHECK_THROWS_WITH(sd::resize_image(img, 0, 4), SC_CONTAINS("height and width must be in 1..65536, got 0x4"));
}

TEST_CASE("is_image_file goes by the extension, in any case", "[data][image_io]") {
  CHECK(sd::is_image_file("a/b.png"));
  CHECK(sd::is_image_file("b.JPG"));
  CHECK(sd::is_image_file("b.Jpeg"));
  CHECK(sd::is_image_file("b.bmp"));
  CHECK_FALSE(sd::is_image_file("b.gif"));
  CHECK_FALSE(sd::is_image_file("png"));
  CHECK_FALSE(sd::is_image_file("b.png.txt"));
}
