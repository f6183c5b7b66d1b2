#include <superconv/io/schedule_csv.hpp>

#include "support.hpp"

#include <sstream>

namespace {
struct Ramp {  // lr = step / 10, momentum = 1 - step / 10
  double lr_at(std::int64_t i) const { return static_cast<double>(i) / 10; }
  double momentum_at(std::int64_t i) const { return 1 - static_cast<double>(i) / 10; }
};
}  // namespace

TEST_CASE("write_schedule_csv writes a header and one row per step with its epoch", "[io][schedule_csv]") {
  std::ostringstream out;
  superconv::io::write_schedule_csv(out, Ramp{}, 5, 2);
  CHECK(out.str() == "step,epoch,lr,momentum\n0,1,0,1\n1,1,0.1,0.9\n2,2,0.2,0.8\n3,2,0.3,0.7\n4,3,0.4,0.6\n");
  CHECK_THROWS_WITH(superconv::io::write_schedule_csv(out, Ramp{}, 5, 0), SC_CONTAINS("steps_per_epoch > 0"));
}
