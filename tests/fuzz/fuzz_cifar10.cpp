// Fuzz target: the CIFAR-10 reader's parsers. The first byte splits the input into a `batches.meta.txt` text and
// raw records (label byte + 3,072 pixel bytes each): the class names are parsed, the records' labels checked. A
// c10::Error naming the file is the only accepted failure.
#include <superconv/data/cifar10.hpp>

#include "fuzz_main.hpp"

#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using superconv::data::Cifar10;
  if (size == 0) return 0;
  const std::size_t split = std::min<std::size_t>(size - 1, data[0] * 4);
  const std::string meta(reinterpret_cast<const char*>(data) + 1, split);
  try {
    std::istringstream in(meta);
    const auto names = Cifar10::parse_class_names(in, "batches.meta.txt");
    if (names.size() != 10) std::abort();
  } catch (const c10::Error& e) {
    sc_fuzz::expect_named(e, "batches.meta.txt");
  }
  // Records: the rest of the input, repeated to fill whole records (at most 4).
  const std::size_t rest = size - 1 - split;
  if (rest == 0) return 0;
  const std::int64_t n = 1 + static_cast<std::int64_t>(rest % 4);
  auto records = at::empty({n, Cifar10::kRecordBytes}, at::kByte);
  auto* p = records.data_ptr<std::uint8_t>();
  for (std::int64_t i = 0; i < records.numel(); ++i) p[i] = data[1 + split + static_cast<std::size_t>(i) % rest];
  try {
    Cifar10::check_labels(records, "data_batch_1.bin");
    if (records.select(1, 0).gt(9).any().item<bool>()) std::abort();  // a bad label let through
  } catch (const c10::Error& e) {
    sc_fuzz::expect_named(e, "data_batch_1.bin");
  }
  return 0;
}
