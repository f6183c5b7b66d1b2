// cifar10_resnet's command line: every option with its check, and how --resume takes the run's own settings.
#pragma once

#include <superconv/io/run_folder.hpp>

#include "../common/one_cycle_options.hpp"  // the LR range test and One Cycle options
#include "../common/options.hpp"            // number checks, on_off, given_keys, parse_command_line

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

struct Cli {
  Hyperparameters h;
  std::string out, resume;
  bool schedule_only = false, find_lr_only = false;
};

inline void add_options(CLI::App& app, Cli& c) {
  auto& h = c.h;
  const auto pos = positive(), nonneg = nonnegative();
  app.add_option("--dataset", h.dataset, "cifar10|cifar100|folder|shards")
      ->check(CLI::IsMember({"cifar10", "cifar100", "folder", "shards"}))
      ->capture_default_str();
  app.add_option("--data", h.data,
                 "CIFAR binary folder (default: $SUPERCONV_DATA or ./data/cifar-10-batches-bin; CIFAR-100: "
                 "$SUPERCONV_CIFAR100 or ./data/cifar-100-binary)");
  app.add_option("--labels", h.labels, "CIFAR-100 labels: fine (100 classes) or coarse (20)")
      ->check(CLI::IsMember({"fine", "coarse"}));
  app.add_option("--train-dir", h.train_dir, "--dataset folder: training images, one sub-folder per class");
  app.add_option("--test-dir", h.test_dir, "--dataset folder: test images, the same class folders");
  app.add_option("--holdout", h.holdout, "--dataset folder without --test-dir: fraction held out for testing")
      ->check(number("FRACTION", "in (0, 1)", [](double v) { return v > 0 && v < 1; }));
  app.add_option("--split-seed", h.split_seed, "seed of the --holdout split")->check(nonneg);
  app.add_option("--stream", h.stream,
                 "folder|shards: read as training goes (auto: shards, or a folder too large "
                 "for memory)")
      ->check(CLI::IsMember({"auto", "on", "off"}));
  app.add_option("--workers", h.workers, "streaming: decoding threads (0: the usable CPUs)")->check(nonneg);
  app.add_option("--image-size", h.image_size, "--dataset folder|shards: images resized (or cropped) to N x N pixels")
      ->check(in_range(16, 4096));
  app.add_option("--bad-images", h.bad_images, "--dataset folder: stop at an unreadable image, or skip and count")
      ->check(CLI::IsMember({"stop", "skip"}));
  app.add_option("--init-weights", h.init_weights,
                 "start from this state dict (a run's model.pt, or PyTorch's torch.save(model.state_dict()))");
  app.add_option("--out", c.out, "run folder (default: runs/<date-time>)");
  app.add_option("--resume", c.resume, "continue the run in this folder (or its checkpoint.pt) with its options");
  app.add_option("--epochs", h.epochs, "epochs (0 with --init-weights: evaluate only)")
      ->check(nonneg)
      ->capture_default_str();
  app.add_option("--peak-epoch", h.peak_epoch, "epoch of the LR peak (default: 5/24 of --epochs)")->check(pos);
  app.add_option("--batch-size", h.batch_size, "images per batch")->check(pos)->capture_default_str();
  add_one_cycle_options(app, h);  // --lr-max ... --momentum-max (common/one_cycle_options.hpp)
  app.add_option("--schedule-step", h.schedule_step, "batch|epoch")->check(CLI::IsMember({"batch", "epoch"}));
  app.add_option("--anneal", h.anneal, "linear|cos")->check(CLI::IsMember({"linear", "cos"}));
  app.add_option("--weight-decay", h.weight_decay, "SGD weight decay")->check(in_range(0, 1));
  app.add_option("--label-smoothing", h.label_smoothing, "label smoothing")->check(in_range(0, 0.99));
  app.add_option("--logit-scale", h.logit_scale, "multiply the logits")->check(pos);
  app.add_option("--width", h.width, "channels of the prep layer")->check(pos)->capture_default_str();
  app.add_option("--train-limit", h.train_limit, "use the first N training images (0: all)")->check(nonneg);
  app.add_option("--test-limit", h.test_limit, "use the first N test images (0: all)")->check(nonneg);
  app.add_option("--device", h.device, "auto|cpu|cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  app.add_flag_function("--amp,!--no-amp", on_off(h.amp), "bf16 autocast")->check(boolean);
  app.add_flag_function("--channels-last,!--no-channels-last", on_off(h.channels_last), "channels_last memory format")
      ->check(boolean);
  app.add_flag("--tta", h.tta, "also report accuracy with flip test-time augmentation")->check(boolean);
  app.add_option("--seed", h.seed, "seed for init, shuffling, augmentation")->check(nonneg)->capture_default_str();
  app.add_option("--runs", h.runs, "repeat with seeds seed..seed+N-1, report mean and std")->check(pos);
  app.add_option("--threads", h.threads, "CPU threads (0: all cores)")->check(nonneg);
  app.add_flag("--retain-heap,!--no-retain-heap", h.retain_heap, "CPU: keep freed memory in the process heap")
      ->check(boolean);
  app.add_flag("--cuda-graphs,!--no-cuda-graphs", h.cuda_graphs, "capture the training step as a CUDA graph (GPU)")
      ->check(boolean);
  app.add_flag("--tensorboard,!--no-tensorboard", h.tensorboard, "TensorBoard event files in the run folder")
      ->check(boolean);
  app.add_flag("--schedule-only", c.schedule_only, "print the schedule as CSV (step,epoch,lr,momentum), exit")
      ->check(boolean);
  app.add_flag("--find-lr-only", c.find_lr_only, "run the LR range test, write its files, exit")->check(boolean);
}

// --schedule-only: the One Cycle schedule as CSV (step, epoch, lr, momentum), the whole of stdout; no data needed.
inline int print_schedule(const Hyperparameters& h) {
  const auto batches =
      sc::data::DeviceLoader::batches_per_epoch(h.train_limit > 0 ? h.train_limit : 50000, h.batch_size);
  const sc::optim::OneCycle s(one_cycle(h, batches));
  sc::io::write_schedule_csv(std::cout, s, s.options().total_steps(), h.schedule_step == "batch" ? batches : 1);
  return 0;
}

// Resuming: the run's own options (options given again must agree, or be ones that may change). Then the checks.
inline void settle(CLI::App& app, Cli& c) {
  auto& h = c.h;
  if (!c.resume.empty()) {
    c.out = sc::io::run_folder_of(c.resume).string();
    h = sc::io::resume_settings(c.out, Json(h), given_keys(app),
                                {"data", "device", "threads", "retain_heap", "train_dir", "test_dir"});
    // The run's own values pass the checks typed ones do (a config.json may have been edited): each value that is
    // not the default goes through the option table again.
    const Json merged = Json(h), defaults = Json(Hyperparameters{});
    Cli check;
    CLI::App again;
    add_options(again, check);
    std::vector<std::string> args;
    for (const auto* o : again.get_options()) {
      const auto key = sc::io::option_key(o->get_name());
      if (key.empty() || !merged.contains(key) || merged[key] == defaults[key]) continue;
      if (key == "amp" || key == "channels_last") continue;  // -1/0/1 here, checked by set_up_runtime
      args.push_back(o->get_name() + "=" +
                     (merged[key].is_string() ? merged[key].get<std::string>() : merged[key].dump()));
    }
    std::reverse(args.begin(), args.end());  // CLI11 takes a vector of arguments last to first
    try {
      again.parse(args);
    } catch (const CLI::ParseError& e) {
      throw CLI::ValidationError(fmt::format("{} (from {}/config.json)", e.what(), c.out));
    }
  }
  if (h.peak_epoch == 0) h.peak_epoch = static_cast<double>(h.epochs) * 5.0 / 24.0;
  if (c.schedule_only && h.lr_max <= 0) h.lr_max = 0.157;  // the reference run's peak
  if (h.lr_max > 0 && h.lr_min <= 0) h.lr_min = h.lr_max / h.div_factor;
  auto need = [](bool ok, const std::string& m) { ok ? void() : throw CLI::ValidationError(m); };
  check_one_cycle_options(h);
  need(h.epochs > 0 || !h.init_weights.empty(), "--epochs 0 (evaluate only) needs --init-weights");
  need(h.epochs > 0 || !c.schedule_only, "--schedule-only needs --epochs > 0");
  need(h.epochs == 0 || h.peak_epoch < h.epochs,
       fmt::format("--peak-epoch ({}) must be below --epochs ({})", h.peak_epoch, h.epochs));
  const bool folder = h.dataset == "folder" || h.dataset == "shards";
  need(!folder || !h.train_dir.empty(), "--dataset folder needs --train-dir (and --test-dir or --holdout)");
  need(folder || (h.train_dir.empty() && h.test_dir.empty()),
       fmt::format("--train-dir/--test-dir need --dataset folder or shards (--dataset is {})", h.dataset));
  need(h.dataset != "shards" || !h.test_dir.empty(), "--dataset shards needs --test-dir (the test shards)");
  need(h.stream != "on" || folder, "--stream on needs --dataset folder or shards");
  need(h.stream != "on" || !h.test_dir.empty(), "--stream on needs --test-dir (a streamed set is not split)");
  need(h.dataset == "cifar100" || h.labels == "fine", "--labels needs --dataset cifar100");
  try {  // options that give no valid schedule (a phase of zero length) are a usage error too
    const auto records = h.train_limit > 0 ? h.train_limit : 50000;  // CIFAR's; a folder's is checked in run()
    if (h.lr_max > 0 && h.epochs > 0 && (!folder || h.train_limit > 0))
      sc::optim::OneCycle(one_cycle(h, sc::data::DeviceLoader::batches_per_epoch(records, h.batch_size)));
  } catch (const c10::Error& e) {
    throw CLI::ValidationError(fmt::format("--epochs {}, --peak-epoch {}, --schedule-step {}: {}", h.epochs,
                                           h.peak_epoch, h.schedule_step, e.what_without_backtrace()));
  }
  if (c.out.empty()) c.out = sc::io::timestamped_folder("runs").string();
}
