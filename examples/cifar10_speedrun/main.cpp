// cifar10_speedrun: 94 % on CIFAR-10 in minutes - the airbench94 Muon recipe (Jordan 2024), assembled from superconv.
//
// Whitening conv 2x2 (filters from the patch covariance of 5,000 training images, bias trained for 3 epochs) > GELU >
// ConvGroups 64/256/256 (conv > pool > BN > GELU > conv > BN > GELU, BN scale frozen, Dirac init) > max-pool > linear
// / 256. Batch 2,000, 8 epochs, summed label-smoothed (0.2) cross-entropy; Muon (lr 0.24, Nesterov 0.6, 3
// Newton-Schulz steps, weights renormalised) on the filters, SGD Nesterov 0.85 on BN biases and the whitening bias (lr
// 0.053) and the head (lr 0.67), decay 2e-6 x batch / lr; every LR falls linearly to 0 (the whitening bias's over its 3
// epochs); translate 2 px + alternating flip; 6-view TTA. --optimizer sgd: airbench94 (Nesterov SGD, triangular LR,
// Lookahead; batch 1,024, 10 epochs - the published 9.9 rounded up to whole epochs -, logits / 9).
//
// Measured: see README "94 % in minutes" (mean and spread over 5 seeds, time per run, the PyTorch reference).
#include <superconv/distributed/launch.hpp>  // torchrun: data-parallel ranks
#include <superconv/superconv.hpp>

#include <fmt/format.h>

#include <iostream>

namespace sc = superconv;
namespace fs = std::filesystem;
using sc::io::Json;

// ---- Hyperparameters: the published recipe's values; config.json holds them as the run used them --------------------
struct Hyperparameters {
  std::int64_t epochs = 8, batch_size = 2000, whiten_bias_epochs = 3;  // batch in images; last partial batch dropped
  std::string optimizer = "muon";  // muon | sgd (airbench94: SGD + Lookahead; batch 1024, 10 epochs, logits / 9)
  double muon_lr = 0.24, muon_momentum = 0.6, bias_lr = 0.053, head_lr = 0.67, sgd_momentum = 0.85;
  double sgd_lr = 11.5, sgd_weight_decay = 0.0153, bias_scaler = 64;  // --optimizer sgd: per 1,024 images
  double logit_scale = 0;                                             // 0: 1 / 256 (the head's width)
  bool cuda_graphs = false;                                           // capture the step as a CUDA graph
  std::int64_t ns_steps = 3;                                          // Newton-Schulz iterations per Muon step
  double weight_decay = 2e-6, label_smoothing = 0.2;     // decay per image: x batch / group lr, coupled (PyTorch SGD)
  double whiten_eps = 5e-4;                              // eigenvalue floor of the whitening filters
  std::int64_t whiten_images = 5000, translate = 2;      // images for the patch covariance; max shift in pixels
  std::string flip = "alternating", tta = "flip_shift";  // alternating | random | none; flip_shift | flip | none
  std::int64_t eval_every = 0;                           // also evaluate (no TTA) every N epochs; 0: at the end only
  bool tensorboard = true;                               // TensorBoard event files in the run folder (--no-tensorboard)
  std::int64_t train_limit = 0, test_limit = 0;          // first N records (0: all)
  int amp = -1, channels_last = -1;                      // -1: on for CUDA and for CPUs with native bf16
  std::uint64_t seed = 0;
  std::int64_t runs = 1;                      // seeds seed..seed+runs-1
  std::string data, shards, device = "auto";  // shards: DIR/train and DIR/test instead of the binary files
  bool stream = false;                        // stream the training shards rather than read them into memory
  int threads = 0;                            // CPU threads (0: all cores)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Hyperparameters, epochs, batch_size, whiten_bias_epochs, optimizer,
                                                muon_lr, muon_momentum, bias_lr, head_lr, sgd_momentum, ns_steps,
                                                sgd_lr, sgd_weight_decay, bias_scaler, logit_scale, cuda_graphs,
                                                weight_decay, label_smoothing, whiten_eps, whiten_images, translate,
                                                flip, tta, eval_every, train_limit, test_limit, amp, channels_last,
                                                tensorboard, seed, runs, data, shards, stream, device, threads)

#include "cli.hpp"         // the option table and its checks
#include "data.hpp"        // CIFAR-10 from its binary files or its shards (--shards, --stream)
#include "optimizers.hpp"  // Muon (airbench94_muon) or SGD (airbench94)

template <typename TrainLoader>
Json train_and_report(const Hyperparameters& h, const fs::path& folder, const Data& data,
                      const sc::distributed::Process& process, const sc::io::ResumePoint& point,
                      const sc::io::RunStart& start, const Json& world, TrainLoader& train,
                      sc::data::DeviceLoader& test);

// One seed's run in `folder`: data -> whitening -> Muon + SGD groups -> train -> TTA evaluation -> files.
Json run(Hyperparameters h, const fs::path& folder, const Data& data, const sc::distributed::Process& process,
         bool resume) {
  auto& replicas = *process.replicas;
  const auto point = sc::io::resume_point(folder, resume, replicas);
  if (point.finished) return sc::io::read_json(folder / "summary.json");
  const auto per_rank = sc::distributed::per_rank_batch(h.batch_size, replicas.size());
  const auto world = sc::io::world_json(replicas, per_rank, process.backend());
  const sc::io::RunStart start(h.seed, process.runtime.device.str(), world);  // summary.json's seconds count from here
  torch::manual_seed(h.seed);
  // ---- Data: the whole set on the device, augmented there -----------------------------------------------------------
  auto opts = sc::data::DeviceLoaderOptions(per_rank).rank(replicas.rank()).world_size(replicas.size());
  opts.device(process.runtime.device).seed(h.seed).channels_last(h.channels_last).drop_last(true);
  opts.mean(sc::data::cifar10_mean()).std(sc::data::cifar10_std());
  sc::data::DeviceLoader test(data.test.images, data.test.targets, opts.shuffle(false).drop_last(false));
  opts.shuffle(true).drop_last(true);
  if (data.stream) {  // 32 x 32 records at 32 x 32: Resize(32) + CenterCrop(32) takes them as they are
    auto streamed = sc::data::StreamingLoaderOptions(32).resize(32).augment(false).batches(opts);
    sc::data::StreamingLoader train(data.stream, streamed);
    std::cout << "streaming: " << train.describe() << "\n";
    return train_and_report(h, folder, data, process, point, start, world, train, test);
  }
  sc::data::DeviceLoader train(data.train.images, data.train.targets, opts);
  return train_and_report(h, folder, data, process, point, start, world, train, test);
}

// The rest of a run, whichever loader trains: augmentation, whitening, optimizer, training, TTA evaluation, files.
template <typename TrainLoader>
Json train_and_report(const Hyperparameters& h, const fs::path& folder, const Data& data,
                      const sc::distributed::Process& process, const sc::io::ResumePoint& point,
                      const sc::io::RunStart& start, const Json& world, TrainLoader& train,
                      sc::data::DeviceLoader& test) {
  auto& replicas = *process.replicas;
  namespace T = sc::transforms;
  const auto translate = T::RandomTranslate(h.translate);
  if (h.flip == "alternating")
    train.set_transform(T::Compose(translate, T::AlternatingFlip(T::AlternatingFlipOptions().seed(h.seed))));
  if (h.flip == "random") train.set_transform(T::Compose(translate, T::FlipLR()));
  if (h.flip == "none") train.set_transform(translate);
  // ---- Model: whitening filters from the first training images, normalised as batches are ---------------------------
  sc::nn::AirbenchNet model(sc::nn::AirbenchNetOptions()
                                .logit_scale(h.logit_scale)
                                .unit_std_head(h.optimizer == "muon")
                                .zero_whiten_bias(h.optimizer == "sgd"));
  model->to(process.runtime.device);
  model->init_whitening(train.gather(at::arange(std::min(h.whiten_images, train.num_samples()), at::kLong)).input,
                        h.whiten_eps);
  if (h.channels_last) sc::nn::to_channels_last(*model);
  // ---- Optimizer: one parameter group per rule, one schedule per group (optimizers.hpp) -----------------------------
  const auto steps_per_epoch = train.size();
  auto [optimizer, schedule] =
      h.optimizer == "muon" ? muon_recipe(*model, h, steps_per_epoch) : sgd_recipe(*model, h, steps_per_epoch);
  sc::io::ModelCard card;  // what predict needs to rebuild the model
  card.architecture = "airbench", card.widths = model->options.widths(), card.classes = data.test.classes;
  card.num_classes = 10, card.logit_scale = model->scale();
  card.mean = sc::data::cifar10_mean(), card.std = sc::data::cifar10_std();
  if (replicas.is_main())
    sc::io::write_run_config(folder, {{"hyperparameters", h}, {"model", card}, {"world", world}},
                             process.runtime.describe());
  // ---- Train --------------------------------------------------------------------------------------------------------
  const auto forward = sc::train::ForwardOptions().amp(h.amp).channels_last(h.channels_last);
  auto topts = sc::train::TrainerOptions().forward(forward).loss(
      sc::train::cross_entropy_loss(h.label_smoothing, sc::train::Reduction::kSum));
  topts.replicas(process.replicas)
      .eval_every(h.eval_every)
      .log(&std::cout)
      .checkpoint((folder / "checkpoint.pt").string());
  sc::train::Trainer trainer(model, *optimizer, schedule.get(), topts.cuda_graph(h.cuda_graphs));
  std::optional<sc::train::Lookahead> lookahead;  // airbench94: weights averaged every 5 steps from epoch 4 on
  if (h.optimizer == "sgd") {
    lookahead.emplace(*model, sc::train::LookaheadOptions(h.epochs * steps_per_epoch).start_after(3 * steps_per_epoch));
    lookahead->attach(trainer);  // before a resume: the average is in the checkpoint
  }
  if (point.from_checkpoint) trainer.load_checkpoint(folder / "checkpoint.pt", train);
  trainer.on_epoch_begin([&](const sc::train::EpochStats& s) {  // the whitening bias stops training (LR 0 from here)
    if (s.epoch > h.whiten_bias_epochs) model->whiten->bias.requires_grad_(false);
  });
  sc::io::log_run(trainer, folder, replicas.is_main(), std::cout);  // epoch lines, metrics.csv
  sc::tensorboard::TensorBoard board(
      folder, sc::tensorboard::TensorBoardOptions().enabled(h.tensorboard && replicas.is_main()));
  board.attach(trainer);  // `tensorboard --logdir runs` shows the run as it trains
  {
    sc::train::InterruptGuard stop;  // Ctrl-C, SIGTERM, SIGHUP: finish the step, save, stop
    trainer.fit(train, test, h.epochs);
  }
  // ---- Evaluate with test-time augmentation and report --------------------------------------------------------------
  auto eval_opts = sc::train::EvalOptions().forward(forward).replicas(process.replicas);
  if (h.tta != "none") eval_opts.tta_views(h.tta == "flip" ? sc::train::flip_views() : sc::train::flip_shift_views(1));
  const auto eval = sc::train::evaluate(model, test, eval_opts);
  const auto plain = trainer.last_evaluation() ? *trainer.last_evaluation()  // (resumed after the last epoch)
                                               : sc::train::evaluate(model, test, eval_opts.tta_views({}));
  if (replicas.is_main())
    sc::io::write_run_results(folder, model, eval, trainer.history(), data.test.images, data.test.classes,
                              [&](const at::Tensor& r) { return test.gather(r).input; });
  auto summary = sc::io::run_summary(trainer.history(), eval, trainer.train_images_per_second());
  summary.update({{"test_accuracy_records_0_999", sc::train::accuracy_of_records(eval, 0, 1000)},
                  {"no_tta_test_accuracy", plain.accuracy},
                  {"no_tta_test_accuracy_records_0_999", sc::train::accuracy_of_records(plain, 0, 1000)},
                  {"tta", h.tta}});
  summary = sc::io::write_run_summary(folder, summary, start, replicas.is_main());  // + seconds, seed, device, world
  board.finish(Json(h),
               {{"final/test_acc_tta", eval.accuracy},
                {"final/test_acc", plain.accuracy},
                {"final/seconds", summary["total_seconds"].get<double>()}},
               folder);
  return summary;
}

int main(int argc, char** argv) {
  Cli c;
  CLI::App app{"94 % on CIFAR-10 in minutes: the airbench94 Muon recipe (superconv)."};
  add_options(app, c);  // cli.hpp's option table; settle() resumes and checks it; a bad option exits 2, --help 0
  if (const auto code = parse_command_line(app, argc, argv, [&] { settle(app, c); })) return *code;
  auto& h = c.h;
  const auto launch = sc::distributed::launch_environment();
  return sc::io::run_guarded(
      [&] {
        const auto process = sc::distributed::set_up_process(
            sc::system::RuntimeOptions().device(h.device).threads(h.threads).amp(h.amp).channels_last(h.channels_last));
        h.amp = process.runtime.amp, h.channels_last = process.runtime.channels_last;
        if (!process.replicas->is_main()) std::cout.rdbuf(nullptr);  // rank 0 alone prints (errors: std::cerr)
        std::cout << sc::io::run_banner(process.runtime.describe(), process.replicas->size(), process.backend());
        const auto data = load_cifar10(h);
        if (c.resume.empty() && process.replicas->is_main())
          sc::io::write_json(fs::path(c.out) / "config.json", {{"hyperparameters", h}});  // resumable at once
        const std::vector<std::string> figures = {"final_test_accuracy", "test_accuracy_records_0_999",
                                                  "total_seconds"};
        const auto runs = sc::io::run_seeds(c.out, h, figures, process.replicas->is_main(),
                                            [&](const Hyperparameters& hs, const fs::path& folder) {
                                              return run(hs, folder, data, process, !c.resume.empty());
                                            });
        std::cout << sc::io::closing_table(runs,
                                           {{figures[0], "TTA acc (all)", 100},
                                            {figures[1], "acc (0-999)", 100},
                                            {"no_tta_test_accuracy", "no TTA (all)", 100},
                                            {figures[2], "seconds", 1, "{:.1f}"}},
                                           c.out);
        return 0;
      },
      sc::io::resume_command(argv[0], c.out, launch.world_size), launch.rank == 0);
}
