// imagenet_resnet's command line: every option with its check, and how --resume takes the run's own settings.
#pragma once

#include <superconv/io/run_folder.hpp>
#include <superconv/nn/resnet.hpp>

#include "../common/one_cycle_options.hpp"  // the LR range test and One Cycle options
#include "../common/options.hpp"            // number checks, on_off, given_keys, parse_command_line

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <string>
#include <vector>

struct Cli {
  Hyperparameters h;
  std::string out, resume;
  bool find_lr_only = false;
};

inline void add_options(CLI::App& app, Cli& c) {
  auto& h = c.h;
  const auto pos = positive(), nonneg = nonnegative();
  app.add_option("--arch", h.arch, "a torchvision ResNet: resnet18|resnet34|resnet50|resnet101|...")
      ->check(CLI::IsMember(sc::nn::resnet_architectures()))
      ->capture_default_str();
  app.add_option("--train-dir", h.train_dir, "training images: root/<class>/*.jpg|png, or a folder of shards");
  app.add_option("--test-dir", h.test_dir, "test images: the same classes");
  app.add_option("--dataset", h.dataset, "auto|folder|shards (auto: shards when --train-dir holds .tar files)")
      ->check(CLI::IsMember({"auto", "folder", "shards"}));
  app.add_option("--image-size", h.image_size, "evaluation crop, pixels (training sizes: --res-start, --res-end)")
      ->check(in_range(32, 4096))
      ->capture_default_str();
  app.add_option("--res-start", h.res_start, "first training size (default: image size x 160/224)")
      ->check(in_range(32, 4096));
  app.add_option("--res-end", h.res_end, "last training size (default: image size x 192/224)")
      ->check(in_range(32, 4096));
  app.add_option("--res-step", h.res_step, "training sizes between: multiples of N (default 32; 8 under 160 px)")
      ->check(in_range(1, 512));
  app.add_option("--ramp-start", h.ramp_start, "the training size starts rising at this fraction of the run")
      ->check(in_range(0, 1));
  app.add_option("--ramp-end", h.ramp_end, "... and reaches --res-end at this fraction")->check(in_range(0, 1));
  app.add_option("--workers", h.workers, "decoding threads (0: the usable CPUs)")->check(nonneg);
  app.add_option("--bad-images", h.bad_images, "an undecodable image stops the run, or is skipped and listed")
      ->check(CLI::IsMember({"stop", "skip"}));
  app.add_option("--init-weights", h.init_weights, "start from this state dict (model.pt, or torchvision's)");
  app.add_option("--out", c.out, "run folder (default: runs/<date-time>)");
  app.add_option("--resume", c.resume, "continue the run in this folder (or its checkpoint.pt) with its options");
  app.add_option("--epochs", h.epochs, "epochs (0 with --init-weights: evaluate only)")
      ->check(nonneg)
      ->capture_default_str();
  app.add_option("--peak-epoch", h.peak_epoch, "epoch of the LR peak (default: 2/16 of --epochs)")->check(pos);
  app.add_option("--batch-size", h.batch_size, "images per batch")->check(pos)->capture_default_str();
  add_one_cycle_options(app, h);  // --lr-max ... --momentum-max (common/one_cycle_options.hpp)
  app.add_option("--weight-decay", h.weight_decay, "SGD weight decay (not on BatchNorm and biases)")
      ->check(in_range(0, 1));
  app.add_option("--label-smoothing", h.label_smoothing, "label smoothing")->check(in_range(0, 0.99));
  app.add_flag("--zero-init-residual,!--no-zero-init-residual", h.zero_init_residual,
               "each block's last BatchNorm scale starts at 0")
      ->check(boolean);
  app.add_flag("--tta,!--no-tta", h.tta, "also report accuracy with flip test-time augmentation")->check(boolean);
  app.add_option("--train-limit", h.train_limit, "use the first N training images (0: all)")->check(nonneg);
  app.add_option("--test-limit", h.test_limit, "use the first N test images (0: all)")->check(nonneg);
  app.add_option("--device", h.device, "auto|cpu|cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  app.add_flag_function("--amp,!--no-amp", on_off(h.amp), "bf16 autocast")->check(boolean);
  app.add_flag_function("--channels-last,!--no-channels-last", on_off(h.channels_last), "channels_last memory format")
      ->check(boolean);
  app.add_option("--seed", h.seed, "seed for init, order, augmentation")->check(nonneg)->capture_default_str();
  app.add_option("--runs", h.runs, "repeat with seeds seed..seed+N-1, report mean and std")->check(pos);
  app.add_option("--threads", h.threads, "CPU threads (0: all cores)")->check(nonneg);
  app.add_flag("--retain-heap,!--no-retain-heap", h.retain_heap, "CPU: keep freed memory in the process heap")
      ->check(boolean);
  app.add_flag("--tensorboard,!--no-tensorboard", h.tensorboard, "TensorBoard event files in the run folder")
      ->check(boolean);
  app.add_flag("--find-lr-only", c.find_lr_only, "run the LR range test, write its files, exit")->check(boolean);
}

// Resuming: the run's own options (options given again must agree, or be ones that may change). Then the checks.
inline void settle(CLI::App& app, Cli& c) {
  auto& h = c.h;
  if (!c.resume.empty()) {
    c.out = sc::io::run_folder_of(c.resume).string();
    h = sc::io::resume_settings(c.out, Json(h), given_keys(app),
                                {"device", "threads", "retain_heap", "train_dir", "test_dir", "workers"});
  }
  const auto round_to = [&](double v) {
    return std::max<std::int64_t>(32, static_cast<std::int64_t>(v / 8.0 + 0.5) * 8);
  };
  const auto s = static_cast<double>(h.image_size);
  if (h.res_start == 0) h.res_start = round_to(s * 160.0 / 224.0);
  if (h.res_end == 0) h.res_end = std::max(h.res_start, round_to(s * 192.0 / 224.0));
  if (h.res_step == 0) h.res_step = h.image_size >= 160 ? 32 : 8;
  if (h.peak_epoch == 0) h.peak_epoch = static_cast<double>(h.epochs) * 2.0 / 16.0;
  if (h.lr_max > 0 && h.lr_min <= 0) h.lr_min = h.lr_max / h.div_factor;
  auto need = [](bool ok, const std::string& m) { ok ? void() : throw CLI::ValidationError(m); };
  need(!h.train_dir.empty() && !h.test_dir.empty(), "--train-dir and --test-dir are both needed (or --resume)");
  need(h.res_start <= h.res_end,
       fmt::format("--res-start ({}) must not exceed --res-end ({})", h.res_start, h.res_end));
  need(h.ramp_start <= h.ramp_end,
       fmt::format("--ramp-start ({}) must not exceed --ramp-end ({})", h.ramp_start, h.ramp_end));
  check_one_cycle_options(h);
  need(h.epochs > 0 || !h.init_weights.empty(), "--epochs 0 (evaluate only) needs --init-weights");
  need(h.epochs == 0 || h.peak_epoch < h.epochs,
       fmt::format("--peak-epoch ({}) must be below --epochs ({})", h.peak_epoch, h.epochs));
  if (c.out.empty()) c.out = sc::io::timestamped_folder("runs").string();
}
