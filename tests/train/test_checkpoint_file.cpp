#include <superconv/train/checkpoint_file.hpp>

#include "support.hpp"

#include <csignal>
#include <functional>
#include <stdexcept>
#include <fstream>
#include <iterator>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace superconv::train;

namespace {
std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
void spit(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}
void save_epoch(const std::filesystem::path& p, std::int64_t epoch, std::int64_t numel = 1000) {
  torch::serialize::OutputArchive out;
  out.write("epoch", c10::IValue(epoch));
  out.write("weights", at::arange(numel, at::kFloat), true);
  save_archive_atomic(out, p);
}
std::int64_t load_epoch(const std::filesystem::path& p) {
  torch::serialize::InputArchive in;
  load_archive(in, p);
  c10::IValue v;
  in.read("epoch", v);
  return v.toInt();
}
/// Runs `f` in a child process whose address space may grow by `room` bytes beyond what it maps now; true when `f`
/// returned (false when it threw, e.g. bad_alloc, or died).
bool fits_in(std::size_t room, const std::function<void()>& f) {
  const pid_t pid = fork();
  if (pid == 0) {
    long pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    const auto limit = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) + room;
    const rlimit lim{limit, limit};
    setrlimit(RLIMIT_AS, &lim);
    try {
      f();
    } catch (...) {
      std::_Exit(1);
    }
    std::_Exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
}  // namespace

TEST_CASE("save_archive_atomic writes through a temporary file and reads back", "[train][checkpoint_file]") {
  sc_test::TempDir tmp("ckpt-file");
  const auto p = tmp.path / "sub" / "c.pt";
  save_epoch(p, 7);
  CHECK(std::filesystem::exists(p));
  CHECK_FALSE(std::filesystem::exists(tmp.path / "sub" / "c.pt.tmp"));
  CHECK(load_epoch(p) == 7);
  save_epoch(p, 8);  // over the previous one
  CHECK(load_epoch(p) == 8);
  CHECK_THROWS_WITH(load_epoch(tmp.path / "none.pt"), SC_CONTAINS("none.pt not found"));
}

TEST_CASE("empty, truncated, bit-flipped and foreign files are named and never read as checkpoints",
          "[train][checkpoint_file]") {
  sc_test::TempDir tmp("ckpt-damaged");
  const auto good = tmp.path / "good.pt";
  save_epoch(good, 3);
  const auto bytes = slurp(good);
  spit(tmp.path / "empty.pt", "");
  CHECK_THROWS_WITH(load_epoch(tmp.path / "empty.pt"), SC_CONTAINS("empty.pt is empty"));
  for (std::size_t cut : {std::size_t{1}, std::size_t{31}, std::size_t{32}, bytes.size() / 2, bytes.size() - 1}) {
    INFO("cut " << cut << " bytes off the end");
    spit(tmp.path / "cut.pt", bytes.substr(0, bytes.size() - cut));
    CHECK_THROWS_WITH(load_epoch(tmp.path / "cut.pt"), SC_CONTAINS("cut.pt (") && SC_CONTAINS("it is truncated"));
  }
  for (std::size_t at : {std::size_t{0}, std::size_t{100}, bytes.size() / 2, bytes.size() - 40}) {
    INFO("bit flipped at byte " << at);
    auto flipped = bytes;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x10);
    spit(tmp.path / "flip.pt", flipped);
    CHECK_THROWS_WITH(load_epoch(tmp.path / "flip.pt"), SC_CONTAINS("flip.pt is damaged: checksum"));
  }
  auto wrong_length = bytes;
  wrong_length[bytes.size() - 24] = static_cast<char>(wrong_length[bytes.size() - 24] ^ 1);
  spit(tmp.path / "len.pt", wrong_length);
  CHECK_THROWS_WITH(load_epoch(tmp.path / "len.pt"), SC_CONTAINS("len.pt is damaged: its trailer says"));
  torch::serialize::OutputArchive plain;  // LibTorch's own format, without superconv's trailer
  plain.write("epoch", c10::IValue(std::int64_t{3}));
  plain.save_to((tmp.path / "foreign.pt").string());
  CHECK_THROWS_WITH(load_epoch(tmp.path / "foreign.pt"), SC_CONTAINS("not a checkpoint written by superconv"));
  CHECK(load_epoch(good) == 3);
}

TEST_CASE("a write that fails (full disk, no folder) names the file and leaves the previous checkpoint",
          "[train][checkpoint_file]") {
  sc_test::TempDir tmp("ckpt-full");
  const auto p = tmp.path / "checkpoint.pt";
  save_epoch(p, 1, 10);
  const auto before = slurp(p);
  // A file-size limit below the next checkpoint's size, as a nearly full disk: write() fails with EFBIG.
  rlimit old{};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
  auto previous = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = 64 * 1024;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
  std::string message;
  try {
    save_epoch(p, 2, 1 << 20);  // 4 MiB of weights
  } catch (const c10::Error& e) {
    message = e.what_without_backtrace();
  }
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previous);
  CHECK_THAT(message, SC_CONTAINS("checkpoint: cannot write " + p.string() + ".tmp") && SC_CONTAINS("File too large"));
  CHECK_FALSE(std::filesystem::exists(tmp.path / "checkpoint.pt.tmp"));
  CHECK(slurp(p) == before);
  CHECK(load_epoch(p) == 1);
  spit(tmp.path / "a-file", "x");
  CHECK_THROWS_WITH(save_epoch(tmp.path / "a-file" / "checkpoint.pt", 1), SC_CONTAINS("cannot create folder"));
}

TEST_CASE("a checksummed archive whose zip record claims more bytes than the file holds is named, not allocated",
          "[train][checkpoint_file]") {
  // Found by fuzz_checkpoint: LibTorch's reader allocated what a damaged size field claimed (30 GB).
  namespace d = superconv::train::detail;
  sc_test::TempDir tmp("ckpt-zip");
  save_epoch(tmp.path / "good.pt", 3);
  auto payload = slurp(tmp.path / "good.pt");
  payload.resize(payload.size() - d::kTrailerSize);
  CHECK(d::zip_problem(payload).empty());
  const auto entry = payload.find(std::string("PK\x01\x02", 4));
  REQUIRE(entry != std::string::npos);
  for (std::size_t field : {std::size_t{20}, std::size_t{24}}) {
    payload[entry + field + 3] = 0x70;  // the record's size: 0x70xxxxxx bytes
  }
  auto bytes = payload;
  bytes.append(d::kTrailerMagic, 8);
  d::put_u64(bytes, payload.size());
  d::put_u64(bytes, d::fnv1a64(payload.data(), payload.size()));
  bytes.append(d::kTrailerMagic, 8);
  spit(tmp.path / "huge.pt", bytes);
  CHECK_THROWS_WITH(load_epoch(tmp.path / "huge.pt"), SC_CONTAINS("huge.pt is damaged: zip record 0 claims"));
  CHECK_THAT(d::zip_problem("PK"), SC_CONTAINS("too short"));
  CHECK_THAT(d::zip_problem(std::string(100, 'x')), SC_CONTAINS("no zip end-of-central-directory record"));
}

TEST_CASE("a checkpoint is read into memory once: the file and its tensors, no further copies",
          "[train][checkpoint_file]") {
  sc_test::TempDir tmp("ckpt-memory");
  const auto p = tmp.path / "big.pt";
  constexpr std::int64_t kFloats = std::int64_t{16} << 20;  // 64 MB of weights
  save_epoch(p, 5, kFloats);
  const std::size_t file = std::filesystem::file_size(p);
  // The file's bytes and the loaded tensor, with room to spare; three copies of the file (string, substring,
  // stream) and the tensor do not fit.
  CHECK(fits_in(file * 5 / 2, [&] {
    if (load_epoch(p) != 5) throw std::runtime_error("wrong epoch");
  }));
  CHECK(load_epoch(p) == 5);
}
