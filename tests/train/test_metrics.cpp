#include <superconv/train/metrics.hpp>

#include "support.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

using namespace superconv::train;

namespace {
std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
EvalResult sample() {
  EvalResult r;
  r.indices = at::tensor(std::vector<std::int64_t>{0, 1, 2, 3, 4}, at::kLong);
  r.targets = at::tensor(std::vector<std::int64_t>{0, 1, 2, 2, 1}, at::kLong);
  r.predictions = at::tensor(std::vector<std::int64_t>{0, 2, 2, 1, 1}, at::kLong);
  r.confidence = at::tensor(std::vector<float>{0.9f, 0.5f, 0.75f, 0.4f, 0.6f});
  return r;
}
}  // namespace

TEST_CASE("MetricsCsv writes a header and one row per epoch, resuming rewrites the rows from the checkpoint's epochs",
          "[train][metrics]") {
  sc_test::TempDir tmp("metrics");
  const auto p = tmp.path / "run" / "metrics.csv";
  EpochStats s;
  s.epoch = 1, s.lr = 0.0157, s.momentum = 0.95, s.train_loss = 2.5, s.train_acc = 0.126, s.test_loss = 2.2,
  s.test_acc = 0.1583, s.seconds = 12.5;
  { MetricsCsv(p).append(s); }
  const auto text = slurp(p);
  CHECK(text == std::string(MetricsCsv::kHeader) + "\n1,0.0157,0.95,2.500000,0.126000,2.200000,0.158300,12.500\n");
  // A crash left a torn row and a duplicate; the checkpoint holds epoch 1 only. Resuming puts the file right.
  std::ofstream(p, std::ios::app) << "1,0.0157,0.95,2.500000,0.126000,2.200000,0.158300,12.500\n2,0.05,0.9";
  auto e2 = s;
  e2.epoch = 2;
  { MetricsCsv(p, std::vector<EpochStats>{s}).append(e2); }
  CHECK(slurp(p) == std::string(MetricsCsv::kHeader) + "\n" + MetricsCsv::row(s) + MetricsCsv::row(e2));
  CHECK_FALSE(std::filesystem::exists(tmp.path / "run" / "metrics.csv.tmp"));
  { MetricsCsv(p).append(s); }
  CHECK(slurp(p).find("\n2,") == std::string::npos);  // a new run starts afresh
}

TEST_CASE("MetricsCsv leaves a missing figure empty (CSV has no null)", "[train][metrics]") {
  sc_test::TempDir tmp("metrics-nan");
  EpochStats s;
  s.epoch = 3, s.lr = 0.1, s.momentum = std::nan(""), s.train_loss = 1, s.test_loss = std::nan("");
  { MetricsCsv(tmp.path / "m.csv").append(s); }
  const auto text = slurp(tmp.path / "m.csv");
  CHECK_THAT(text, SC_CONTAINS("\n3,0.1,,1.000000,0.000000,,0.000000,0.000\n"));
  CHECK(text.find("null") == std::string::npos);
}

TEST_CASE("predictions.csv, accuracy of a range of records, confusion matrix, misclassified", "[train][metrics]") {
  sc_test::TempDir tmp("pred");
  const auto r = sample();
  write_predictions_csv(tmp.path / "predictions.csv", r, {"a", "b", "c"});
  const auto text = slurp(tmp.path / "predictions.csv");
  CHECK(text.rfind("index,true,predicted,confidence,true_name,predicted_name\n0,0,0,0.900000,a,a\n1,1,2,0.500000,b,c\n",
                   0) == 0);
  CHECK(accuracy_of_records(r, 0, 3) == Approx(2.0 / 3));
  CHECK(accuracy_of_records(r, 0, 100) == Approx(3.0 / 5));
  CHECK(accuracy_of_records(r, 3, 5) == Approx(1.0 / 2));
  CHECK(std::isnan(accuracy_of_records(r, 10, 20)));
  const auto cm = confusion_matrix(r, 3);
  CHECK(cm[1][2].item<std::int64_t>() == 1);
  CHECK(cm[2][2].item<std::int64_t>() == 1);
  CHECK(cm.sum().item<std::int64_t>() == 5);
  CHECK(misclassified(r, 25) == std::vector<std::int64_t>{1, 3});
  CHECK(misclassified(r, 1) == std::vector<std::int64_t>{1});
}

TEST_CASE("predictions.csv and record ranges follow the record indices, not positions", "[train][metrics]") {
  sc_test::TempDir tmp("pred-idx");
  auto r = sample();
  r.indices = at::tensor(std::vector<std::int64_t>{10, 11, 998, 999, 1000}, at::kLong);
  write_predictions_csv(tmp.path / "p.csv", r);
  const auto text = slurp(tmp.path / "p.csv");
  CHECK_THAT(text, SC_CONTAINS("\n10,0,0,") && SC_CONTAINS("\n1000,1,1,"));
  CHECK(accuracy_of_records(r, 0, 1000) == Approx(2.0 / 4));  // records 10, 11, 998, 999
}
