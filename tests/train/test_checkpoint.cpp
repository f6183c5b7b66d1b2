#include <superconv/train/checkpoint.hpp>

#include "support.hpp"

#include <fstream>

using namespace superconv::train;

TEST_CASE("save_archive_atomic writes through a temporary file; load_archive names bad files", "[train][checkpoint]") {
  sc_test::TempDir tmp("ckpt");
  const auto p = tmp.path / "sub" / "c.pt";
  torch::serialize::OutputArchive out;
  superconv::train::detail::write_int(out, "epoch", 7);
  superconv::train::detail::write_tensor(out, "t", at::arange(5));
  save_archive_atomic(out, p);
  CHECK(std::filesystem::exists(p));
  CHECK_FALSE(std::filesystem::exists(tmp.path / "sub" / "c.pt.tmp"));
  torch::serialize::InputArchive in;
  load_archive(in, p);
  CHECK(superconv::train::detail::read_int(in, "epoch") == 7);
  CHECK(at::equal(superconv::train::detail::read_tensor(in, "t"), at::arange(5)));
  torch::serialize::InputArchive missing;
  CHECK_THROWS_WITH(load_archive(missing, tmp.path / "none.pt"), SC_CONTAINS("none.pt not found"));
  std::ofstream(tmp.path / "junk.pt") << "not a checkpoint";
  torch::serialize::InputArchive junk;
  CHECK_THROWS_WITH(load_archive(junk, tmp.path / "junk.pt"), SC_CONTAINS("junk.pt is not a readable checkpoint"));
}
