#include <superconv/io/resume.hpp>

#include "support.hpp"

namespace sc = superconv;
namespace fs = std::filesystem;
using sc::io::Json;

TEST_CASE("resume_point: nothing, a checkpoint, a finished run", "[io][resume]") {
  sc_test::TempDir dir("resume-point");
  sc::train::Replicas one;
  auto p = sc::io::resume_point(dir.path, true, one);
  CHECK_FALSE(p.finished);
  CHECK_FALSE(p.from_checkpoint);
  sc::io::write_text_atomic(dir.path / "checkpoint.pt", "x");
  p = sc::io::resume_point(dir.path, true, one);
  CHECK_FALSE(p.finished);
  CHECK(p.from_checkpoint);
  sc::io::write_json(dir.path / "summary.json", {{"x", 1}});
  CHECK(sc::io::resume_point(dir.path, true, one).finished);
  CHECK_FALSE(sc::io::resume_point(dir.path, false, one).finished);  // not resuming: a fresh run
  CHECK_FALSE(sc::io::resume_point(dir.path, false, one).from_checkpoint);
  CHECK_FALSE(sc::io::resume_point(dir.path, true, one, "other.pt").from_checkpoint);
}

TEST_CASE("resumed_config: the run's settings, and what it found only from its checkpoint on", "[io][resume]") {
  sc_test::TempDir dir("resumed-config");
  const sc::io::ResumePoint checkpoint{false, true}, no_checkpoint{false, false};
  // A new run: not resuming, or no config.json yet.
  auto saved = sc::io::resumed_config(dir.path, checkpoint, true, "lr_range_test");
  CHECK(saved.settings.is_null());
  CHECK(saved.found.is_null());
  const Json found = {{"lr_max", 0.4}, {"lr_min", 0.04}, {"rule", "min_loss"}};
  sc::io::write_json(dir.path / "config.json",
                     {{"hyperparameters", {{"lr_max", 0}, {"seed", 3}}}, {"lr_range_test", found}});
  saved = sc::io::resumed_config(dir.path, checkpoint, false, "lr_range_test");
  CHECK(saved.settings.is_null());
  CHECK(saved.found.is_null());
  // Resumed from its checkpoint: both.
  saved = sc::io::resumed_config(dir.path, checkpoint, true, "lr_range_test");
  CHECK(saved.settings == Json{{"lr_max", 0}, {"seed", 3}});
  CHECK(saved.found == found);
  // Stopped before its first checkpoint: the settings, but what it found is found again.
  saved = sc::io::resumed_config(dir.path, no_checkpoint, true, "lr_range_test");
  CHECK(saved.settings["seed"] == 3);
  CHECK(saved.found.is_null());
  // Nothing recorded under the key (the LRs were given): null.
  CHECK(sc::io::resumed_config(dir.path, checkpoint, true, "other").found.is_null());
  sc::io::write_json(dir.path / "config.json", {{"hyperparameters", {{"seed", 3}}}, {"lr_range_test", nullptr}});
  CHECK(sc::io::resumed_config(dir.path, checkpoint, true, "lr_range_test").found.is_null());
  // Another section.
  sc::io::write_json(dir.path / "config.json", {{"settings", {{"seed", 4}}}});
  CHECK(sc::io::resumed_config(dir.path, checkpoint, true, "x", "settings").settings["seed"] == 4);
  CHECK_THROWS_WITH(sc::io::resumed_config(dir.path, checkpoint, true, "x"),
                    SC_CONTAINS("config.json") && SC_CONTAINS("no \"hyperparameters\""));
}

TEST_CASE("resume_command: the program and folder, under torchrun its command", "[io][resume]") {
  CHECK(sc::io::resume_command("build/bin/cifar10_speedrun", "runs/x") == "build/bin/cifar10_speedrun --resume runs/x");
  CHECK(sc::io::resume_command("prog", fs::path("runs") / "y", 1) == "prog --resume runs/y");
  CHECK(sc::io::resume_command("prog", "runs/y", 2) == "the same torchrun command, running prog --resume runs/y");
}
