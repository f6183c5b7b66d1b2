#include <superconv/io/json.hpp>

#include "support.hpp"

#include <cmath>
#include <fstream>

namespace sc = superconv;
using sc::io::Json;

TEST_CASE("write_json/read_json: a round trip, NaN as null, errors that name the file", "[io][json]") {
  sc_test::TempDir tmp("json");
  const auto p = tmp.path / "run" / "config.json";
  Json j;
  j["z_first"] = 0.14956315789473684;
  j["a_second"] = "cuda";
  j["missing"] = std::nan("");
  sc::io::write_json(p, j);
  CHECK_FALSE(std::filesystem::exists(tmp.path / "run" / "config.json.tmp"));
  const auto back = sc::io::read_json(p);
  CHECK(back["z_first"].get<double>() == 0.14956315789473684);  // shortest round trip
  CHECK(back["missing"].is_null());
  CHECK(sc::io::get<std::string>(back, "a_second", p) == "cuda");
  CHECK_THROWS_WITH(sc::io::get<double>(back, "nope", p), SC_CONTAINS("config.json: no \"nope\""));
  CHECK_THROWS_WITH(sc::io::get<double>(back, "a_second", p), SC_CONTAINS("\"a_second\" is \"cuda\", not usable"));
  std::ofstream(tmp.path / "bad.json") << "{\"a\": 1,,}";
  CHECK_THROWS_WITH(sc::io::read_json(tmp.path / "bad.json"),
                    SC_CONTAINS("bad.json: not valid JSON") && SC_CONTAINS("parse error"));
  CHECK_THROWS_WITH(sc::io::read_json(tmp.path / "none.json"), SC_CONTAINS("none.json: cannot open"));
}

TEST_CASE("to_json of a range test: the curve, the suggestions, the choice", "[io][json]") {
  sc::optim::LRRangeTestResult r;
  r.lrs = {1e-4, 1e-3}, r.losses = {2.3, 2.1}, r.smoothed = {2.3, 2.2};
  r.steepest = 1e-3, r.min_loss = 1e-4, r.stop_reason = "completed 2 iterations";
  const auto j = sc::io::to_json(r, "min_loss", 1e-4);
  CHECK(j["lrs"][1].get<double>() == 1e-3);
  CHECK_THAT(j.dump(), SC_CONTAINS("\"valley\":null"));  // NaN: no suggestion, null in the file
  CHECK(j["chosen"]["rule"] == "min_loss");
  CHECK(j["stop_reason"] == "completed 2 iterations");
  CHECK_FALSE(sc::io::to_json(r).contains("chosen"));
}
