// SPDX-License-Identifier: MIT
// One checkpoint file on disk: a torch::serialize archive written atomically and durably (fsync, rename) with a
// checksum trailer, and read back only when its length and checksum hold.
#pragma once

#include <superconv/system/atomic_file.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ios>
#include <sstream>
#include <string>
#include <string_view>

namespace superconv {
namespace train {

namespace detail {
/// 64-bit FNV-1a of a byte range: the checksum a checkpoint file ends with.
inline std::uint64_t fnv1a64(const char* data, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(data[i])) * 0x100000001b3ULL;
  return h;
}
/// A checkpoint file is the archive's bytes, then this trailer: magic, the archive's length, its checksum, magic.
inline constexpr char kTrailerMagic[9] = "SCCKPT\x01\x00";
inline constexpr std::size_t kTrailerSize = 32;
inline void put_u64(std::string& s, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline std::uint64_t get_u64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
/// Checks the zip container of an archive before LibTorch reads it: the end-of-central-directory record is there,
/// and every record's stated sizes fit its stored bytes, which lie inside the file, so
/// that a damaged size field is named here instead of making LibTorch allocate what the field claims. Returns what
/// is wrong, or an empty string. (Zip64 fields, used above 4 GiB, are left to LibTorch.)
inline std::string zip_problem(std::string_view bytes) {
  auto u16 = [&](std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at])) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 8;
  };
  auto u32 = [&](std::size_t at) { return u16(at) | u16(at + 2) << 16; };
  const std::size_t n = bytes.size();
  if (n < 22) return "too short for a zip archive";
  std::size_t eocd = n - 22, stop = n > 22 + 65535 ? n - 22 - 65535 : 0;
  while (u32(eocd) != 0x06054b50u) {
    if (eocd == stop) return "no zip end-of-central-directory record";
    --eocd;
  }
  const std::uint32_t entries = u16(eocd + 10), cd_size = u32(eocd + 12), cd_offset = u32(eocd + 16);
  if (cd_offset == 0xffffffffu || entries == 0xffffu) return "";  // zip64
  if (std::uint64_t{cd_offset} + cd_size > eocd) return "the zip central directory lies outside the file";
  std::size_t at = cd_offset;
  for (std::uint32_t i = 0; i < entries; ++i) {
    if (at + 46 > eocd || u32(at) != 0x02014b50u)
      return "zip central directory entry " + std::to_string(i) + " is damaged";
    const std::uint64_t size = u32(at + 20), raw = u32(at + 24), local = u32(at + 42);
    const std::size_t name = u16(at + 28), extra = u16(at + 30), comment = u16(at + 32);
    if (size == 0xffffffffu || raw == 0xffffffffu || local == 0xffffffffu) return "";  // zip64
    const bool stored = u16(at + 10) == 0;  // deflate expands at most 1032-fold
    if (stored ? raw != size : raw > 1032 * size + 1032) {
      return "zip record " + std::to_string(i) + " claims " + std::to_string(raw) + " bytes from " +
             std::to_string(size) + " stored";
    }
    if (local + 30 + name + size > cd_offset) {
      return "zip record " + std::to_string(i) + " claims " + std::to_string(size) + " bytes at offset " +
             std::to_string(local) + ", beyond the file";
    }
    at += 46 + name + extra + comment;
  }
  return "";
}
}  // namespace detail

/// Saves an archive to `path` atomically and durably: the archive's bytes and a checksum trailer go to `path.tmp`,
/// which is flushed to the disk and then renamed over `path` (and the folder flushed). A crash, a full disk or a
/// second Ctrl-C at any instant leaves the previous checkpoint intact; a failed write removes the `.tmp` and names
/// the file and the reason.
inline void save_archive_atomic(torch::serialize::OutputArchive& archive, const std::filesystem::path& path) {
  std::ostringstream out;
  archive.save_to(out);
  std::string bytes = out.str();
  const auto length = bytes.size();
  const auto sum = detail::fnv1a64(bytes.data(), length);
  bytes.append(detail::kTrailerMagic, 8);
  detail::put_u64(bytes, length);
  detail::put_u64(bytes, sum);
  bytes.append(detail::kTrailerMagic, 8);
  system::write_file_atomic(path, bytes, "checkpoint");
}

inline void load_archive_bytes(torch::serialize::InputArchive& archive, const std::string& bytes,
                               const std::filesystem::path& path, const c10::optional<c10::Device>& device);

/// Loads an archive that save_archive_atomic wrote, after checking its length and checksum: an empty, truncated,
/// damaged or foreign file gets an error that names it and what is wrong, and is never read as a checkpoint. The
/// file is read once into memory (its exact size, no second copy) and the archive read from there.
inline void load_archive(torch::serialize::InputArchive& archive, const std::filesystem::path& path,
                         const c10::optional<c10::Device>& device = c10::nullopt) {
  std::error_code ec;
  TORCH_CHECK(std::filesystem::is_regular_file(path, ec), "checkpoint: ", path.string(), " not found");
  const auto size = std::filesystem::file_size(path, ec);
  TORCH_CHECK(!ec, "checkpoint: cannot read the size of ", path.string(), ": ", ec.message());
  std::ifstream in(path, std::ios::binary);
  TORCH_CHECK(in, "checkpoint: cannot open ", path.string());
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  TORCH_CHECK(in.gcount() == static_cast<std::streamsize>(size), "checkpoint: cannot read ", path.string(), " (",
              in.gcount(), " of ", size, " bytes)");
  load_archive_bytes(archive, bytes, path, device);
}

/// load_archive() for a checkpoint's bytes already in memory; `path` names it in errors.
inline void load_archive_bytes(torch::serialize::InputArchive& archive, const std::string& bytes,
                               const std::filesystem::path& path,
                               const c10::optional<c10::Device>& device = c10::nullopt) {
  const auto n = bytes.size();
  TORCH_CHECK(n > 0, "checkpoint: ", path.string(), " is empty");
  const char* t = bytes.data() + (n >= detail::kTrailerSize ? n - detail::kTrailerSize : 0);
  TORCH_CHECK(n >= detail::kTrailerSize && std::memcmp(t, detail::kTrailerMagic, 8) == 0 &&
                  std::memcmp(t + 24, detail::kTrailerMagic, 8) == 0,
              "checkpoint: ", path.string(), " (", n, " bytes) does not end with a superconv checksum: ",
              "it is truncated, or not a checkpoint written by superconv",
              n >= 4 && bytes.compare(0, 4, "PK\x03\x04") == 0 && detail::zip_problem(bytes).empty()
                  ? " (it is a whole PyTorch zip file: a state dict such as a run's model.pt? read that with "
                    "nn::load_state_dict; train::load_checkpoint reads the checkpoint.pt a Trainer writes)"
                  : "");
  const auto length = detail::get_u64(t + 8), expected = detail::get_u64(t + 16);
  TORCH_CHECK(length == n - detail::kTrailerSize, "checkpoint: ", path.string(), " is damaged: its trailer says ",
              length, " bytes of content, the file holds ", n - detail::kTrailerSize);
  const auto actual = detail::fnv1a64(bytes.data(), static_cast<std::size_t>(length));
  TORCH_CHECK(actual == expected, "checkpoint: ", path.string(), " is damaged: checksum ",
              fmt::format("{:016x}", actual), " does not match the stored ", fmt::format("{:016x}", expected));
  // The archive is read where the bytes are: no substring, no stream copy.
  const auto problem = detail::zip_problem(std::string_view(bytes.data(), static_cast<std::size_t>(length)));
  TORCH_CHECK(problem.empty(), "checkpoint: ", path.string(), " is damaged: ", problem);
  try {
    archive.load_from(bytes.data(), static_cast<std::size_t>(length), device);
  } catch (const std::exception& e) {
    TORCH_CHECK(false, "checkpoint: ", path.string(), " is not a readable checkpoint: ", e.what());
  }
}

}  // namespace train
}  // namespace superconv
