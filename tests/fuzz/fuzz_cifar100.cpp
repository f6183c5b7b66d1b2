// Fuzz target: the CIFAR-100 reader's parsers. The first byte splits the input into a label-names text and raw
// records (coarse byte, fine byte, 3,072 pixel bytes each): the names are parsed (100 expected), the records' two
// label bytes checked. A c10::Error naming the file is the only accepted failure.
#include <superconv/data/cifar100.hpp>

#include "fuzz_main.hpp"

#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using superconv::data::Cifar100;
  if (size == 0) return 0;
  const std::size_t split = std::min<std::size_t>(size - 1, data[0] * 8u);
  const std::string names(reinterpret_cast<const char*>(data) + 1, split);
  try {
    std::istringstream in(names);
    const auto parsed = Cifar100::parse_names(in, "fine_label_names.txt", Cifar100::kNumFine);
    if (parsed.size() != 100) std::abort();
  } catch (const c10::Error& e) {
    sc_fuzz::expect_named(e, "fine_label_names.txt");
  }
  // Records: the rest of the input, repeated to fill whole records (at most 4).
  const std::size_t rest = size - 1 - split;
  if (rest == 0) return 0;
  const std::int64_t n = 1 + static_cast<std::int64_t>(rest % 4);
  auto records = at::empty({n, Cifar100::kRecordBytes}, at::kByte);
  auto* p = records.data_ptr<std::uint8_t>();
  for (std::int64_t i = 0; i < records.numel(); ++i) p[i] = data[1 + split + static_cast<std::size_t>(i) % rest];
  try {
    Cifar100::check_labels(records, "train.bin");
    // A bad label let through.
    if (records.select(1, 0).ge(20).any().item<bool>() || records.select(1, 1).ge(100).any().item<bool>()) std::abort();
  } catch (const c10::Error& e) {
    sc_fuzz::expect_named(e, "train.bin");
  }
  return 0;
}
