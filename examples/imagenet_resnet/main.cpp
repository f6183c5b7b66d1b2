// imagenet_resnet: an ImageNet-style recipe on full-size images, assembled from superconv's parts.
//
// A torchvision ResNet (--arch resnet18 | resnet50 | ...) on an ImageNet-layout folder (root/<class>/*.jpg|png) or
// WebDataset shards, streamed: RandomResizedCrop + flip while decoding, progressive resizing (training images rising
// from --res-start to --res-end pixels over the run, as FFCV's ResNet configurations train), evaluation larger
// (--image-size, Resize + CenterCrop) with test-time flip. LR range test -> One Cycle (peak at 2/16 of the run, as
// FFCV's), label smoothing 0.1, SGD with Nesterov momentum, no weight decay on BatchNorm and biases, zero-initialised
// last BatchNorm of each block. The run folder, pictures, TensorBoard, --resume, torchrun and exit codes are
// cifar10_resnet's; `predict --run` loads the model (its card names the architecture and the crop).
#include <superconv/distributed/launch.hpp>
#include <superconv/superconv.hpp>

#include <iostream>
#include <optional>

namespace sc = superconv;
namespace fs = std::filesystem;
using sc::io::Json;

// ---- Hyperparameters: the recipe's defaults; config.json holds them as the run used them ----------------------------
struct Hyperparameters {
  std::string arch = "resnet18", train_dir, test_dir, dataset = "auto";  // auto: shards when the folder has .tar files
  std::int64_t epochs = 16, batch_size = 256, image_size = 224;          // image_size: evaluation crop (pixels)
  std::int64_t res_start = 0, res_end = 0, res_step = 0;  // 0: image_size x 160/224 and 192/224; 32 (8 under 160 px)
  double ramp_start = 11.0 / 16, ramp_end = 13.0 / 16;    // fractions of the run (FFCV's rn18: 11, 13)
  double peak_epoch = 0, lr_max = 0, lr_min = 0, div_factor = 10;  // peak 0: 2/16 of the epochs
  std::string lr_suggestion = "min_loss";
  std::int64_t finder_iters = 100;
  double finder_start = 1e-4, finder_end = 10, momentum_min = 0.85, momentum_max = 0.95;
  double weight_decay = 5e-5, label_smoothing = 0.1;  // decay on conv and fc weights only
  bool zero_init_residual = true, tta = true;
  std::int64_t train_limit = 0, test_limit = 0, workers = 0;
  std::string bad_images = "stop", init_weights, device = "auto";
  int amp = -1, channels_last = -1, threads = 0;
  std::uint64_t seed = 0;
  std::int64_t runs = 1;
  bool retain_heap = true, tensorboard = true;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Hyperparameters, arch, train_dir, test_dir, dataset, epochs, batch_size,
                                                image_size, res_start, res_end, res_step, ramp_start, ramp_end,
                                                peak_epoch, lr_max, lr_min, div_factor, lr_suggestion, finder_iters,
                                                finder_start, finder_end, momentum_min, momentum_max, weight_decay,
                                                label_smoothing, zero_init_residual, tta, train_limit, test_limit,
                                                workers, bad_images, init_weights, device, amp, channels_last, threads,
                                                seed, runs, retain_heap, tensorboard)

// Training sizes by epoch: res_start to ramp_start, res_end from ramp_end, FFCV's rounded interpolation between.
sc::data::ProgressiveResize progressive(const Hyperparameters& h) {
  const auto at = [&](double f) { return static_cast<std::int64_t>(f * static_cast<double>(h.epochs) + 0.5); };
  return sc::data::ProgressiveResize(h.res_start, h.res_end, at(h.ramp_start), at(h.ramp_end)).step(h.res_step);
}

// One Cycle over the run, steps per batch, peak at --peak-epoch, no annihilation.
sc::optim::OneCycleOptions one_cycle(const Hyperparameters& h, std::int64_t batches_per_epoch) {
  return sc::optim::OneCycleOptions(h.lr_max, h.epochs * batches_per_epoch)
      .pct_start(h.peak_epoch / static_cast<double>(h.epochs))
      .div_factor(sc::optim::div_factor_for(h.lr_max, h.lr_min))
      .final_div_factor(1.0)
      .base_momentum(h.momentum_min)
      .max_momentum(h.momentum_max);
}

#include "cli.hpp"   // the option table and its checks
#include "data.hpp"  // the streamed folders or shards, the model card

// One seed's run in `folder`: model -> LR range test -> One Cycle -> train -> evaluate (+ TTA) -> files; its summary.
Json run(Hyperparameters h, const fs::path& folder, bool resume, const RecipeData& data,
         const sc::distributed::Process& process, bool find_lr_only) {
  const auto& rt = process.runtime;
  const auto& replicas = process.replicas;
  const auto point = sc::io::resume_point(folder, resume, *replicas);
  if (point.finished) return sc::io::read_json(folder / "summary.json");
  const auto saved = sc::io::resumed_config(folder, point, resume, "lr_range_test");
  if (!saved.settings.is_null()) h = saved.settings;
  const Hyperparameters given = h;
  const auto per_rank = sc::distributed::per_rank_batch(h.batch_size, replicas->size());
  const auto world = sc::io::world_json(*replicas, per_rank, process.backend());
  const sc::io::RunStart start(h.seed, rt.device.str(), world);
  torch::manual_seed(h.seed);
  // ---- Data: decoded as it trains, cropped and flipped while decoding, sized by epoch ------------------------------
  auto opts = sc::data::DeviceLoaderOptions(per_rank).rank(replicas->rank()).world_size(replicas->size());
  opts.device(rt.device).seed(h.seed).channels_last(h.channels_last).mean(data.mean).std(data.std);
  auto so = sc::data::StreamingLoaderOptions(h.image_size).workers(static_cast<int>(h.workers)).batches(opts);
  sc::data::StreamingLoader train(data.train, so.progressive(progressive(h)).skip_bad(h.bad_images == "skip"));
  sc::data::StreamingLoader test(data.test, so.augment(false).batches(opts.shuffle(false)));
  std::cout << "streaming: " << train.describe() << "\n"
            << "training sizes: " << so.progressive().describe() << "; evaluation " << h.image_size << " px\n";
  // ---- Model and optimizer -----------------------------------------------------------------------------------------
  const auto classes = static_cast<std::int64_t>(data.train->classes.size());
  sc::nn::ResNet model(sc::nn::resnet_options(h.arch, classes).zero_init_residual(h.zero_init_residual));
  model->to(rt.device);
  if (!h.init_weights.empty()) sc::nn::load_state_dict(*model, h.init_weights);
  if (h.channels_last) sc::nn::to_channels_last(*model);
  auto sgd_opts = torch::optim::SGDOptions(0.01).momentum(h.momentum_max).nesterov(true).weight_decay(h.weight_decay);
  sc::optim::FusedSGD sgd(sc::optim::weight_decay_groups(*model, sgd_opts), sgd_opts);
  const auto forward = sc::train::ForwardOptions().amp(h.amp).channels_last(h.channels_last);
  sc::tensorboard::TensorBoard board(
      folder, sc::tensorboard::TensorBoardOptions().enabled(h.tensorboard && replicas->is_main()));
  // ---- LR range test -> lr_max, lr_min (at the first epoch's size) -------------------------------------------------
  Json found = saved.found;
  if (found.is_null() && h.lr_max <= 0 && h.epochs > 0 && replicas->is_main()) {
    auto whole = train.whole();
    const auto curve = sc::io::find_lr_into(folder, model, sgd, whole,
                                            sc::optim::LRRangeTestOptions(h.finder_start, h.finder_end, h.finder_iters),
                                            h.lr_suggestion, forward, &std::cout);
    found = sc::io::lr_range_test_record(curve, h.lr_suggestion, h.div_factor);
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
  double images_per_second = 0;
  if (h.epochs > 0) {  // (--epochs 0 --init-weights: evaluate only)
    // ---- One Cycle, then train
    // ---------------------------------------------------------------------------------------
    sc::optim::OneCycle schedule(sgd, one_cycle(h, train.size()));
    if (replicas->is_main())
      sc::io::write_schedule_png(folder / "schedule.png", schedule, schedule.options().total_steps(), "One Cycle",
                                 "batch");
    auto topts = sc::train::TrainerOptions().forward(forward).loss(sc::train::cross_entropy_loss(h.label_smoothing));
    topts.replicas(replicas).log(&std::cout).checkpoint((folder / "checkpoint.pt").string());
    sc::train::Trainer trainer(model, sgd, &schedule, topts);
    if (point.from_checkpoint) trainer.load_checkpoint(folder / "checkpoint.pt", train);
    sc::io::log_run(trainer, folder, replicas->is_main(), std::cout);
    board.attach(trainer);
    {
      sc::train::InterruptGuard stop;  // Ctrl-C, SIGTERM, SIGHUP: finish the step, save, stop
      trainer.fit(train, test, h.epochs);
    }
    history = trainer.history(), last_eval = trainer.last_evaluation();
    images_per_second = trainer.train_images_per_second();
  }
  // ---- Evaluate (and with flip TTA), report
  // --------------------------------------------------------------------------
  const auto eval_opts = sc::train::EvalOptions().forward(forward).replicas(replicas);
  const auto eval = last_eval ? *last_eval : sc::train::evaluate(model, test, eval_opts);
  if (replicas->is_main())
    sc::io::write_run_results(
        folder, model, eval, history, [&test](const at::Tensor& r) { return test.images(r); }, data.train->classes,
        [&](const at::Tensor& r) { return test.gather(r).input; }, data.test_files);
  auto summary = sc::io::run_summary(history, eval, images_per_second);
  if (h.tta) {
    const auto e =
        sc::train::evaluate(model, test, sc::train::EvalOptions(eval_opts).tta_views(sc::train::flip_views()));
    summary["tta_flip_test_accuracy"] = e.accuracy;
  }
  summary.update({{"lr_max", h.lr_max}, {"lr_min", h.lr_min}, {"arch", h.arch}});
  summary = sc::io::write_run_summary(folder, summary, start, replicas->is_main());
  board.finish(Json(given),
               {{"final/test_acc", eval.accuracy}, {"final/seconds", summary["total_seconds"].template get<double>()}},
               folder);
  return summary;
}

int main(int argc, char** argv) {
  Cli c;
  CLI::App app{"Train a torchvision ResNet on an ImageNet-layout folder or shards, streamed (superconv)."};
  add_options(app, c);  // cli.hpp: a bad option exits 2 before any data is read, --help 0
  if (const auto code = parse_command_line(app, argc, argv, [&] { settle(app, c); })) return *code;
  auto& h = c.h;
  const auto launch = sc::distributed::launch_environment();
  return sc::io::run_guarded(
      [&] {
        auto runtime = sc::system::RuntimeOptions().device(h.device).threads(h.threads).retain_heap(h.retain_heap);
        const auto process = sc::distributed::set_up_process(runtime.amp(h.amp).channels_last(h.channels_last));
        h.amp = process.runtime.amp, h.channels_last = process.runtime.channels_last;
        const auto& replicas = process.replicas;
        if (!replicas->is_main()) std::cout.rdbuf(nullptr);
        std::cout << sc::io::run_banner(process.runtime.describe(), replicas->size(), process.backend());
        const auto data = load_data(h, replicas->is_main() ? &std::cout : nullptr);  // classes checked, named
        if (c.resume.empty() && replicas->is_main())
          sc::io::write_json(fs::path(c.out) / "config.json", {{"hyperparameters", h}});
        std::vector<std::string> figures = {"final_test_accuracy", "total_seconds", "tta_flip_test_accuracy"};
        if (!h.tta) figures.pop_back();
        const auto runs = sc::io::run_seeds(c.out, h, figures, replicas->is_main() && !c.find_lr_only,
                                            [&](const Hyperparameters& hs, const fs::path& folder) {
                                              return run(hs, folder, !c.resume.empty(), data, process, c.find_lr_only);
                                            });
        if (c.find_lr_only) return 0;
        std::vector<sc::io::Column> columns = {
            {figures[0], "test acc", 100}, {figures[1], "seconds", 1, "{:.1f}"}, {"lr_max", "lr_max", 1, "{:.4g}"}};
        if (h.tta) columns.insert(columns.begin() + 1, {figures[2], "acc (flip TTA)", 100});
        std::cout << sc::io::closing_table(runs, columns, c.out);
        return 0;
      },
      sc::io::resume_command(argv[0], c.out, launch.world_size), launch.rank == 0);
}
