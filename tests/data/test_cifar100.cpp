#include <superconv/data/cifar100.hpp>

#include "support.hpp"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace {
namespace fs = std::filesystem;
using superconv::data::Cifar100;
using superconv::data::Cifar100Labels;
using superconv::data::Cifar100Options;
using superconv::data::Split;

/// n records: coarse (i * 3 + seed) % 20, fine (i * 7 + seed) % 100, pixel (i + c * 11 + y * 3 + x + seed) % 256.
std::vector<std::uint8_t> crafted_file(std::int64_t n, int seed) {
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(n * Cifar100::kRecordBytes));
  for (std::int64_t i = 0; i < n; ++i) {
    auto* r = &buf[static_cast<std::size_t>(i * Cifar100::kRecordBytes)];
    r[0] = static_cast<std::uint8_t>((i * 3 + seed) % 20);
    r[1] = static_cast<std::uint8_t>((i * 7 + seed) % 100);
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x)
          r[2 + c * 1024 + y * 32 + x] = static_cast<std::uint8_t>((i + c * 11 + y * 3 + x + seed) % 256);
  }
  return buf;
}

void write(const fs::path& p, const std::vector<std::uint8_t>& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

/// A crafted folder with test.bin (and train.bin when asked), no label-name files.
fs::path crafted_set(const fs::path& dir, bool with_train) {
  fs::create_directories(dir);
  write(dir / "test.bin", crafted_file(10000, 0));
  if (with_train) write(dir / "train.bin", crafted_file(50000, 5));
  return dir;
}
}  // namespace

TEST_CASE("Cifar100 reads crafted files back exactly, fine and coarse", "[data][cifar100]") {
  sc_test::TempDir tmp("cifar100-rt");
  const auto dir = crafted_set(tmp.path / "c100", true);
  Cifar100 fine(dir, Split::kTest);
  REQUIRE(fine.images().sizes() == at::IntArrayRef({10000, 3, 32, 32}));
  CHECK(fine.images().scalar_type() == at::kByte);
  CHECK(fine.targets().scalar_type() == at::kLong);
  CHECK(fine.targets()[1234].item<std::int64_t>() == (1234 * 7) % 100);
  CHECK(fine.coarse_targets()[1234].item<std::int64_t>() == (1234 * 3) % 20);
  CHECK(fine.images()[1234][2][5][9].item<int>() == (1234 + 22 + 15 + 9) % 256);
  CHECK(fine.class_names().size() == 100);
  CHECK(fine.class_names().at(1) == "aquarium_fish");
  CHECK(fine.class_names().at(99) == "worm");
  // Every byte: rebuild the file from what was read.
  const auto rebuilt = at::cat({fine.coarse_targets().to(at::kByte).unsqueeze(1),
                                fine.fine_targets().to(at::kByte).unsqueeze(1), fine.images().reshape({10000, 3072})},
                               1);
  const auto expect = crafted_file(10000, 0);
  CHECK(std::memcmp(rebuilt.contiguous().data_ptr<std::uint8_t>(), expect.data(), expect.size()) == 0);

  Cifar100 coarse(dir, Split::kTest, Cifar100Options().labels(Cifar100Labels::kCoarse).limit(100));
  CHECK(coarse.size() == 100);
  CHECK(coarse.targets().equal(fine.coarse_targets().narrow(0, 0, 100)));
  CHECK(coarse.class_names().size() == 20);
  CHECK(coarse.class_names().at(9) == "large_man-made_outdoor_things");
  const auto d = coarse.dataset();
  superconv::data::check_dataset(d, "CIFAR-100 coarse");
  CHECK(d.targets.max().item<std::int64_t>() == 19);

  Cifar100 train(dir, Split::kTrain);
  REQUIRE(train.size() == 50000);
  CHECK(train.targets()[45678].item<std::int64_t>() == (45678 * 7 + 5) % 100);
  CHECK(train.coarse_targets()[45678].item<std::int64_t>() == (45678 * 3 + 5) % 20);
  CHECK(train.images()[45678][1][31][0].item<int>() == (45678 + 11 + 93 + 0 + 5) % 256);
}

TEST_CASE("Cifar100 reads the label-name files when present", "[data][cifar100]") {
  sc_test::TempDir tmp("cifar100-names");
  const auto dir = crafted_set(tmp.path / "c100", false);
  {
    std::ofstream fine(dir / "fine_label_names.txt");
    for (int k = 0; k < 100; ++k) fine << "f" << k << "\n";
    fine << "\n";
    std::ofstream coarse(dir / "coarse_label_names.txt");
    for (int k = 0; k < 20; ++k) coarse << "c" << k << "\r\n";
  }
  CHECK(Cifar100(dir, Split::kTest).class_names().at(42) == "f42");
  CHECK(Cifar100(dir, Split::kTest, Cifar100Options().labels(Cifar100Labels::kCoarse)).class_names().at(19) == "c19");
  std::ofstream(dir / "coarse_label_names.txt") << "a\nb\n";
  CHECK_THROWS_WITH(Cifar100(dir, Split::kTest),
                    SC_CONTAINS("coarse_label_names.txt lists 2 class names, expected 20"));
}

TEST_CASE("Cifar100 rejects bad input with the file, the problem and how to get the data", "[data][cifar100]") {
  sc_test::TempDir tmp("cifar100-bad");
  const auto dir = crafted_set(tmp.path / "c100", false);
  SECTION("missing folder") {
    CHECK_THROWS_WITH(Cifar100(tmp.path / "nope", Split::kTest), SC_CONTAINS("CIFAR-100: data folder") &&
                                                                     SC_CONTAINS("nope does not exist") &&
                                                                     SC_CONTAINS("FetchCIFAR100.cmake"));
  }
  SECTION("missing file") {
    CHECK_THROWS_WITH(Cifar100(dir, Split::kTrain),
                      SC_CONTAINS("train.bin not found") && SC_CONTAINS("SUPERCONV_CIFAR100"));
  }
  SECTION("truncated file") {
    fs::resize_file(dir / "test.bin", 10000 * 3074 - 5);
    CHECK_THROWS_WITH(Cifar100(dir, Split::kTest), SC_CONTAINS("test.bin is truncated") &&
                                                       SC_CONTAINS("expected 30740000 bytes") &&
                                                       SC_CONTAINS("found 30739995 bytes"));
  }
  SECTION("over-long file") {
    fs::resize_file(dir / "test.bin", 10000 * 3074 + 3074);
    CHECK_THROWS_WITH(Cifar100(dir, Split::kTest),
                      SC_CONTAINS("test.bin is too long") && SC_CONTAINS("10001 whole records"));
  }
  SECTION("a CIFAR-10 file in its place") {
    fs::resize_file(dir / "test.bin", 10000 * 3073);
    CHECK_THROWS_WITH(Cifar100(dir, Split::kTest), SC_CONTAINS("is truncated") && SC_CONTAINS("9996 whole records"));
  }
  SECTION("a folder named like the file") {
    fs::create_directories(dir / "train.bin");
    CHECK_THROWS_WITH(Cifar100(dir, Split::kTrain), SC_CONTAINS("train.bin is not a regular file"));
  }
  SECTION("fine label out of range") {
    std::fstream f(dir / "test.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(777 * 3074 + 1);
    f.put(static_cast<char>(100));
    f.close();
    CHECK_THROWS_WITH(
        Cifar100(dir, Split::kTest),
        SC_CONTAINS("test.bin: record 777 (byte offset 2388499) has fine label byte 100, expected 0..99"));
  }
  SECTION("coarse label out of range") {
    std::fstream f(dir / "test.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(3 * 3074);
    f.put(static_cast<char>(20));
    f.close();
    CHECK_THROWS_WITH(Cifar100(dir, Split::kTest, Cifar100Options().labels(Cifar100Labels::kFine)),
                      SC_CONTAINS("record 3 (byte offset 9222) has coarse label byte 20, expected 0..19"));
  }
  SECTION("names file with too many names") {
    std::ofstream out(dir / "fine_label_names.txt");
    for (int k = 0; k < 101; ++k) out << "n" << k << "\n";
    out.close();
    CHECK_THROWS_WITH(Cifar100(dir, Split::kTest), SC_CONTAINS("lists more than 100 class names, expected 100"));
  }
}

TEST_CASE("Cifar100 parsers reject malformed records and names by name", "[data][cifar100]") {
  CHECK_THROWS_WITH(Cifar100::check_labels(at::zeros({2, 3073}, at::kByte), "x.bin"),
                    SC_CONTAINS("records must be uint8 [N, 3074]"));
  std::istringstream empty("");
  CHECK_THROWS_WITH(Cifar100::parse_names(empty, "fine_label_names.txt", 100),
                    SC_CONTAINS("fine_label_names.txt lists 0 class names"));
  CHECK(Cifar100::default_fine_names().size() == 100);
  CHECK(Cifar100::default_coarse_names().size() == 20);
  CHECK(superconv::data::resolve_cifar100_dir("/x/y") == "/x/y");
}
