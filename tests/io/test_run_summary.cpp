#include <superconv/io/run_summary.hpp>

#include "support.hpp"

#include <chrono>
#include <thread>

namespace sc = superconv;
using sc::io::Json;

TEST_CASE("write_run_summary: the figures with seconds, seed, device and world, written on rank 0",
          "[io][run_summary]") {
  sc_test::TempDir dir("run-summary");
  const Json world = {{"world_size", 1}, {"backend", "none"}, {"per_rank_batch", 500}, {"global_batch", 500}};
  const sc::io::RunStart start(7, "cpu", world);
  CHECK(start.seed == 7);
  CHECK(start.device == "cpu");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const Json figures = {{"final_test_accuracy", 0.9}, {"seed", 99}, {"lr_max", 0.4}};
  const auto s = sc::io::write_run_summary(dir.path, figures, start, true);
  CHECK(s["final_test_accuracy"] == 0.9);
  CHECK(s["lr_max"] == 0.4);
  CHECK(s["seed"] == 7);  // the run's, not a figure's
  CHECK(s["device"] == "cpu");
  CHECK(s["world"] == world);
  const double seconds = s["total_seconds"].get<double>();
  CHECK(seconds >= 0.05);
  CHECK(seconds < 60);
  CHECK(s.size() == 6);
  CHECK(sc::io::read_json(dir.path / "summary.json") == s);  // what was written is what came back
  CHECK(start.seconds() >= seconds);
}

TEST_CASE("write_run_summary: other ranks write nothing and get the same summary", "[io][run_summary]") {
  sc_test::TempDir dir("run-summary-rank");
  const sc::io::RunStart start(0, "cuda:1", Json{{"world_size", 2}});
  const auto s = sc::io::write_run_summary(dir.path, Json(), start, false);
  CHECK_FALSE(std::filesystem::exists(dir.path / "summary.json"));
  CHECK(s["device"] == "cuda:1");
  CHECK(s["seed"] == 0);
  CHECK(s["world"]["world_size"] == 2);
  CHECK(s["total_seconds"].is_number());
}
