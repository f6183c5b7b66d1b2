#include <superconv/io/seeds.hpp>

#include "support.hpp"

#include <superconv/io/exit_codes.hpp>
#include <superconv/io/lr_range_test_files.hpp>
#include <superconv/io/run_banner.hpp>
#include <superconv/io/run_config.hpp>

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

namespace {
struct Hyper {  // a recipe's hyperparameters: --seed, --runs and the rest
  std::uint64_t seed = 3;
  std::int64_t runs = 2;
  double lr = 0.5;
};
}  // namespace

TEST_CASE("run_seeds over hyperparameters: each run gets its seed and runs = 1", "[io][recipe]") {
  sc_test::TempDir dir("recipe-hyper");
  std::vector<std::pair<Hyper, fs::path>> calls;
  const Hyper h;
  const auto runs = sc::io::run_seeds(dir.path, h, {"acc"}, true, [&](const Hyper& hs, const fs::path& folder) {
    calls.emplace_back(hs, folder);
    return sc::io::Json{{"acc", static_cast<double>(hs.seed)}};
  });
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].first.seed == 3);
  CHECK(calls[1].first.seed == 4);
  CHECK(calls[1].first.runs == 1);
  CHECK(calls[1].first.lr == 0.5);
  CHECK(calls[0].second == dir.path / "seed-3");
  CHECK(calls[1].second == dir.path / "seed-4");
  CHECK(h.seed == 3);  // the caller's are left as they were
  CHECK(h.runs == 2);
  REQUIRE(runs.size() == 2);
  CHECK(runs[1]["acc"] == 4.0);
  CHECK(sc::io::read_json(dir.path / "summary.json")["acc_mean"] == 3.5);
  calls.clear();
  const Hyper one{9, 1, 0.1};
  (void)sc::io::run_seeds(dir.path, one, {"acc"}, true, [&](const Hyper& hs, const fs::path& folder) {
    calls.emplace_back(hs, folder);
    return sc::io::Json{{"acc", 1.0}};
  });
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].first.seed == 9);
  CHECK(calls[0].second == dir.path);
}

TEST_CASE("run_banner: versions, runtime and processes in one line", "[io][recipe]") {
  const auto line = sc::io::run_banner("device cpu, 2 threads", 2, "gloo");
  CHECK(line == std::string("superconv ") + sc::version() + " | LibTorch " + TORCH_VERSION +
                    " | device cpu, 2 threads | 2 process(es), backend gloo\n");
}

TEST_CASE("lr_range_test_record: the LR by the rule, lr_min by the divisor", "[io][recipe]") {
  sc::optim::LRRangeTestResult curve;
  curve.steepest = 0.2, curve.valley = 0.1, curve.min_loss = 0.05;
  const auto r = sc::io::lr_range_test_record(curve, "valley", 10);
  CHECK(r == sc::io::Json{{"lr_max", 0.1}, {"lr_min", 0.1 / 10}, {"rule", "valley"}});
  CHECK(sc::io::lr_range_test_record(curve, "steepest", 4)["lr_min"] == 0.05);
  CHECK(sc::io::lr_range_test_record(curve, "min_loss", 1)["lr_max"] == 0.05);
  CHECK_THROWS_WITH(sc::io::lr_range_test_record(curve, "median", 10), SC_CONTAINS("unknown suggestion 'median'"));
}

TEST_CASE("write_run_config and world_json", "[io][recipe]") {
  sc_test::TempDir dir("recipe-config");
  sc::train::Replicas one;
  sc::io::write_run_config(dir.path, {{"hyperparameters", {{"epochs", 8}}}}, "device cpu");
  const auto config = sc::io::read_json(dir.path / "config.json");
  CHECK(config["hyperparameters"]["epochs"] == 8);
  CHECK(config["libtorch"] == TORCH_VERSION);
  CHECK(config["superconv"] == sc::version());
  CHECK(config["runtime"] == "device cpu");
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
