// Fuzz target: a shard's tar members and its index text. The first byte splits the input into a tar archive
// (list_tar_from over memory) and an index file's text (parse_index). A c10::Error naming the shard or the index is
// the only accepted failure; every member listed must lie inside the archive.
#include <superconv/data/shard_index.hpp>

#include "fuzz_main.hpp"

#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace D = superconv::data;
  if (size == 0) return 0;
  const std::size_t split = std::min<std::size_t>(size - 1, static_cast<std::size_t>(data[0]) * 64);
  const std::string_view tar(reinterpret_cast<const char*>(data) + 1, split);
  try {
    const auto members = D::detail::list_tar_from(D::detail::MemoryFile(tar), "fuzz.tar");
    for (const auto& m : members) {
      if (m.offset + m.size > tar.size() || m.offset % 512 != 0) std::abort();  // a member outside the archive
    }
  } catch (const c10::Error& e) {
    sc_fuzz::expect_named(e, "fuzz.tar");
  }
  const std::string text(reinterpret_cast<const char*>(data) + 1 + split, size - 1 - split);
  try {
    const auto index = D::parse_index(text, "fuzz.tar.idx");
    for (const auto& s : index.samples) {
      if (s.label < 0 || !D::detail::is_image_ext(s.format)) std::abort();
    }
  } catch (const c10::Error& e) {
    sc_fuzz::expect_named(e, "fuzz.tar.idx");
  }
  return 0;
}
