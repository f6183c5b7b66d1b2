// A helper for the interop and predict end-to-end tests (tests/interop/*.py, tests/predict_e2e.sh).
//
//   superconv_interop_tool make-run DIR WIDTH   a run folder: config.json with a "model" card, model.pt (a CustomResNet
//                                               of WIDTH with random weights and BN statistics), images/*.png (two
//                                               of them 48x40, resized on reading), expected.csv (what predict must
//                                               say for each image), batch.pt {x, logits} for Python to compare
//   superconv_interop_tool make-resnet-run DIR  a run folder of a resnet18 (4 classes, random weights) whose card
//                                               says Resize + CenterCrop to 32 px: images/*.jpg|png of other sizes
//                                               and expected.csv, the model's own predictions on those crops
//   superconv_interop_tool check MODEL BATCH WIDTH   loads a state dict saved by Python into a CustomResNet of WIDTH
//                                               (logit scale 0.125), runs BATCH's x, compares with its logits (1e-5)
//   superconv_interop_tool resnet-make ARCH CLASSES DIR   a ResNet (torchvision's names) with random weights and BN
//                                               statistics: DIR/model.pt and DIR/batch.pt {x, logits} for torchvision
//   superconv_interop_tool resnet-check ARCH CLASSES MODEL BATCH   loads torchvision's state dict into our ARCH,
//                                               runs BATCH's x, compares with its logits (1e-5)
#include <superconv/data/center_crop_image.hpp>
#include <superconv/data/image_decode.hpp>
#include <superconv/data/image_io.hpp>
#include <superconv/io/model_card.hpp>
#include <superconv/nn/custom_resnet.hpp>
#include <superconv/nn/resnet.hpp>
#include <superconv/nn/state_dict.hpp>
#include <superconv/viz/png.hpp>

#include <fmt/format.h>
#include <torch/utils.h>

#include <fstream>
#include <iostream>
#include <string>

namespace sc = superconv;
namespace fs = std::filesystem;

namespace {

sc::io::ModelCard card_of(std::int64_t width) {
  sc::io::ModelCard card;
  card.width = width;
  card.logit_scale = 0.125;
  card.classes = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  card.mean = {0.4914, 0.4822, 0.4465};
  card.std = {0.2470, 0.2435, 0.2616};
  return card;
}

// Random weights and batch-norm statistics (the defaults, 0 and 1, would hide a mix-up of buffers).
sc::nn::CustomResNet random_model(std::int64_t width) {
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(width).logit_scale(0.125));
  at::NoGradGuard no_grad;
  for (auto& b : model->named_buffers()) {
    if (b.key().find("running_mean") != std::string::npos) b.value().normal_(0, 0.1);
    if (b.key().find("running_var") != std::string::npos) b.value().uniform_(0.5, 1.5);
    if (b.key().find("num_batches_tracked") != std::string::npos) b.value().fill_(7);
  }
  for (auto& p : model->named_parameters()) {
    if (p.key().find("bn.") != std::string::npos) p.value().uniform_(0.5, 1.5);
  }
  model->fc->weight.mul_(40);  // confident, varied predictions (the logit scale is 0.125)
  model->eval();
  return model;
}

at::Tensor normalise(const at::Tensor& u8, const sc::io::ModelCard& card) {  // as predict and DeviceLoader
  std::vector<float> shift, scale;
  for (std::size_t i = 0; i < card.mean.size(); ++i) {
    shift.push_back(static_cast<float>(card.mean[i] * 255.0));
    scale.push_back(static_cast<float>(1.0 / (card.std[i] * 255.0)));
  }
  return u8.to(at::kFloat).sub_(at::tensor(shift).view({1, 3, 1, 1})).mul_(at::tensor(scale).view({1, 3, 1, 1}));
}

int make_run(const fs::path& dir, std::int64_t width) {
  torch::manual_seed(static_cast<std::uint64_t>(width));
  const auto card = card_of(width);
  auto model = random_model(width);
  sc::io::write_json(dir / "config.json", {{"model", card}, {"hyperparameters", {{"width", width}}}});
  // Six 32x32 images and two 48x40 ones, smooth enough to look like pictures.
  std::vector<at::Tensor> fed;
  std::ofstream expected(dir / "expected.csv");
  expected << "file,predicted_index\n";
  for (int i = 0; i < 8; ++i) {
    const std::int64_t h = i < 6 ? 32 : 48, w = i < 6 ? 32 : 40;
    auto img = at::upsample_bilinear2d(at::rand({1, 3, h / 4, w / 4}), {h, w}, false)[0].mul(255).to(at::kByte);
    const auto name = fmt::format("img{}.png", i);
    const auto hwc = img.permute({1, 2, 0}).contiguous();
    sc::viz::write_png(dir / "images" / name, hwc.data_ptr<std::uint8_t>(), static_cast<int>(w), static_cast<int>(h));
    fed.push_back(h == 32 ? img : sc::data::resize_image(img, 32, 32));
  }
  const auto x = normalise(at::stack(fed), card);
  at::Tensor logits;
  {
    at::NoGradGuard no_grad;
    // Centre the logits on these images, so that they are told apart (a random network's pooled features share
    // a large common part).
    const auto f = model->features(x);
    const auto pooled = at::max_pool2d(f, {f.size(2), f.size(3)}).flatten(1);
    model->fc->bias.copy_(-at::matmul(pooled.mean(0), model->fc->weight.t()));
    logits = model(x);
  }
  sc::nn::save_state_dict(*model, dir / "model.pt");
  const auto pred = logits.argmax(1);
  for (int i = 0; i < 8; ++i) expected << fmt::format("img{}.png,{}\n", i, pred[i].item<std::int64_t>());
  sc::nn::save_tensor_dict({{"x", x}, {"logits", logits}}, dir / "batch.pt");
  std::cout << "wrote " << dir.string() << " (width " << width << ")\n";
  return 0;
}

// A resnet18 run folder whose card crops as a streamed evaluation does; predict must say expected.csv.
int make_resnet_run(const fs::path& dir) {
  torch::manual_seed(18);
  sc::io::ModelCard card = card_of(64);
  card.architecture = "resnet18", card.num_classes = 4, card.classes = {"cat", "dog", "fox", "owl"};
  card.resize = "center_crop";  // resize_size 0: 37 px, then the centred 32 x 32
  sc::nn::ResNet model(sc::nn::resnet_options("resnet18", 4));
  model->eval();
  sc::io::write_json(dir / "config.json", {{"model", card}, {"hyperparameters", {{"arch", "resnet18"}}}});
  std::vector<at::Tensor> fed;
  std::ofstream expected(dir / "expected.csv");
  expected << "file,predicted_index\n";
  fs::create_directories(dir / "images");
  for (int i = 0; i < 6; ++i) {  // 60x45 JPEGs, 40x70 PNGs
    const std::int64_t h = i % 2 ? 40 : 60, w = i % 2 ? 70 : 45;
    auto img = at::upsample_bilinear2d(at::rand({1, 3, h / 5, w / 5}), {h, w}, false)[0].mul(255).to(at::kByte);
    const auto hwc = img.permute({1, 2, 0}).contiguous();
    const auto name = fmt::format(i % 2 ? "img{}.png" : "img{}.jpg", i);
    if (i % 2) {
      sc::viz::write_png(dir / "images" / name, hwc.data_ptr<std::uint8_t>(), static_cast<int>(w), static_cast<int>(h));
    } else {
      std::ofstream(dir / "images" / name, std::ios::binary)
          << sc::data::encode_jpeg(hwc.data_ptr<std::uint8_t>(), static_cast<int>(h), static_cast<int>(w), 92);
    }
    fed.push_back(sc::data::read_image_center_crop(dir / "images" / name, 32));
  }
  const auto x = normalise(at::stack(fed), card);
  at::Tensor logits;
  {
    at::NoGradGuard no_grad;
    const auto pooled = model->features(x).mean({2, 3});  // centred logits, as make_run's
    model->fc->bias.copy_(-at::matmul(pooled.mean(0), model->fc->weight.t()));
    logits = model(x);
  }
  sc::nn::save_state_dict(*model, dir / "model.pt");
  const auto pred = logits.argmax(1);
  for (int i = 0; i < 6; ++i) {
    expected << fmt::format(i % 2 ? "img{}.png,{}\n" : "img{}.jpg,{}\n", i, pred[i].item<std::int64_t>());
  }
  std::cout << "wrote " << dir.string() << " (resnet18)\n";
  return 0;
}

// Loads `model_file` into `model` (eval mode), runs BATCH's x and compares with its logits: 0 within 1e-5, else 1.
template <typename Model>
int compare_logits(Model& model, const fs::path& model_file, const fs::path& batch_file, const std::string& what) {
  sc::nn::load_state_dict(*model, model_file);
  model->eval();
  const auto batch = sc::nn::read_state_dict(batch_file);
  at::Tensor logits;
  {
    at::NoGradGuard no_grad;
    logits = model(batch.at("x"));
  }
  const double diff = (logits - batch.at("logits")).abs().max().item<double>();
  std::cout << fmt::format("{} on {} images: max |diff| {:.3g}\n", what, logits.size(0), diff);
  return diff <= 1e-5 ? 0 : 1;
}

int check(const fs::path& model_file, const fs::path& batch_file, std::int64_t width) {
  sc::nn::CustomResNet model(sc::nn::CustomResNetOptions().width(width).logit_scale(0.125));
  return compare_logits(model, model_file, batch_file, "C++ logits vs Python's");
}

int resnet_make(const std::string& arch, std::int64_t classes, const fs::path& dir) {
  torch::manual_seed(3);
  auto model = sc::nn::resnet(arch, classes);
  {
    at::NoGradGuard no_grad;
    for (auto& b : model->named_buffers()) {  // statistics as a trained network has them, not 0 and 1
      if (b.key().find("running_mean") != std::string::npos) b.value().normal_(0, 0.1);
      if (b.key().find("running_var") != std::string::npos) b.value().uniform_(0.5, 1.5);
      if (b.key().find("num_batches_tracked") != std::string::npos) b.value().fill_(11);
    }
    for (auto& p : model->named_parameters()) {  // zero_init_residual's zeros would hide every residual branch
      if (p.key().find("bn") != std::string::npos && p.key().find("weight") != std::string::npos) {
        p.value().uniform_(0.5, 1.5);
      }
    }
  }
  model->eval();
  const auto x = at::randn({3, 3, 64, 80});
  at::Tensor logits;
  {
    at::NoGradGuard no_grad;
    logits = model(x);
  }
  fs::create_directories(dir);
  sc::nn::save_state_dict(*model, dir / "model.pt");
  sc::nn::save_tensor_dict({{"x", x}, {"logits", logits}}, dir / "batch.pt");
  std::cout << "wrote " << (dir / "model.pt").string() << " (" << arch << ", " << classes << " classes)\n";
  return 0;
}

int resnet_check(const std::string& arch, std::int64_t classes, const fs::path& model_file,
                 const fs::path& batch_file) {
  auto model = sc::nn::resnet(arch, classes);
  return compare_logits(model, model_file, batch_file, arch + ": C++ logits vs torchvision's");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "make-run" && argc == 4) return make_run(argv[2], std::stoll(argv[3]));
    if (cmd == "make-resnet-run" && argc == 3) return make_resnet_run(argv[2]);
    if (cmd == "check" && argc == 5) return check(argv[2], argv[3], std::stoll(argv[4]));
    if (cmd == "resnet-make" && argc == 5) return resnet_make(argv[2], std::stoll(argv[3]), argv[4]);
    if (cmd == "resnet-check" && argc == 6) return resnet_check(argv[2], std::stoll(argv[3]), argv[4], argv[5]);
    std::cerr << "usage: superconv_interop_tool make-run DIR WIDTH | check MODEL BATCH WIDTH | resnet-make ARCH "
                 "CLASSES DIR | resnet-check ARCH CLASSES MODEL BATCH\n";
    return 2;
  } catch (const c10::Error& e) {
    std::cerr << "error: " << e.what_without_backtrace() << "\n";
    return 1;
  }
}
