#include <superconv/train/progress.hpp>

#include "support.hpp"

#include <sstream>

using namespace superconv::train;

TEST_CASE("ProgressBar: plain lines at each quarter, a redrawn bar, rate and ETA", "[train][progress]") {
  std::ostringstream lines;
  {
    ProgressBar bar(lines, 8, "train", ProgressMode::kLines);
    for (int i = 1; i <= 8; ++i) bar.update(i, i * 512, "loss 1.0");
  }
  const auto text = lines.str();
  CHECK(std::count(text.begin(), text.end(), '\n') == 4);
  CHECK_THAT(text, SC_CONTAINS("train 2/8 [======>") &&
                       SC_CONTAINS("train 8/8 [========================] loss 1.0 |") && SC_CONTAINS(" img/s | ") &&
                       SC_CONTAINS("<00:00"));
  std::ostringstream bar_out;
  {
    ProgressBar bar(bar_out, 4, "eval", ProgressMode::kBar);
    bar.update(1, 10, "x");
    bar.update(2, 20, "y");
  }
  CHECK(bar_out.str().front() == '\r');
  CHECK(bar_out.str().back() == '\n');
  std::ostringstream none;
  ProgressBar(none, 4, "x", ProgressMode::kNone).update(4, 4, "z");
  CHECK(none.str().empty());
  CHECK(superconv::train::detail::format_seconds(3725) == "1:02:05");
  CHECK(superconv::train::detail::format_seconds(-1) == "--:--");
  // A slow loop (the LR range test at width 64 on a CPU: ~0.2 batch/s) must not read "0 batch/s".
  using superconv::train::detail::format_rate;
  CHECK(format_rate(1562.4) == "1562");
  CHECK(format_rate(17.26) == "17.3");
  CHECK(format_rate(2.5) == "2.50");
  CHECK(format_rate(0.1634) == "0.163");
  CHECK(format_rate(-1) == "--");
}
