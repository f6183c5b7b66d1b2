#include <superconv/train/hooks.hpp>

#include "support.hpp"

TEST_CASE("BatchEnd and EpochEnd carry references to the engine's figures, not copies", "[train][hooks]") {
  const auto loss = at::ones({}), logits = at::zeros({2, 3}), target = at::zeros({2}, at::kLong);
  const superconv::train::BatchEnd b{1, 24, 0, 98, 0.1, loss, logits, target};
  CHECK(&b.loss == &loss);
  CHECK(b.batches == 98);
  superconv::train::EpochStats s;
  s.epoch = 3;
  superconv::train::EvalResult e;
  e.accuracy = 0.9;
  const superconv::train::EpochEnd end{s, e, 24};
  CHECK(&end.stats == &s);
  CHECK(end.eval.accuracy == 0.9);
}
