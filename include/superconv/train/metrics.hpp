// SPDX-License-Identifier: MIT
// What a training run measures (per epoch, per evaluation) and the CSV files that hold it.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace superconv {
namespace train {

/// One epoch's figures. Accuracies are fractions in [0, 1]; losses are per-sample means.
struct EpochStats {
  std::int64_t epoch = 0;       ///< 1-based
  double lr = 0, momentum = 0;  ///< at the epoch's first step
  double train_loss = 0, train_acc = 0;
  double test_loss = 0, test_acc = 0;
  double seconds = 0;        ///< the whole epoch, evaluation included
  double train_seconds = 0;  ///< the training steps alone
  std::int64_t train_images = 0;
  std::int64_t batches = 0;  ///< training batches in the epoch

  static constexpr int kFields = 11;
  std::vector<double> to_vector() const {
    return {static_cast<double>(epoch),
            lr,
            momentum,
            train_loss,
            train_acc,
            test_loss,
            test_acc,
            seconds,
            train_seconds,
            static_cast<double>(train_images),
            static_cast<double>(batches)};
  }
  static EpochStats from_vector(const double* v) {
    EpochStats s;
    s.epoch = static_cast<std::int64_t>(v[0]);
    s.lr = v[1], s.momentum = v[2], s.train_loss = v[3], s.train_acc = v[4], s.test_loss = v[5], s.test_acc = v[6];
    s.seconds = v[7], s.train_seconds = v[8], s.train_images = static_cast<std::int64_t>(v[9]);
    s.batches = static_cast<std::int64_t>(v[10]);
    return s;
  }
};

/// An evaluation: mean loss, accuracy, and per-record predictions as CPU tensors sorted by record index. `indices`
/// holds the record index of each entry (0..N-1 for a loader over all records in order; any set of indices
/// otherwise, e.g. with drop_last or a subset), so `predictions[k]` belongs to record `indices[k]`.
struct EvalResult {
  double loss = 0, accuracy = 0;
  std::int64_t correct = 0, total = 0;
  at::Tensor indices;      ///< int64 [N], ascending
  at::Tensor predictions;  ///< int64 [N]
  at::Tensor confidence;   ///< float [N], softmax probability of the predicted class
  at::Tensor targets;      ///< int64 [N]
};

namespace detail {
/// A number for a CSV field: shortest text that reads back to the same double; empty for NaN or infinity.
inline std::string csv_number(double v) {
  return std::isfinite(v) ? fmt::format("{}", v) : std::string();
}
}  // namespace detail

/// Appends one row per epoch to a CSV file (header written once), flushed each row so a crash loses nothing.
class MetricsCsv {
 public:
  static constexpr const char* kHeader = "epoch,lr,momentum,train_loss,train_acc,test_loss,test_acc,seconds";

  /// Starts `path` afresh (header only).
  explicit MetricsCsv(const std::filesystem::path& path) : MetricsCsv(path, std::vector<EpochStats>{}) {}

  /// Resuming: rewrites `path` from the epochs a checkpoint holds (atomically: a file beside it, then a rename), so
  /// that rows a crash left duplicated, torn or missing are put right, then appends to it.
  MetricsCsv(const std::filesystem::path& path, const std::vector<EpochStats>& history) : path_(path) {
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    auto tmp = path;
    tmp += ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      TORCH_CHECK(out, "MetricsCsv: cannot open ", tmp.string(), " for writing");
      out << kHeader << '\n';
      for (const auto& s : history) out << row(s);
      out.flush();
      TORCH_CHECK(out, "MetricsCsv: write to ", tmp.string(), " failed (disk full?)");
    }
    std::filesystem::rename(tmp, path, ec);
    TORCH_CHECK(!ec, "MetricsCsv: cannot rename ", tmp.string(), " to ", path.string(), ": ", ec.message());
    out_.open(path, std::ios::app);
    TORCH_CHECK(out_, "MetricsCsv: cannot open ", path.string(), " for writing");
  }

  void append(const EpochStats& s) {
    out_ << row(s) << std::flush;
    TORCH_CHECK(out_, "MetricsCsv: write to ", path_.string(), " failed");
  }

  /// One epoch's line, with its newline; a missing figure is an empty field.
  static std::string row(const EpochStats& s) {
    auto fixed = [](double v, int digits) { return std::isfinite(v) ? fmt::format("{:.{}f}", v, digits) : ""; };
    return fmt::format("{},{},{},{},{},{},{},{}\n", s.epoch, detail::csv_number(s.lr), detail::csv_number(s.momentum),
                       fixed(s.train_loss, 6), fixed(s.train_acc, 6), fixed(s.test_loss, 6), fixed(s.test_acc, 6),
                       fixed(s.seconds, 3));
  }

 private:
  std::filesystem::path path_;
  std::ofstream out_;
};

/// A CSV field: quoted (with doubled quotes) when it holds a comma, a quote or a line break.
inline std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

/// Writes `index,true,predicted,confidence` rows (class names when given, and a `file` column when `record_files`
/// names each record, e.g. an image folder's paths) for every evaluated record.
inline void write_predictions_csv(const std::filesystem::path& path, const EvalResult& r,
                                  const std::vector<std::string>& class_names = {},
                                  const std::vector<std::string>& record_files = {}) {
  TORCH_CHECK(r.predictions.defined() && r.targets.defined(), "write_predictions_csv: the evaluation holds no ",
              "predictions");
  std::ofstream out(path, std::ios::trunc);
  TORCH_CHECK(out, "write_predictions_csv: cannot open ", path.string());
  const auto pred = r.predictions.to(at::kLong).contiguous();
  const auto tgt = r.targets.to(at::kLong).contiguous();
  const auto conf = r.confidence.to(at::kFloat).contiguous();
  const auto* p = pred.data_ptr<std::int64_t>();
  const auto* t = tgt.data_ptr<std::int64_t>();
  const auto* c = conf.data_ptr<float>();
  const auto idx = r.indices.defined() ? r.indices.to(at::kLong).contiguous() : at::arange(pred.numel(), at::kLong);
  const auto* ix = idx.data_ptr<std::int64_t>();
  const bool names = !class_names.empty(), files = !record_files.empty();
  out << (names ? "index,true,predicted,confidence,true_name,predicted_name" : "index,true,predicted,confidence")
      << (files ? ",file\n" : "\n");
  for (std::int64_t i = 0; i < pred.numel(); ++i) {
    out << ix[i] << ',' << t[i] << ',' << p[i] << ',' << fmt::format("{:.6f}", c[i]);
    if (names) {
      out << ',' << csv_field(class_names.at(static_cast<std::size_t>(t[i]))) << ','
          << csv_field(class_names.at(static_cast<std::size_t>(p[i])));
    }
    if (files) {
      TORCH_CHECK(ix[i] >= 0 && ix[i] < static_cast<std::int64_t>(record_files.size()),
                  "write_predictions_csv: record ", ix[i], " has no file name (", record_files.size(), " given)");
      out << ',' << csv_field(record_files[static_cast<std::size_t>(ix[i])]);
    }
    out << '\n';
  }
  TORCH_CHECK(out, "write_predictions_csv: write to ", path.string(), " failed");
}

/// Accuracy over the records with index in [first, last) (e.g. a part of a test set you trust more than the rest);
/// NaN when the evaluation holds none of them.
inline double accuracy_of_records(const EvalResult& r, std::int64_t first, std::int64_t last) {
  TORCH_CHECK(r.indices.defined(), "accuracy_of_records: the evaluation holds no record indices");
  const auto in = r.indices.ge(first).logical_and(r.indices.lt(last));
  const auto n = in.sum().item<std::int64_t>();
  if (n == 0) return std::nan("");
  return r.predictions.eq(r.targets).logical_and(in).sum().item<double>() / static_cast<double>(n);
}

/// Positions (into the result's tensors) of the first `n` records the evaluation got wrong, in record order;
/// `r.indices[pos]` is the record.
inline std::vector<std::int64_t> misclassified(const EvalResult& r, std::int64_t n) {
  const auto wrong = r.predictions.ne(r.targets).nonzero().flatten();
  const auto k = std::min<std::int64_t>(n, wrong.numel());
  std::vector<std::int64_t> out;
  for (std::int64_t i = 0; i < k; ++i) out.push_back(wrong[i].item<std::int64_t>());
  return out;
}

/// A confusion matrix [C, C] (rows true, columns predicted), int64.
inline at::Tensor confusion_matrix(const EvalResult& r, std::int64_t num_classes) {
  auto flat = r.targets.to(at::kLong) * num_classes + r.predictions.to(at::kLong);
  return at::bincount(flat, {}, num_classes * num_classes).view({num_classes, num_classes});
}

}  // namespace train
}  // namespace superconv
