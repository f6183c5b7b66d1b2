// SPDX-License-Identifier: MIT
// TFRecord framing, the container of TensorBoard's event files: each record is a little-endian uint64 length, the
// masked CRC-32C of those 8 bytes, the data, the masked CRC-32C of the data. A record cut by a crash or a kill is the
// file's last and readers stop there; the ones before stay readable.
#pragma once

#include <superconv/tensorboard/crc32c.hpp>
#include <superconv/tensorboard/protobuf.hpp>

#include <string>
#include <string_view>

namespace superconv {
namespace tensorboard {

/// One framed record: length (8 bytes LE), masked CRC of the length, `data`, masked CRC of `data`.
inline std::string frame_record(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 16);
  ProtoWriter::append_fixed64(out, data.size());
  ProtoWriter::append_fixed32(out, masked_crc32c(std::string_view(out.data(), 8)));
  out.append(data.data(), data.size());
  ProtoWriter::append_fixed32(out, masked_crc32c(data));
  return out;
}

}  // namespace tensorboard
}  // namespace superconv
