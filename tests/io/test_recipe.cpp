#include <superconv/io/recipe.hpp>

#include "support.hpp"

#include <superconv/data/device_loader_options.hpp>

#include <torch/version.h>

#include <stdexcept>

namespace sc = superconv;
namespace fs = std::filesystem;

TEST_CASE("run_seeds: one folder for one run, seed-N folders and the aggregate for several", "[io][recipe]") {
  sc_test::TempDir dir("recipe");
  std::vector<std::pair<std::uint64_t, fs::path>> calls;
  auto one = [&](std::uint64_t seed, const fs::path& folder) {
    calls.emplace_back(seed, folder);
    return sc::io::Json{{"acc", 0.9 + 0.01 * static_cast<double>(seed - 3)}};
  };
  const auto single = sc::io::run_seeds(dir.path, 3, 1, {"acc"}, true, one);
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].second == dir.path);
  CHECK_FALSE(fs::exists(dir.path / "summary.json"));  // a single run writes its own
  calls.clear();
  const auto runs = sc::io::run_seeds(dir.path, 3, 3, {"acc"}, true, one);
  REQUIRE(calls.size() == 3);
  CHECK(calls[2].first == 5);
  CHECK(calls[2].second == dir.path / "seed-5");
  const auto agg = sc::io::read_json(dir.path / "summary.json");
  CHECK(agg["runs"] == 3);
  CHECK(agg["acc_mean"].get<double>() == Approx(0.91));
  CHECK(agg["acc_std"].get<double>() == Approx(0.01));
  fs::remove(dir.path / "summary.json");
  (void)sc::io::run_seeds(dir.path, 3, 2, {"acc"}, false, one);  // not the main rank: nothing written
  CHECK_FALSE(fs::exists(dir.path / "summary.json"));
}

TEST_CASE("resume_point and write_run_config", "[io][recipe]") {
  sc_test::TempDir dir("recipe-resume");
  sc::train::Replicas one;
  CHECK_FALSE(sc::io::resume_point(dir.path, true, one).finished);
  sc::io::write_run_config(dir.path, {{"hyperparameters", {{"epochs", 8}}}}, "device cpu");
  const auto config = sc::io::read_json(dir.path / "config.json");
  CHECK(config["hyperparameters"]["epochs"] == 8);
  CHECK(config["libtorch"] == TORCH_VERSION);
  CHECK(config["runtime"] == "device cpu");
  sc::io::write_json(dir.path / "summary.json", {{"x", 1}});
  sc::io::write_text_atomic(dir.path / "checkpoint.pt", "x");
  CHECK(sc::io::resume_point(dir.path, true, one).finished);
  CHECK(sc::io::resume_point(dir.path, true, one).from_checkpoint);
  CHECK_FALSE(sc::io::resume_point(dir.path, false, one).finished);  // not resuming: a fresh run
  const auto world = sc::io::world_json(one, 500, "gloo");
  CHECK(world["world_size"] == 1);
  CHECK(world["backend"] == "none");
  CHECK(world["global_batch"] == 500);
}

TEST_CASE("run_guarded: a stop gives 128 + signal and the resume hint, an error 1", "[io][recipe]") {
  CHECK(sc::io::run_guarded([] { return 0; }, "hint") == 0);
  CHECK(sc::io::run_guarded([]() -> int { throw std::runtime_error("disk full"); }, "hint") == 1);
  sc::train::clear_interrupt();
  sc::train::request_interrupt();
  CHECK(sc::io::run_guarded([]() -> int { throw sc::train::Interrupted("stopped"); }, "prog --resume x") == 130);
  sc::train::clear_interrupt();
}
