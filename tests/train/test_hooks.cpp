#include <superconv/train/hooks.hpp>

#include "support.hpp"

TEST_CASE("BatchEnd and EpochEnd carry references to the engine's figures, not copies", "[train][hooks]") {
  const auto loss = at::ones({}), logits = at::zeros({2, 3}), target = at::zeros({2}, at::kLong);
  const auto figures = at::tensor(std::vector<double>{2.0, 1.0, 2.0});
  const superconv::train::BatchEnd b{3, 24, 5, 98, 0.1, loss, logits, target, 0.9, figures};
  CHECK(&b.loss == &loss);
  CHECK(&b.figures == &figures);
  CHECK(b.batches == 98);
  CHECK(b.global_step() == 2 * 98 + 6);  // two whole epochs, then batches 0-5
  superconv::train::EpochStats s;
  s.epoch = 3;
  superconv::train::EvalResult e;
  e.accuracy = 0.9;
  const superconv::train::EpochEnd end{s, e, 24};
  CHECK(&end.stats == &s);
  CHECK(end.eval.accuracy == 0.9);
}
