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
#include <superconv/distributed/launch.hpp>  // torchrun: data-parallel ranks (README "Scaling out")
#include <superconv/superconv.hpp>

#include <iostream>
#include <optional>

namespace sc = superconv;
namespace fs = std::filesystem;
using sc::io::Json;

// ---- Hyperparameters: the recipe's defaults; config.json holds them as the run used them ----------------------------
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
  std::string dataset = "cifar10", labels = "fine";  // cifar10|cifar100|folder|shards; CIFAR-100: fine|coarse labels
  std::string train_dir, test_dir;    // folder: root/<class>/*.png|jpg|bmp (no test_dir: hold out); shards: folders
  std::string stream = "auto";        // folder/shards: read as training goes (auto: shards, or a set too large)
  std::int64_t workers = 0;           // streaming: decoding threads (0: the usable CPUs)
  double holdout = 0.2;               // folder without --test-dir: fraction held out (per class) for testing
  std::uint64_t split_seed = 0;       // ... drawn with this seed (fixed across --runs)
  std::int64_t image_size = 32;       // folder: every image resized to image_size x image_size (stb)
  std::string bad_images = "stop";    // folder: an undecodable file stops the run, or is skipped and counted
  std::string init_weights;           // start from this state dict (model.pt, or PyTorch's torch.save(state_dict()))
  std::string data, device = "auto";  // may change on --resume, as threads and retain_heap may
  int threads = 0;                    // CPU threads (0: all cores)
  bool retain_heap = true;            // CPU: keep freed memory in the heap (system/heap.hpp)
  bool tensorboard = true;            // TensorBoard event files in the run folder (--no-tensorboard)
  bool cuda_graphs = false;           // capture the training step as a CUDA graph (train/step_capture.hpp)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Hyperparameters, epochs, batch_size, peak_epoch, lr_max, lr_min,
                                                div_factor, lr_suggestion, finder_iters, finder_start, finder_end,
                                                momentum_min, momentum_max, schedule_step, anneal, weight_decay,
                                                label_smoothing, logit_scale, width, train_limit, test_limit, amp,
                                                channels_last, tta, seed, runs, dataset, labels, train_dir, test_dir,
                                                holdout, split_seed, image_size, bad_images, stream, workers,
                                                init_weights, data, device, threads, retain_heap, tensorboard,
                                                cuda_graphs)

// The schedule: One Cycle over the run, peak at --peak-epoch, LR min = max / div_factor, no annihilation.
sc::optim::OneCycleOptions one_cycle(const Hyperparameters& h, std::int64_t batches_per_epoch) {
  return sc::optim::OneCycleOptions(h.lr_max, h.epochs * (h.schedule_step == "batch" ? batches_per_epoch : 1))
      .pct_start(h.peak_epoch / static_cast<double>(h.epochs))
      .div_factor(sc::optim::div_factor_for(h.lr_max, h.lr_min))
      .final_div_factor(1.0)  // no annihilation: the last LR is lr_min
      .anneal(h.anneal == "cos" ? sc::optim::Anneal::kCos : sc::optim::Anneal::kLinear)
      .base_momentum(h.momentum_min)
      .max_momentum(h.momentum_max);
}

#include "cli.hpp"   // the option table and its checks
#include "data.hpp"  // --dataset: CIFAR-10, CIFAR-100 or an image folder; the model card

// One seed's run in `folder`: data -> model -> LR range test -> One Cycle -> train -> evaluate -> files; its summary.
Json run(Hyperparameters h, const fs::path& folder, bool resume, const RecipeData& data,
         const sc::distributed::Process& process, bool find_lr_only) {  // rank 0 prints and writes; all restore
  const auto& rt = process.runtime;
  const auto& replicas = process.replicas;
  const auto point = sc::io::resume_point(folder, resume, *replicas);  // rank 0's view, for every rank
  if (point.finished) return sc::io::read_json(folder / "summary.json");
  const auto saved = sc::io::resumed_config(folder, point, resume, "lr_range_test");  // null members: a new run
  if (!saved.settings.is_null()) h = saved.settings;  // the run's own, as it was given them
  const Hyperparameters given = h;
  const auto per_rank = sc::distributed::per_rank_batch(h.batch_size, replicas->size());
  const auto world = sc::io::world_json(*replicas, per_rank, process.backend());
  const sc::io::RunStart start(h.seed, rt.device.str(), world);  // summary.json's seconds count from here
  torch::manual_seed(h.seed);
  // ---- Data: the whole set on the device, augmented there; or streamed (RandomResizedCrop + flip as it decodes)
  // -------
  auto opts = sc::data::DeviceLoaderOptions(per_rank).rank(replicas->rank()).world_size(replicas->size());
  opts.device(rt.device).seed(h.seed).channels_last(h.channels_last).mean(data.mean).std(data.std);
  auto rest = [&](auto& train, auto& test, const sc::io::ImagesOf& test_images) -> Json {
    // ---- Model and optimizer
    // ------------------------------------------------------------------------------------------
    const auto classes = static_cast<std::int64_t>(data.train.classes.size());
    auto model_opts = sc::nn::CustomResNetOptions().width(h.width).num_classes(classes).logit_scale(h.logit_scale);
    sc::nn::CustomResNet model(model_opts.in_channels(data.train_stream ? 3 : data.train.channels()));
    model->to(rt.device);
    if (!h.init_weights.empty()) sc::nn::load_state_dict(*model, h.init_weights);  // names any mismatch
    if (h.channels_last) sc::nn::to_channels_last(*model);
    auto sgd_opts = torch::optim::SGDOptions(0.01).momentum(h.momentum_max).nesterov(true).weight_decay(h.weight_decay);
    const auto groups = sc::optim::weight_decay_groups(*model, sgd_opts);
    sc::optim::FusedSGD sgd(groups, sgd_opts);  // torch::optim::SGD in foreach kernels; no decay on BN and biases
    const auto forward = sc::train::ForwardOptions().amp(h.amp).channels_last(h.channels_last);
    sc::tensorboard::TensorBoard board(
        folder, sc::tensorboard::TensorBoardOptions().enabled(h.tensorboard && replicas->is_main()));
    // ---- LR range test -> lr_max, lr_min (a run resumed from its checkpoint keeps those it found)
    // ---------------------
    Json found = saved.found;  // null: none found yet (a run resumed without a checkpoint runs the test again)
    if (found.is_null() && h.lr_max <= 0 && h.epochs > 0 && replicas->is_main()) {  // on rank 0, over whole global
      auto whole = train.whole();  // batches; then shared (--finder-start, --finder-end, --finder-iters; or --lr-max)
      const auto curve = sc::io::find_lr_into(
          folder, model, sgd, whole, sc::optim::LRRangeTestOptions(h.finder_start, h.finder_end, h.finder_iters),
          h.lr_suggestion, forward, &std::cout);
      found = sc::io::lr_range_test_record(curve, h.lr_suggestion, h.div_factor);  // config.json's "lr_range_test"
      board.add_lr_range_test(curve);
    }
    if (!found.is_null()) h.lr_max = found.at("lr_max"), h.lr_min = found.at("lr_min");
    sc::distributed::broadcast_values(*replicas, {&h.lr_max, &h.lr_min});
    if (replicas->is_main())
      sc::io::write_run_config(
          folder,
          {{"hyperparameters", given}, {"lr_range_test", found}, {"model", model_card(h, data)}, {"world", world}},
          rt.describe());
    if (find_lr_only) return Json();
    std::vector<sc::train::EpochStats> history;
    std::optional<sc::train::EvalResult> last_eval;
    double train_images_per_second = 0;
    if (h.epochs > 0) {  // (--epochs 0 --init-weights: evaluate only)
      // ---- One Cycle
      // --------------------------------------------------------------------------------------------------
      sc::optim::OneCycle schedule(sgd, one_cycle(h, train.size()));
      if (replicas->is_main())
        sc::io::write_schedule_png(folder / "schedule.png", schedule, schedule.options().total_steps(), "One Cycle",
                                   h.schedule_step);
      // ---- Train
      // ------------------------------------------------------------------------------------------------------
      auto topts = sc::train::TrainerOptions().forward(forward).loss(sc::train::cross_entropy_loss(h.label_smoothing));
      topts.replicas(replicas).step_per_batch(h.schedule_step == "batch").log(&std::cout);
      topts.checkpoint((folder / "checkpoint.pt").string());
      sc::train::Trainer trainer(model, sgd, &schedule, topts.cuda_graph(h.cuda_graphs));
      if (point.from_checkpoint) trainer.load_checkpoint(folder / "checkpoint.pt", train);
      sc::io::log_run(trainer, folder, replicas->is_main(), std::cout);  // epoch lines, metrics.csv (resumed: its rows)
      board.attach(trainer);  // `tensorboard --logdir runs` shows the run as it trains
      {
        sc::train::InterruptGuard stop;  // Ctrl-C, SIGTERM, SIGHUP: finish the step, save, stop
        trainer.fit(train, test, h.epochs);
      }
      history = trainer.history(), last_eval = trainer.last_evaluation();
      train_images_per_second = trainer.train_images_per_second();
    }
    // ---- Evaluate and report
    // ------------------------------------------------------------------------------------------
    const auto eval_opts = sc::train::EvalOptions().forward(forward).replicas(replicas);
    const auto eval = last_eval ? *last_eval : sc::train::evaluate(model, test, eval_opts);
    if (replicas->is_main())  // model.pt (PyTorch's torch.load opens it), predictions.csv, pictures, gradcam.png
      sc::io::write_run_results(
          folder, model, eval, history, test_images, data.test.classes,
          [&](const at::Tensor& r) { return test.gather(r).input; }, data.test_files);
    auto summary = sc::io::run_summary(history, eval, train_images_per_second);
    const bool cifar10 = h.dataset == "cifar10";  // its test records 0-999 are exact in this project's copy
    if (cifar10) summary["test_accuracy_records_0_999"] = sc::train::accuracy_of_records(eval, 0, 1000);
    if (h.tta) {
      const auto e =
          sc::train::evaluate(model, test, sc::train::EvalOptions(eval_opts).tta_views(sc::train::flip_views()));
      summary["tta_flip_test_accuracy"] = e.accuracy;
      if (cifar10) summary["tta_flip_test_accuracy_records_0_999"] = sc::train::accuracy_of_records(e, 0, 1000);
    }
    summary.update({{"lr_max", h.lr_max}, {"lr_min", h.lr_min}});
    summary = sc::io::write_run_summary(folder, summary, start, replicas->is_main());  // + seconds, seed, device, world
    board.finish(
        Json(given),
        {{"final/test_acc", eval.accuracy}, {"final/seconds", summary["total_seconds"].template get<double>()}},
        folder);
    return summary;
  };
  return with_loaders(h, data, opts, rest);  // data.hpp: in memory, or streamed
}

int main(int argc, char** argv) {
  Cli c;
  CLI::App app{"Train the custom ResNet on CIFAR-10 with the super-convergence recipe (superconv)."};
  add_options(app, c);  // cli.hpp's option table; settle() resumes and checks it; a bad option exits 2, --help 0
  if (const auto code = parse_command_line(app, argc, argv, [&] { settle(app, c); })) return *code;
  auto& h = c.h;
  if (c.schedule_only) return print_schedule(h);  // the schedule as CSV, the whole of stdout; no data needed
  const auto launch = sc::distributed::launch_environment();
  return sc::io::run_guarded(
      [&] {
        auto runtime = sc::system::RuntimeOptions().device(h.device).threads(h.threads).retain_heap(h.retain_heap);
        const auto process = sc::distributed::set_up_process(runtime.amp(h.amp).channels_last(h.channels_last));
        h.amp = process.runtime.amp, h.channels_last = process.runtime.channels_last;
        const auto& replicas = process.replicas;
        if (!replicas->is_main()) std::cout.rdbuf(nullptr);  // rank 0 alone prints (errors still go to std::cerr)
        std::cout << sc::io::run_banner(process.runtime.describe(), replicas->size(), process.backend());
        const auto data = load_data(h, replicas->is_main() ? &std::cout : nullptr);  // and says what it read
        if (c.resume.empty() && replicas->is_main())
          sc::io::write_json(fs::path(c.out) / "config.json", {{"hyperparameters", h}});  // resumable at once
        std::vector<std::string> figures = {"final_test_accuracy", "total_seconds", "test_accuracy_records_0_999"};
        if (h.dataset != "cifar10") figures.pop_back();  // CIFAR-10's exact test records
        const auto runs = sc::io::run_seeds(c.out, h, figures, replicas->is_main() && !c.find_lr_only,
                                            [&](const Hyperparameters& hs, const fs::path& folder) {
                                              return run(hs, folder, !c.resume.empty(), data, process, c.find_lr_only);
                                            });
        if (c.find_lr_only) return 0;
        std::vector<sc::io::Column> columns = {{figures[0], "test acc (all)", 100},
                                               {figures[1], "seconds", 1, "{:.1f}"},
                                               {"lr_max", "lr_max", 1, "{:.4g}"}};
        if (figures.size() > 2) columns.insert(columns.begin() + 1, {figures[2], "acc (0-999)", 100});
        std::cout << sc::io::closing_table(runs, columns, c.out);
        return 0;
      },
      sc::io::resume_command(argv[0], c.out, launch.world_size), launch.rank == 0);
}
