// Every option checked: each public options struct (and the few option-like arguments of free functions) is given
// its bad values - zero, negative, NaN, infinity, out of range, a wrong enum - and the error must name the option and
// the value as printed. The recipe's command line has the same table in bad_options.cmake.
#include <superconv/data/device_loader.hpp>
#include <superconv/nn/conv_bn_relu.hpp>
#include <superconv/nn/custom_resnet.hpp>
#include <superconv/nn/residual_block.hpp>
#include <superconv/optim/cyclic_lr.hpp>
#include <superconv/optim/lr_range_test.hpp>
#include <superconv/optim/one_cycle.hpp>
#include <superconv/system/runtime.hpp>
#include <superconv/train/loss.hpp>
#include <superconv/train/trainer.hpp>
#include <superconv/transforms/cutout.hpp>
#include <superconv/transforms/flip_lr.hpp>
#include <superconv/transforms/normalize.hpp>
#include <superconv/transforms/random_crop.hpp>
#include <superconv/viz/canvas.hpp>
#include <superconv/viz/image_grid.hpp>
#include <superconv/viz/line_chart.hpp>

#include "support.hpp"

#include <ATen/Parallel.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>

#include <functional>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace sc = superconv;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

/// One bad option: what it is, a lambda that builds the component with it, and what the error must contain (the
/// option's name and the bad value as printed; one string may hold both).
struct Row {
  std::string what;
  std::function<void()> build;
  std::vector<std::string> expect;
};

/// What building raised: whether it threw a c10::Error, and the message without LibTorch's backtrace.
struct Outcome {
  bool threw = false, c10_error = false;
  std::string message = "(no error was raised)";
};
Outcome outcome_of(const std::function<void()>& build) {
  Outcome o;
  try {
    build();
  } catch (const c10::Error& e) {
    o.threw = o.c10_error = true;
    o.message = e.what_without_backtrace();
  } catch (const std::exception& e) {
    o.threw = true;
    o.message = e.what();
  }
  return o;
}

// What the components need besides their options: a tiny data set, model and optimizer.
at::Tensor images() {
  return at::zeros({4, 3, 2, 2}, at::kByte);
}
at::Tensor targets() {
  return at::zeros({4}, at::kLong);
}
void loader(const sc::data::DeviceLoaderOptions& o) {
  sc::data::DeviceLoader(images(), targets(), o);
}
void range_test(const sc::optim::LRRangeTestOptions& o) {
  torch::nn::Linear model(2, 1);
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.1));
  sc::optim::LRRangeTest(*model, sgd, o);
}
void trainer(const sc::train::TrainerOptions& o) {
  torch::nn::Linear model(2, 1);
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.1));
  sc::train::Trainer(model, sgd, nullptr, o);
}
/// set_up_runtime() with the process's thread count and heap left alone, should a bad value ever get through.
sc::system::RuntimeOptions runtime() {
  return sc::system::RuntimeOptions().device("cpu").threads(at::get_num_threads()).retain_heap(false);
}
std::vector<sc::viz::Image> one_image() {
  return {sc::viz::Image{2, 2, std::vector<std::uint8_t>(12, 0)}};
}
void grid(const sc::viz::ImageGridOptions& o) {
  sc::viz::image_grid(one_image(), {"a"}, o);
}
void heat(const sc::viz::HeatmapOptions& o) {
  sc::viz::heatmap({{1.0}}, {"a"}, {"a"}, o);
}

// Shorthands for the rows below.
using sc::data::DeviceLoaderOptions;
using sc::nn::ConvBnReluOptions;
using sc::nn::CustomResNetOptions;
using sc::optim::CyclicLROptions;
using sc::optim::LRRangeTestOptions;
using sc::optim::OneCycleOptions;
using sc::transforms::CutoutOptions;
using sc::transforms::FlipLROptions;
using sc::transforms::RandomCropOptions;
using sc::viz::HeatmapOptions;
using sc::viz::ImageGridOptions;
using sc::viz::LineChartOptions;
template <typename T>
std::function<void()> built_with(T options) {  // a component built from its options alone
  return [options] {
    if constexpr (std::is_same_v<T, OneCycleOptions>) sc::optim::OneCycle{options};
    if constexpr (std::is_same_v<T, CyclicLROptions>) sc::optim::CyclicLR{options};
    if constexpr (std::is_same_v<T, RandomCropOptions>) sc::transforms::RandomCrop{options};
    if constexpr (std::is_same_v<T, CutoutOptions>) sc::transforms::Cutout{options};
    if constexpr (std::is_same_v<T, FlipLROptions>) sc::transforms::FlipLR{options};
    if constexpr (std::is_same_v<T, ConvBnReluOptions>) sc::nn::ConvBnRelu{options};
    if constexpr (std::is_same_v<T, CustomResNetOptions>) sc::nn::CustomResNet{options};
    if constexpr (std::is_same_v<T, LineChartOptions>) sc::viz::LineChart{options};
    if constexpr (std::is_same_v<T, sc::system::RuntimeOptions>) sc::system::set_up_runtime(options);
  };
}

std::vector<Row> bad_options() {
  const auto m3 = std::vector<double>{0.5, 0.5, 0.5};
  return {
      // data::DeviceLoaderOptions
      {"DeviceLoader batch_size 0", [] { loader(DeviceLoaderOptions(0)); }, {"batch_size", "got 0"}},
      {"DeviceLoader batch_size -1", [] { loader(DeviceLoaderOptions(-1)); }, {"batch_size", "got -1"}},
      {"DeviceLoader std 0",
       [m3] {
         loader(DeviceLoaderOptions(2).mean(m3).std({0.5, 0.0, 0.5}));
       },
       {"std", "got 0"}},
      {"DeviceLoader std -1",
       [m3] {
         loader(DeviceLoaderOptions(2).mean(m3).std({-1, 1, 1}));
       },
       {"std", "got -1"}},
      {"DeviceLoader std NaN",
       [m3] {
         loader(DeviceLoaderOptions(2).mean(m3).std({0.5, kNaN, 0.5}));
       },
       {"std", "got nan"}},
      {"DeviceLoader std inf",
       [m3] {
         loader(DeviceLoaderOptions(2).mean(m3).std({kInf, 1, 1}));
       },
       {"std", "got inf"}},
      {"DeviceLoader mean NaN",
       [m3] {
         loader(DeviceLoaderOptions(2).mean({kNaN, 0.5, 0.5}).std(m3));
       },
       {"mean", "got nan"}},
      {"DeviceLoader mean -inf",
       [m3] {
         loader(DeviceLoaderOptions(2).mean({0.5, -kInf, 0.5}).std(m3));
       },
       {"mean", "got -inf"}},
      {"DeviceLoader mean and std sizes differ",
       [m3] {
         loader(DeviceLoaderOptions(2).mean(m3).std({0.5, 0.5}));
       },
       {"mean has 3 values", "std has 2"}},
      {"DeviceLoader mean for 1 channel, images 3",
       [] { loader(DeviceLoaderOptions(2).mean({0.5}).std({0.5})); },
       {"mean/std have 1 values", "3 channels"}},
      {"DeviceLoader dtype int64", [] { loader(DeviceLoaderOptions(2).dtype(at::kLong)); }, {"dtype", "got Long"}},
      {"DeviceLoader::batches_per_epoch batch_size 0",
       [] { sc::data::DeviceLoader::batches_per_epoch(10, 0); },
       {"batch_size > 0", "got 10 and 0"}},
      // transforms::RandomCropOptions, CutoutOptions, FlipLROptions, Normalize
      {"RandomCrop size 0", built_with(RandomCropOptions(0)), {"size", "got 0"}},
      {"RandomCrop size -32", built_with(RandomCropOptions(-32)), {"size", "got -32"}},
      {"RandomCrop padding -1", built_with(RandomCropOptions(32).padding(-1)), {"padding", "got -1"}},
      {"RandomCrop padding_mode 7",
       built_with(RandomCropOptions(32).padding_mode(static_cast<sc::transforms::Padding>(7))),
       {"padding_mode", "got 7"}},
      {"Cutout size 0", built_with(CutoutOptions(0)), {"size", "got 0"}},
      {"Cutout size -8", built_with(CutoutOptions(-8)), {"size", "got -8"}},
      {"Cutout p -0.1", built_with(CutoutOptions(8).p(-0.1)), {"p must", "got -0.1"}},
      {"Cutout p 1.5", built_with(CutoutOptions(8).p(1.5)), {"p must", "got 1.5"}},
      {"Cutout p NaN", built_with(CutoutOptions(8).p(kNaN)), {"p must", "got nan"}},
      {"Cutout fill NaN", built_with(CutoutOptions(8).fill(kNaN)), {"fill", "got nan"}},
      {"Cutout fill inf", built_with(CutoutOptions(8).fill(kInf)), {"fill", "got inf"}},
      {"FlipLR p -0.5", built_with(FlipLROptions().p(-0.5)), {"p must", "got -0.5"}},
      {"FlipLR p 1.5", built_with(FlipLROptions().p(1.5)), {"p must", "got 1.5"}},
      {"FlipLR p NaN", built_with(FlipLROptions().p(kNaN)), {"p must", "got nan"}},
      {"Normalize std 0", [] { sc::transforms::Normalize({0.5}, {0.0}); }, {"std", "got 0"}},
      {"Normalize std NaN", [] { sc::transforms::Normalize({0.5}, {kNaN}); }, {"std", "got nan"}},
      {"Normalize std inf", [] { sc::transforms::Normalize({0.5}, {kInf}); }, {"std", "got inf"}},
      {"Normalize mean NaN", [] { sc::transforms::Normalize({kNaN}, {0.5}); }, {"mean", "got nan"}},
      {"Normalize mean and std sizes differ",
       [] {
         sc::transforms::Normalize({0.5}, {0.5, 0.5});
       },
       {"mean and std", "got 1 and 2"}},
      {"Normalize no values", [] { sc::transforms::Normalize({}, {}); }, {"mean and std", "got 0 and 0"}},
      // optim::OneCycleOptions
      {"OneCycle max_lr 0", built_with(OneCycleOptions(0, 10)), {"max_lr", "got 0"}},
      {"OneCycle max_lr -1", built_with(OneCycleOptions(-1, 10)), {"max_lr", "got -1"}},
      {"OneCycle max_lr NaN", built_with(OneCycleOptions(kNaN, 10)), {"max_lr", "got nan"}},
      {"OneCycle max_lr inf", built_with(OneCycleOptions(kInf, 10)), {"max_lr", "got inf"}},
      {"OneCycle total_steps 0", built_with(OneCycleOptions(0.1, 0)), {"total_steps", "got 0"}},
      {"OneCycle total_steps -5", built_with(OneCycleOptions(0.1, -5)), {"total_steps", "got -5"}},
      {"OneCycle pct_start 0", built_with(OneCycleOptions(0.1, 10).pct_start(0)), {"pct_start", "got 0"}},
      {"OneCycle pct_start 1", built_with(OneCycleOptions(0.1, 10).pct_start(1)), {"pct_start", "got 1"}},
      {"OneCycle pct_start -0.2", built_with(OneCycleOptions(0.1, 10).pct_start(-0.2)), {"pct_start", "got -0.2"}},
      {"OneCycle pct_start NaN", built_with(OneCycleOptions(0.1, 10).pct_start(kNaN)), {"pct_start", "got nan"}},
      {"OneCycle pct_start leaves a phase empty",
       built_with(OneCycleOptions(0.1, 10).pct_start(0.1)),
       {"pct_start 0.1", "10 total steps"}},
      {"OneCycle div_factor 0", built_with(OneCycleOptions(0.1, 10).div_factor(0)), {"div_factor", "got 0"}},
      {"OneCycle div_factor -10", built_with(OneCycleOptions(0.1, 10).div_factor(-10)), {"div_factor", "got -10"}},
      {"OneCycle div_factor NaN", built_with(OneCycleOptions(0.1, 10).div_factor(kNaN)), {"div_factor", "got nan"}},
      {"OneCycle div_factor inf", built_with(OneCycleOptions(0.1, 10).div_factor(kInf)), {"div_factor", "got inf"}},
      {"OneCycle final_div_factor 0",
       built_with(OneCycleOptions(0.1, 10).final_div_factor(0)),
       {"final_div_factor", "got 0"}},
      {"OneCycle final_div_factor NaN",
       built_with(OneCycleOptions(0.1, 10).final_div_factor(kNaN)),
       {"final_div_factor", "got nan"}},
      {"OneCycle final_div_factor inf",
       built_with(OneCycleOptions(0.1, 10).final_div_factor(kInf)),
       {"final_div_factor", "got inf"}},
      {"OneCycle base_momentum above max_momentum",
       built_with(OneCycleOptions(0.1, 10).base_momentum(0.99)),
       {"base_momentum (0.99)", "max_momentum (0.95)"}},
      {"OneCycle base_momentum NaN",
       built_with(OneCycleOptions(0.1, 10).base_momentum(kNaN)),
       {"base_momentum", "got nan"}},
      {"OneCycle base_momentum -0.1",
       built_with(OneCycleOptions(0.1, 10).base_momentum(-0.1)),
       {"base_momentum", "got -0.1"}},
      {"OneCycle max_momentum NaN",
       built_with(OneCycleOptions(0.1, 10).max_momentum(kNaN)),
       {"max_momentum", "got nan"}},
      {"OneCycle max_momentum 1.5",
       built_with(OneCycleOptions(0.1, 10).max_momentum(1.5)),
       {"max_momentum", "got 1.5"}},
      {"OneCycle anneal 5",
       built_with(OneCycleOptions(0.1, 10).anneal(static_cast<sc::optim::Anneal>(5))),
       {"anneal", "got 5"}},
      {"div_factor_for min_lr NaN", [] { sc::optim::div_factor_for(0.1, kNaN); }, {"min_lr (nan)", "max_lr (0.1)"}},
      {"div_factor_for max_lr inf", [] { sc::optim::div_factor_for(kInf, 0.1); }, {"min_lr (0.1)", "max_lr (inf)"}},
      {"OneCycle::total_steps_for epochs 0",
       [] { sc::optim::OneCycle::total_steps_for(0, 98); },
       {"epochs and steps_per_epoch", "got 0 and 98"}},
      // optim::CyclicLROptions
      {"CyclicLR base_lr -1", built_with(CyclicLROptions(-1, 0.1)), {"base_lr", "got -1"}},
      {"CyclicLR base_lr NaN", built_with(CyclicLROptions(kNaN, 0.1)), {"base_lr", "got nan"}},
      {"CyclicLR max_lr 0", built_with(CyclicLROptions(0, 0)), {"max_lr", "got 0"}},
      {"CyclicLR max_lr NaN", built_with(CyclicLROptions(0.01, kNaN)), {"max_lr", "got nan"}},
      {"CyclicLR max_lr inf", built_with(CyclicLROptions(0.01, kInf)), {"max_lr", "got inf"}},
      {"CyclicLR base_lr above max_lr", built_with(CyclicLROptions(0.01, 0.001)), {"base_lr (0.01)", "max_lr (0.001)"}},
      {"CyclicLR step_size_up 0", built_with(CyclicLROptions(0.001, 0.01).step_size_up(0)), {"step_size_up", "got 0"}},
      {"CyclicLR step_size_up -1",
       built_with(CyclicLROptions(0.001, 0.01).step_size_up(-1)),
       {"step_size_up", "got -1"}},
      {"CyclicLR step_size_down -1",
       built_with(CyclicLROptions(0.001, 0.01).step_size_down(-1)),
       {"step_size_down", "got -1"}},
      {"CyclicLR mode 9",
       built_with(CyclicLROptions(0.001, 0.01).mode(static_cast<sc::optim::CyclicMode>(9))),
       {"mode", "got 9"}},
      {"CyclicLR gamma 0", built_with(CyclicLROptions(0.001, 0.01).gamma(0)), {"gamma", "got 0"}},
      {"CyclicLR gamma NaN", built_with(CyclicLROptions(0.001, 0.01).gamma(kNaN)), {"gamma", "got nan"}},
      {"CyclicLR gamma inf", built_with(CyclicLROptions(0.001, 0.01).gamma(kInf)), {"gamma", "got inf"}},
      {"CyclicLR base_momentum NaN",
       built_with(CyclicLROptions(0.001, 0.01).base_momentum(kNaN)),
       {"base_momentum", "got nan"}},
      {"CyclicLR max_momentum 1.5",
       built_with(CyclicLROptions(0.001, 0.01).max_momentum(1.5)),
       {"max_momentum", "got 1.5"}},
      {"CyclicLR base_momentum above max_momentum",
       built_with(CyclicLROptions(0.001, 0.01).base_momentum(0.95)),
       {"base_momentum (0.95)", "max_momentum (0.9)"}},
      // optim::LRRangeTestOptions
      {"LRRangeTest start_lr 0", [] { range_test(LRRangeTestOptions(0, 10, 100)); }, {"start_lr", "got 0"}},
      {"LRRangeTest start_lr -1", [] { range_test(LRRangeTestOptions(-1, 10, 100)); }, {"start_lr", "got -1"}},
      {"LRRangeTest start_lr NaN", [] { range_test(LRRangeTestOptions(kNaN, 10, 100)); }, {"start_lr", "got nan"}},
      {"LRRangeTest start_lr inf", [] { range_test(LRRangeTestOptions(kInf, 10, 100)); }, {"start_lr", "got inf"}},
      {"LRRangeTest end_lr NaN", [] { range_test(LRRangeTestOptions(1e-4, kNaN, 100)); }, {"end_lr", "got nan"}},
      {"LRRangeTest end_lr inf", [] { range_test(LRRangeTestOptions(1e-4, kInf, 100)); }, {"end_lr", "got inf"}},
      {"LRRangeTest end_lr below start_lr",
       [] { range_test(LRRangeTestOptions(1, 0.1, 100)); },
       {"end_lr (0.1)", "start_lr (1)"}},
      {"LRRangeTest num_iter 0", [] { range_test(LRRangeTestOptions(1e-4, 10, 0)); }, {"num_iter", "got 0"}},
      {"LRRangeTest num_iter 1", [] { range_test(LRRangeTestOptions(1e-4, 10, 1)); }, {"num_iter", "got 1"}},
      {"LRRangeTest num_iter -1", [] { range_test(LRRangeTestOptions(1e-4, 10, -1)); }, {"num_iter", "got -1"}},
      {"LRRangeTest mode 4",
       [] { range_test(LRRangeTestOptions().mode(static_cast<sc::optim::Sweep>(4))); },
       {"mode", "got 4"}},
      {"LRRangeTest smooth_beta 1", [] { range_test(LRRangeTestOptions().smooth_beta(1)); }, {"smooth_beta", "got 1"}},
      {"LRRangeTest smooth_beta -0.1",
       [] { range_test(LRRangeTestOptions().smooth_beta(-0.1)); },
       {"smooth_beta", "got -0.1"}},
      {"LRRangeTest smooth_beta NaN",
       [] { range_test(LRRangeTestOptions().smooth_beta(kNaN)); },
       {"smooth_beta", "got nan"}},
      {"LRRangeTest diverge_threshold 1",
       [] { range_test(LRRangeTestOptions().diverge_threshold(1)); },
       {"diverge_threshold", "got 1"}},
      {"LRRangeTest diverge_threshold 0.5",
       [] { range_test(LRRangeTestOptions().diverge_threshold(0.5)); },
       {"diverge_threshold", "got 0.5"}},
      {"LRRangeTest diverge_threshold NaN",
       [] { range_test(LRRangeTestOptions().diverge_threshold(kNaN)); },
       {"diverge_threshold", "got nan"}},
      {"LRRangeTest skip_start -1", [] { range_test(LRRangeTestOptions().skip_start(-1)); }, {"skip_start", "got -1"}},
      {"LRRangeTest skip_end -2", [] { range_test(LRRangeTestOptions().skip_end(-2)); }, {"skip_end", "got -2"}},
      {"suggestion_from_string foo", [] { sc::optim::suggestion_from_string("foo"); }, {"suggestion", "'foo'"}},
      // nn::ConvBnReluOptions, ResidualBlock, CustomResNetOptions
      {"ConvBnRelu in_channels 0", built_with(ConvBnReluOptions(0, 3)), {"in_channels 0"}},
      {"ConvBnRelu out_channels -2", built_with(ConvBnReluOptions(3, -2)), {"out_channels -2"}},
      {"ConvBnRelu bn_momentum NaN", built_with(ConvBnReluOptions(3, 3).bn_momentum(kNaN)), {"bn_momentum", "got nan"}},
      {"ConvBnRelu bn_momentum 1.5", built_with(ConvBnReluOptions(3, 3).bn_momentum(1.5)), {"bn_momentum", "got 1.5"}},
      {"ConvBnRelu bn_eps 0", built_with(ConvBnReluOptions(3, 3).bn_eps(0)), {"bn_eps", "got 0"}},
      {"ConvBnRelu bn_eps NaN", built_with(ConvBnReluOptions(3, 3).bn_eps(kNaN)), {"bn_eps", "got nan"}},
      {"ResidualBlock channels 0", [] { sc::nn::ResidualBlock(0); }, {"channels", "got 0"}},
      {"ResidualBlock channels -4", [] { sc::nn::ResidualBlock(-4); }, {"channels", "got -4"}},
      {"CustomResNet width 0", built_with(CustomResNetOptions().width(0)), {"width", "got 0"}},
      {"CustomResNet width -1", built_with(CustomResNetOptions().width(-1)), {"width", "got -1"}},
      {"CustomResNet num_classes 0",
       built_with(CustomResNetOptions().width(4).num_classes(0)),
       {"num_classes", "got 0"}},
      {"CustomResNet num_classes -3",
       built_with(CustomResNetOptions().width(4).num_classes(-3)),
       {"num_classes", "got -3"}},
      {"CustomResNet in_channels 0",
       built_with(CustomResNetOptions().width(4).in_channels(0)),
       {"in_channels", "got 0"}},
      {"CustomResNet logit_scale 0",
       built_with(CustomResNetOptions().width(4).logit_scale(0)),
       {"logit_scale", "got 0"}},
      {"CustomResNet logit_scale -1",
       built_with(CustomResNetOptions().width(4).logit_scale(-1)),
       {"logit_scale", "got -1"}},
      {"CustomResNet logit_scale NaN",
       built_with(CustomResNetOptions().width(4).logit_scale(kNaN)),
       {"logit_scale", "got nan"}},
      {"CustomResNet logit_scale inf",
       built_with(CustomResNetOptions().width(4).logit_scale(kInf)),
       {"logit_scale", "got inf"}},
      // train::TrainerOptions, cross_entropy_loss
      {"Trainer progress_updates -1",
       [] { trainer(sc::train::TrainerOptions().progress_updates(-1)); },
       {"progress_updates", "got -1"}},
      {"Trainer progress 9",
       [] { trainer(sc::train::TrainerOptions().progress(static_cast<sc::train::ProgressMode>(9))); },
       {"progress", "got 9"}},
      {"Trainer empty loss", [] { trainer(sc::train::TrainerOptions().loss(nullptr)); }, {"loss function is empty"}},
      {"cross_entropy_loss label_smoothing NaN",
       [] { sc::train::cross_entropy_loss(kNaN); },
       {"label_smoothing", "got nan"}},
      {"cross_entropy_loss label_smoothing 1", [] { sc::train::cross_entropy_loss(1); }, {"label_smoothing", "got 1"}},
      {"cross_entropy_loss label_smoothing -0.1",
       [] { sc::train::cross_entropy_loss(-0.1); },
       {"label_smoothing", "got -0.1"}},
      // system::RuntimeOptions
      {"set_up_runtime device tpu", built_with(runtime().device("tpu")), {"device", "'tpu'"}},
      {"set_up_runtime device meta", built_with(runtime().device("meta")), {"device", "meta"}},
      {"set_up_runtime device empty", built_with(runtime().device("")), {"device", "''"}},
      {"set_up_runtime threads -1", built_with(runtime().threads(-1)), {"threads", "got -1"}},
      {"set_up_runtime amp 2", built_with(runtime().amp(2)), {"amp", "got 2"}},
      {"set_up_runtime amp -2", built_with(runtime().amp(-2)), {"amp", "got -2"}},
      {"set_up_runtime channels_last 3", built_with(runtime().channels_last(3)), {"channels_last", "got 3"}},
      // viz::LineChartOptions, ImageGridOptions, HeatmapOptions, Canvas
      {"LineChart width 0", built_with(LineChartOptions().width(0)), {"width", "got 0"}},
      {"LineChart width -1", built_with(LineChartOptions().width(-1)), {"width", "got -1"}},
      {"LineChart height 0", built_with(LineChartOptions().height(0)), {"height", "got 0"}},
      {"LineChart height 20000", built_with(LineChartOptions().height(20000)), {"height", "got 20000"}},
      {"image_grid cols 0", [] { grid(ImageGridOptions().cols(0)); }, {"cols", "got 0"}},
      {"image_grid cols -1", [] { grid(ImageGridOptions().cols(-1)); }, {"cols", "got -1"}},
      {"image_grid scale 0", [] { grid(ImageGridOptions().scale(0)); }, {"scale", "got 0"}},
      {"image_grid scale -2", [] { grid(ImageGridOptions().scale(-2)); }, {"scale", "got -2"}},
      {"image_grid scale 100000", [] { grid(ImageGridOptions().scale(100000)); }, {"scale", "got 100000"}},
      {"image_grid padding -1", [] { grid(ImageGridOptions().padding(-1)); }, {"padding", "got -1"}},
      {"image_grid caption_lines -1", [] { grid(ImageGridOptions().caption_lines(-1)); }, {"caption_lines", "got -1"}},
      {"image_grid_position cols 0",
       [] { sc::viz::image_grid_position(ImageGridOptions().cols(0), 3, 10, 10); },
       {"cols", "got 0"}},
      {"heatmap cell 0", [] { heat(HeatmapOptions().cell(0)); }, {"cell", "got 0"}},
      {"heatmap cell -5", [] { heat(HeatmapOptions().cell(-5)); }, {"cell", "got -5"}},
      {"Canvas width 0", [] { sc::viz::Canvas(0, 10); }, {"size 0x10", "1..16384"}},
  };
}

}  // namespace

TEST_CASE("Every option checked: each bad value is refused with an error naming the option and the value",
          "[options]") {
  const auto rows = bad_options();
  CHECK(rows.size() >= 140);  // rows are added, not lost
  for (const auto& row : rows) {
    INFO(row.what);
    const auto o = outcome_of(row.build);
    INFO(o.message);
    CHECK(o.threw);
    CHECK(o.c10_error);  // the library's errors are c10::Error, as TORCH_CHECK throws
    REQUIRE_FALSE(row.expect.empty());
    for (const auto& needle : row.expect) CHECK_THAT(o.message, SC_CONTAINS(needle));
  }
}

TEST_CASE("Every option checked: the edges of each valid range are accepted", "[options]") {
  const std::vector<Row> good = {
      {"DeviceLoader batch_size 1, mean/std given",
       [] {
         loader(DeviceLoaderOptions(1).mean({0, 0, 0}).std({1, 1, 1}));
       },
       {}},
      {"RandomCrop padding 0, zero padding",
       built_with(RandomCropOptions(1).padding(0).padding_mode(sc::transforms::Padding::kZero)),
       {}},
      {"Cutout p 0 and fill -1", built_with(CutoutOptions(1).p(0).fill(-1)), {}},
      {"Cutout p 1", built_with(CutoutOptions(1).p(1)), {}},
      {"FlipLR p 0", built_with(FlipLROptions().p(0)), {}},
      {"FlipLR p 1", built_with(FlipLROptions().p(1)), {}},
      {"OneCycle momenta 0 and 1, a tiny max_lr, three phases",
       built_with(OneCycleOptions(1e-9, 3).pct_start(0.5).base_momentum(0).max_momentum(1).three_phase(true)),
       {}},
      {"OneCycle without momentum cycling ignores the momenta",
       built_with(OneCycleOptions(0.1, 10).cycle_momentum(false).base_momentum(kNaN)),
       {}},
      {"CyclicLR base_lr 0, gamma 1.5, base_momentum == max_momentum",
       built_with(CyclicLROptions(0, 0.1).gamma(1.5).base_momentum(0.9).max_momentum(0.9)),
       {}},
      {"LRRangeTest smooth_beta 0, diverge_threshold inf, num_iter 2, skips 0",
       [] {
         range_test(LRRangeTestOptions(1e-4, 1e-3, 2).smooth_beta(0).diverge_threshold(kInf).skip_start(0).skip_end(0));
       },
       {}},
      {"ConvBnRelu bn_momentum 0 and 1",
       [] {
         sc::nn::ConvBnRelu(ConvBnReluOptions(1, 1).bn_momentum(0));
         sc::nn::ConvBnRelu(ConvBnReluOptions(1, 1).bn_momentum(1));
       },
       {}},
      {"CustomResNet width 1, num_classes 1, in_channels 1, tiny logit_scale",
       built_with(CustomResNetOptions().width(1).num_classes(1).in_channels(1).logit_scale(1e-30)),
       {}},
      {"Trainer progress_updates 0, ProgressMode::kNone",
       [] { trainer(sc::train::TrainerOptions().progress_updates(0).progress(sc::train::ProgressMode::kNone)); },
       {}},
      {"cross_entropy_loss label_smoothing 0 and 0.999",
       [] {
         sc::train::cross_entropy_loss(0);
         sc::train::cross_entropy_loss(0.999);
       },
       {}},
      {"LineChart 1x1 and 16384x16384",
       [] {
         sc::viz::LineChart(LineChartOptions().width(1).height(1));
         sc::viz::LineChart(LineChartOptions().width(16384).height(16384));
       },
       {}},
      {"image_grid cols 1, scale 1, padding 0, caption_lines 0",
       [] { grid(ImageGridOptions().cols(1).scale(1).padding(0).caption_lines(0)); },
       {}},
      {"heatmap cell 1", [] { heat(HeatmapOptions().cell(1)); }, {}},
  };
  for (const auto& row : good) {
    INFO(row.what);
    const auto o = outcome_of(row.build);
    INFO(o.message);
    CHECK_FALSE(o.threw);
  }
}
