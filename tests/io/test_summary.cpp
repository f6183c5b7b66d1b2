#include <superconv/io/summary.hpp>

#include "support.hpp"

#include <cmath>

namespace sc = superconv;
using sc::io::Json;

TEST_CASE("mean_std, aggregate and the closing table over several runs", "[io][summary]") {
  const auto [m, s] = sc::io::mean_std({0.9, 0.92, 0.94, std::nan("")});
  CHECK(m == Approx(0.92));
  CHECK(s == Approx(0.02));
  CHECK(std::isnan(sc::io::mean_std({}).first));
  const std::vector<Json> runs = {{{"acc", 0.9}, {"sec", 10.0}}, {{"acc", 0.94}, {"sec", nullptr}}};
  const auto a = sc::io::aggregate(runs, {"acc", "sec"});
  CHECK(a["runs"] == 2);
  CHECK(a["acc_mean"].get<double>() == Approx(0.92));
  CHECK(a["acc_std"].get<double>() == Approx(std::sqrt(0.0008)));
  CHECK(a["sec_mean"].get<double>() == 10.0);
  const auto t = sc::io::summary_table(runs, {{"acc", "test acc", 100}, {"sec", "seconds", 1, "{:.1f}"}});
  INFO(t);
  CHECK_THAT(t, SC_CONTAINS("test acc") && SC_CONTAINS("90.00") && SC_CONTAINS("94.00") && SC_CONTAINS("92.00") &&
                    SC_CONTAINS("10.0") && SC_CONTAINS("mean") && SC_CONTAINS("std"));
}

TEST_CASE("closing_table: a blank line, the table and the run folder", "[io][summary]") {
  const std::vector<Json> runs = {{{"acc", 0.9}}};
  const std::vector<sc::io::Column> columns = {{"acc", "test acc", 100}};
  const auto t = sc::io::closing_table(runs, columns, "runs/x");
  CHECK(t == "\n" + sc::io::summary_table(runs, columns) + "run folder: runs/x\n");
  CHECK_THAT(t, SC_CONTAINS("     1 |      90.00 |\n"));
}

TEST_CASE("run_summary: the figures of a finished run", "[io][summary]") {
  std::vector<sc::train::EpochStats> h(3);
  h[0].test_acc = 0.5, h[1].test_acc = 0.8, h[2].test_acc = 0.7;
  sc::train::EvalResult e;
  e.accuracy = 0.7, e.loss = 0.9, e.total = 100;
  const auto j = sc::io::run_summary(h, e, 123.0);
  CHECK(j["final_test_accuracy"] == 0.7);
  CHECK(j["best_test_accuracy"] == 0.8);
  CHECK(j["test_images"] == 100);
  CHECK(j["epochs"] == 3);
  CHECK(j["train_images_per_second"] == 123.0);
}
