#include <superconv/json.hpp>

#include "support.hpp"

#include <cmath>
#include <fstream>

TEST_CASE("JsonObject: escaping, shortest round-trip numbers, null for non-finite, nesting", "[json]") {
  using superconv::JsonObject;
  CHECK(superconv::json_escape("a\"b\\c\nd\x01") == "\"a\\\"b\\\\c\\nd\\u0001\"");
  CHECK(superconv::json_number(0.051025) == "0.051025");
  CHECK(superconv::json_number(0.14956315789473684) == "0.14956315789473684");
  CHECK(superconv::json_number(NAN) == "null");
  JsonObject inner;
  inner.add("x", std::vector<double>{1.5, INFINITY});
  const auto s = JsonObject().add("name", "run").add("ok", true).add("n", 3).add("inner", inner).str();
  CHECK(s == "{\n  \"name\": \"run\",\n  \"ok\": true,\n  \"n\": 3,\n  \"inner\": {\n    \"x\": [1.5, null]\n  }\n}");
  CHECK(superconv::json_find_number(s, "n") == 3);
  CHECK(std::isnan(superconv::json_find_number(s, "missing")));
}

TEST_CASE("write_file_atomic creates folders and leaves no temporary file", "[json]") {
  sc_test::TempDir tmp("atomic");
  const auto p = tmp.path / "a" / "b.json";
  superconv::write_file_atomic(p, "{}\n");
  std::ifstream in(p);
  std::string text;
  std::getline(in, text);
  CHECK(text == "{}");
  CHECK_FALSE(std::filesystem::exists(tmp.path / "a" / "b.json.tmp"));
}
