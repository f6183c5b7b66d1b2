// The TensorBoard file format, byte by byte: CRC-32C, the masked CRC, protobuf fields, record framing, summaries.
// Expected bytes come from TensorBoard's own Python protos and record writer (tensorboard 2.21).
#include <superconv/tensorboard/crc32c.hpp>
#include <superconv/tensorboard/histogram.hpp>
#include <superconv/tensorboard/protobuf.hpp>
#include <superconv/tensorboard/record_writer.hpp>
#include <superconv/tensorboard/summary.hpp>

#include "support.hpp"

#include <cstdint>
#include <string>

namespace tb = superconv::tensorboard;

namespace {
std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) out += digits[c >> 4], out += digits[c & 15];
  return out;
}
}  // namespace

TEST_CASE("CRC-32C has the standard check value and the record format's mask", "[io][tensorboard]") {
  CHECK(tb::crc32c("123456789") == 0xE3069283U);
  CHECK(tb::crc32c("") == 0U);
  CHECK(tb::crc32c(std::string(32, '\0')) == 0x8A9136AAU);  // RFC 3720 B.4: 32 bytes of zeros
  CHECK(tb::crc32c(std::string(32, '\xff')) == 0x62A8AB43U);
  CHECK(tb::crc32c("56789", tb::crc32c("1234")) == 0xE3069283U);  // continued over two pieces
  CHECK(tb::masked_crc32c("123456789") == 0xC78AB0E5U);           // tensorboard's masked_crc32c
  CHECK(tb::masked_crc32c(0xE3069283U) == (((0xE3069283U >> 15) | (0xE3069283U << 17)) + 0xa282ead8U));
}

TEST_CASE("protobuf fields encode to the known bytes", "[io][tensorboard]") {
  const auto varint = [](std::uint64_t v) {
    std::string s;
    tb::ProtoWriter::append_varint(s, v);
    return hex(s);
  };
  CHECK(varint(0) == "00");
  CHECK(varint(1) == "01");
  CHECK(varint(127) == "7f");
  CHECK(varint(128) == "8001");
  CHECK(varint(150) == "9601");  // the protobuf documentation's example
  CHECK(varint(300) == "ac02");
  CHECK(varint(16384) == "808001");
  CHECK(varint(~std::uint64_t{0}) == "ffffffffffffffffff01");
  tb::ProtoWriter m;
  m.varint_field(1, 150);
  CHECK(hex(m.bytes()) == "089601");
  CHECK(hex(tb::ProtoWriter().int64_field(2, -1).bytes()) == "10ffffffffffffffffff01");
  CHECK(hex(tb::ProtoWriter().double_field(1, 1.5).bytes()) == "09000000000000f83f");
  CHECK(hex(tb::ProtoWriter().float_field(2, 0.25f).bytes()) == "150000803e");
  CHECK(hex(tb::ProtoWriter().fixed32_field(3, 0x01020304U).bytes()) == "1d04030201");
  CHECK(hex(tb::ProtoWriter().fixed64_field(4, 1).bytes()) == "210100000000000000");
  CHECK(hex(tb::ProtoWriter().string_field(2, "testing").bytes()) == "120774657374696e67");
  CHECK(hex(tb::ProtoWriter().bool_field(3, true).bytes()) == "1801");
  tb::ProtoWriter inner;
  inner.varint_field(1, 150);
  CHECK(hex(tb::ProtoWriter().message_field(3, inner).bytes()) == "1a03089601");
  CHECK(hex(tb::ProtoWriter().packed_doubles(6, {1.0, -2.0}).bytes()) == "3210000000000000f03f00000000000000c0");
  CHECK(tb::ProtoWriter().packed_doubles(6, {}).empty());
  // A string longer than 127 bytes has a two-byte length.
  CHECK(hex(tb::ProtoWriter().string_field(1, std::string(200, 'a')).bytes()).substr(0, 6) == "0ac801");
}

TEST_CASE("a scalar event's record matches TensorBoard's bytes", "[io][tensorboard]") {
  tb::ProtoWriter event;
  event.double_field(1, 1.5).int64_field(2, 3).bytes_field(5, tb::scalar_summary("loss", 0.25));
  CHECK(hex(event.bytes()) == "09000000000000f83f10032a0d0a0b0a046c6f7373150000803e");
  CHECK(hex(tb::frame_record(event.bytes())) ==
        "1a00000000000000129bd82d09000000000000f83f10032a0d0a0b0a046c6f7373150000803ed054b255");
  tb::ProtoWriter first;
  first.double_field(1, 1.5).string_field(3, "brain.Event:2");
  CHECK(hex(first.bytes()) == "09000000000000f83f1a0d627261696e2e4576656e743a32");
  CHECK(tb::frame_record("").size() == 16);
}

TEST_CASE("summaries carry the tags, plugins and fields TensorBoard reads", "[io][tensorboard]") {
  const auto text = tb::text_summary("config", "hi");
  CHECK(text.find("config/text_summary") != std::string::npos);
  CHECK(text.find("\x0a\x04text", 0, 6) != std::string::npos);  // plugin_name "text", no content (version 0)
  const auto hp = tb::hparams_summaries({{"lr", 0.4}, {"opt", std::string("sgd")}, {"nesterov", true}}, {"acc"});
  CHECK(hp[0].find("_hparams_/experiment") != std::string::npos);
  CHECK(hp[1].find("_hparams_/session_start_info") != std::string::npos);
  CHECK(hp[2].find("_hparams_/session_end_info") != std::string::npos);
  for (const auto& s : hp) CHECK(s.find("\x0a\x07hparams", 0, 9) != std::string::npos);
  // Session end: HParamsPluginData { session_end_info (4) { status (1): STATUS_SUCCESS } }.
  CHECK(hp[2].find(std::string("\x22\x02\x08\x01", 4)) != std::string::npos);
}

TEST_CASE("png_info reads size and colour space, histogram counts every value", "[io][tensorboard]") {
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x01\x02\0\0\0\x30\x08\x06\0\0\0", 29);
  png += std::string(4, '\0');  // the IHDR chunk's CRC (not checked): 33 bytes, no read past the literal
  const auto info = tb::png_info(png);
  CHECK(info.width == 258);
  CHECK(info.height == 48);
  CHECK(info.colorspace == 4);
  png[25] = 2;
  CHECK(tb::png_info(png).colorspace == 3);
  CHECK_THROWS_WITH(tb::png_info("GIF89a", "TensorBoard: x.gif"), SC_CONTAINS("TensorBoard: x.gif: not a PNG"));

  const auto h = tb::histogram(at::arange(10, at::kFloat), 5);
  CHECK(h.min == 0);
  CHECK(h.max == 9);
  CHECK(h.num == 10);
  CHECK(h.sum == 45);
  CHECK(h.sum_squares == 285);
  CHECK(h.bucket_limit == std::vector<double>{1.8, 3.6, 5.4, 7.2, 9});
  CHECK(h.bucket == std::vector<double>{2, 2, 2, 2, 2});
  const auto flat = tb::histogram(at::full({4}, 3.0), 5);
  CHECK(flat.bucket == std::vector<double>{4});
  CHECK(flat.bucket_limit == std::vector<double>{3});
  CHECK_THROWS_WITH(tb::histogram(at::tensor({1.0, NAN}), 5, "TensorBoard: histogram w"),
                    SC_CONTAINS("TensorBoard: histogram w: the values must be finite"));
  CHECK_THROWS_WITH(tb::histogram(at::zeros({0}), 5), SC_CONTAINS("histogram: no values"));
  CHECK_THROWS_WITH(tb::histogram(at::ones({3}), 0), SC_CONTAINS("bins must be >= 1, got 0"));
}
