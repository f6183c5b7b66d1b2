#include <superconv/nn/state_dict.hpp>

#include "support.hpp"
#include "devices.hpp"

#include <superconv/nn/custom_resnet.hpp>
#include <superconv/train/checkpoint_file.hpp>

#include <torch/nn/modules/linear.h>

#include <fstream>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace superconv::nn;

namespace {
// Parameters and buffers of two modules hold the same values.
bool same_state(const torch::nn::Module& a, const torch::nn::Module& b) {
  const auto x = state_dict_entries(a), y = state_dict_entries(b);
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i].first != y[i].first || !at::equal(x[i].second, y[i].second)) return false;
  }
  return true;
}
}  // namespace

TEST_CASE("state dict: names as PyTorch's, saved and loaded back on every device", "[nn][state_dict]") {
  sc_test::TempDir dir("state-dict");
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      torch::manual_seed(1);
      CustomResNet a(CustomResNetOptions().width(4));
      {
        at::NoGradGuard no_grad;
        a->prep->bn->running_mean.normal_();
        a->prep->bn->num_batches_tracked.fill_(12);
      }
      a->to(dev);
      to_channels_last(*a);  // saved contiguous all the same
      const auto names = state_dict_entries(*a);
      CHECK(names.size() == 8 * 6 + 2);  // 8 conv-bn-relu (weight, bn weight, bias, mean, var, count), fc
      CHECK(names.front().first == "prep.conv.weight");
      CHECK(names.front().second.device().is_cpu());
      CHECK(names.front().second.is_contiguous());
      const auto file = dir.path / ("m-" + dev.str() + ".pt");
      save_state_dict(*a, file);
      CHECK_FALSE(std::filesystem::exists(file.string() + ".tmp"));
      const auto read = read_state_dict(file);
      CHECK(read.size() == names.size());
      CHECK(read.at("res3.conv2.bn.running_var").sizes() == at::IntArrayRef({32}));
      CHECK(read.at("prep.bn.num_batches_tracked").item<std::int64_t>() == 12);
      CustomResNet b(CustomResNetOptions().width(4));
      b->to(dev);
      CHECK_FALSE(same_state(*a, *b));
      const auto r = load_state_dict(*b, file);
      CHECK(r.missing.empty());
      CHECK(r.unexpected.empty());
      CHECK(same_state(*a, *b));
      CHECK(b->fc->weight.device() == dev);
      CHECK(b->fc->weight.requires_grad());
    }
  }
}

TEST_CASE("state dict: missing, unexpected and mis-shaped entries are named", "[nn][state_dict]") {
  sc_test::TempDir dir("state-dict-errors");
  torch::nn::Linear small(3, 2), wide(4, 2);
  save_state_dict(*small, dir.path / "small.pt");
  CHECK_THROWS_WITH(load_state_dict(*wide, dir.path / "small.pt"),
                    SC_CONTAINS("small.pt does not fit the model: mis-shaped: weight (file [2, 3], model [2, 4])"));
  save_tensor_dict({{"weight", at::zeros({2, 3})}, {"extra", at::zeros({1})}}, dir.path / "partial.pt");
  CHECK_THROWS_WITH(load_state_dict(*small, dir.path / "partial.pt"),
                    SC_CONTAINS("partial.pt does not fit the model: missing: bias; unexpected: extra"));
  // Non-strict: the entries present are loaded, the others reported.
  const auto r = load_state_dict(*small, dir.path / "partial.pt", LoadStateDictOptions().strict(false));
  CHECK(r.missing == std::vector<std::string>{"bias"});
  CHECK(r.unexpected == std::vector<std::string>{"extra"});
  CHECK(small->weight.abs().sum().item<double>() == 0.0);
  // A mis-shaped entry is an error even when not strict.
  CHECK_THROWS_WITH(load_state_dict(*wide, dir.path / "small.pt", LoadStateDictOptions().strict(false)),
                    SC_CONTAINS("mis-shaped: weight"));
}

TEST_CASE("state dict: files that are not state dicts are named errors", "[nn][state_dict]") {
  sc_test::TempDir dir("state-dict-bad");
  torch::nn::Linear model(3, 2);
  CHECK_THROWS_WITH(load_state_dict(*model, dir.path / "absent.pt"), SC_CONTAINS("absent.pt: cannot open"));
  std::ofstream(dir.path / "text.pt") << "hello";
  CHECK_THROWS_WITH(load_state_dict(*model, dir.path / "text.pt"),
                    SC_CONTAINS("text.pt is not a PyTorch state dict file"));
  std::ofstream(dir.path / "zip.pt", std::ios::binary) << "PK\x03\x04 truncated";
  CHECK_THROWS_WITH(load_state_dict(*model, dir.path / "zip.pt"), SC_CONTAINS("zip.pt is not a readable state dict"));
  // A superconv training checkpoint given by mistake.
  torch::serialize::OutputArchive archive;
  model->save(archive);
  superconv::train::save_archive_atomic(archive, dir.path / "checkpoint.pt");
  CHECK_THROWS_WITH(load_state_dict(*model, dir.path / "checkpoint.pt"),
                    SC_CONTAINS("checkpoint.pt is a superconv training checkpoint (checkpoint.pt), not a state dict") &&
                        SC_CONTAINS("restore it with train::load_checkpoint"));
  // And the other way round: model.pt given to the checkpoint reader names the function that reads it.
  save_state_dict(*model, dir.path / "model.pt");
  torch::serialize::InputArchive in;
  CHECK_THROWS_WITH(superconv::train::load_archive(in, dir.path / "model.pt"),
                    SC_CONTAINS("model.pt (") && SC_CONTAINS("read that with nn::load_state_dict"));
}

TEST_CASE("state dict: a file is read record by record, never held whole in memory", "[nn][state_dict]") {
  sc_test::TempDir dir("state-dict-memory");
  const auto p = dir.path / "big.pt";
  save_tensor_dict({{"w", at::arange(std::int64_t{16} << 20, at::kFloat)}}, p);  // 64 MB
  const std::size_t file = std::filesystem::file_size(p);
  const pid_t pid = fork();
  if (pid == 0) {  // room for the tensor and a half: not for a copy of the file besides (it used to hold three)
    long pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    const auto limit = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) + file * 3 / 2;
    const rlimit lim{limit, limit};
    setrlimit(RLIMIT_AS, &lim);
    try {
      const auto d = read_state_dict(p);
      std::_Exit(d.at("w").numel() == (std::int64_t{16} << 20) ? 0 : 2);
    } catch (...) {
      std::_Exit(1);
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("state dict: Python's OrderedDict pickle is rewritten for LibTorch's reader", "[nn][state_dict]") {
  // What torch.save(OrderedDict) pickles: the class, memoised, called with (); items; BUILD with `_metadata`;
  // later `OrderedDict()` again through the memo.
  using namespace std::string_literals;  // the pickles hold NUL bytes
  const auto py = "\x80\x02"s + "ccollections\nOrderedDict\n" + "q\x00"s + ")R" + "q\x01(" + "X\x01\x00\x00\x00"s +
                  "a" + "h\x00"s + ")R" + "q\x02u" + "}q\x03" + "b.";
  const auto out = superconv::nn::detail::rewrite_ordered_dicts(py, "x.pt");
  CHECK(out == "\x80\x02"s + "}q\x01(" + "X\x01\x00\x00\x00"s + "a" + "}q\x02u" + "}q\x03" + "\x86.");
  CHECK_THROWS_WITH(superconv::nn::detail::rewrite_ordered_dicts(std::string("\x80\x02\xff", 3), "y.pt"),
                    SC_CONTAINS("y.pt: unsupported or damaged pickle (opcode 255 at byte 2)"));
}
