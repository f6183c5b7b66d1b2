#include <superconv/data/image_folder.hpp>

#include "support.hpp"

// stb_image_write's functions (static) for writing test files.
#include <superconv/viz/png.hpp>

#include <pthread.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

namespace {
namespace fs = std::filesystem;
namespace sd = superconv::data;

/// Writes an h x w RGB image whose every pixel is (seed, seed * 3, seed * 7) % 256, as PNG, BMP or JPEG by extension.
void write_image(const fs::path& p, int h, int w, int seed) {
  fs::create_directories(p.parent_path());
  std::vector<std::uint8_t> px(static_cast<std::size_t>(h * w * 3));
  for (std::size_t i = 0; i < px.size(); i += 3) {
    px[i] = static_cast<std::uint8_t>(seed % 256);
    px[i + 1] = static_cast<std::uint8_t>(seed * 3 % 256);
    px[i + 2] = static_cast<std::uint8_t>(seed * 7 % 256);
  }
  const auto ext = p.extension().string();
  const auto s = p.string();
  int ok = 0;
  if (ext == ".png") ok = stbi_write_png(s.c_str(), w, h, 3, px.data(), w * 3);
  if (ext == ".bmp") ok = stbi_write_bmp(s.c_str(), w, h, 3, px.data());
  if (ext == ".jpg") ok = stbi_write_jpg(s.c_str(), w, h, 3, px.data(), 100);
  REQUIRE(ok != 0);
}

/// root/{cat, ant, bee}: ant has 3 images (seeds 10..12), bee 2 (20..21), cat 4 (30..33), all 8x6, plus noise that
/// must be ignored (a text file, a hidden folder, a file at the root).
fs::path crafted_folder(const fs::path& root) {
  write_image(root / "cat" / "c0.png", 8, 6, 30);
  write_image(root / "cat" / "c1.bmp", 8, 6, 31);
  write_image(root / "cat" / "c2.png", 8, 6, 32);
  write_image(root / "cat" / "c3.png", 8, 6, 33);
  write_image(root / "ant" / "a2.png", 8, 6, 12);
  write_image(root / "ant" / "a0.png", 8, 6, 10);
  write_image(root / "ant" / "a1.png", 8, 6, 11);
  write_image(root / "bee" / "b0.png", 8, 6, 20);
  write_image(root / "bee" / "b1.jpg", 8, 6, 21);
  std::ofstream(root / "cat" / "notes.txt") << "not an image";
  write_image(root / ".hidden" / "x.png", 8, 6, 99);
  write_image(root / "stray.png", 8, 6, 98);
  return root;
}
}  // namespace

TEST_CASE("ImageFolder sorts classes and files, sets targets and reads pixels", "[data][image_folder]") {
  sc_test::TempDir tmp("imgfolder");
  const auto root = crafted_folder(tmp.path / "set");
  std::vector<std::int64_t> seen;
  std::atomic<int> calls_off_thread{0};
  const auto caller = std::this_thread::get_id();
  sd::ImageFolder f(root, sd::ImageFolderOptions().threads(3).progress([&](std::int64_t done, std::int64_t total) {
    if (std::this_thread::get_id() != caller) ++calls_off_thread;
    CHECK(total == 9);
    seen.push_back(done);
  }));
  const auto& d = f.dataset();
  REQUIRE(d.size() == 9);
  CHECK(d.classes == std::vector<std::string>{"ant", "bee", "cat"});
  CHECK(d.images.sizes() == at::IntArrayRef({9, 3, 8, 6}));
  CHECK(d.targets.equal(at::tensor(std::vector<std::int64_t>{0, 0, 0, 1, 1, 2, 2, 2, 2})));
  CHECK(f.paths().at(0).filename() == "a0.png");
  CHECK(f.paths().at(5).filename() == "c0.png");
  // Files in name order: sample k of a class carries that file's seed.
  const std::vector<int> seeds{10, 11, 12, 20, 21, 30, 31, 32, 33};
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    if (i == 4) {  // the JPEG: close, not exact
      CHECK(std::abs(d.images[4][0][3][3].item<int>() - 21) <= 2);
      continue;
    }
    INFO("sample " << i);
    CHECK(d.images[static_cast<std::int64_t>(i)][0].eq(seeds[i] % 256).all().item<bool>());
    CHECK(d.images[static_cast<std::int64_t>(i)][2].eq(seeds[i] * 7 % 256).all().item<bool>());
  }
  CHECK(f.skipped().empty());
  CHECK(calls_off_thread.load() == 0);
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.back() == 9);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
}

TEST_CASE("ImageFolder gives the same result on any number of threads", "[data][image_folder]") {
  sc_test::TempDir tmp("imgfolder-par");
  const auto root = tmp.path / "set";
  for (int k = 0; k < 3; ++k)
    for (int i = 0; i < 40; ++i)
      write_image(root / ("class" + std::to_string(k)) / ("img" + std::to_string(100 + i) + ".png"), 5 + i % 4,
                  7 + i % 3, k * 50 + i);
  const auto one = sd::ImageFolder(root, sd::ImageFolderOptions().size(6, 6).threads(1));
  const auto many = sd::ImageFolder(root, sd::ImageFolderOptions().size(6, 6).threads(7));
  REQUIRE(one.size() == 120);
  CHECK(one.images().equal(many.images()));
  CHECK(one.targets().equal(many.targets()));
  // Resizing keeps each (constant) image's value.
  CHECK(one.images()[41][0].eq(50 + 1).all().item<bool>());
}

TEST_CASE("ImageFolder sizes: one shared size, or resize with the option", "[data][image_folder]") {
  sc_test::TempDir tmp("imgfolder-size");
  const auto root = crafted_folder(tmp.path / "set");
  write_image(root / "bee" / "b2.png", 12, 10, 22);
  CHECK_THROWS_WITH(sd::ImageFolder(root), SC_CONTAINS("b2.png is 12x10 but") && SC_CONTAINS("a0.png is 8x6") &&
                                               SC_CONTAINS("ImageFolderOptions().size(height, width)"));
  // kSkip does not hide a size mismatch: it is a missing option, not a bad file.
  CHECK_THROWS_WITH(sd::ImageFolder(root, sd::ImageFolderOptions().on_error(sd::OnBadImage::kSkip)),
                    SC_CONTAINS("images must share one size"));
  const sd::ImageFolder f(root, sd::ImageFolderOptions().size(4, 5).channels(1));
  CHECK(f.images().sizes() == at::IntArrayRef({10, 1, 4, 5}));
  CHECK_THROWS_WITH(sd::ImageFolder(root, sd::ImageFolderOptions().height(4)), SC_CONTAINS("size must be both 0"));
  CHECK_THROWS_WITH(sd::ImageFolder(root, sd::ImageFolderOptions().channels(0)), SC_CONTAINS("channels must be"));
  CHECK_THROWS_WITH(sd::ImageFolder(root, sd::ImageFolderOptions().threads(-1)), SC_CONTAINS("threads must be >= 0"));
}

TEST_CASE("ImageFolder stops at a bad image by default or skips and lists it", "[data][image_folder]") {
  sc_test::TempDir tmp("imgfolder-bad");
  const auto root = crafted_folder(tmp.path / "set");
  std::ofstream(root / "bee" / "b00.png") << "a text file renamed .png";
  std::ofstream(root / "cat" / "c9.jpg");  // empty
  for (std::int64_t threads : {1, 4}) {
    INFO("threads " << threads);
    CHECK_THROWS_WITH(sd::ImageFolder(root, sd::ImageFolderOptions().threads(threads)),
                      SC_CONTAINS("b00.png") && SC_CONTAINS("cannot decode"));
    const sd::ImageFolder f(root, sd::ImageFolderOptions().on_error(sd::OnBadImage::kSkip).threads(threads));
    CHECK(f.size() == 9);
    REQUIRE(f.skipped().size() == 2);
    CHECK(f.skipped()[0].path.filename() == "b00.png");
    CHECK(f.skipped()[1].path.filename() == "c9.jpg");
    CHECK_THAT(f.skipped()[1].reason, SC_CONTAINS("is empty"));
    CHECK(f.targets().equal(at::tensor(std::vector<std::int64_t>{0, 0, 0, 1, 1, 2, 2, 2, 2})));
    CHECK(f.paths().at(3).filename() == "b0.png");
  }
  // The first file of the set bad too.
  std::ofstream(root / "ant" / "a.png") << "x";
  CHECK_THROWS_WITH(sd::ImageFolder(root), SC_CONTAINS("a.png"));
  CHECK(sd::ImageFolder(root, sd::ImageFolderOptions().on_error(sd::OnBadImage::kSkip)).skipped().size() == 3);
}

TEST_CASE("ImageFolder with kSkip never keeps a file it did not decode", "[data][image_folder]") {
  // The rule both the first file (decoded on the constructing thread) and the workers follow: a skippable failure
  // stops nothing; it used to stop every worker after a failure placing the first file, leaving garbage images.
  CHECK_FALSE(sd::detail::stops_reading("", false, true));
  CHECK_FALSE(sd::detail::stops_reading("cannot resize", false, true));
  CHECK(sd::detail::stops_reading("cannot resize", false, false));
  CHECK(sd::detail::stops_reading("sizes differ", true, true));
}

namespace {
/// Runs ImageFolder on `root` in a child process whose address space leaves room for `stacks` thread stacks of
/// 256 MB (and some memory besides); returns the child's exit code (0: 9 images read; 2: a named error; 128 + signal
/// when it died).
int decode_with_room_for(const fs::path& root, int stacks, std::int64_t threads) {
  const pid_t pid = fork();
  if (pid == 0) {
    constexpr std::size_t kStack = std::size_t{256} << 20;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, kStack);
    pthread_setattr_default_np(&attr);
    long pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    const auto used = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE));
    const rlim_t limit = used + stacks * kStack + (std::size_t{200} << 20);  // and 200 MB for the rest
    const rlimit lim{limit, limit};
    setrlimit(RLIMIT_AS, &lim);
    try {
      const sd::ImageFolder f(root, sd::ImageFolderOptions().threads(threads));
      std::_Exit(f.size() == 9 ? 0 : 1);
    } catch (const std::exception& e) {
      const bool named = std::string(e.what()).find("ImageFolder: cannot start a decoding thread") != std::string::npos;
      std::_Exit(named ? 2 : 3);
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
}  // namespace

TEST_CASE("ImageFolder names a decoding thread that cannot start instead of terminating", "[data][image_folder]") {
  sc_test::TempDir tmp("imgfolder-threads");
  const auto root = crafted_folder(tmp.path / "set");
  // Room for one thread of the 8 asked: the one that started decodes everything (it used to std::terminate).
  CHECK(decode_with_room_for(root, 1, 8) == 0);
  // Room for none: an error naming the cause and the option.
  CHECK(decode_with_room_for(root, 0, 8) == 2);
}

TEST_CASE("ImageFolder's default thread count is the CPUs the process may use", "[data][image_folder]") {
  const int cpus = superconv::system::usable_cpus();
  CHECK(cpus >= 1);
  CHECK(cpus <= static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

TEST_CASE("ImageFolder names an empty class, an empty root and a missing root", "[data][image_folder]") {
  sc_test::TempDir tmp("imgfolder-empty");
  CHECK_THROWS_WITH(sd::ImageFolder(tmp.path / "nope"), SC_CONTAINS("ImageFolder: ") && SC_CONTAINS("nope not found"));
  std::ofstream(tmp.path / "file.txt") << "x";
  CHECK_THROWS_WITH(sd::ImageFolder(tmp.path / "file.txt"), SC_CONTAINS("file.txt is not a folder"));
  fs::create_directories(tmp.path / "root");
  CHECK_THROWS_WITH(sd::ImageFolder(tmp.path / "root"), SC_CONTAINS("root has no class folders"));
  write_image(tmp.path / "root" / "dog" / "d.png", 4, 4, 1);
  fs::create_directories(tmp.path / "root" / "emu");
  std::ofstream(tmp.path / "root" / "emu" / "readme.txt") << "no images here";
  CHECK_THROWS_WITH(sd::ImageFolder(tmp.path / "root"), SC_CONTAINS("(class 'emu') holds no images"));
  // Every file bad, skipping: nothing left is an error too.
  fs::remove_all(tmp.path / "root" / "emu");
  std::ofstream(tmp.path / "root" / "dog" / "d.png") << "x";
  CHECK_THROWS_WITH(sd::ImageFolder(tmp.path / "root", sd::ImageFolderOptions().on_error(sd::OnBadImage::kSkip)),
                    SC_CONTAINS("none of the 1 image files"));
}
