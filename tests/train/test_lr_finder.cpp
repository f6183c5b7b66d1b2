#include <superconv/train/lr_finder.hpp>

#include "support.hpp"

#include "devices.hpp"

#include <superconv/data/device_loader.hpp>
#include <superconv/nn/custom_resnet.hpp>

#include <torch/optim/sgd.h>

#include <sstream>

namespace sc = superconv;

TEST_CASE("find_lr: sweeps over more batches than an epoch has, restores the model, shows progress",
          "[train][lr_finder][devices]") {
  for (const auto& dev : sc_test::devices()) {
    DYNAMIC_SECTION(sc_test::device_name(dev)) {
      auto x = at::randint(0, 255, {96, 3, 32, 32}, at::kByte);
      auto y = at::randint(0, 10, {96}, at::kLong);
      struct Counting {  // counts epochs started
        sc::data::DeviceLoader inner;
        int epochs = 0;
        void start_epoch() { ++epochs, inner.start_epoch(); }
        std::int64_t size() const { return inner.size(); }
        sc::data::Batch get(std::int64_t i) { return inner.get(i); }
      } loader{sc::data::DeviceLoader(x, y, sc::data::DeviceLoaderOptions(32).device(dev))};
      sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
      model->to(dev);
      torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
      const auto before = model->fc->weight.detach().clone();
      std::ostringstream log;
      const auto curve =
          sc::train::find_lr(model, sgd, loader, sc::optim::LRRangeTestOptions(1e-4, 1.0, 10).diverge_threshold(1e9),
                             sc::train::FindLROptions().log(&log).progress(sc::train::ProgressMode::kLines));
      CHECK(curve.lrs.size() == 10);
      CHECK(loader.epochs == 4);  // 10 batches from epochs of 3
      CHECK(at::equal(model->fc->weight, before));
      CHECK_THAT(log.str(), SC_CONTAINS("LR range test 10/10 ["));
    }
  }
}
