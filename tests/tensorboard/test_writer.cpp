// TensorBoard event files on disk: the file name, buffering and flushes, a cut last record, named errors for an
// unwritable folder and a full disk with nothing written lost, and the Trainer hook on a tiny model.
#include <superconv/tensorboard/event_writer.hpp>
#include <superconv/tensorboard/record_writer.hpp>
#include <superconv/tensorboard/tensorboard.hpp>

#include "support.hpp"

#include <superconv/io/json.hpp>

#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>

#include <csignal>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

namespace sc = superconv;
namespace fs = std::filesystem;

namespace {
std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// The records of a TFRecord file whose length and data checksums hold, up to the first that does not.
std::vector<std::string> read_records(const fs::path& p) {
  const auto bytes = read_all(p);
  std::vector<std::string> out;
  std::size_t at = 0;
  const auto u32 = [&](std::size_t i) {
    std::uint32_t v = 0;
    for (int k = 3; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(bytes[i + static_cast<std::size_t>(k)]);
    return v;
  };
  while (at + 12 <= bytes.size()) {
    std::uint64_t n = 0;
    for (int k = 7; k >= 0; --k) n = (n << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(k)]);
    if (u32(at + 8) != sc::tensorboard::masked_crc32c(std::string_view(bytes.data() + at, 8))) break;
    if (at + 12 + n + 4 > bytes.size()) break;
    const std::string data = bytes.substr(at + 12, n);
    if (u32(at + 12 + n) != sc::tensorboard::masked_crc32c(data)) break;
    out.push_back(data);
    at += 16 + n;
  }
  return out;
}

std::size_t count_with(const std::vector<std::string>& records, const std::string& what) {
  std::size_t n = 0;
  for (const auto& r : records) n += r.find(what) != std::string::npos;
  return n;
}

fs::path only_file(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(dir)) files.push_back(f.path());
  REQUIRE(files.size() == 1);
  return files[0];
}

struct TinyBatch {
  at::Tensor input, target, index;
};
/// Fixed batches of a linearly separable 2-class problem.
struct TinyLoader {
  at::Tensor x, y;
  std::int64_t batch = 8;
  void start_epoch() {}
  std::int64_t size() const { return (x.size(0) + batch - 1) / batch; }
  std::int64_t interrupt_at = -1;  ///< asks for a stop (as Ctrl-C does) when it hands out this batch
  TinyBatch get(std::int64_t i) const {
    if (i == interrupt_at) sc::train::request_interrupt();
    const auto n = std::min(batch, x.size(0) - i * batch);
    return {x.narrow(0, i * batch, n), y.narrow(0, i * batch, n), at::arange(i * batch, i * batch + n)};
  }
};
}  // namespace

TEST_CASE("EventWriter names its file as TensorBoard does and writes on flush", "[io][tensorboard]") {
  sc_test::TempDir dir("tb-writer");
  fs::path path;
  {
    sc::tensorboard::EventWriter w(dir.path / "run", sc::tensorboard::EventWriterOptions().flush_secs(0));
    path = w.path();
    CHECK(std::regex_match(path.filename().string(), std::regex(R"(events\.out\.tfevents\.\d{10}\..+\.\d+\.\d+)")));
    CHECK(path.filename().string().find("." + std::to_string(::getpid()) + ".") != std::string::npos);
    auto records = read_records(path);
    REQUIRE(records.size() == 1);  // the version record is on disk at once
    CHECK(records[0].find("brain.Event:2") != std::string::npos);
    w.add_scalar("loss", 0.5, 1);
    w.add_text("note", "**hello**");
    CHECK(read_records(path).size() == 1);  // buffered
    CHECK(w.pending() == 2);
    w.flush();
    CHECK(read_records(path).size() == 3);
    CHECK(w.written() == 3);
    w.add_scalar("loss", 0.25, 2);
  }  // destruction flushes
  const auto records = read_records(path);
  CHECK(records.size() == 4);
  CHECK(count_with(records, "loss") == 2);
  // Two writers in one process never share a file.
  sc::tensorboard::EventWriter a(dir.path / "two"), b(dir.path / "two");
  CHECK(a.path() != b.path());
}

TEST_CASE("a cut last record leaves the ones before it readable", "[io][tensorboard]") {
  sc_test::TempDir dir("tb-cut");
  fs::path path;
  {
    sc::tensorboard::EventWriter w(dir.path);
    for (int i = 0; i < 5; ++i) w.add_scalar("x", i, i);
    path = w.path();
  }
  const auto full = read_all(path);
  for (std::size_t cut : {1, 4, 12, 20}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << full.substr(0, full.size() - cut);
    CHECK(read_records(path).size() == 5);  // version + 4 of the 5 scalars
  }
}

TEST_CASE("EventWriter errors name the folder or file", "[io][tensorboard]") {
  sc_test::TempDir dir("tb-errors");
  std::ofstream(dir.path / "file") << "x";
  CHECK_THROWS_WITH(sc::tensorboard::EventWriter(dir.path / "file" / "run"),
                    SC_CONTAINS("TensorBoard: cannot create folder " + (dir.path / "file" / "run").string()));
  CHECK_THROWS_WITH(sc::tensorboard::EventWriter(dir.path, sc::tensorboard::EventWriterOptions().flush_secs(-1)),
                    SC_CONTAINS("TensorBoard: flush_secs must be >= 0, got -1"));
  CHECK_THROWS_WITH(sc::tensorboard::RecordWriter(dir.path / "file", "TensorBoard"),
                    SC_CONTAINS("TensorBoard: cannot create " + (dir.path / "file").string() + ": File exists"));
  sc::tensorboard::EventWriter w(dir.path);
  CHECK_THROWS_WITH(w.add_image_file("img", dir.path / "missing.png", 0),
                    SC_CONTAINS("TensorBoard: cannot read image " + (dir.path / "missing.png").string()));
  CHECK_THROWS_WITH(w.add_image("img", "not a png", 0), SC_CONTAINS("TensorBoard: image img: not a PNG"));
}

TEST_CASE("a full disk names the file, keeps what was written and retries what was not", "[io][tensorboard]") {
  sc_test::TempDir dir("tb-full");
  sc::tensorboard::EventWriter w(dir.path, sc::tensorboard::EventWriterOptions().flush_secs(0));
  w.add_scalar("a", 1, 1);
  w.flush();
  const auto before = fs::file_size(w.path());
  // A file-size limit just above what is written: the next flush fails with EFBIG half-way, like a full disk.
  rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit limited = old;
  limited.rlim_cur = before + 10;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
  for (int i = 0; i < 3; ++i) w.add_scalar("b", i, i);
  std::string message;
  try {
    w.flush();
  } catch (const c10::Error& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  CHECK_THAT(message, SC_CONTAINS("TensorBoard: cannot write " + w.path().string()));
  CHECK_THAT(message, SC_CONTAINS("3 records"));
  CHECK(fs::file_size(w.path()) == before);  // cut back: no half record before the retried ones
  CHECK(read_records(w.path()).size() == 2);
  CHECK(w.pending() == 3);
  w.flush();  // space again: nothing was lost
  const auto records = read_records(w.path());
  CHECK(records.size() == 5);
  CHECK(count_with(records, std::string{'\x0a', '\x01', 'b'}) == 3);  // tag "b"
}

TEST_CASE("the TensorBoard hook writes batch, epoch and final records of a Trainer run", "[io][tensorboard][train]") {
  sc_test::TempDir dir("tb-hook");
  torch::manual_seed(0);
  auto x = at::randn({40, 4});
  auto y = (x.select(1, 0) > 0).to(at::kLong);
  TinyLoader train{x, y}, test{x, y};
  torch::nn::Linear model(4, 2);
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  sc::train::Trainer trainer(model, sgd, nullptr, sc::train::TrainerOptions().progress(sc::train::ProgressMode::kNone));
  sc::tensorboard::TensorBoard tb(dir.path / "run",
                                  sc::tensorboard::TensorBoardOptions().log_every(2).weight_histograms(true));
  tb.attach(trainer);
  trainer.fit(train, test, 3);  // 5 batches an epoch: points after batches 2, 4 and 5
  tb.add_curve("lr_finder/loss", {3.0, 2.0, NAN, 1.0});
  tb.finish(sc::io::Json{{"lr", 0.1}, {"optimizer", "sgd"}, {"nesterov", false}, {"model", {{"width", 4}}}});
  tb.close();
  const auto records = read_records(only_file(dir.path / "run"));
  CHECK(count_with(records, "batch/train_loss") == 9);
  CHECK(count_with(records, "batch/lr") == 9);
  CHECK(count_with(records, "batch/momentum") == 0);  // no scheduler: no momentum figure
  CHECK(count_with(records, "epoch/test_acc") == 3);
  CHECK(count_with(records, "epoch/images_per_second") == 3);
  CHECK(count_with(records, "weights/weight") == 3);
  CHECK(count_with(records, "weights/bias") == 3);
  CHECK(count_with(records, "lr_finder/loss") == 3);
  CHECK(count_with(records, "_hparams_/session_start_info") == 1);
  CHECK(count_with(records, "model.width") == 2);     // experiment and session start
  CHECK(count_with(records, "final/test_acc") == 2);  // the experiment's metric and its scalar
  CHECK(count_with(records, "config/text_summary") == 1);

  // Disabled (--no-tensorboard, ranks other than 0): no file at all.
  sc::tensorboard::TensorBoard off(dir.path / "off", sc::tensorboard::TensorBoardOptions().enabled(false));
  off.attach(trainer);
  off.finish(sc::io::Json::object());
  CHECK(off.writer() == nullptr);
  CHECK_FALSE(fs::exists(dir.path / "off"));
  CHECK_THROWS_WITH(sc::tensorboard::TensorBoard(dir.path, sc::tensorboard::TensorBoardOptions().log_every(0)),
                    SC_CONTAINS("TensorBoard: log_every must be >= 1, got 0"));
}

TEST_CASE("a run stopped by Ctrl-C keeps the batch points of its last, unfinished epoch", "[io][tensorboard][train]") {
  sc_test::TempDir dir("tb-stop");
  torch::manual_seed(0);
  auto x = at::randn({40, 4});
  auto y = (x.select(1, 0) > 0).to(at::kLong);
  TinyLoader train{x, y}, test{x, y};
  train.interrupt_at = 3;  // in the first epoch: no epoch end flushes the points
  torch::nn::Linear model(4, 2);
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.1));
  sc::train::Trainer trainer(model, sgd, nullptr, sc::train::TrainerOptions().progress(sc::train::ProgressMode::kNone));
  {
    sc::tensorboard::TensorBoard tb(dir.path, sc::tensorboard::TensorBoardOptions().log_every(1));
    tb.attach(trainer);
    CHECK_THROWS_AS(trainer.fit(train, test, 2), sc::train::Interrupted);
    sc::train::clear_interrupt();
  }  // the hook goes out of scope as the exception unwinds a program's main
  const auto records = read_records(only_file(dir.path));
  CHECK(count_with(records, "batch/train_loss") == 4);  // batches 0-3 ran
  CHECK(count_with(records, "epoch/") == 0);
}

TEST_CASE("a write that fails part-way through the held batch points writes none of them twice",
          "[io][tensorboard][train]") {
  sc_test::TempDir dir("tb-partial");
  // Every scalar is written (and synced) as it comes: the file-size limit stops the writes in the middle.
  sc::tensorboard::TensorBoard tb(dir.path,
                                  sc::tensorboard::TensorBoardOptions().log_every(1).max_pending(1000).writer(
                                      sc::tensorboard::EventWriterOptions().flush_secs(0).max_buffer_bytes(0)));
  tb.writer()->flush();
  const auto path = tb.writer()->path();
  const auto before = fs::file_size(path);
  const auto loss = at::tensor(0.5, at::kDouble), logits = at::randn({2, 2});
  const auto target = at::tensor(std::vector<std::int64_t>{0, 1});
  const auto figures = at::tensor(std::vector<double>{1.0, 1.0, 2.0});  // loss x records, correct, records
  for (std::int64_t i = 0; i < 6; ++i)
    tb.on_batch_end(sc::train::BatchEnd{1, 1, i, 6, 0.1, loss, logits, target, NAN, figures});
  rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit limited = old;
  limited.rlim_cur = before + 300;  // room for a few of the 18 scalars
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
  bool failed = false;
  try {
    tb.flush();
  } catch (const c10::Error&) {
    failed = true;
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  REQUIRE(failed);
  const auto part = read_records(path);
  CHECK(count_with(part, "batch/train_loss") < 6);  // it did stop part-way
  tb.flush();                                       // room again: the rest, once
  tb.close();
  const auto records = read_records(path);
  CHECK(count_with(records, "batch/train_loss") == 6);
  CHECK(count_with(records, "batch/train_acc") == 6);
  CHECK(count_with(records, "batch/lr") == 6);
}

TEST_CASE("RecordWriter writes after what it flushed: a half record left at the end does not hide later ones",
          "[io][tensorboard]") {
  sc_test::TempDir dir("tb-tail");
  const auto path = dir.path / "records";
  sc::tensorboard::RecordWriter w(path, "TensorBoard", 0);
  w.write("first");
  w.flush();
  {  // what a failed write whose cut-back also failed leaves: part of a record after the last whole one
    std::ofstream tail(path, std::ios::binary | std::ios::app);
    tail << std::string("\x05\x00\x00\x00\x00\x00\x00\x00\x01\x02", 10);
  }
  REQUIRE(fs::file_size(path) == 5 + 16 + 10);
  w.write("second record");
  w.flush();
  const auto records = read_records(path);
  REQUIRE(records.size() == 2);  // appended after the stray bytes, the reader would have stopped at them
  CHECK(records[1] == "second record");
  CHECK(fs::file_size(path) == 5 + 16 + 13 + 16);
}
