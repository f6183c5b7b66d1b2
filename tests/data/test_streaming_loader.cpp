// The streaming data path: shards written and read back (tar members, indexes, classes), bad shards and records
// named, crop boxes with torchvision's semantics, the epoch order under ranks, and the loader itself - batches, the
// order a function of (seed, epoch), exact resume, bad JPEGs stopped or skipped.
#include <superconv/data/streaming_loader.hpp>

#include "support.hpp"

#include <superconv/data/center_crop_image.hpp>
#include <superconv/data/shard_conversion.hpp>

#include <fstream>
#include <set>

namespace sc = superconv;
namespace D = superconv::data;
namespace fs = std::filesystem;

namespace {
/// An RGB image h x w whose pixels depend on (seed, y, x): different images, smooth enough for JPEG.
std::vector<std::uint8_t> picture(int h, int w, int seed) {
  std::vector<std::uint8_t> px(static_cast<std::size_t>(h) * w * 3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c) {
        px[(static_cast<std::size_t>(y) * w + x) * 3 + c] =
            static_cast<std::uint8_t>((x * (c + 1) * 7 + y * 5 + seed * 37) % 256);
      }
    }
  }
  return px;
}
/// root/<class k>/<i>.jpg: `per_class` JPEGs of h x w in each of `classes` classes.
void jpeg_folder(const fs::path& root, int classes, int per_class, int h, int w) {
  for (int k = 0; k < classes; ++k) {
    fs::create_directories(root / ("class" + std::to_string(k)));
    for (int i = 0; i < per_class; ++i) {
      const auto px = picture(h, w, k * 100 + i);
      std::ofstream(root / ("class" + std::to_string(k)) / (std::to_string(i) + ".jpg"), std::ios::binary)
          << D::encode_jpeg(px.data(), h, w, 90);
    }
  }
}
std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}
}  // namespace

TEST_CASE("ShardWriter and list_tar: members, offsets, shards of a chosen size, the index", "[data][shards]") {
  if (!D::has_turbojpeg()) SC_SKIP("no libjpeg-turbo in this build (libturbojpeg0-dev)");
  sc_test::TempDir tmp("shards");
  jpeg_folder(tmp.path / "folder", 3, 5, 20, 30);
  const auto source = D::folder_source(tmp.path / "folder");
  REQUIRE(source.size() == 15);
  CHECK(source.classes == std::vector<std::string>{"class0", "class1", "class2"});
  D::ShardWriter writer(D::ShardWriterOptions((tmp.path / "shards" / "train-%06d.tar").string()).max_count(6));
  D::write_source_shards(source, writer);
  REQUIRE(writer.shards().size() == 3);  // 6 + 6 + 3
  const auto members = D::list_tar(writer.shards()[0]);
  REQUIRE(members.size() == 12);
  CHECK(members[0].name == "00000000.jpg");
  CHECK(members[1].name == "00000000.cls");
  CHECK(D::read_member(writer.shards()[0], members[1].offset, members[1].size) == "0");
  CHECK(D::read_member(writer.shards()[0], members[0].offset, members[0].size) ==
        read_file(source.files[source.records[0].file]));
  for (const auto& s : writer.shards()) CHECK(fs::exists(D::index_path(s)));
  D::write_class_names(tmp.path / "shards", source.classes);
  const auto read = D::shard_source({tmp.path / "shards"});
  REQUIRE(read.size() == 15);
  CHECK(read.classes == source.classes);
  for (std::int64_t i = 0; i < 15; ++i) CHECK(read.records[static_cast<std::size_t>(i)].label == i / 5);
  CHECK(read.records[14].member == "00000014.jpg");
}

TEST_CASE("Bad shards are named: a corrupt header, a truncated member, an index that does not match",
          "[data][shards]") {
  if (!D::has_turbojpeg()) SC_SKIP("no libjpeg-turbo in this build (libturbojpeg0-dev)");
  sc_test::TempDir tmp("bad-shards");
  jpeg_folder(tmp.path / "folder", 2, 2, 16, 16);
  D::ShardWriter writer(D::ShardWriterOptions((tmp.path / "s-%06d.tar").string()));
  D::write_source_shards(D::folder_source(tmp.path / "folder"), writer);
  const auto shard = writer.shards().at(0);
  const auto good = read_file(shard);
  const auto members = D::list_tar(shard);
  auto corrupt = good;
  corrupt[members[2].offset - 512 + 10] ^= 0x55;  // the third member's header
  write_file(tmp.path / "corrupt.tar", corrupt);
  CHECK_THROWS_WITH(D::list_tar(tmp.path / "corrupt.tar"), SC_CONTAINS("corrupt.tar is corrupt: the header at offset " +
                                                                       std::to_string(members[2].offset - 512)) &&
                                                               SC_CONTAINS("fails its checksum"));
  write_file(tmp.path / "cut.tar", good.substr(0, members[2].offset + 10));
  CHECK_THROWS_WITH(D::list_tar(tmp.path / "cut.tar"), SC_CONTAINS("cut.tar is truncated: member '00000001.jpg'"));
  // An index left from another version of the shard.
  write_file(D::index_path(tmp.path / "cut.tar"), read_file(D::index_path(shard)));
  CHECK_THROWS_WITH(D::load_shard_index(tmp.path / "cut.tar"),
                    SC_CONTAINS("cut.tar.idx does not match its shard") && SC_CONTAINS("delete the index"));
  auto idx = read_file(D::index_path(shard));
  idx.replace(idx.find("\t512\t"), 5, "\t1024\t");  // the first sample's offset moved into its image's bytes
  write_file(tmp.path / "moved.tar", good);
  write_file(D::index_path(tmp.path / "moved.tar"), idx);
  CHECK_THROWS_WITH(D::load_shard_index(tmp.path / "moved.tar"), SC_CONTAINS("does not match its shard"));
  write_file(D::index_path(tmp.path / "moved.tar"), "something else\n");
  CHECK_THROWS_WITH(D::load_shard_index(tmp.path / "moved.tar"), SC_CONTAINS("is not a superconv shard index"));
}

TEST_CASE("Samples without a label or out of range are named, or skipped and listed", "[data][shards]") {
  sc_test::TempDir tmp("labels");
  {
    D::ShardWriter writer(D::ShardWriterOptions((tmp.path / "s-%06d.tar").string()));
    writer.write("a", {{"png", "x"}, {"cls", "0"}});
    writer.write("b", {{"png", "y"}});  // no label
    writer.write("c", {{"png", "z"}, {"cls", "7"}});
    writer.write("d", {{"png", "w"}, {"cls", "seven"}});
  }
  const auto shard = tmp.path / "s-000000.tar";
  CHECK_THROWS_WITH(D::shard_source({shard}), SC_CONTAINS("s-000000.tar: b.png: no label"));
  auto skipped = D::shard_source({shard}, true);
  CHECK(skipped.size() == 2);
  REQUIRE(skipped.skipped.size() == 2);
  CHECK(skipped.skipped[1].reason == "the class is not a non-negative integer");
  D::write_class_names(tmp.path, {"zero", "one"});
  const auto two = D::shard_source({shard}, true);  // classes.txt names 2 classes: c's 7 is out of range
  CHECK(two.size() == 1);
  REQUIRE(two.skipped.size() == 3);
  CHECK(two.skipped[2].member == "c.cls");
  CHECK(two.skipped[2].reason == "class 7 is out of range [0, 2)");
}

TEST_CASE("folder_source: an empty class folder or no class folders is an error naming the folder", "[data][shards]") {
  sc_test::TempDir tmp("empty-class");
  fs::create_directories(tmp.path / "root" / "cats");
  CHECK_THROWS_WITH(D::folder_source(tmp.path / "root"), SC_CONTAINS("cats has no images"));
  CHECK_THROWS_WITH(D::folder_source(tmp.path / "none"), SC_CONTAINS("none is not a folder"));
  fs::create_directories(tmp.path / "flat");
  CHECK_THROWS_WITH(D::folder_source(tmp.path / "flat"), SC_CONTAINS("has no class folders"));
}

TEST_CASE("random_resized_crop: boxes inside the image with torchvision's ranges, the centre fallback",
          "[data][crop_box]") {
  D::RandomResizedCropOptions o;
  auto gen = D::SplitMix(3);
  // Every box inside the image, its area share and aspect ratio in the ranges (up to the rounding to whole pixels);
  // the distribution is compared with torchvision's get_params in tests/data/check_streaming.py.
  for (int i = 0; i < 2000; ++i) {
    const auto b = D::random_resized_crop(375, 500, o, gen);
    REQUIRE(b.x0 >= 0);
    REQUIRE(b.y0 >= 0);
    REQUIRE(b.x1 <= 500);
    REQUIRE(b.y1 <= 375);
    REQUIRE(b.x0 == std::floor(b.x0));
    const double share = b.width() * b.height() / (375.0 * 500.0), ratio = b.width() / b.height();
    REQUIRE(share >= 0.079);
    REQUIRE(share <= 1.0);
    REQUIRE(ratio >= 0.74);
    REQUIRE(ratio <= 1.34);
  }
  // A strip no ratio in [3/4, 4/3] fits with enough area: the fallback, the centre crop at ratio 4/3.
  auto strip_gen = D::SplitMix(1);
  const auto b = D::random_resized_crop(10, 1000, D::RandomResizedCropOptions().scale(0.9, 1.0), strip_gen);
  CHECK(b.height() == 10);
  CHECK(b.width() == 13);  // round(10 x 4/3)
  CHECK(b.x0 == (1000 - 13) / 2);
}

TEST_CASE("resize_center_crop: torchvision's Resize(256) + CenterCrop(224) as a box", "[data][crop_box]") {
  // 500 x 375 (w x h): the shorter side 375 -> 256, the longer int(256 x 500 / 375) = 341; the crop's left edge
  // round((341 - 224) / 2) = 58 (half to even), its top round(16) = 16.
  const auto b = D::resize_center_crop(375, 500, 256, 224);
  CHECK(b.x0 == Approx(58 * 500.0 / 341));
  CHECK(b.x1 == Approx((58 + 224) * 500.0 / 341));
  CHECK(b.y0 == Approx(16 * 375.0 / 256));
  CHECK_THROWS_WITH(D::resize_center_crop(20, 20, 16, 32), SC_CONTAINS("a 32x32 crop does not fit"));
}

TEST_CASE("resample: a constant stays constant, a ramp stays monotonic, the box is checked", "[data][resample]") {
  std::vector<std::uint8_t> flat(40 * 30 * 3, 77), out(8 * 8 * 3);
  D::resample(flat.data(), 30, 40, 3, {2.5, 1.0, 37.0, 29.0}, 8, 8, out.data());
  for (auto v : out) REQUIRE(v == 77);
  std::vector<std::uint8_t> ramp(64);
  for (int x = 0; x < 64; ++x) ramp[static_cast<std::size_t>(x)] = static_cast<std::uint8_t>(x * 4);
  std::vector<std::uint8_t> small(10);
  D::resample(ramp.data(), 1, 64, 1, {0, 0, 64, 1}, 1, 10, small.data());
  for (int x = 1; x < 10; ++x) CHECK(small[static_cast<std::size_t>(x)] > small[static_cast<std::size_t>(x - 1)]);
  std::vector<std::uint8_t> same(64);
  D::resample(ramp.data(), 1, 64, 1, {0, 0, 64, 1}, 1, 64, same.data());
  CHECK(same == ramp);  // scale 1: the identity
  CHECK_THROWS_WITH(D::resample(ramp.data(), 1, 64, 1, {0, 0, 65, 1}, 1, 8, small.data()),
                    SC_CONTAINS("is not inside the image 64x1"));
}

TEST_CASE("StreamingOrder: DistributedSampler's padding and strides, equal lengths, a function of (seed, epoch)",
          "[data][streaming]") {
  const auto opts = D::DeviceLoaderOptions(2).seed(5);
  D::StreamingOrder whole(10, opts, false);
  whole.start_epoch(3);
  const auto perm = whole.records();
  CHECK(std::set<std::int64_t>(perm.begin(), perm.end()).size() == 10);
  D::StreamingOrder again(10, opts, false);
  again.start_epoch(3);
  CHECK(again.records() == perm);
  again.start_epoch(4);
  CHECK(again.records() != perm);
  std::vector<std::int64_t> seen;
  for (int r = 0; r < 3; ++r) {
    D::StreamingOrder rank(10, D::DeviceLoaderOptions(opts).rank(r).world_size(3), false);
    rank.start_epoch(3);
    REQUIRE(rank.records().size() == 4);  // ceil(10 / 3), padded with the first records
    for (std::size_t k = 0; k < 4; ++k) CHECK(rank.records()[k] == perm[(r + 3 * k) % 10]);
    CHECK(rank.batches() == 2);
    seen.insert(seen.end(), rank.records().begin(), rank.records().end());
  }
  CHECK(std::set<std::int64_t>(seen.begin(), seen.end()).size() == 10);  // all records; 2 padded twice
  D::StreamingOrder eval(10, D::DeviceLoaderOptions(3).rank(1).world_size(2), true);
  CHECK(eval.batches() == 2);
  CHECK(eval.batch(0) == std::vector<std::int64_t>{3, 4, 5});
  CHECK(eval.batch(1) == std::vector<std::int64_t>{8, 9});
}

TEST_CASE("StreamingLoader: batches on the device, the order of (seed, epoch), exact resume, bad JPEGs",
          "[data][streaming]") {
  if (!D::has_turbojpeg()) SC_SKIP("no libjpeg-turbo in this build (libturbojpeg0-dev)");
  sc_test::TempDir tmp("streaming");
  jpeg_folder(tmp.path / "folder", 3, 6, 40, 56);
  auto source = std::make_shared<D::SampleSource>(D::folder_source(tmp.path / "folder"));
  const auto opts = D::StreamingLoaderOptions(16).batches(D::DeviceLoaderOptions(4).seed(7)).workers(2).prefetch(2);
  D::StreamingLoader a(source, opts), b(source, opts);
  CHECK_THAT(a.describe(), SC_CONTAINS("2 decoding threads") && SC_CONTAINS("2 batches ahead"));
  CHECK(a.size() == 5);  // 18 records in batches of 4
  a.start_epoch(), b.start_epoch();
  std::vector<at::Tensor> epoch0;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    const auto x = a.get(i), y = b.get(i);
    CHECK(at::equal(x.input, y.input));
    CHECK(at::equal(x.index, y.index));
    CHECK(x.input.sizes() == at::IntArrayRef({i == 4 ? 2 : 4, 3, 16, 16}));
    epoch0.push_back(x.input);
  }
  // Resume: a loader restored from a's state after batch 1 of epoch 1 gives a's batches 2...
  a.start_epoch();
  (void)a.get(0), (void)a.get(1);
  torch::serialize::OutputArchive saved;
  a.save(saved);
  std::ostringstream bytes;
  saved.save_to(bytes);
  D::StreamingLoader resumed(source, opts);
  torch::serialize::InputArchive in;
  const auto text = bytes.str();
  in.load_from(text.data(), text.size());
  resumed.load(in);
  for (std::int64_t i = 2; i < a.size(); ++i) CHECK(at::equal(resumed.get(i).input, a.get(i).input));
  CHECK_FALSE(at::equal(a.get(0).input, epoch0[0]));  // epoch 1 differs from epoch 0
  // Evaluation view: stored order, every record.
  auto eval = a.ordered();
  CHECK(eval.size() == 5);
  CHECK(at::equal(eval.get(0).index, at::arange(4, at::kLong)));
  // A corrupt JPEG: named with its file, or skipped and listed.
  write_file(source->files[5], "not a jpeg at all");
  source = std::make_shared<D::SampleSource>(D::folder_source(tmp.path / "folder"));
  D::StreamingLoader strict(source, D::StreamingLoaderOptions(opts).batches(D::DeviceLoaderOptions(18).shuffle(false)));
  strict.start_epoch();
  CHECK_THROWS_WITH(strict.get(0), SC_CONTAINS(source->files[5].string()) && SC_CONTAINS("not a JPEG or PNG"));
  D::StreamingLoader lenient(
      source, D::StreamingLoaderOptions(opts).batches(D::DeviceLoaderOptions(18).shuffle(false)).skip_bad(true));
  lenient.start_epoch();
  const auto batch = lenient.get(0);
  CHECK(batch.input.size(0) == 17);
  REQUIRE(lenient.skipped().size() == 1);
  CHECK(lenient.skipped()[0].file == source->files[5].string());
}

TEST_CASE("ProgressiveResize: FFCV's get_resolution, halves to even, checked settings", "[data][streaming]") {
  // Golden values from FFCV's get_resolution (numpy's interp and round), 2026-12-08.
  const D::ProgressiveResize rn50(160, 192, 65, 76);  // FFCV's rn50 configurations
  const std::vector<std::int64_t> want_rn50 = {160, 160, 160, 160, 160, 160, 160, 160, 160, 160, 160,
                                               192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192};
  for (std::int64_t e = 60; e < 82; ++e) CHECK(rn50.size_at(e) == want_rn50[static_cast<std::size_t>(e - 60)]);
  const D::ProgressiveResize halves(128, 192, 0, 4);  // 144 / 32 = 4.5 -> 4, 176 / 32 = 5.5 -> 6
  const std::vector<std::int64_t> want_halves = {128, 128, 160, 192, 192, 192};
  for (std::int64_t e = 0; e < 6; ++e) CHECK(halves.size_at(e) == want_halves[static_cast<std::size_t>(e)]);
  const D::ProgressiveResize wide(160, 224, 10, 20);
  const std::vector<std::int64_t> want_wide = {160, 160, 160, 160, 160, 192, 192, 192, 192, 192, 224, 224, 224};
  for (std::int64_t e = 8; e < 21; ++e) CHECK(wide.size_at(e) == want_wide[static_cast<std::size_t>(e - 8)]);
  CHECK(D::ProgressiveResize(150, 190, 0, 10).size_at(9) == 190);  // 186 rounds to 192: kept within [from, to]
  CHECK(D::ProgressiveResize(24, 40, 0, 2).step(8).size_at(1) == 32);
  CHECK_FALSE(D::ProgressiveResize().enabled());
  CHECK(D::ProgressiveResize().describe() == "off");
  CHECK(rn50.describe() == "160 px to epoch 65, then rising to 192 px at epoch 76 (multiples of 32)");
  CHECK_THROWS_WITH(D::ProgressiveResize(192, 160, 0, 5).check(), SC_CONTAINS("from 192, to 160"));
  CHECK_THROWS_WITH(D::ProgressiveResize(160, 192, 6, 5).check(), SC_CONTAINS("start_epoch 6, end_epoch 5"));
  CHECK_THROWS_WITH(D::ProgressiveResize(160, 192, 0, 5).step(0).check(), SC_CONTAINS("step must be >= 1, got 0"));
  CHECK_THROWS_WITH(D::StreamingLoaderOptions(32).progressive(D::ProgressiveResize(16, 8, 0, 1)).check(),
                    SC_CONTAINS("ProgressiveResize") && SC_CONTAINS("from 16, to 8"));
}

TEST_CASE("StreamingLoader: progressive resizing sizes training batches by epoch, evaluation at image_size, resume",
          "[data][streaming]") {
  if (!D::has_turbojpeg()) SC_SKIP("no libjpeg-turbo in this build (libturbojpeg0-dev)");
  sc_test::TempDir tmp("streaming-progressive");
  jpeg_folder(tmp.path / "folder", 2, 5, 48, 64);
  const auto source = std::make_shared<D::SampleSource>(D::folder_source(tmp.path / "folder"));
  const auto opts = D::StreamingLoaderOptions(32)
                        .progressive(D::ProgressiveResize(16, 24, 1, 3).step(4))
                        .batches(D::DeviceLoaderOptions(4).seed(3))
                        .workers(2)
                        .prefetch(2);
  CHECK_THAT(opts.describe(2, true), SC_CONTAINS("4 x 32 x 32 x 3 bytes"));  // the largest the loader makes
  D::StreamingLoader train(source, opts);
  const std::vector<std::int64_t> sizes = {16, 16, 20, 24, 24};  // epochs 0-4: 16 to epoch 1, 20, 24 from epoch 3
  for (std::int64_t e = 0; e < 5; ++e) {
    train.start_epoch();
    for (std::int64_t i = 0; i < train.size(); ++i) {
      const auto s = sizes[static_cast<std::size_t>(e)];
      CHECK(train.get(i).input.sizes() == at::IntArrayRef({i + 1 < train.size() ? 4 : 2, 3, s, s}));
    }
    CHECK(train.ordered().get(0).input.sizes() == at::IntArrayRef({4, 3, 32, 32}));  // evaluation: image_size
  }
  CHECK(train.gather(std::vector<std::int64_t>{0, 1}).input.size(2) == 32);
  // A loader restored to epoch 2 decodes epoch 2's size and the same pixels.
  D::StreamingLoader a(source, opts), b(source, opts);
  for (int e = 0; e < 3; ++e) a.start_epoch();
  torch::serialize::OutputArchive saved;
  a.save(saved);
  std::ostringstream bytes;
  saved.save_to(bytes);
  torch::serialize::InputArchive in;
  const auto text = bytes.str();
  in.load_from(text.data(), text.size());
  b.load(in);
  CHECK(b.get(0).input.size(2) == 20);
  CHECK(at::equal(b.get(1).input, a.get(1).input));
}

TEST_CASE("read_image_center_crop: an image file as the streamed evaluation sees it, bit for bit, errors naming it",
          "[data][streaming]") {
  if (!D::has_turbojpeg()) SC_SKIP("no libjpeg-turbo in this build (libturbojpeg0-dev)");
  sc_test::TempDir tmp("center-crop-image");
  jpeg_folder(tmp.path / "folder", 2, 3, 90, 60);  // tall: 90 x 60, shrunk by 2 in the DCT domain for 24 px
  const auto source = std::make_shared<D::SampleSource>(D::folder_source(tmp.path / "folder"));
  for (const bool dct : {true, false}) {
    const D::StreamingLoader eval(source, D::StreamingLoaderOptions(24).augment(false).dct_scaling(dct).workers(1));
    const auto want = eval.images(at::arange(source->size(), at::kLong));
    for (std::int64_t i = 0; i < source->size(); ++i) {
      const auto got = D::read_image_center_crop(source->files[static_cast<std::size_t>(i)], 24, 0, dct);
      CHECK(got.sizes() == at::IntArrayRef({3, 24, 24}));
      CHECK(at::equal(got, want[i]));
    }
  }
  const auto file = source->files[0];
  CHECK(D::read_image_center_crop(file, 24, 40).sizes() == at::IntArrayRef({3, 24, 24}));
  CHECK_THROWS_WITH(D::read_image_center_crop(file, 24, 20), SC_CONTAINS("resize (20) must be >= size (24)"));
  CHECK_THROWS_WITH(D::read_image_center_crop(tmp.path / "none.jpg", 24), SC_CONTAINS("none.jpg not found"));
  write_file(tmp.path / "text.jpg", "hello");
  CHECK_THROWS_WITH(D::read_image_center_crop(tmp.path / "text.jpg", 24),
                    SC_CONTAINS("text.jpg is not a JPEG, PNG or BMP image"));
}
