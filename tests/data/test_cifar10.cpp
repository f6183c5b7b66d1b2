#include <superconv/data/cifar10.hpp>

#include "support.hpp"

#include <cstdint>
#include <fstream>
#include <vector>

namespace {
namespace fs = std::filesystem;
using superconv::data::Cifar10;
using superconv::data::Split;

/// 10,000 records: label (i * 7 + seed) % 10, pixel (i + c * 11 + y * 3 + x + seed) % 256.
std::vector<std::uint8_t> crafted_file(int seed) {
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(Cifar10::kFileBytes));
  for (std::int64_t i = 0; i < Cifar10::kRecordsPerFile; ++i) {
    auto* r = &buf[static_cast<std::size_t>(i * Cifar10::kRecordBytes)];
    r[0] = static_cast<std::uint8_t>((i * 7 + seed) % 10);
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x)
          r[1 + c * 1024 + y * 32 + x] = static_cast<std::uint8_t>((i + c * 11 + y * 3 + x + seed) % 256);
  }
  return buf;
}

void write(const fs::path& p, const std::vector<std::uint8_t>& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

/// A complete crafted CIFAR-10 folder.
fs::path crafted_set(const fs::path& dir) {
  fs::create_directories(dir);
  for (int f = 1; f <= 5; ++f) write(dir / ("data_batch_" + std::to_string(f) + ".bin"), crafted_file(f));
  write(dir / "test_batch.bin", crafted_file(0));
  std::ofstream(dir / "batches.meta.txt") << "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";
  return dir;
}
}  // namespace

TEST_CASE("Cifar10 reads files it did not write itself byte for byte (round trip)", "[data][cifar10]") {
  sc_test::TempDir tmp("cifar-rt");
  const auto dir = crafted_set(tmp.path / "cifar");
  Cifar10 test(dir, Split::kTest);
  REQUIRE(test.images().sizes() == at::IntArrayRef({10000, 3, 32, 32}));
  CHECK(test.images().scalar_type() == at::kByte);
  CHECK(test.targets().scalar_type() == at::kLong);
  CHECK(test.targets()[1234].item<std::int64_t>() == (1234 * 7) % 10);
  CHECK(test.images()[1234][2][5][9].item<int>() == (1234 + 22 + 15 + 9) % 256);
  Cifar10 train(dir, Split::kTrain);
  REQUIRE(train.size() == 50000);
  // Record 3 of data_batch_4.bin is record 30003 of the training split.
  CHECK(train.targets()[30003].item<std::int64_t>() == (3 * 7 + 4) % 10);
  CHECK(train.images()[30003][1][31][0].item<int>() == (3 + 11 + 93 + 0 + 4) % 256);
  CHECK(train.class_names().at(9) == "truck");
  CHECK(train.limit(100).size() == 100);
}

TEST_CASE("Cifar10 rejects bad input with the file, the problem and how to get the data", "[data][cifar10]") {
  sc_test::TempDir tmp("cifar-bad");
  const auto dir = crafted_set(tmp.path / "cifar");
  SECTION("missing folder") {
    CHECK_THROWS_WITH(Cifar10(tmp.path / "nope", Split::kTrain),
                      SC_CONTAINS("nope does not exist") && SC_CONTAINS("FetchCIFAR10.cmake"));
  }
  SECTION("missing file") {
    fs::remove(dir / "data_batch_3.bin");
    CHECK_THROWS_WITH(Cifar10(dir, Split::kTrain),
                      SC_CONTAINS("data_batch_3.bin not found") && SC_CONTAINS("SUPERCONV_DATA"));
  }
  SECTION("truncated file") {
    fs::resize_file(dir / "data_batch_5.bin", Cifar10::kFileBytes - 5);
    CHECK_THROWS_WITH(Cifar10(dir, Split::kTrain), SC_CONTAINS("data_batch_5.bin is truncated") &&
                                                       SC_CONTAINS("expected 30730000 bytes") &&
                                                       SC_CONTAINS("found 30729995 bytes"));
  }
  SECTION("over-long file") {
    fs::resize_file(dir / "test_batch.bin", Cifar10::kFileBytes + 3073);
    CHECK_THROWS_WITH(Cifar10(dir, Split::kTest),
                      SC_CONTAINS("test_batch.bin is too long") && SC_CONTAINS("found 30733073 bytes"));
  }
  SECTION("label byte above 9") {
    {
      std::fstream f(dir / "data_batch_2.bin", std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(4321 * Cifar10::kRecordBytes);
      f.put(static_cast<char>(12));
    }
    CHECK_THROWS_WITH(Cifar10(dir, Split::kTrain),
                      SC_CONTAINS("data_batch_2.bin: record 4321") && SC_CONTAINS("label byte 12"));
  }
  SECTION("a path that is a file, not a folder") {
    CHECK_THROWS_WITH(Cifar10(dir / "test_batch.bin", Split::kTest), SC_CONTAINS("does not exist"));
  }
}

TEST_CASE("resolve_cifar10_dir: explicit path, then SUPERCONV_DATA, then ./data", "[data][cifar10]") {
  using superconv::data::resolve_cifar10_dir;
  CHECK(resolve_cifar10_dir("/x/y") == fs::path("/x/y"));
  const char* old = std::getenv("SUPERCONV_DATA");
  const std::string saved = old ? old : "";
  setenv("SUPERCONV_DATA", "/from/env", 1);
  CHECK(resolve_cifar10_dir("") == fs::path("/from/env"));
  unsetenv("SUPERCONV_DATA");
  CHECK(resolve_cifar10_dir("") == fs::path("data") / "cifar-10-batches-bin");
  if (old) setenv("SUPERCONV_DATA", saved.c_str(), 1);
}

TEST_CASE("real CIFAR-10: counts, classes, canonical order, channel means", "[data][cifar10][real]") {
  const auto dir = sc_test::real_data_dir();
  if (dir.empty()) SC_SKIP(sc_test::kNoData);
  Cifar10 train(dir, Split::kTrain), test(dir, Split::kTest);
  CHECK(train.size() == 50000);
  CHECK(test.size() == 10000);
  CHECK(at::equal(at::bincount(train.targets()), at::full({10}, 5000, at::kLong)));
  CHECK(at::equal(at::bincount(test.targets()), at::full({10}, 1000, at::kLong)));
  const std::vector<std::int64_t> first{6, 9, 9, 4, 1, 1, 2, 7, 8, 3, 4, 7, 7, 2, 9, 9, 9, 3, 2, 6};
  CHECK(at::equal(train.targets().narrow(0, 0, 20), at::tensor(first, at::kLong)));
  const std::vector<std::int64_t> red{59, 43, 50, 68, 98, 119, 139, 145, 149, 149, 131, 125};
  CHECK(at::equal(train.images()[0][0][0].narrow(0, 0, 12).to(at::kLong), at::tensor(red, at::kLong)));
  const auto mean = train.images().to(at::kDouble).mean({0, 2, 3}) / 255.0;
  CHECK(mean[0].item<double>() == Approx(0.4914).margin(5e-4));
  CHECK(mean[1].item<double>() == Approx(0.4822).margin(5e-4));
  CHECK(mean[2].item<double>() == Approx(0.4465).margin(5e-4));
  CHECK(train.class_names() == Cifar10::default_class_names());
}
