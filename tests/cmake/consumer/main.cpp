// Uses superconv as a user would: the umbrella header, a schedule, the model, a PNG.
#include <superconv/superconv.hpp>

#include <cmath>
#include <cstdio>

int main() {
  namespace sc = superconv;
  sc::optim::OneCycle sched(
      sc::optim::OneCycleOptions(0.157, 24).pct_start(5.0 / 24).div_factor(10).final_div_factor(1).anneal(
          sc::optim::Anneal::kLinear));
  sc::nn::CustomResNet model;
  const auto params = sc::nn::count_parameters(*model);
  sc::viz::Canvas canvas(16, 16);
  canvas.line(0, 0, 15, 15, sc::viz::colors::kBlack);
  sc::viz::write_png("consumer.png", canvas);
  std::printf("superconv %s: lr_at(1)=%.6f params=%lld\n", sc::version(), sched.lr_at(1),
              static_cast<long long>(params));
  return std::abs(sched.lr_at(1) - 0.051025) < 1e-12 && params == 6573130 ? 0 : 1;
}
