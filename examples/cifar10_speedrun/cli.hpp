// cifar10_speedrun's command line: every option with its check, and how --resume takes the run's own settings.
#pragma once

#include <superconv/io/run_folder.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <string>

#include "../common/options.hpp"  // number checks, on_off, given_keys, parse_command_line

struct Cli {
  Hyperparameters h;
  std::string out, resume;
};

inline void add_options(CLI::App& app, Cli& c) {
  auto& h = c.h;
  const auto pos = positive(), nonneg = nonnegative();
  app.add_option("--data", h.data, "CIFAR-10 binary folder (default: $SUPERCONV_DATA or ./data/cifar-10-batches-bin)");
  app.add_option("--shards", h.shards,
                 "read CIFAR-10 from WebDataset shards instead: DIR/train and DIR/test "
                 "(superconv_shards write --from cifar10)");
  app.add_flag("--stream,!--no-stream", h.stream,
               "stream the training set from --shards (StreamingLoader) instead "
               "of reading it into memory")
      ->check(boolean);
  app.add_option("--out", c.out, "run folder (default: runs/<date-time>)");
  app.add_option("--resume", c.resume, "continue the run in this folder (or its checkpoint.pt) with its options");
  app.add_option("--epochs", h.epochs, "epochs")->check(pos)->capture_default_str();
  app.add_option("--batch-size", h.batch_size, "images per step (over all processes)")
      ->check(pos)
      ->capture_default_str();
  app.add_option("--optimizer", h.optimizer, "muon (airbench94_muon) | sgd (airbench94: SGD + Lookahead)")
      ->check(CLI::IsMember({"muon", "sgd"}));
  app.add_option("--sgd-lr", h.sgd_lr, "--optimizer sgd: LR per 1,024 images")->check(pos);
  app.add_option("--sgd-weight-decay", h.sgd_weight_decay, "--optimizer sgd: decay per 1,024 images")
      ->check(in_range(0, 1));
  app.add_option("--bias-scaler", h.bias_scaler, "--optimizer sgd: BatchNorm biases' LR factor")->check(pos);
  app.add_option("--logit-scale", h.logit_scale, "multiply the logits (0: 1/256; --optimizer sgd: 1/9)")->check(nonneg);
  app.add_flag("--cuda-graphs,!--no-cuda-graphs", h.cuda_graphs, "capture the training step as a CUDA graph (GPU)")
      ->check(boolean);
  app.add_option("--muon-lr", h.muon_lr, "the filters' LR")->check(pos);
  app.add_option("--muon-momentum", h.muon_momentum, "the filters' Nesterov momentum")->check(in_range(0.001, 0.999));
  app.add_option("--ns-steps", h.ns_steps, "Newton-Schulz iterations per Muon step")->check(in_range(0, 20));
  app.add_option("--bias-lr", h.bias_lr, "LR of the BatchNorm and whitening biases")->check(pos);
  app.add_option("--head-lr", h.head_lr, "LR of the linear head")->check(pos);
  app.add_option("--sgd-momentum", h.sgd_momentum, "Nesterov momentum of the SGD groups")
      ->check(in_range(0.001, 0.999));
  app.add_option("--weight-decay", h.weight_decay, "decay per image (x batch / group LR)")->check(in_range(0, 1));
  app.add_option("--label-smoothing", h.label_smoothing, "label smoothing")->check(in_range(0, 0.99));
  app.add_option("--whiten-bias-epochs", h.whiten_bias_epochs, "epochs the whitening bias trains")->check(nonneg);
  app.add_option("--whiten-images", h.whiten_images, "training images for the whitening filters")->check(pos);
  app.add_option("--translate", h.translate, "largest random shift, pixels")->check(in_range(0, 8));
  app.add_option("--flip", h.flip, "alternating|random|none")->check(CLI::IsMember({"alternating", "random", "none"}));
  app.add_option("--tta", h.tta, "flip_shift|flip|none")->check(CLI::IsMember({"flip_shift", "flip", "none"}));
  app.add_option("--eval-every", h.eval_every, "also evaluate every N epochs (0: at the end only)")->check(nonneg);
  app.add_option("--train-limit", h.train_limit, "use the first N training images (0: all)")->check(nonneg);
  app.add_option("--test-limit", h.test_limit, "use the first N test images (0: all)")->check(nonneg);
  app.add_option("--device", h.device, "auto|cpu|cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  app.add_flag_function("--amp,!--no-amp", on_off(h.amp), "bf16 autocast")->check(boolean);
  app.add_flag_function("--channels-last,!--no-channels-last", on_off(h.channels_last), "channels_last")
      ->check(boolean);
  app.add_flag("--tensorboard,!--no-tensorboard", h.tensorboard, "TensorBoard event files in the run folder")
      ->check(boolean);
  app.add_option("--seed", h.seed, "seed for init, order, augmentation")->check(nonneg)->capture_default_str();
  app.add_option("--runs", h.runs, "repeat with seeds seed..seed+N-1, report mean and std")->check(pos);
  app.add_option("--threads", h.threads, "CPU threads (0: all cores)")->check(nonneg);
}

// Resuming: the run's own options (options given again must agree, or be data, device, threads); then the checks
// that span options.
inline void settle(CLI::App& app, Cli& c) {
  auto& h = c.h;
  if (!c.resume.empty()) {
    c.out = sc::io::run_folder_of(c.resume).string();
    h = sc::io::resume_settings(c.out, Json(h), given_keys(app), {"data", "shards", "device", "threads"});
  } else if (h.optimizer == "sgd") {  // airbench94's own settings where not given
    const auto given = given_keys(app);
    const auto unless_given = [&](const char* key, auto& field, auto value) {
      if (std::find(given.begin(), given.end(), key) == given.end()) field = value;
    };
    unless_given("epochs", h.epochs, std::int64_t{10});
    unless_given("batch_size", h.batch_size, std::int64_t{1024});
    unless_given("logit_scale", h.logit_scale, 1.0 / 9);
  }
  if (h.stream && h.shards.empty()) throw CLI::ValidationError("--stream needs --shards (the shards it streams)");
  if (h.train_limit > 0 && h.train_limit < h.batch_size)
    throw CLI::ValidationError(
        fmt::format("--train-limit {} is below --batch-size {}: the last partial batch is "
                    "dropped, so an epoch would have no step",
                    h.train_limit, h.batch_size));
  if (c.out.empty()) c.out = sc::io::timestamped_folder("runs").string();
}
