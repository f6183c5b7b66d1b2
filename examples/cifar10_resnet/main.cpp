// cifar10_resnet: the super-convergence recipe on CIFAR-10, assembled from superconv's parts.
//
// LR range test -> One Cycle over 24 epochs (peak at epoch 5, LR min = max / 10, momentum 0.95 -> 0.85 -> 0.95,
// no annihilation) -> custom ResNet (ResNet-9) on RandomCrop(32, pad 4) + FlipLR + Cutout(8x8), batch 512, SGD with
// Nesterov momentum -> config.json (with the model card), metrics.csv, summary.json, predictions.csv, model.pt (for
// predict, --init-weights and PyTorch) and PNGs (Grad-CAM of misclassified images included) in the run folder.
// The same recipe takes CIFAR-100 or a folder of your own images (--dataset), and runs data-parallel under torchrun.
//
// Measured (README "Results" has the commands): width 64, 24 epochs, seed 0, on a 2-core CPU with AVX-512 BF16
// (bf16 autocast + channels_last), LibTorch 2.13.0: 92.70 % on the exact test records 0-999, 85.44 % on all 10,000
// (records 1000-9999 of that copy of the test set are JPEG-degraded), 8,422 s. Width 16: 88.40 % / 83.08 %, 851 s.
// One seed each; no GPU figure yet.
#include <superconv/distributed/environment.hpp>  // torchrun: data-parallel ranks (README "Scaling out")
#include <superconv/superconv.hpp>

#include <fmt/format.h>
#include <torch/version.h>

#include <chrono>
#include <iostream>
#include <optional>

namespace sc = superconv;
namespace fs = std::filesystem;
using sc::io::Json;

// ---- Hyperparameters: the recipe's defaults; config.json holds them as the run used them ------------------------
struct Hyperparameters {
  std::int64_t epochs = 24, batch_size = 512;      // batch in images
  double peak_epoch = 0;                           // epoch of the LR peak (0: 5/24 of the epochs, as 5 of 24)
  double lr_max = 0, lr_min = 0, div_factor = 10;  // lr_max 0: from the LR range test; lr_min 0: lr_max / div_factor
  std::string lr_suggestion = "min_loss";          // range-test rule: steepest | valley | min_loss (min_loss/10)
  std::int64_t finder_iters = 100;                 // range test: batches, LRs from finder_start to finder_end
  double finder_start = 1e-4, finder_end = 10, momentum_min = 0.85, momentum_max = 0.95;
  std::string schedule_step = "batch", anneal = "linear";                  // batch | epoch; linear | cos
  double weight_decay = 5e-4, label_smoothing = 0.1, logit_scale = 0.125;  // decay on conv/linear weights only
  std::int64_t width = 64, train_limit = 0, test_limit = 0;  // prep-layer channels (64: 6.57 M params); first N
  int amp = -1, channels_last = -1;  // -1: on for CUDA and for CPUs with native bf16 (system/runtime.hpp)
  bool tta = false;                  // also report flip test-time augmentation
  std::uint64_t seed = 0;
  std::int64_t runs = 1;                             // seeds seed..seed+runs-1
  std::string dataset = "cifar10", labels = "fine";  // cifar10 | cifar100 | folder; CIFAR-100: fine | coarse labels
  std::string train_dir, test_dir;    // folder: root/<class>/*.png|jpg|bmp; no test_dir: hold out a fraction
  double holdout = 0.2;               // folder without --test-dir: fraction held out (per class) for testing
  std::uint64_t split_seed = 0;       // ... drawn with this seed (fixed across --runs)
  std::int64_t image_size = 32;       // folder: every image resized to image_size x image_size (stb)
  std::string bad_images = "stop";    // folder: an undecodable file stops the run, or is skipped and counted
  std::string init_weights;           // start from this state dict (model.pt, or PyTorch's torch.save(state_dict()))
  std::string data, device = "auto";  // may change on --resume, as threads and retain_heap may
  int threads = 0;                    // CPU threads (0: all cores)
  bool retain_heap = true;            // CPU: keep freed memory in the heap (system/heap.hpp)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Hyperparameters, epochs, batch_size, peak_epoch, lr_max, lr_min,
                                                div_factor, lr_suggestion, finder_iters, finder_start, finder_end,
                                                momentum_min, momentum_max, schedule_step, anneal, weight_decay,
                                                label_smoothing, logit_scale, width, train_limit, test_limit, amp,
                                                channels_last, tta, seed, runs, dataset, labels, train_dir, test_dir,
                                                holdout, split_seed, image_size, bad_images, init_weights, data, device,
                                                threads, retain_heap)

#include "cli.hpp"   // the option table and its checks
#include "data.hpp"  // --dataset: CIFAR-10, CIFAR-100 or an image folder; the model card

sc::optim::OneCycleOptions one_cycle(const Hyperparameters& h, std::int64_t batches_per_epoch) {
  return sc::optim::OneCycleOptions(h.lr_max, h.epochs * (h.schedule_step == "batch" ? batches_per_epoch : 1))
      .pct_start(h.peak_epoch / static_cast<double>(h.epochs))
      .div_factor(sc::optim::div_factor_for(h.lr_max, h.lr_min))
      .final_div_factor(1.0)  // no annihilation: the last LR is lr_min
      .anneal(h.anneal == "cos" ? sc::optim::Anneal::kCos : sc::optim::Anneal::kLinear)
      .base_momentum(h.momentum_min)
      .max_momentum(h.momentum_max);
}

// One seed's run in `folder`: data -> model -> LR range test -> One Cycle -> train -> evaluate -> files; its summary.
Json run(Hyperparameters h, const fs::path& folder, bool resume, const RecipeData& data, const sc::system::Runtime& rt,
         bool find_lr_only,
         const sc::train::ReplicasPtr& replicas) {  // only rank 0 prints and writes; every rank restores
  double finished = resume && fs::exists(folder / "summary.json"),
         saved = resume && fs::exists(folder / "checkpoint.pt");
  sc::distributed::broadcast_values(*replicas, {&finished, &saved});  // rank 0's view: every rank does the same
  if (finished > 0) return sc::io::read_json(folder / "summary.json");
  const bool from_checkpoint = saved > 0;
  Json found;  // the LRs the range test found; resuming without a checkpoint, the test runs again, as it did
  if (resume && fs::exists(folder / "config.json")) {
    const auto config = sc::io::read_json(folder / "config.json");
    h = config.at("hyperparameters");
    if (from_checkpoint && config.contains("lr_range_test")) found = config["lr_range_test"];
  }
  const Hyperparameters given = h;
  if (!found.is_null()) h.lr_max = found.at("lr_max"), h.lr_min = found.at("lr_min");
  const auto t0 = std::chrono::steady_clock::now();
  torch::manual_seed(h.seed);
  // ---- Data: the whole set on the device, augmented there --------------------------------------------------------
  auto opts = sc::data::DeviceLoaderOptions(sc::distributed::per_rank_batch(h.batch_size, replicas->size()))
                  .rank(replicas->rank())
                  .world_size(replicas->size())
                  .device(rt.device)
                  .seed(h.seed)
                  .channels_last(h.channels_last);
  opts.mean(data.mean).std(data.std);
  sc::data::DeviceLoader train(data.train.images, data.train.targets, opts);
  sc::data::DeviceLoader test(data.test.images, data.test.targets, opts.shuffle(false));
  namespace T = sc::transforms;
  const auto size = data.train.height();  // square: 32 for CIFAR, --image-size for a folder
  train.set_transform(T::Compose(T::RandomCrop(T::RandomCropOptions(size).padding(4)), T::FlipLR(), T::Cutout()));
  // ---- Model and optimizer ---------------------------------------------------------------------------------------
  const auto classes = static_cast<std::int64_t>(data.train.classes.size());
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions()
                                 .width(h.width)
                                 .num_classes(classes)
                                 .in_channels(data.train.channels())
                                 .logit_scale(h.logit_scale));
  model->to(rt.device);
  if (!h.init_weights.empty()) sc::nn::load_state_dict(*model, h.init_weights);  // names any mismatch
  if (h.channels_last) sc::nn::to_channels_last(*model);
  auto sgd_opts = torch::optim::SGDOptions(0.01).momentum(h.momentum_max).nesterov(true).weight_decay(h.weight_decay);
  torch::optim::SGD sgd(sc::optim::weight_decay_groups(*model, sgd_opts), sgd_opts);
  const auto forward = sc::train::ForwardOptions().amp(h.amp).channels_last(h.channels_last);
  // ---- LR range test -> lr_max, lr_min ---------------------------------------------------------------------------
  if (h.lr_max <= 0 && h.epochs > 0 && replicas->is_main()) {  // on rank 0, over whole global batches; then shared
    const auto range = sc::optim::LRRangeTestOptions(h.finder_start, h.finder_end, h.finder_iters);
    auto whole = train.whole();
    auto curve =
        sc::train::find_lr(model, sgd, whole, range, sc::train::FindLROptions().forward(forward).log(&std::cout));
    h.lr_max = curve.suggestion(sc::optim::suggestion_from_string(h.lr_suggestion));
    h.lr_min = h.lr_max / h.div_factor;
    found = {{"lr_max", h.lr_max}, {"lr_min", h.lr_min}, {"rule", h.lr_suggestion}};
    sc::io::write_json(folder / "lr_finder.json", sc::io::to_json(curve, h.lr_suggestion, h.lr_max));
    sc::io::write_lr_finder_png(folder / "lr_finder.png", curve);
    TORCH_CHECK(std::isfinite(h.lr_max), "LR range test: no suggestion (", curve.stop_reason,
                "); widen --finder-start/--finder-end, raise --finder-iters, or give --lr-max");
    std::cout << fmt::format("LR range test: {}; steepest {:.4g}, valley {:.4g}, min_loss {:.4g} -> lr_max {:.4g}\n",
                             curve.stop_reason, curve.steepest, curve.valley, curve.min_loss, h.lr_max);
  }
  sc::distributed::broadcast_values(*replicas, {&h.lr_max, &h.lr_min});
  if (replicas->is_main())
    sc::io::write_json(folder / "config.json", {{"hyperparameters", given},
                                                {"lr_range_test", found},
                                                {"model", model_card(h, data)},
                                                {"superconv", sc::version()},
                                                {"libtorch", TORCH_VERSION},
                                                {"runtime", rt.describe()}});
  if (find_lr_only) return Json();
  std::vector<sc::train::EpochStats> history;
  std::optional<sc::train::EvalResult> last_eval;
  double train_images_per_second = 0;
  if (h.epochs > 0) {  // (--epochs 0 --init-weights: evaluate only)
    // ---- One Cycle --------------------------------------------------------------------------------------------------
    sc::optim::OneCycle schedule(sgd, one_cycle(h, train.size()));
    if (replicas->is_main())
      sc::io::write_schedule_png(folder / "schedule.png", schedule, schedule.options().total_steps(), "One Cycle",
                                 h.schedule_step);
    // ---- Train ------------------------------------------------------------------------------------------------------
    auto topts = sc::train::TrainerOptions().forward(forward).loss(sc::train::cross_entropy_loss(h.label_smoothing));
    topts.replicas(replicas)
        .step_per_batch(h.schedule_step == "batch")
        .log(&std::cout)
        .checkpoint((folder / "checkpoint.pt").string());
    sc::train::Trainer trainer(model, sgd, &schedule, topts);
    if (from_checkpoint) trainer.load_checkpoint(folder / "checkpoint.pt", train);
    sc::train::log_epochs(trainer, std::cout);
    std::optional<sc::train::MetricsCsv> csv;  // resumed: the checkpoint's rows
    if (replicas->is_main()) csv.emplace(folder / "metrics.csv", trainer.history());
    trainer.on_epoch_end([&](const sc::train::EpochEnd& e) {
      if (csv) csv->append(e.stats);
    });
    {
      sc::train::InterruptGuard stop;  // Ctrl-C, SIGTERM, SIGHUP: finish the step, save, stop
      trainer.fit(train, test, h.epochs);
    }
    history = trainer.history(), last_eval = trainer.last_evaluation();
    train_images_per_second = trainer.train_images_per_second();
  }
  // ---- Evaluate and report ----------------------------------------------------------------------------------------
  const auto eval_opts = sc::train::EvalOptions().forward(forward).replicas(replicas);
  const auto eval = last_eval ? *last_eval : sc::train::evaluate(model, test, eval_opts);
  const auto& names = data.test.classes;
  if (replicas->is_main()) {
    sc::nn::save_state_dict(*model, folder / "model.pt");  // PyTorch's torch.load opens it (README "Interop")
    sc::train::write_predictions_csv(folder / "predictions.csv", eval, names, data.test_files);
    sc::io::write_run_pictures(folder, history, eval, data.test.images, names);
    sc::io::write_gradcam_png(  // the records normalised as in training, without augmentation
        folder / "gradcam.png", model, eval, data.test.images,
        [&](const at::Tensor& r) { return test.gather(r).input; }, names);
  }
  auto summary = sc::io::run_summary(history, eval, train_images_per_second);
  const bool cifar10 = h.dataset == "cifar10";  // its test records 0-999 are exact in this project's copy
  if (cifar10) summary["test_accuracy_records_0_999"] = sc::train::accuracy_of_records(eval, 0, 1000);
  if (h.tta) {
    const auto e = sc::train::evaluate(model, test, sc::train::EvalOptions(eval_opts).tta_flip(true));
    summary["tta_flip_test_accuracy"] = e.accuracy;
    if (cifar10) summary["tta_flip_test_accuracy_records_0_999"] = sc::train::accuracy_of_records(e, 0, 1000);
  }
  summary.update({{"total_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()},
                  {"lr_max", h.lr_max},
                  {"lr_min", h.lr_min},
                  {"seed", h.seed},
                  {"device", rt.device.str()}});
  if (replicas->is_main()) sc::io::write_json(folder / "summary.json", summary);
  return summary;
}

int main(int argc, char** argv) {
  Cli c;
  CLI::App app{"Train the custom ResNet on CIFAR-10 with the super-convergence recipe (superconv)."};
  add_options(app, c);
  try {
    app.parse(argc, argv);
    settle(app, c);
    try {  // options that give no valid schedule (a phase without steps) are a usage error too
      const auto records = c.h.train_limit > 0 ? c.h.train_limit : 50000;  // CIFAR's; a folder's is checked in run()
      if (c.h.lr_max > 0 && c.h.epochs > 0 && (c.h.dataset != "folder" || c.h.train_limit > 0))
        sc::optim::OneCycle(one_cycle(c.h, sc::data::DeviceLoader::batches_per_epoch(records, c.h.batch_size)));
    } catch (const c10::Error& e) {
      throw CLI::ValidationError(fmt::format("--epochs {}, --peak-epoch {}, --schedule-step {}: {}", c.h.epochs,
                                             c.h.peak_epoch, c.h.schedule_step, e.what_without_backtrace()));
    }
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const std::exception& e) {  // CLI11's errors, a bad run folder, a schedule with an empty phase
    std::cerr << "error: " << sc::system::error_message(e) << "\n(--help lists the options)\n";
    return 2;
  }
  auto& h = c.h;
  if (c.schedule_only) {  // the schedule as CSV, the whole of stdout; no data needed
    const auto batches =
        sc::data::DeviceLoader::batches_per_epoch(h.train_limit > 0 ? h.train_limit : 50000, h.batch_size);
    const sc::optim::OneCycle s(one_cycle(h, batches));
    sc::io::write_schedule_csv(std::cout, s, s.options().total_steps(), h.schedule_step == "batch" ? batches : 1);
    return 0;
  }
  try {
    auto rt =
        sc::system::set_up_runtime(sc::system::RuntimeOptions()
                                       .device(h.device)
                                       .threads(h.threads > 0 ? h.threads : sc::distributed::threads_per_local_rank())
                                       .amp(h.amp)
                                       .channels_last(h.channels_last)
                                       .retain_heap(h.retain_heap));
    h.amp = rt.amp, h.channels_last = rt.channels_last;
    rt.device = sc::distributed::device_for_local_rank(rt.device, sc::distributed::launch_environment().local_rank);
    const auto replicas = sc::distributed::from_environment(sc::distributed::ProcessGroupOptions().device(rt.device));
    if (!replicas->is_main()) std::cout.rdbuf(nullptr);  // rank 0 alone prints (errors still go to std::cerr)
    std::cout << fmt::format("superconv {} | LibTorch {} | {}\n", sc::version(), TORCH_VERSION, rt.describe());
    const auto data = load_data(h, replicas->is_main() ? &std::cout : nullptr);
    std::cout << fmt::format("data {}: train {}, test {}, {} classes, {}x{}x{}\n", data.source, data.train.size(),
                             data.test.size(), data.train.classes.size(), data.train.channels(), data.train.height(),
                             data.train.width());
    const fs::path out(c.out);
    if (c.resume.empty() && replicas->is_main())
      sc::io::write_json(out / "config.json", {{"hyperparameters", h}});  // resumable at once
    std::vector<Json> runs;
    for (std::int64_t r = 0; r < h.runs; ++r) {
      auto hr = h;
      hr.seed = h.seed + static_cast<std::uint64_t>(r), hr.runs = 1;
      const auto folder = h.runs > 1 ? out / fmt::format("seed-{}", hr.seed) : out;
      runs.push_back(run(hr, folder, !c.resume.empty(), data, rt, c.find_lr_only, replicas));
    }
    if (c.find_lr_only) return 0;
    std::vector<std::string> figures = {"final_test_accuracy", "total_seconds", "test_accuracy_records_0_999"};
    if (h.dataset != "cifar10") figures.pop_back();  // CIFAR-10's exact test records
    if (h.runs > 1 && replicas->is_main()) sc::io::write_json(out / "summary.json", sc::io::aggregate(runs, figures));
    std::vector<sc::io::Column> columns = {
        {figures[0], "test acc (all)", 100}, {figures[1], "seconds", 1, "{:.1f}"}, {"lr_max", "lr_max", 1, "{:.4g}"}};
    if (figures.size() > 2) columns.insert(columns.begin() + 1, {figures[2], "acc (0-999)", 100});
    std::cout << "\n" << sc::io::summary_table(runs, columns) << "run folder: " << out.string() << "\n";
    return 0;
  } catch (const sc::train::Interrupted& e) {
    const auto world = sc::distributed::launch_environment();  // each rank says where it stopped; rank 0 how to go on
    std::string text = fmt::format("\n{}\n", e.what());
    if (world.rank == 0) {
      text += fmt::format("resume with: {}{} --resume {}\n",
                          world.world_size > 1 ? "the same torchrun command, running " : "", argv[0], c.out);
    }
    std::cerr << text;                        // one write: the ranks' lines do not interleave
    return sc::train::interrupt_exit_code();  // 128 + the signal: 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP
  } catch (const std::exception& e) {
    std::cerr << "error: " << sc::system::error_message(e) << "\n";
    return 1;
  }
}
