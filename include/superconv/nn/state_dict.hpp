// SPDX-License-Identifier: MIT
// A module's weights as a PyTorch state dict file: what Python's `torch.load` opens (a dict of tensors by the names
// of the equivalent torch.nn.Module), and back: a file from Python's `torch.save(model.state_dict())` into a module.
#pragma once

#include <ATen/ATen.h>
#include <ATen/core/Dict.h>
#include <ATen/core/ivalue.h>
#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/arg.h>
#include <torch/csrc/jit/serialization/pickler.h>
#include <torch/csrc/jit/serialization/pickler_helper.h>
#include <torch/csrc/jit/serialization/unpickler.h>
#include <torch/nn/module.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace superconv {
namespace nn {

/// Options for load_state_dict. Example: `LoadStateDictOptions().strict(false)`
struct LoadStateDictOptions {
  /// Missing and unexpected entries are errors (as PyTorch's `load_state_dict(strict=True)`). A mis-shaped entry is
  /// an error either way.
  TORCH_ARG(bool, strict) = true;
};

/// What load_state_dict left alone (non-strict): the module's entries the file lacks, the file's the module lacks.
struct LoadStateDictResult {
  std::vector<std::string> missing, unexpected;
};

namespace detail {
inline std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}
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
/// The superconv checkpoint trailer's last 8 bytes (train/checkpoint_file.hpp), to name that mistake.
inline bool is_superconv_checkpoint(const std::string& bytes) {
  static const char magic[8] = {'S', 'C', 'C', 'K', 'P', 'T', '\x01', '\x00'};
  return bytes.size() >= 32 && std::memcmp(bytes.data() + bytes.size() - 8, magic, 8) == 0;
}
}  // namespace detail

/// Every parameter and buffer of `module` by its LibTorch name ("prep.conv.weight", "prep.bn.running_mean"),
/// detached, contiguous, on the CPU: the entries save_state_dict writes.
inline std::vector<std::pair<std::string, at::Tensor>> state_dict_entries(const torch::nn::Module& module) {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& p : module.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers(true)) out.emplace_back(b.key(), b.value());
  for (auto& e : out) e.second = e.second.detach().to(at::kCPU).contiguous();
  return out;
}

/// Writes named tensors to `path` as a PyTorch file that Python's `torch.load` (also with `weights_only=True`) opens
/// to a dict of CPU tensors. Written to `path` + ".tmp", then renamed; errors name the path.
inline void save_tensor_dict(const std::vector<std::pair<std::string, at::Tensor>>& entries,
                             const std::filesystem::path& path) {
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
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  TORCH_CHECK(!ec, "save_state_dict: cannot create folder ", path.parent_path().string(), ": ", ec.message());
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    TORCH_CHECK(out, "save_state_dict: cannot open ", tmp.string(), " for writing");
    out.write(zip.data(), static_cast<std::streamsize>(zip.size()));
    out.flush();
    if (!out) {
      out.close();
      fs::remove(tmp, ec);  // nothing half-written left behind; an earlier file at `path` stays as it was
      TORCH_CHECK(false, "save_state_dict: write to ", tmp.string(), " failed (disk full?)");
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    const auto why = ec.message();
    fs::remove(tmp, ec);
    TORCH_CHECK(false, "save_state_dict: cannot rename ", tmp.string(), " to ", path.string(), ": ", why);
  }
}

/// Writes `module`'s parameters and buffers (state_dict_entries) to `path` as a state dict file that Python's
/// `torch.load` opens: `model.load_state_dict(torch.load("model.pt"))`. Atomic (a temporary file, then a rename).
inline void save_state_dict(const torch::nn::Module& module, const std::filesystem::path& path) {
  save_tensor_dict(state_dict_entries(module), path);
}

/// Reads a state dict file (from save_state_dict or save_tensor_dict, or Python's `torch.save(model.state_dict())`
/// or `torch.save({"x": tensor})`) to CPU tensors by name. Errors name the file: missing, not a PyTorch zip file, a
/// superconv checkpoint, not a dict of tensors.
inline std::map<std::string, at::Tensor> read_state_dict(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  TORCH_CHECK(in, "load_state_dict: ", path.string(), ": cannot open (does it exist?)");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  TORCH_CHECK(!detail::is_superconv_checkpoint(bytes), "load_state_dict: ", path.string(), " is a superconv ",
              "training checkpoint (checkpoint.pt), not a state dict: give the run's model.pt");
  TORCH_CHECK(bytes.size() >= 4 && bytes.compare(0, 4, "PK\x03\x04") == 0, "load_state_dict: ", path.string(),
              " is not a PyTorch state dict file (not the zip format of torch.save)");
  c10::IValue value;
  try {
    std::istringstream stream(bytes);
    caffe2::serialize::PyTorchStreamReader reader(&stream);
    TORCH_CHECK(reader.hasRecord("data.pkl"), "no data.pkl record (a TorchScript module or torch::save archive?)");
    const auto record = reader.getRecord("data.pkl");
    const std::string pickle = detail::rewrite_ordered_dicts(
        std::string(static_cast<const char*>(std::get<0>(record).get()), std::get<1>(record)), path);
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
    value = unpickler.parse_ivalue();
  } catch (const c10::Error& e) {
    TORCH_CHECK(false, "load_state_dict: ", path.string(),
                " is not a readable state dict: ", e.what_without_backtrace());
  }
  // Python's OrderedDict with its `_metadata` arrives as (dict, attributes): see detail::rewrite_ordered_dicts.
  if (value.isTuple() && value.toTupleRef().elements().size() == 2 && value.toTupleRef().elements()[0].isGenericDict())
    value = value.toTupleRef().elements()[0];
  TORCH_CHECK(value.isGenericDict(), "load_state_dict: ", path.string(), " holds a ", value.tagKind(),
              ", not a state dict (a dict of tensors by name)");
  std::map<std::string, at::Tensor> out;
  for (const auto& kv : value.toGenericDict()) {
    TORCH_CHECK(kv.key().isString() && kv.value().isTensor(), "load_state_dict: ", path.string(), " is not a state ",
                "dict: it maps a ", kv.key().tagKind(), " to a ", kv.value().tagKind(),
                " (a training checkpoint? give the model's state_dict())");
    out.emplace(kv.key().toStringRef(), kv.value().toTensor());
  }
  return out;
}

/// Copies the state dict in `path` into `module`'s parameters and buffers (under NoGrad, to each one's device and
/// dtype). Errors name the file and every missing, unexpected and mis-shaped entry (with both shapes); non-strict,
/// missing and unexpected entries are returned instead. Example: `load_state_dict(*model, "model.pt")`
inline LoadStateDictResult load_state_dict(torch::nn::Module& module, const std::filesystem::path& path,
                                           const LoadStateDictOptions& options = {}) {
  const auto file = read_state_dict(path);
  std::map<std::string, at::Tensor> own;
  for (const auto& p : module.named_parameters(true)) own.emplace(p.key(), p.value());
  for (const auto& b : module.named_buffers(true)) own.emplace(b.key(), b.value());
  LoadStateDictResult r;
  std::vector<std::string> misshaped;
  for (const auto& kv : own) {
    const auto it = file.find(kv.first);
    if (it == file.end()) {
      r.missing.push_back(kv.first);
    } else if (it->second.sizes() != kv.second.sizes()) {
      std::ostringstream s;
      s << kv.first << " (file " << it->second.sizes() << ", model " << kv.second.sizes() << ")";
      misshaped.push_back(s.str());
    }
  }
  for (const auto& kv : file) {
    if (!own.count(kv.first)) r.unexpected.push_back(kv.first);
  }
  const bool bad = !misshaped.empty() || (options.strict() && (!r.missing.empty() || !r.unexpected.empty()));
  if (bad) {
    std::vector<std::string> parts;
    if (!misshaped.empty()) parts.push_back("mis-shaped: " + detail::join_names(misshaped));
    if (!r.missing.empty()) parts.push_back("missing: " + detail::join_names(r.missing));
    if (!r.unexpected.empty()) parts.push_back("unexpected: " + detail::join_names(r.unexpected));
    std::string what;
    for (const auto& part : parts) what += (what.empty() ? "" : "; ") + part;
    TORCH_CHECK(false, "load_state_dict: ", path.string(), " does not fit the model: ", what);
  }
  at::NoGradGuard no_grad;
  for (auto& kv : own) {
    const auto it = file.find(kv.first);
    if (it != file.end()) kv.second.copy_(it->second);
  }
  return r;
}

}  // namespace nn
}  // namespace superconv
