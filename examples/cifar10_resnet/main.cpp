// cifar10_resnet: the super-convergence recipe on CIFAR-10, assembled from superconv's parts.
//
// LR range test -> One Cycle over 24 epochs (peak at epoch 5, LR min = max / 10, momentum 0.95 -> 0.85 -> 0.95,
// no annihilation) -> custom ResNet (ResNet-9) on RandomCrop(32, pad 4) + FlipLR + Cutout(8x8), batch 512,
// SGD with Nesterov momentum -> CSV/JSON/PNG in the run folder.
//
// Measured (README.md "Results" has the commands): width 64, 24 epochs, seed 0, CPU 2 cores (AVX-512 BF16), bf16 +
// channels_last, LibTorch 2.13.0: 92.70 % on the exact test records 0-999, 85.44 % on all 10,000 (records
// 1000-9999 of that copy are JPEG-degraded), 8,422 s. Width 16: 88.40 % / 83.08 %, 851 s. One seed each; no GPU
// was lent to the sessions that wrote this, so no GPU figure and no 5-seed mean are claimed.
#include <superconv/superconv.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <torch/cuda.h>
#include <torch/optim/sgd.h>
#include <torch/version.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <iostream>
#include <fstream>
#include <iterator>
#include <optional>
#include <thread>

namespace sc = superconv;
namespace fs = std::filesystem;

// ---- Hyperparameters (defaults are the recipe) ------------------------------------------------------------------
struct Hyperparameters {
  std::string data;  // CIFAR-10 folder ("" -> SUPERCONV_DATA -> ./data/cifar-10-batches-bin)
  fs::path out;      // run folder ("" -> runs/<date-time>)
  std::int64_t epochs = 24;
  double peak_epoch = 5;          // epochs until the LR peaks
  std::int64_t batch_size = 512;  // images
  double lr_min = 0, lr_max = 0;  // 0: found by the LR range test (lr_min = lr_max / div_factor)
  double div_factor = 10;
  std::string lr_suggestion =
      "min_loss";  // steepest | valley | min_loss (min_loss/10 gave 0.156 here: the reference run used 0.157)
  std::int64_t finder_iters = 100;              // LR range test: batches
  double finder_start = 1e-4, finder_end = 10;  // LR range test: LR sweep
  double momentum_min = 0.85, momentum_max = 0.95;
  std::string schedule_step = "batch";  // batch | epoch
  std::string anneal = "linear";        // linear | cos
  double weight_decay = 5e-4;           // on conv/linear weights (not BN, not biases)
  double label_smoothing = 0.1;
  double logit_scale = 0.125;                    // final-layer scale of "How to train your ResNet"
  std::int64_t width = 64;                       // channels of the prep layer (64 -> 6,573,130 parameters)
  std::int64_t train_limit = 0, test_limit = 0;  // first N records (0: all)
  std::string device = "auto";                   // auto | cpu | cuda
  int amp = -1, channels_last = -1;              // -1: on for CUDA, off for CPU
  bool tta = false;                              // also report flip test-time augmentation
  std::uint64_t seed = 0;
  int threads = 0;          // CPU threads (0: all cores)
  bool retain_heap = true;  // CPU: keep freed memory in the heap (+20 % img/s here; see train/heap.hpp)
  std::int64_t runs = 1;    // seeds seed..seed+runs-1
  std::string resume;       // a run folder (or checkpoint.pt) to continue
  bool schedule_only = false, find_lr_only = false;
  std::int64_t train_size = 50000;  // --schedule-only: images per epoch
};

static void parse(int argc, char** argv, CLI::App& app, Hyperparameters& h) {
  app.add_option("--data", h.data,
                 "CIFAR-10 binary folder (default: $SUPERCONV_DATA, then ./data/cifar-10-batches-bin)");
  app.add_option("--out", h.out, "run folder (default: runs/<date-time>)");
  app.add_option("--epochs", h.epochs, "epochs")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--peak-epoch", h.peak_epoch, "epoch at which the LR peaks")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--batch-size", h.batch_size, "images per batch")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--lr-min", h.lr_min, "lowest LR (default: --lr-max / --div-factor)")->check(CLI::PositiveNumber);
  app.add_option("--lr-max", h.lr_max, "peak LR (default: found by the LR range test)")->check(CLI::PositiveNumber);
  app.add_option("--div-factor", h.div_factor, "lr-min = lr-max / div-factor")
      ->check(CLI::Range(1.0, 1e6))
      ->capture_default_str();
  app.add_option("--lr-suggestion", h.lr_suggestion, "range-test rule for lr-max")
      ->check(CLI::IsMember({"steepest", "valley", "min_loss"}))
      ->capture_default_str();
  app.add_option("--finder-iters", h.finder_iters, "LR range test: iterations")
      ->check(CLI::Range(10, 100000))
      ->capture_default_str();
  app.add_option("--finder-start", h.finder_start, "LR range test: first LR")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--finder-end", h.finder_end, "LR range test: last LR")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--momentum-min", h.momentum_min, "momentum at the LR peak")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--momentum-max", h.momentum_max, "momentum at both ends")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--schedule-step", h.schedule_step, "step the schedule per batch or per epoch")
      ->check(CLI::IsMember({"batch", "epoch"}))
      ->capture_default_str();
  app.add_option("--anneal", h.anneal, "shape of each phase")
      ->check(CLI::IsMember({"linear", "cos"}))
      ->capture_default_str();
  app.add_option("--weight-decay", h.weight_decay, "SGD weight decay")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--label-smoothing", h.label_smoothing, "label smoothing")
      ->check(CLI::Range(0.0, 0.99))
      ->capture_default_str();
  app.add_option("--logit-scale", h.logit_scale, "multiply the logits")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--width", h.width, "channels of the prep layer")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--train-limit", h.train_limit, "use the first N training images")->check(CLI::NonNegativeNumber);
  app.add_option("--test-limit", h.test_limit, "use the first N test images (1000: the exact ones)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--device", h.device, "auto|cpu|cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  app.add_flag_function(
      "--amp,!--no-amp", [&](std::int64_t n) { h.amp = n > 0; }, "bf16 autocast (default: on for CUDA)");
  app.add_flag_function(
      "--channels-last,!--no-channels-last", [&](std::int64_t n) { h.channels_last = n > 0; },
      "channels_last memory format (default: on for CUDA)");
  app.add_flag("--tta", h.tta, "also report accuracy with flip test-time augmentation");
  app.add_option("--seed", h.seed, "seed for init, shuffling, augmentation")->capture_default_str();
  app.add_option("--threads", h.threads, "CPU threads (0: all cores)")->check(CLI::NonNegativeNumber);
  app.add_flag("--retain-heap,!--no-retain-heap", h.retain_heap,
               "CPU: keep freed memory in the process heap (glibc), so steps do not fault their buffers in again")
      ->capture_default_str();
  app.add_option("--runs", h.runs, "repeat with seeds seed..seed+N-1, report mean and std")->check(CLI::PositiveNumber);
  app.add_option("--resume", h.resume, "continue the run in this folder (checkpoint.pt)");
  app.add_flag("--schedule-only", h.schedule_only, "print the schedule as CSV (step,epoch,lr,momentum) and exit");
  app.add_option("--train-size", h.train_size, "--schedule-only: images per epoch")->check(CLI::PositiveNumber);
  app.add_flag("--find-lr-only", h.find_lr_only, "run the LR range test, write its files, print the suggestion, exit");
  app.parse(argc, argv);
  auto bad = [](const std::string& m) { throw CLI::ValidationError(m); };
  if (h.lr_min > 0 && h.lr_max > 0 && h.lr_min >= h.lr_max)
    bad(fmt::format("--lr-min ({}) must be below --lr-max ({})", h.lr_min, h.lr_max));
  if (h.peak_epoch >= static_cast<double>(h.epochs))
    bad(fmt::format("--peak-epoch ({}) must be below --epochs ({})", h.peak_epoch, h.epochs));
  if (h.momentum_min > h.momentum_max)
    bad(fmt::format("--momentum-min ({}) must not exceed --momentum-max ({})", h.momentum_min, h.momentum_max));
  if (h.finder_start >= h.finder_end)
    bad(fmt::format("--finder-start ({}) must be below --finder-end ({})", h.finder_start, h.finder_end));
  if (h.lr_min > 0 && h.lr_max == 0) bad("--lr-min needs --lr-max (or neither: the LR range test finds both)");
  if (h.out.empty()) {
    const std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
    h.out = h.resume.empty() ? fs::path("runs") / stamp : fs::path(h.resume);
  }
}

static sc::optim::OneCycleOptions one_cycle(const Hyperparameters& h, double lr_max, double lr_min,
                                            std::int64_t steps) {
  const bool per_batch = h.schedule_step == "batch";
  // PyTorch's OneCycleLR knows only div_factor; 0.157 / 0.0157 is 10.000000000000002 in doubles, so a ratio within
  // 1e-9 of a whole number is taken as that number (then lr_min is exactly lr_max / 10, as PyTorch computes it).
  double div = lr_max / lr_min;
  if (std::abs(div - std::round(div)) < 1e-9 * div) div = std::round(div);
  return sc::optim::OneCycleOptions(lr_max, per_batch ? h.epochs * steps : h.epochs)
      .pct_start(h.peak_epoch / static_cast<double>(h.epochs))
      .div_factor(div)
      .final_div_factor(1.0)  // no annihilation: the last LR is lr_min
      .anneal(h.anneal == "cos" ? sc::optim::Anneal::kCos : sc::optim::Anneal::kLinear)
      .base_momentum(h.momentum_min)
      .max_momentum(h.momentum_max);
}

int main(int argc, char** argv) {
  Hyperparameters h;
  CLI::App app{"Train the custom ResNet on CIFAR-10 with the super-convergence recipe (superconv)."};
  try {
    parse(argc, argv, app, h);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << e.what() << "\n(--help lists the options)\n";
    return 2;
  }
  std::cout << fmt::format("superconv {} | LibTorch {}\n", sc::version(), TORCH_VERSION);
  if (h.schedule_only) {  // the schedule as CSV, no data needed
    const auto steps = (h.train_size + h.batch_size - 1) / h.batch_size;
    const double lr_max = h.lr_max > 0 ? h.lr_max : 0.157, lr_min = h.lr_min > 0 ? h.lr_min : lr_max / h.div_factor;
    sc::optim::OneCycle s(one_cycle(h, lr_max, lr_min, steps));
    const auto total = s.options().total_steps(), per_epoch = h.schedule_step == "batch" ? steps : 1;
    std::cout << "step,epoch,lr,momentum\n";
    for (std::int64_t i = 0; i < total; ++i)
      std::cout << i << ',' << i / per_epoch + 1 << ',' << sc::json_number(s.lr_at(i)) << ','
                << sc::json_number(s.momentum_at(i)) << '\n';
    return 0;
  }
  try {
    const bool cuda = h.device == "cuda" || (h.device == "auto" && torch::cuda::is_available());
    TORCH_CHECK(!cuda || torch::cuda::is_available(), "--device cuda: no CUDA device is available to this LibTorch");
    const c10::Device device(cuda ? c10::kCUDA : c10::kCPU);
    const bool amp = h.amp < 0 ? cuda : h.amp > 0, channels_last = h.channels_last < 0 ? cuda : h.channels_last > 0;
    const auto heap = !cuda && h.retain_heap
                          ? sc::train::retain_freed_memory()
                          : sc::train::HeapTuning{false, cuda ? "not applied: CUDA" : "not applied: --no-retain-heap"};
    if (h.threads > 0)
      at::set_num_threads(h.threads);
    else
      at::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    // ---- Data ---------------------------------------------------------------------------------------------------
    const auto root = sc::data::resolve_cifar10_dir(h.data);
    auto train_set = sc::data::Cifar10(root, sc::data::Split::kTrain).limit(h.train_limit);
    auto test_set = sc::data::Cifar10(root, sc::data::Split::kTest).limit(h.test_limit);
    std::cout << fmt::format(
        "data {} (train {}, test {}) | device {} | bf16 autocast {} | channels_last {} | "
        "threads {} | heap: {}\n",
        root.string(), train_set.size(), test_set.size(), device.str(), amp ? "on" : "off",
        channels_last ? "on" : "off", at::get_num_threads(), heap.detail);
    std::vector<sc::train::RunSummary> runs;
    for (std::int64_t r = 0; r < h.runs; ++r) {
      const std::uint64_t seed = h.seed + static_cast<std::uint64_t>(r);
      const fs::path out = h.runs > 1 ? h.out / fmt::format("seed-{}", seed) : h.out;
      const auto t0 = std::chrono::steady_clock::now();
      torch::manual_seed(seed);
      auto opts = sc::data::DeviceLoaderOptions(h.batch_size)
                      .device(device)
                      .seed(seed)
                      .channels_last(channels_last)
                      .mean(sc::data::cifar10_mean())
                      .std(sc::data::cifar10_std());
      sc::data::DeviceLoader train(train_set.images(), train_set.targets(), opts);
      sc::data::DeviceLoader test(test_set.images(), test_set.targets(), opts.shuffle(false));
      namespace T = sc::transforms;
      train.set_transform(
          T::Compose(T::RandomCrop(T::RandomCropOptions(32).padding(4)), T::FlipLR(), T::Cutout(T::CutoutOptions(8))));
      // ---- Model ----------------------------------------------------------------------------------------------
      sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(h.width).logit_scale(h.logit_scale));
      model->to(device);
      if (channels_last) sc::nn::to_channels_last(*model);
      std::cout << fmt::format("model: custom ResNet, width {}, {} parameters\n", h.width,
                               sc::nn::count_parameters(*model));
      // ---- Optimizer and schedule ---------------------------------------------------------------------------
      auto sgd_opts =
          torch::optim::SGDOptions(0.01).momentum(h.momentum_max).nesterov(true).weight_decay(h.weight_decay);
      torch::optim::SGD sgd(sc::train::weight_decay_groups(*model, sgd_opts, true), sgd_opts);
      double lr_max = h.lr_max, lr_min = h.lr_min;
      if (lr_max <= 0 && h.resume.empty()) {
        sc::optim::LRRangeTest finder(*model, sgd,
                                      sc::optim::LRRangeTestOptions(h.finder_start, h.finder_end, h.finder_iters));
        sc::train::ProgressBar bar(std::cout, h.finder_iters, "LR range test", sc::train::ProgressMode::kAuto, "batch");
        train.start_epoch();
        const auto curve = finder.run(
            [&](std::int64_t i) {
              if (i > 0 && i % train.size() == 0) train.start_epoch();
              auto b = train.get(i % train.size());
              sc::train::AutocastGuard autocast(device.type(), amp, c10::kBFloat16);
              return torch::nn::functional::cross_entropy(model(b.input).to(at::kFloat), b.target);
            },
            [&](std::int64_t i, double lr, double loss) {
              bar.update(i + 1, i + 1, fmt::format("lr {:.3g} loss {:.4f}", lr, loss));
            });
        bar.finish();
        lr_max = curve.suggestion(sc::optim::suggestion_from_string(h.lr_suggestion));
        TORCH_CHECK(std::isfinite(lr_max), "LR range test: too few points for a suggestion (", curve.stop_reason,
                    "); widen --finder-start/--finder-end or raise --finder-iters, or give --lr-max");
        lr_min = lr_max / h.div_factor;
        sc::write_file_atomic(out / "lr_finder.json", curve.to_json(h.lr_suggestion, lr_max));
        sc::viz::write_png(out / "lr_finder.png",
                           sc::viz::plot_lr_finder(
                               curve.lrs, curve.losses, curve.smoothed,
                               {{"steepest", curve.steepest}, {"valley", curve.valley}, {"min_loss", curve.min_loss}}));
        std::cout << fmt::format(
            "LR range test: {}; steepest {:.4g}, valley {:.4g}, min_loss {:.4g} -> lr_max {:.4g} "
            "({}), lr_min {:.4g}\n",
            curve.stop_reason, curve.steepest, curve.valley, curve.min_loss, lr_max, h.lr_suggestion, lr_min);
        if (h.find_lr_only) return 0;
      } else if (lr_max <= 0) {  // resuming a run whose LRs came from its range test: read them back
        std::ifstream in(fs::path(h.resume) / "config.json");
        const std::string cfg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        lr_max = sc::json_find_number(cfg, "lr_max"), lr_min = sc::json_find_number(cfg, "lr_min");
        TORCH_CHECK(lr_max > 0 && lr_min > 0, "--resume ", h.resume,
                    ": no lr_max/lr_min in its config.json; give --lr-max");
      }
      if (lr_min <= 0) lr_min = lr_max / h.div_factor;
      sc::optim::OneCycle schedule(sgd, one_cycle(h, lr_max, lr_min, train.size()));
      std::vector<double> xs, lrs, ms;
      for (std::int64_t i = 0; i < schedule.options().total_steps(); ++i)
        xs.push_back(static_cast<double>(i)), lrs.push_back(schedule.lr_at(i)), ms.push_back(schedule.momentum_at(i));
      sc::viz::write_png(out / "schedule.png", sc::viz::plot_schedule(xs, lrs, ms, "One Cycle schedule",
                                                                      h.schedule_step == "batch" ? "batch" : "epoch"));
      // ---- Train ------------------------------------------------------------------------------------------------
      auto topts = sc::train::TrainerOptions()
                       .device(device)
                       .amp(amp)
                       .channels_last(channels_last)
                       .label_smoothing(h.label_smoothing)
                       .step_per_batch(h.schedule_step == "batch")
                       .log(&std::cout)
                       .checkpoint((out / "checkpoint.pt").string())
                       .metrics_csv((out / "metrics.csv").string());
      sc::train::Trainer trainer(torch::nn::AnyModule(model), sgd, &schedule, topts);
      if (!h.resume.empty()) {
        const fs::path ckpt = fs::is_directory(h.resume) ? fs::path(h.resume) / "checkpoint.pt" : fs::path(h.resume);
        trainer.load_checkpoint(ckpt, train);
        std::cout << fmt::format("resumed from {} after epoch {}\n", ckpt.string(), trainer.epochs_done());
      }
      sc::JsonObject config;
      config.add("superconv", sc::version())
          .add("libtorch", TORCH_VERSION)
          .add("device", device.str())
          .add("data", root.string())
          .add("train_images", train_set.size())
          .add("test_images", test_set.size())
          .add("epochs", h.epochs)
          .add("peak_epoch", h.peak_epoch)
          .add("batch_size", h.batch_size)
          .add("lr_max", lr_max)
          .add("lr_min", lr_min)
          .add("lr_source", h.lr_max > 0 ? "given" : h.lr_suggestion)
          .add("momentum_min", h.momentum_min)
          .add("momentum_max", h.momentum_max)
          .add("schedule_step", h.schedule_step)
          .add("anneal", h.anneal)
          .add("weight_decay", h.weight_decay)
          .add("label_smoothing", h.label_smoothing)
          .add("logit_scale", h.logit_scale)
          .add("width", h.width)
          .add("amp_bf16", amp)
          .add("channels_last", channels_last)
          .add("seed", seed)
          .add("threads", at::get_num_threads())
          .add("heap", heap.detail)
          .add("augmentation", "RandomCrop(32, pad 4, reflect) + FlipLR(0.5) + Cutout(8x8)");
      if (h.resume.empty()) sc::write_file_atomic(out / "config.json", config.str() + "\n");
      {
        sc::train::InterruptGuard ctrl_c;  // Ctrl-C: finish the step, save, stop
        trainer.fit(train, test, h.epochs);
      }
      // ---- Evaluate and report --------------------------------------------------------------------------------
      const auto& eval = *trainer.last_evaluation();
      const auto& names = train_set.class_names();
      sc::train::write_predictions_csv(out / "predictions.csv", eval, names);
      std::vector<double> ep, trl, tel, tra, tea;
      for (const auto& e : trainer.history())
        ep.push_back(e.epoch), trl.push_back(e.train_loss), tel.push_back(e.test_loss), tra.push_back(e.train_acc),
            tea.push_back(e.test_acc);
      sc::viz::write_png(out / "curves.png", sc::viz::plot_training_curves(ep, trl, tel, tra, tea));
      std::vector<sc::viz::Image> gallery;
      std::vector<std::string> captions;
      for (auto i : sc::train::misclassified(eval, 25)) {
        gallery.push_back(sc::viz::Image::from_chw(test_set.images()[i]));
        captions.push_back("true: " + names[eval.targets[i].item<std::int64_t>()] +
                           "\npred: " + names[eval.predictions[i].item<std::int64_t>()]);
      }
      if (!gallery.empty())
        sc::viz::write_png(
            out / "misclassified.png",
            sc::viz::image_grid(gallery, captions,
                                sc::viz::ImageGridOptions().cols(5).scale(4).title("Misclassified test images")));
      const auto cm = sc::train::confusion_matrix(eval, 10).to(at::kDouble).contiguous();
      std::vector<std::vector<double>> cells(10);
      for (int i = 0; i < 10; ++i) cells[i].assign(cm[i].data_ptr<double>(), cm[i].data_ptr<double>() + 10);
      sc::viz::write_png(
          out / "confusion.png",
          sc::viz::heatmap(cells, names, names,
                           sc::viz::HeatmapOptions().title("Confusion matrix").x_label("predicted").y_label("true")));
      auto summary = sc::train::RunSummary::from(trainer, eval);
      summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      summary.lr_max = lr_max, summary.lr_min = lr_min, summary.seed = seed, summary.device = device.str();
      if (h.tta) {
        auto t = sc::train::Trainer(torch::nn::AnyModule(model), sgd, nullptr,
                                    sc::train::TrainerOptions(topts).tta_flip(true).log(nullptr));
        const auto e = t.evaluate(test);
        summary.tta_accuracy = e.accuracy, summary.tta_accuracy_first_1000 = sc::train::accuracy_of_first(e, 1000);
      }
      sc::write_file_atomic(out / "summary.json", summary.to_json() + "\n");
      runs.push_back(summary);
    }
    std::cout << sc::train::summary_table(runs, h.out.string());
    if (h.runs > 1) sc::write_file_atomic(h.out / "summary.json", sc::train::aggregate_json(runs) + "\n");
    return 0;
  } catch (const sc::train::Interrupted& e) {
    std::cerr << "\n"
              << e.what() << "\nresume with: " << argv[0] << " --resume " << h.out.string()
              << " (plus the options of the interrupted run)\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
