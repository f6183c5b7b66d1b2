#include <superconv/train/trainer_options.hpp>

#include "support.hpp"

#include <sstream>

namespace st = superconv::train;

TEST_CASE("TrainerOptions: defaults and chained setters", "[train][trainer_options]") {
  const st::TrainerOptions d;
  CHECK(d.step_per_batch());
  CHECK(d.progress_updates() == 16);
  CHECK(d.checkpoint().empty());
  CHECK(d.log() == nullptr);
  CHECK(d.replicas() == nullptr);
  CHECK(static_cast<bool>(d.loss()));
  std::ostringstream out;
  const auto o = st::TrainerOptions().step_per_batch(false).progress_updates(4).checkpoint("c.pt").log(&out).replicas(
      std::make_shared<st::Replicas>());
  CHECK_FALSE(o.step_per_batch());
  CHECK(o.progress_updates() == 4);
  CHECK(o.checkpoint() == "c.pt");
  CHECK(o.log() == &out);
  REQUIRE(o.replicas() != nullptr);
  CHECK(o.replicas()->size() == 1);
}
