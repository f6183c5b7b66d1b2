// SPDX-License-Identifier: MIT
// What every training program does around its recipe: its first line, seeds one after another (--runs) with their
// mean and spread, the files a finished run leaves, and the exit codes of a stop or an error (resuming: resume.hpp).
#pragma once

#include <superconv/io/json.hpp>
#include <superconv/io/resume.hpp>
#include <superconv/io/run_pictures.hpp>
#include <superconv/io/summary.hpp>
#include <superconv/nn/state_dict.hpp>
#include <superconv/optim/lr_range_test.hpp>
#include <superconv/optim/lr_suggestions.hpp>
#include <superconv/system/error_message.hpp>
#include <superconv/train/interrupt.hpp>
#include <superconv/train/log.hpp>
#include <superconv/train/lr_finder.hpp>
#include <superconv/version.hpp>
#include <superconv/train/metrics.hpp>
#include <superconv/train/replicas.hpp>
#include <superconv/train/stops.hpp>

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/version.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace superconv {
namespace io {

/// A run's first line: the superconv and LibTorch versions, the runtime (system::Runtime::describe()) and the
/// processes with their backend ("none" for one).
inline std::string run_banner(const std::string& runtime, std::int64_t world_size, const std::string& backend) {
  return fmt::format("superconv {} | LibTorch {} | {} | {} process(es), backend {}\n", version(), TORCH_VERSION,
                     runtime, world_size, backend);
}

/// The world a run used, for config.json and summary.json: processes, this rank's batch and the global one.
inline Json world_json(const train::Replicas& replicas, std::int64_t per_rank_batch, const std::string& backend) {
  return {{"world_size", replicas.size()},
          {"backend", replicas.size() > 1 ? backend : std::string("none")},
          {"per_rank_batch", per_rank_batch},
          {"global_batch", per_rank_batch * replicas.size()}};
}

/// Runs `one(seed, folder)` for seeds seed..seed+runs-1, in `out` for one run and in out/seed-<s> for several, and
/// returns the summaries. With several runs, rank 0 writes out/summary.json: each of `figures` with its mean, sample
/// std and every run's value (io::aggregate).
template <typename OneRun>
std::vector<Json> run_seeds(const std::filesystem::path& out, std::uint64_t seed, std::int64_t runs,
                            const std::vector<std::string>& figures, bool write, OneRun one) {
  std::vector<Json> summaries;
  for (std::int64_t r = 0; r < runs; ++r) {
    const auto s = seed + static_cast<std::uint64_t>(r);
    summaries.push_back(one(s, runs > 1 ? out / fmt::format("seed-{}", s) : out));
  }
  if (runs > 1 && write) write_json(out / "summary.json", aggregate(summaries, figures));
  return summaries;
}

/// run_seeds() over a recipe's hyperparameters `h` (any struct with `seed` and `runs`, such as --seed and --runs
/// set them): `one(hs, folder)` gets a copy of `h` with the run's seed and runs = 1, as that run's config.json keeps
/// it.
///
/// ```
/// auto summaries = io::run_seeds(out, h, {"final_test_accuracy"}, replicas->is_main(),
///                                [&](const Hyperparameters& hs, const fs::path& folder) { return run(hs, folder); });
/// ```
template <typename Hyperparameters, typename OneRun>
std::vector<Json> run_seeds(const std::filesystem::path& out, const Hyperparameters& h,
                            const std::vector<std::string>& figures, bool write, OneRun one) {
  return run_seeds(out, h.seed, h.runs, figures, write, [&](std::uint64_t seed, const std::filesystem::path& folder) {
    auto hs = h;
    hs.seed = seed, hs.runs = 1;
    return one(static_cast<const Hyperparameters&>(hs), folder);
  });
}

/// The files a finished run leaves in `folder`: model.pt (nn::load_state_dict and PyTorch's torch.load read it),
/// predictions.csv (record, target, prediction, confidence, and `files` when given), the pictures of
/// write_run_pictures and gradcam.png for misclassified records. `input_of(records)` gives the records as the model
/// takes them (normalised, no augmentation), e.g. `[&](const at::Tensor& r) { return test.gather(r).input; }`.
template <typename Model, typename InputOf>
void write_run_results(const std::filesystem::path& folder, Model& model, const train::EvalResult& eval,
                       const std::vector<train::EpochStats>& history, const at::Tensor& test_images,
                       const std::vector<std::string>& class_names, InputOf input_of,
                       const std::vector<std::string>& files = {}) {
  nn::save_state_dict(*model, folder / "model.pt");
  train::write_predictions_csv(folder / "predictions.csv", eval, class_names, files);
  write_run_pictures(folder, history, eval, test_images, class_names);
  write_gradcam_png(folder / "gradcam.png", model, eval, test_images, input_of, class_names);
}

/// The run's per-epoch files and lines: metrics.csv (rank 0; rewritten from the trainer's history, so a resumed run
/// keeps its rows) and the epoch log on `out` (train/log.hpp). Call after load_checkpoint and before fit().
template <typename Trainer>
void log_run(Trainer& trainer, const std::filesystem::path& folder, bool main_rank, std::ostream& out) {
  train::log_epochs(trainer, out);
  if (!main_rank) return;
  auto csv = std::make_shared<train::MetricsCsv>(folder / "metrics.csv", trainer.history());
  trainer.on_epoch_end([csv](const train::EpochEnd& e) { csv->append(e.stats); });
}

/// The LR range test of a recipe that finds its LR: runs train::find_lr on `model` with `optimizer` over `loader`,
/// writes lr_finder.json (the curve, the rule, the LR chosen) and lr_finder.png into `folder`, prints one line on
/// `log` (none when null) and returns the curve; its suggestion by `rule` (steepest | valley | min_loss) is the LR.
/// A curve without a suggestion is an error that says what to change.
template <typename Model, typename Loader>
optim::LRRangeTestResult find_lr_into(const std::filesystem::path& folder, const Model& model,
                                      torch::optim::Optimizer& optimizer, Loader& loader,
                                      const optim::LRRangeTestOptions& range, const std::string& rule,
                                      const train::ForwardOptions& forward, std::ostream* log) {
  auto curve = train::find_lr(model, optimizer, loader, range, train::FindLROptions().forward(forward).log(log));
  const double lr = curve.suggestion(optim::suggestion_from_string(rule));
  write_json(folder / "lr_finder.json", to_json(curve, rule, lr));
  write_lr_finder_png(folder / "lr_finder.png", curve);
  TORCH_CHECK(std::isfinite(lr), "LR range test: no suggestion (", curve.stop_reason,
              "); widen the range (start, end), raise the iterations, or give the LR");
  if (log)
    *log << fmt::format("LR range test: {}; steepest {:.4g}, valley {:.4g}, min_loss {:.4g} -> {} {:.4g}\n",
                        curve.stop_reason, curve.steepest, curve.valley, curve.min_loss, rule, lr);
  return curve;
}

/// What config.json records of the LR range test's choice (resumed_config() gives it back): `lr_max`, the curve's
/// suggestion by `rule`; `lr_min` = lr_max / `div_factor`; and `rule`.
inline Json lr_range_test_record(const optim::LRRangeTestResult& curve, const std::string& rule, double div_factor) {
  const double lr_max = curve.suggestion(optim::suggestion_from_string(rule));
  return {{"lr_max", lr_max}, {"lr_min", lr_max / div_factor}, {"rule", rule}};
}

/// Writes `folder`/config.json: `fields` and what every run records beside them - the superconv and LibTorch
/// versions and the runtime line.
inline void write_run_config(const std::filesystem::path& folder, Json fields, const std::string& runtime) {
  fields["superconv"] = version();
  fields["libtorch"] = TORCH_VERSION;
  fields["runtime"] = runtime;
  write_json(folder / "config.json", fields);
}

/// A training program's body with its stops turned into exit codes: train::Interrupted (Ctrl-C, SIGTERM, SIGHUP)
/// prints where it stopped and `resume_hint` (on rank 0) and returns 128 + the signal; any other error prints
/// "error: <message>" without LibTorch's backtrace and returns 1. Each message is one write, so ranks' lines do not
/// interleave.
inline int run_guarded(const std::function<int()>& body, const std::string& resume_hint, bool main_rank = true) {
  try {
    return body();
  } catch (const train::Interrupted& e) {
    std::string text = fmt::format("\n{}\n", e.what());
    if (main_rank && !resume_hint.empty()) text += fmt::format("resume with: {}\n", resume_hint);
    std::cerr << text;
    return train::interrupt_exit_code();  // 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP
  } catch (const std::exception& e) {
    std::cerr << "error: " << system::error_message(e) << "\n";
    return 1;
  }
}

}  // namespace io
}  // namespace superconv
