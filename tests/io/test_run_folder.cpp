#include <superconv/io/run_folder.hpp>

#include "support.hpp"

#include <fstream>

namespace sc = superconv;
using sc::io::Json;

TEST_CASE("run_folder_of: a folder, or the folder of its checkpoint, never a file path", "[io][run_folder]") {
  sc_test::TempDir tmp("folder");
  std::ofstream(tmp.path / "checkpoint.pt") << "x";
  CHECK(sc::io::run_folder_of(tmp.path) == tmp.path);
  CHECK(sc::io::run_folder_of(tmp.path / "checkpoint.pt") == tmp.path);
  CHECK_THROWS_WITH(sc::io::run_folder_of(tmp.path / "nope"), SC_CONTAINS("nope is neither a run folder"));
  const auto t = sc::io::timestamped_folder("runs");
  CHECK(t.parent_path() == "runs");
  CHECK(t.filename().string().size() == 15);  // YYYYmmdd-HHMMSS
}

TEST_CASE("resumed_settings: the run's values, given ones agree or may change, the first disagreement named",
          "[io][run_folder]") {
  const Json saved = {{"epochs", 24}, {"lr_max", 0.05}, {"threads", 2}, {"device", "cpu"}};
  std::optional<sc::io::Disagreement> d;
  Json given = {{"epochs", 24}, {"lr_max", 0.0}, {"threads", 8}, {"device", "cuda"}};
  auto merged = sc::io::resumed_settings(saved, given, {"epochs", "threads"}, {"threads", "device"}, d);
  CHECK_FALSE(d);
  CHECK(merged["threads"] == 8);     // may change, given
  CHECK(merged["device"] == "cpu");  // may change, not given
  CHECK(merged["lr_max"] == 0.05);   // not given: the run's
  merged = sc::io::resumed_settings(saved, given, {"threads", "lr_max"}, {"threads"}, d);
  REQUIRE(d);
  CHECK(d->key == "lr_max");
  CHECK(d->option() == "--lr-max");
  CHECK(sc::io::option_key("--lr-max") == "lr_max");
  CHECK(sc::io::option_key("-h").empty());
  CHECK(d->saved == 0.05);
  CHECK(d->given == 0.0);
  CHECK(merged == saved);
}

TEST_CASE("resume_settings: from a run folder's config.json, or an error naming the option and both values",
          "[io][run_folder]") {
  sc_test::TempDir tmp("resume-settings");
  sc::io::write_json(tmp.path / "config.json", {{"hyperparameters", {{"lr_max", 0.05}, {"threads", 2}}}});
  const auto merged =
      sc::io::resume_settings(tmp.path, {{"lr_max", 0.05}, {"threads", 4}}, {"lr_max", "threads"}, {"threads"});
  CHECK(merged["threads"] == 4);
  CHECK_THROWS_WITH(sc::io::resume_settings(tmp.path, {{"lr_max", 0.1}}, {"lr_max"}, {}),
                    SC_CONTAINS("--lr-max: the run in " + tmp.path.string() + " used 0.05, not 0.1"));
  sc::io::write_json(tmp.path / "config.json", {{"other", 1}});
  CHECK_THROWS_WITH(sc::io::resume_settings(tmp.path, {}, {}, {}), SC_CONTAINS("config.json: no \"hyperparameters\""));
}
