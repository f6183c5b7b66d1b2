#include <superconv/train/stops.hpp>

#include "support.hpp"

#include <limits>
#include <stdexcept>
#include <vector>

namespace st = superconv::train;

TEST_CASE("non_finite_loss names the epoch, the first bad step, its LR and the checkpoint kept", "[train][stops]") {
  const auto losses = at::tensor({2.3f, 2.1f, std::numeric_limits<float>::quiet_NaN(), 1.0f, 0.0f});
  const std::vector<double> lrs = {0.1, 0.2, 0.3, 0.4, 0.5};
  const std::string kept = st::non_finite_loss(3, losses, lrs, 3, "runs/x/checkpoint.pt", 2).what();
  CHECK_THAT(kept, SC_CONTAINS("in epoch 3 at step 2 (LR 0.3)"));
  CHECK_THAT(kept, SC_CONTAINS("the last good checkpoint (epoch 2) is kept at runs/x/checkpoint.pt"));
  CHECK_THAT(std::string(st::non_finite_loss(1, losses, lrs, 3, "runs/x/checkpoint.pt", 0).what()),
             SC_CONTAINS("no epoch had finished, so there is no checkpoint"));
  CHECK_THAT(std::string(st::non_finite_loss(1, losses, lrs, 3, "", 0).what()),
             SC_CONTAINS("no checkpoint path was set"));
  // Nothing non-finite up to `upto` (the sums went non-finite first): the step named is `upto`.
  CHECK_THAT(std::string(st::non_finite_loss(1, losses, lrs, 1, "", 0).what()), SC_CONTAINS("at step 1 (LR 0.2)"));
}

TEST_CASE("Interrupted and NonFiniteLoss are told apart by type", "[train][stops]") {
  CHECK_THROWS_AS(throw st::Interrupted("stop"), st::Interrupted);
  CHECK_THROWS_AS(throw st::NonFiniteLoss("nan"), st::NonFiniteLoss);
  CHECK_THROWS_AS(throw st::NonFiniteLoss("nan"), std::runtime_error);
}
