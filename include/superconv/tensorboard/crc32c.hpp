// SPDX-License-Identifier: MIT
// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) and the masked form TensorBoard's record files store:
// ((crc >> 15) | (crc << 17)) + 0xa282ead8. Check value: crc32c("123456789") = 0xE3069283.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace superconv {
namespace tensorboard {

namespace detail {
/// The byte-at-a-time table, computed once.
inline const std::array<std::uint32_t, 256>& crc32c_table() {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1U) ? (c >> 1) ^ 0x82F63B78U : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}
}  // namespace detail

/// CRC-32C of `size` bytes, continuing from `crc` (0 for a fresh checksum): crc32c(a + b) = crc32c(b, crc32c(a)).
inline std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc) {
  const auto& table = detail::crc32c_table();
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t c = ~crc;
  for (std::size_t i = 0; i < size; ++i) c = table[(c ^ p[i]) & 0xFFU] ^ (c >> 8);
  return ~c;
}

inline std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc = 0) {
  return crc32c(bytes.data(), bytes.size(), crc);
}

/// The masked CRC TensorFlow's record format stores (a CRC of data that holds CRCs stays well distributed).
inline std::uint32_t masked_crc32c(std::uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8U;
}

inline std::uint32_t masked_crc32c(std::string_view bytes) {
  return masked_crc32c(crc32c(bytes));
}

}  // namespace tensorboard
}  // namespace superconv
