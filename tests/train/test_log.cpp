#include <superconv/train/log.hpp>

#include "support.hpp"

#include <superconv/data/device_loader.hpp>
#include <superconv/nn/custom_resnet.hpp>
#include <superconv/optim/one_cycle.hpp>

#include <torch/optim/sgd.h>

#include <sstream>

namespace sc = superconv;

TEST_CASE("log_epochs: the reference run's lines and one time estimate for the whole run", "[train][log]") {
  auto x = at::randint(0, 255, {256, 3, 32, 32}, at::kByte);
  auto y = at::randint(0, 10, {256}, at::kLong);
  sc::data::DeviceLoader train(x, y, sc::data::DeviceLoaderOptions(64));
  sc::data::DeviceLoader test(x, y, sc::data::DeviceLoaderOptions(64).shuffle(false));
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  sc::optim::OneCycle sched(sgd, sc::optim::OneCycleOptions(0.05, 4).pct_start(0.5));
  sc::train::Trainer t(model, sgd, &sched, sc::train::TrainerOptions().step_per_batch(false));
  std::ostringstream log;
  sc::train::log_epochs(t, log, 2);
  t.fit(train, test, 2);
  const auto text = log.str();
  INFO(text);
  CHECK_THAT(text, SC_CONTAINS("EPOCH: 1  LR: 0.002  M: 0.95\n") && SC_CONTAINS("EPOCH: 2  LR: ") &&
                       SC_CONTAINS("Loss=") && SC_CONTAINS(" Batch_id=3 Accuracy=") &&
                       SC_CONTAINS("Test set: Average loss: ") && SC_CONTAINS("/256 ("));
  CHECK_THAT(text, SC_CONTAINS("estimated time: ") && SC_CONTAINS(" per epoch, ") &&
                       SC_CONTAINS(" for the 2 epoch(s) left (from 2 batches)"));
  CHECK(text.find("estimated time") == text.rfind("estimated time"));  // said once
}

TEST_CASE("log_epochs: no momentum figure where no scheduler sets one", "[train][log]") {
  auto x = at::randint(0, 255, {64, 3, 32, 32}, at::kByte);
  auto y = at::randint(0, 10, {64}, at::kLong);
  sc::data::DeviceLoader train(x, y, sc::data::DeviceLoaderOptions(32));
  sc::data::DeviceLoader test(x, y, sc::data::DeviceLoaderOptions(32).shuffle(false));
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(4));
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  sc::train::Trainer t(model, sgd, nullptr);
  std::ostringstream log;
  sc::train::log_epochs(t, log);
  t.fit(train, test, 1);
  const auto text = log.str();
  INFO(text);
  CHECK_THAT(text, SC_CONTAINS("EPOCH: 1  LR: 0.05\n"));
  CHECK(text.find("M: ") == std::string::npos);
}
