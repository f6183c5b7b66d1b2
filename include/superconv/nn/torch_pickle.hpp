// SPDX-License-Identifier: MIT
// The bytes of a torch.save file (a zip holding data.pkl and one record per tensor) for a dict of named tensors,
// both ways: written without LibTorch's type tags, so that Python's `torch.load(weights_only=True)` accepts it, and
// read with Python's OrderedDict rewritten into what LibTorch's unpickler understands.
#pragma once

#include <ATen/ATen.h>
#include <ATen/core/Dict.h>
#include <ATen/core/ivalue.h>
#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>
#include <torch/csrc/jit/serialization/pickler.h>
#include <torch/csrc/jit/serialization/pickler_helper.h>
#include <torch/csrc/jit/serialization/unpickler.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace superconv {
namespace nn {

namespace detail {
/// Bytes a protocol 2-5 pickle opcode's argument takes at `p` (GLOBAL: two lines), or -1 for an opcode this reader
/// does not know.
inline std::int64_t pickle_arg_size(unsigned char op, const std::string& s, std::size_t p) {
  auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    if (at + 4 <= s.size()) std::memcpy(&v, s.data() + at, 4);
    return static_cast<std::int64_t>(v);
  };
  const auto is = [op](const char* set) { return std::strchr(set, static_cast<char>(op)) != nullptr; };
  if (op == 0) return -1;
  if (is("\x80Kqh")) return 1;  // PROTO BININT1 BINPUT BINGET
  if (op == 'M') return 2;      // BININT2
  if (is("Jrj")) return 4;      // BININT LONG_BINPUT LONG_BINGET
  if (is("G\x95")) return 8;    // BINFLOAT FRAME
  if (is("\x8a\x8c") || op == 'C') return p < s.size() ? 1 + static_cast<unsigned char>(s[p]) : 1;  // LONG1 ...
  if (is("XB")) return 4 + u32(p);  // BINUNICODE BINBYTES
  if (op == 'c') {                  // GLOBAL module\nname\n
    const auto a = s.find('\n', p), b = a == std::string::npos ? a : s.find('\n', a + 1);
    return b == std::string::npos ? -1 : static_cast<std::int64_t>(b + 1 - p);
  }
  // No argument: containers, marks, constants, REDUCE, BUILD, NEWOBJ, BINPERSID, STOP, MEMOIZE, POP.
  return is(")]}(NtealdusRbQ.0") || is("\x88\x89\x85\x86\x87\x81\x94") ? 0 : -1;
}
/// Python pickles a state dict as an `OrderedDict` with a `_metadata` attribute; LibTorch's unpickler reads
/// `OrderedDict()` as None and has no BUILD for dicts. Rewrites `OrderedDict()` (the GLOBAL or a memo reference to
/// it, then EMPTY_TUPLE REDUCE) as EMPTY_DICT and BUILD as TUPLE2: the top-level (dict, attributes) pair is unwrapped
/// by the caller.
inline std::string rewrite_ordered_dicts(const std::string& in, const std::filesystem::path& file) {
  std::string out;
  std::set<std::int64_t> od_memo;
  std::size_t p = 0;
  while (p < in.size()) {
    const auto op = static_cast<unsigned char>(in[p]);
    const auto n = pickle_arg_size(op, in, p + 1);
    TORCH_CHECK(n >= 0 && p + 1 + static_cast<std::size_t>(n) <= in.size(), "load_state_dict: ", file.string(),
                ": unsupported or damaged pickle (opcode ", static_cast<int>(op), " at byte ", p, ")");
    const std::size_t next = p + 1 + static_cast<std::size_t>(n);
    bool is_od = op == 'c' && in.compare(p + 1, n, "collections\nOrderedDict\n") == 0;
    if ((op == 'h' || op == 'j') && !is_od) {
      std::uint32_t id = 0;
      std::memcpy(&id, in.data() + p + 1, static_cast<std::size_t>(n));
      is_od = od_memo.count(id) > 0;
    }
    if (!is_od) {
      out += op == 'b' ? std::string(1, '\x86') : in.substr(p, next - p);
      p = next;
      continue;
    }
    std::size_t q = next;
    if (q < in.size() && (in[q] == 'q' || in[q] == 'r')) {  // memoizes the class
      std::uint32_t id = 0;
      const std::size_t w = in[q] == 'q' ? 1 : 4;
      TORCH_CHECK(q + 1 + w <= in.size(), "load_state_dict: ", file.string(), ": damaged pickle");
      std::memcpy(&id, in.data() + q + 1, w);
      od_memo.insert(id);
      q += 1 + w;
    }
    TORCH_CHECK(in.compare(q, 2, ")R") == 0, "load_state_dict: ", file.string(), ": unsupported OrderedDict in the ",
                "pickle");
    out += '}';
    p = q + 2;
  }
  return out;
}
}  // namespace detail

/// torch.save's bytes for `entries` (name -> tensor; copied to contiguous CPU tensors), as Python writes a state dict.
inline std::string torch_save_bytes(const std::vector<std::pair<std::string, at::Tensor>>& entries) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::TensorType::get());
  for (const auto& e : entries) dict.insert(e.first, e.second.detach().to(at::kCPU).contiguous().clone());
  std::string pickle;
  // No type tags (torch.jit._pickle.restore_type_tag): Python's weights_only loader refuses them.
  torch::jit::Pickler pickler([&](const char* d, std::size_t n) { pickle.append(d, n); }, nullptr, nullptr, nullptr,
                              nullptr, /*tag_aggregates=*/false);
  pickler.protocol();
  pickler.pushIValue(dict);
  pickler.stop();
  std::string zip;
  {
    caffe2::serialize::PyTorchStreamWriter writer([&](const void* d, std::size_t n) {
      zip.append(static_cast<const char*>(d), n);
      return n;
    });
    const auto& tensors = pickler.tensorData();
    for (std::size_t i = 0; i < tensors.size(); ++i) {
      const auto t = torch::jit::getWriteableTensorData(tensors[i]);
      writer.writeRecord("data/" + std::to_string(i), t.data(), t.sizeInBytes());
    }
    writer.writeRecord("data.pkl", pickle.data(), pickle.size());
    writer.writeEndOfFile();
  }
  return zip;
}

namespace detail {
/// A byte range as PyTorchStreamReader's input, read where it lies (an istringstream would copy it).
class BytesReadAdapter : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit BytesReadAdapter(const std::string& bytes) : bytes_(bytes) {}
  std::size_t size() const override { return bytes_.size(); }
  std::size_t read(std::uint64_t pos, void* buf, std::size_t n, const char* /*what*/) const override {
    if (pos >= bytes_.size()) return 0;
    const auto k = std::min<std::size_t>(n, bytes_.size() - static_cast<std::size_t>(pos));
    std::memcpy(buf, bytes_.data() + pos, k);
    return k;
  }

 private:
  const std::string& bytes_;
};

inline c10::IValue load_value(caffe2::serialize::PyTorchStreamReader& reader, const std::filesystem::path& file) {
  TORCH_CHECK(reader.hasRecord("data.pkl"), "no data.pkl record (a TorchScript module or torch::save archive?)");
  const auto record = reader.getRecord("data.pkl");
  const std::string pickle = rewrite_ordered_dicts(
      std::string(static_cast<const char*>(std::get<0>(record).get()), std::get<1>(record)), file);
  std::size_t pos = 0;
  torch::jit::Unpickler unpickler(
      [&](char* buf, std::size_t n) {
        const std::size_t k = std::min(n, pickle.size() - pos);
        std::memcpy(buf, pickle.data() + pos, k);
        pos += k;
        return k;
      },
      nullptr, nullptr, [&](const std::string& name) { return std::get<0>(reader.getRecord("data/" + name)); },
      c10::Device(c10::kCPU));
  unpickler.set_version(reader.version());
  return unpickler.parse_ivalue();
}
}  // namespace detail

/// The value a torch.save file's `bytes` hold (Python's OrderedDict arrives as a (dict, attributes) pair: see
/// detail::rewrite_ordered_dicts). `file` names the bytes in errors.
inline c10::IValue torch_load_value(const std::string& bytes, const std::filesystem::path& file) {
  caffe2::serialize::PyTorchStreamReader reader(std::make_shared<detail::BytesReadAdapter>(bytes));
  return detail::load_value(reader, file);
}

/// torch_load_value() for a file, read record by record from the disk: the file is never held in memory whole,
/// only the tensors it holds.
inline c10::IValue torch_load_file(const std::filesystem::path& file) {
  caffe2::serialize::PyTorchStreamReader reader(file.string());
  return detail::load_value(reader, file);
}

}  // namespace nn
}  // namespace superconv
