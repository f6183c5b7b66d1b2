// draw_clr: draws the triangular cyclic learning rate ("zigzag") of Smith (2017) to a PNG, using superconv's
// CyclicLR for the values: LR against iteration over several cycles between base_lr and max_lr, the step size
// marked on the x axis, labelled axes, no arrows.
#include <superconv/optim/cyclic_lr.hpp>
#include <superconv/version.hpp>
#include <superconv/viz/line_chart.hpp>
#include <superconv/viz/png.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

namespace sc = superconv;

int main(int argc, char** argv) {
  std::string out = "clr_zigzag.png", mode = "triangular";
  std::int64_t cycles = 3, step_size = 2000;
  double base_lr = 0.001, max_lr = 0.006;
  int width = 960, height = 540;
  CLI::App app{"Draw the triangular cyclic-LR curve (the zigzag) to a PNG."};
  app.add_option("output", out, "PNG to write")->capture_default_str();
  app.add_option("--cycles", cycles, "number of cycles")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--step-size", step_size, "iterations per half cycle")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--base-lr", base_lr, "lowest LR")->check(CLI::NonNegativeNumber)->capture_default_str();
  app.add_option("--max-lr", max_lr, "highest LR")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--mode", mode, "triangular|triangular2|exp_range")
      ->check(CLI::IsMember({"triangular", "triangular2", "exp_range"}))
      ->capture_default_str();
  app.add_option("--width", width, "image width")->check(CLI::Range(200, 8000))->capture_default_str();
  app.add_option("--height", height, "image height")->check(CLI::Range(150, 8000))->capture_default_str();
  try {
    app.parse(argc, argv);
    if (base_lr >= max_lr)
      throw CLI::ValidationError(fmt::format("--base-lr ({}) must be below --max-lr ({})", base_lr, max_lr));
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  try {
    const auto m = mode == "triangular2" ? sc::optim::CyclicMode::kTriangular2
                   : mode == "exp_range" ? sc::optim::CyclicMode::kExpRange
                                         : sc::optim::CyclicMode::kTriangular;
    sc::optim::CyclicLR clr(sc::optim::CyclicLROptions(base_lr, max_lr).step_size_up(step_size).mode(m).gamma(0.99994));
    std::vector<double> it, lr;
    for (std::int64_t i = 0; i <= 2 * cycles * step_size; ++i)
      it.push_back(static_cast<double>(i)), lr.push_back(clr.lr_at(i));
    sc::viz::LineChart chart(sc::viz::LineChartOptions()
                                 .width(width)
                                 .height(height)
                                 .legend(false)
                                 .title(fmt::format("Cyclic learning rate ({})", mode))
                                 .x_label("iterations")
                                 .y_label("learning rate"));
    chart.add({"lr", it, lr, sc::viz::colors::kBlue, 3.0});
    std::vector<double> ticks;
    std::vector<std::string> labels;
    for (std::int64_t k = 0; k <= 2 * cycles; ++k) {
      ticks.push_back(static_cast<double>(k * step_size));
      labels.push_back(k == 0 ? "0" : k == 1 ? "stepsize" : fmt::format("{}*stepsize", k));
    }
    chart.x_ticks(ticks, labels);
    sc::viz::write_png(out, chart.render());
    std::cout << fmt::format("superconv {}: wrote {} ({} cycles, stepsize {}, LR {} .. {})\n", sc::version(), out,
                             cycles, step_size, base_lr, max_lr);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
