#include <superconv/train/report.hpp>

#include "support.hpp"

using namespace superconv::train;

TEST_CASE("summary_table and aggregate_json: per-run rows, mean and sample std", "[train][report]") {
  std::vector<RunSummary> runs(2);
  runs[0].seed = 0, runs[0].final_accuracy = 0.93, runs[0].accuracy_first_1000 = 0.94, runs[0].seconds = 10;
  runs[1].seed = 1, runs[1].final_accuracy = 0.95, runs[1].accuracy_first_1000 = 0.96, runs[1].seconds = 12;
  const auto table = summary_table(runs, "runs/x");
  CHECK_THAT(table, SC_CONTAINS("94.00 +/- 1.41") && SC_CONTAINS("(n = 2)") && SC_CONTAINS("run folder: runs/x"));
  const auto json = aggregate_json(runs);
  CHECK(superconv::json_find_number(json, "test_accuracy_mean") == Approx(0.94));
  CHECK(superconv::json_find_number(json, "test_accuracy_std") == Approx(0.0141421356).epsilon(1e-6));
  CHECK_THAT(runs[0].to_json(), SC_CONTAINS("\"libtorch_version\"") && SC_CONTAINS("\"tta_flip_test_accuracy\": null"));
}
