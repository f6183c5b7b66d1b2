// SPDX-License-Identifier: MIT
// A tiny protocol-buffers encoder (wire format only, no schema, no libprotobuf): varint, 64-bit, 32-bit and
// length-delimited fields, enough to write TensorBoard's Event and Summary messages.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace superconv {
namespace tensorboard {

/// Appends protobuf fields to a byte string. Fields are written in call order; proto3 readers accept any order.
///
/// ```
/// ProtoWriter m;
/// m.double_field(1, 1.5).int64_field(2, 7).string_field(3, "brain.Event:2");
/// write(m.bytes());
/// ```
class ProtoWriter {
 public:
  /// The wire types (the low 3 bits of a field's key).
  enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

  /// Appends `v` as a base-128 varint (7 bits a byte, least significant first, high bit = more bytes follow).
  static void append_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<char>(static_cast<std::uint8_t>(v) | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  }
  /// Appends `v` little-endian, whatever the host's byte order.
  static void append_fixed64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  static void append_fixed32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }

  /// A field's key: (number << 3) | wire type.
  ProtoWriter& key(std::uint32_t field, WireType type) {
    append_varint(bytes_, (static_cast<std::uint64_t>(field) << 3) | type);
    return *this;
  }
  /// uint32/uint64/enum/bool fields. Negative int32/int64 values go in as their 64-bit two's complement (10 bytes).
  ProtoWriter& varint_field(std::uint32_t field, std::uint64_t v) {
    key(field, kVarint);
    append_varint(bytes_, v);
    return *this;
  }
  ProtoWriter& int64_field(std::uint32_t field, std::int64_t v) {
    return varint_field(field, static_cast<std::uint64_t>(v));
  }
  ProtoWriter& bool_field(std::uint32_t field, bool v) { return varint_field(field, v ? 1 : 0); }
  ProtoWriter& fixed64_field(std::uint32_t field, std::uint64_t v) {
    key(field, kFixed64);
    append_fixed64(bytes_, v);
    return *this;
  }
  ProtoWriter& double_field(std::uint32_t field, double v) {
    std::uint64_t u = 0;
    std::memcpy(&u, &v, sizeof u);
    return fixed64_field(field, u);
  }
  ProtoWriter& fixed32_field(std::uint32_t field, std::uint32_t v) {
    key(field, kFixed32);
    append_fixed32(bytes_, v);
    return *this;
  }
  ProtoWriter& float_field(std::uint32_t field, float v) {
    std::uint32_t u = 0;
    std::memcpy(&u, &v, sizeof u);
    return fixed32_field(field, u);
  }
  /// string, bytes and embedded-message fields: key, varint length, the bytes.
  ProtoWriter& bytes_field(std::uint32_t field, std::string_view v) {
    key(field, kLengthDelimited);
    append_varint(bytes_, v.size());
    bytes_.append(v.data(), v.size());
    return *this;
  }
  ProtoWriter& string_field(std::uint32_t field, std::string_view v) { return bytes_field(field, v); }
  ProtoWriter& message_field(std::uint32_t field, const ProtoWriter& m) { return bytes_field(field, m.bytes()); }
  /// A packed repeated double field (proto3's default for repeated scalars): one length-delimited run of fixed64s.
  ProtoWriter& packed_doubles(std::uint32_t field, const std::vector<double>& v) {
    if (v.empty()) return *this;  // proto3 leaves an empty repeated field out
    std::string run;
    run.reserve(8 * v.size());
    for (double d : v) {
      std::uint64_t u = 0;
      std::memcpy(&u, &d, sizeof u);
      append_fixed64(run, u);
    }
    return bytes_field(field, run);
  }

  const std::string& bytes() const { return bytes_; }
  std::string release() { return std::move(bytes_); }
  bool empty() const { return bytes_.empty(); }

 private:
  std::string bytes_;
};

}  // namespace tensorboard
}  // namespace superconv
