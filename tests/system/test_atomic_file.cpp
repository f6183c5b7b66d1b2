#include <superconv/system/atomic_file.hpp>

#include "support.hpp"

#include <fstream>
#include <iterator>

namespace fs = std::filesystem;

namespace {
std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
}  // namespace

TEST_CASE("write_file_atomic creates, replaces and leaves no .tmp", "[system][atomic_file]") {
  const auto dir = fs::temp_directory_path() / "superconv-atomic-file-test";
  fs::remove_all(dir);
  const auto path = dir / "sub" / "x.bin";
  superconv::system::write_file_atomic(path, std::string("first\0bytes", 11));
  CHECK(read_all(path) == std::string("first\0bytes", 11));
  superconv::system::write_file_atomic(path, "second");
  CHECK(read_all(path) == "second");
  CHECK_FALSE(fs::exists(dir / "sub" / "x.bin.tmp"));
  // A folder that cannot be made (its parent is a file): named, with the caller's prefix.
  CHECK_THROWS_WITH(superconv::system::write_file_atomic(path / "y.bin", "z", "thing"),
                    SC_CONTAINS("thing: cannot create folder"));
  CHECK(read_all(path) == "second");
  fs::remove_all(dir);
}
