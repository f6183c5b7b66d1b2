// Fuzz target: the checkpoint loader. With an even first byte the rest is a checkpoint file as found on disk: its
// trailer and checksum are checked, and what passes is restored into a model and optimizer. With an odd first byte
// the rest is an archive's content, fed to the zip check that guards LibTorch's reader (which trusts the sizes it
// reads: a pickle that states a 4 GB string makes LibTorch's Unpickler reserve 4 GB - LibTorch's code, reachable
// only by a file whose checksum was forged, so that path is not fuzzed here). Every outcome but a c10::Error naming
// the file is a finding.
#include <superconv/train/checkpoint.hpp>

#include "fuzz_main.hpp"

#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>

namespace {
struct NoLoader {};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static torch::nn::Linear model(3, 2);
  static torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  if (size == 0) return 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    (void)superconv::train::detail::zip_problem(input);
    return 0;
  }
  const std::string& bytes = input;
  NoLoader loader;
  try {
    torch::serialize::InputArchive archive;
    superconv::train::load_archive_bytes(archive, bytes, "fuzz.pt");
    superconv::train::restore_checkpoint(archive, "fuzz.pt", *model, sgd, loader);
  } catch (const c10::Error& e) {
    sc_fuzz::expect_named(e, "fuzz.pt");
  }
  return 0;
}
