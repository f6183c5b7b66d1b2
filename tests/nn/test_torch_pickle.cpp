#include <superconv/nn/torch_pickle.hpp>

#include "support.hpp"

namespace sn = superconv::nn;

TEST_CASE("torch_save_bytes and torch_load_value round-trip named tensors", "[nn][torch_pickle]") {
  const auto a = at::arange(6, at::kFloat).view({2, 3}), b = at::tensor({7}, at::kLong);
  const auto bytes = sn::torch_save_bytes({{"a", a.t()}, {"b.c", b}});  // a non-contiguous tensor too
  REQUIRE(bytes.compare(0, 4, "PK\x03\x04") == 0);                      // torch.save's zip container
  const auto value = sn::torch_load_value(bytes, "mem.pt");
  REQUIRE(value.isGenericDict());
  const auto dict = value.toGenericDict();
  REQUIRE(dict.size() == 2);
  CHECK(dict.at("a").toTensor().equal(a.t()));
  CHECK(dict.at("b.c").toTensor().equal(b));
}

TEST_CASE("torch_load_value refuses bytes that are no torch.save file", "[nn][torch_pickle]") {
  CHECK_THROWS(sn::torch_load_value("not a zip at all", "junk.pt"));
}
