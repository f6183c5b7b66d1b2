// With test_umbrella_b.cpp: the umbrella header in two translation units of one program. A non-inline function
// defined in any header makes this fail to link (duplicate symbol).
#include <superconv/superconv.hpp>

#include "support.hpp"

TEST_CASE("umbrella header, translation unit A", "[umbrella]") {
  CHECK(superconv::nn::count_parameters(*superconv::nn::CustomResNet(superconv::nn::CustomResNetOptions().width(4))) >
        0);
  CHECK(superconv::io::mean_std({1.0, 3.0}).first == 2.0);
}
