// Writes TensorBoard event files for check_events.py, which reads them with TensorBoard's own loader and server.
//   tb_tool kinds DIR      one event of each kind (scalars, image, histogram, text, hyper-parameters) + expected.json
//   tb_tool train DIR [RUN SEED]  a 3-epoch Trainer run with the hook (OneCycle: LR and momentum) + metrics.csv +
//                          pictures, in DIR/RUN (default DIR/train, seed 0)
//   tb_tool truncated DIR  10 scalars, then the file cut inside its last record
#include <superconv/tensorboard/event_writer.hpp>
#include <superconv/io/json.hpp>
#include <superconv/optim/one_cycle.hpp>
#include <superconv/train/metrics.hpp>
#include <superconv/tensorboard/tensorboard.hpp>
#include <superconv/train/trainer.hpp>
#include <superconv/viz/canvas.hpp>
#include <superconv/viz/png.hpp>

#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

namespace sc = superconv;
namespace fs = std::filesystem;
using Json = sc::io::Json;

namespace {
struct TinyBatch {
  at::Tensor input, target, index;
};
struct TinyLoader {
  at::Tensor x, y;
  std::int64_t batch = 16;
  void start_epoch() {}
  std::int64_t size() const { return (x.size(0) + batch - 1) / batch; }
  TinyBatch get(std::int64_t i) const {
    const auto n = std::min(batch, x.size(0) - i * batch);
    return {x.narrow(0, i * batch, n), y.narrow(0, i * batch, n), at::arange(i * batch, i * batch + n)};
  }
};

void draw_png(const fs::path& path, int w, int h) {
  sc::viz::Canvas c(w, h);
  c.fill_rect(2, 2, w / 2, h / 2, sc::viz::colors::kBlack);
  sc::viz::write_png(path, c);
}

fs::path event_file(const fs::path& dir) {
  for (const auto& f : fs::directory_iterator(dir)) {
    if (f.path().filename().string().rfind("events.out.tfevents.", 0) == 0) return f.path();
  }
  throw std::runtime_error("no event file in " + dir.string());
}

void kinds(const fs::path& dir) {
  Json expected;
  sc::tensorboard::EventWriter w(dir / "kinds");
  for (int i = 0; i < 10; ++i) {  // wall times 0.25 s apart: sub-second precision survives
    w.add_scalar("scalars/ramp", 0.5 * i - 1, i, 1.7e9 + 0.25 * i);
    expected["scalars"]["scalars/ramp"].push_back({i, 0.5 * i - 1, 1.7e9 + 0.25 * i});
  }
  w.add_scalar("scalars/negative_step", 3.25, -5);
  expected["scalars"]["scalars/negative_step"].push_back({-5, 3.25, nullptr});
  draw_png(dir / "picture.png", 40, 24);
  w.add_image_file("images/picture", dir / "picture.png", 7);
  expected["images"]["images/picture"] = {
      {"step", 7}, {"width", 40}, {"height", 24}, {"colorspace", 3}, {"bytes", fs::file_size(dir / "picture.png")}};
  const auto h = sc::tensorboard::histogram(at::arange(100, at::kFloat).pow(2), 10);
  w.add_histogram("histograms/squares", h, 3);
  expected["histograms"]["histograms/squares"] = {{"step", 3},
                                                  {"min", h.min},
                                                  {"max", h.max},
                                                  {"num", h.num},
                                                  {"sum", h.sum},
                                                  {"sum_squares", h.sum_squares},
                                                  {"bucket_limit", h.bucket_limit},
                                                  {"bucket", h.bucket}};
  const std::string text = "**superconv** config: `{\"lr\": 0.4}` - ünïcode ✓";
  w.add_text("config", text, 2);
  expected["texts"]["config/text_summary"] = {{"step", 2}, {"text", text}};
  const sc::tensorboard::HParamList hp = {
      {"lr", 0.4}, {"optimizer", std::string("sgd")}, {"nesterov", true}, {"epochs", 24.0}};
  w.add_hparams(hp, {{"hparam/test_acc", 0.9375}, {"hparam/seconds", 12.5}}, 24);
  // Lists of pairs: the order written (a JSON object would sort the names).
  expected["hparams"]["step"] = 24;
  expected["hparams"]["hparams"] =
      Json::array({{"lr", 0.4}, {"optimizer", "sgd"}, {"nesterov", true}, {"epochs", 24.0}});
  expected["hparams"]["metrics"] = Json::array({{"hparam/test_acc", 0.9375}, {"hparam/seconds", 12.5}});
  expected["scalars"]["hparam/test_acc"].push_back({24, 0.9375, nullptr});
  expected["scalars"]["hparam/seconds"].push_back({24, 12.5, nullptr});
  w.close();
  expected["events"] = 1 + 11 + 1 + 1 + 1 + 3 + 2;  // version, scalars, image, histogram, text, hparams, metrics
  expected["file"] = w.path().filename().string();
  sc::io::write_json(dir / "kinds" / "expected.json", expected);
}

void train(const fs::path& dir, const std::string& name, std::uint64_t seed) {
  torch::manual_seed(seed);
  auto x = at::randn({96, 4});
  auto y = (x.select(1, 0) + 0.5 * x.select(1, 1) > 0).to(at::kLong);
  TinyLoader train{x, y}, test{x.narrow(0, 0, 40), y.narrow(0, 0, 40)};
  torch::nn::Linear model(4, 2);
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  const std::int64_t epochs = 3, batches = train.size();
  sc::optim::OneCycle one_cycle(sgd, sc::optim::OneCycleOptions(0.2, epochs * batches));
  sc::train::Trainer trainer(model, sgd, &one_cycle,
                             sc::train::TrainerOptions().progress(sc::train::ProgressMode::kNone));
  const auto run = dir / name;
  sc::tensorboard::TensorBoard tb(run, sc::tensorboard::TensorBoardOptions().log_every(2).weight_histograms(true));
  tb.attach(trainer);
  sc::train::MetricsCsv csv(run / "metrics.csv");
  trainer.on_epoch_end([&](const sc::train::EpochEnd& e) { csv.append(e.stats); });
  sc::optim::LRRangeTestResult finder;
  finder.lrs = {1e-3, 1e-2, 1e-1, 1.0};
  finder.losses = {0.7, 0.6, 0.4, 2.0};
  finder.smoothed = {0.7, 0.65, 0.5, 1.0};
  tb.add_lr_range_test(finder);
  trainer.fit(train, test, epochs);
  draw_png(run / "curves.png", 64, 48);
  draw_png(run / "lr_finder.png", 32, 32);
  const Json hparams = {{"lr_max", 0.2},      {"epochs", epochs},  {"seed", seed},
                        {"optimizer", "sgd"}, {"nesterov", false}, {"data", {{"records", 96}}}};
  tb.finish(hparams, {}, run);
  tb.close();
  Json expected;
  expected["epochs"] = epochs;
  expected["batches"] = batches;  // 6: points after batches 2, 4, 6 of each epoch
  expected["log_every"] = 2;
  expected["parameters"] = {"weight", "bias"};
  expected["pictures"] = {"pictures/curves", "pictures/lr_finder"};
  expected["lr_finder"] = finder.losses;
  std::vector<double> lrs, moms;
  for (std::int64_t s = 0; s < epochs * batches; ++s) {
    lrs.push_back(one_cycle.lr_at(s));
    moms.push_back(one_cycle.momentum_at(s));
  }
  expected["step_lr"] = lrs;
  expected["step_momentum"] = moms;
  sc::io::write_json(run / "expected.json", expected);
}

void truncated(const fs::path& dir) {
  fs::path path;
  {
    sc::tensorboard::EventWriter w(dir / "truncated");
    for (int i = 0; i < 10; ++i) w.add_scalar("x", i * i, i);
    path = w.path();
  }
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() - 7);  // the 10th cut
}
}  // namespace

int main(int argc, char** argv) try {
  if (argc != 3 && !(argc == 5 && std::string(argv[1]) == "train")) {
    std::cerr << "usage: tb_tool kinds|train|truncated DIR, tb_tool train DIR RUN SEED\n";
    return 2;
  }
  const std::string what = argv[1];
  const fs::path dir = argv[2];
  if (what == "kinds") {
    kinds(dir);
  } else if (what == "train") {
    train(dir, argc == 5 ? argv[3] : "train", argc == 5 ? std::stoull(argv[4]) : 0);
  } else if (what == "truncated") {
    truncated(dir);
  } else {
    std::cerr << "tb_tool: unknown command " << what << "\n";
    return 2;
  }
  std::cout << "tb_tool " << what << ": wrote " << event_file(dir / (argc == 5 ? argv[3] : what)).string() << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "tb_tool: " << e.what() << "\n";
  return 1;
}
