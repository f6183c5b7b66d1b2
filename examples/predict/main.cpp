// predict: classify images with a trained run of cifar10_resnet (or any run folder whose config.json has a "model"
// card and a model.pt beside it).
//
//   predict --run runs/X cat.png dog.jpg          top-3 classes with probabilities per image
//   predict --run runs/X --out preds.csv photos/  a folder: every PNG/JPEG/BMP in it (recursively) -> CSV
//   predict --run runs/X --gradcam cam.png a.png  also Grad-CAM of the predicted class beside each image
//
// The model is rebuilt from the card (cifar10_resnet's, cifar10_speedrun's or a torchvision ResNet), its weights loaded
// from model.pt; images are brought to the card's size as its evaluation did - resized with stb's resizer (data sets
// in memory), or Resize + CenterCrop (streamed runs) - and normalised with its mean and std.
// Exit status: 0 done, 1 an error naming the file (no such run, not an image, weights for another model), 2 bad
// options.
#include <superconv/data/center_crop_image.hpp>
#include <superconv/data/image_io.hpp>
#include <superconv/io/model_card.hpp>
#include <superconv/nn/airbench_net.hpp>
#include <superconv/nn/custom_resnet.hpp>
#include <superconv/nn/grad_cam.hpp>
#include <superconv/nn/resnet.hpp>
#include <superconv/nn/state_dict.hpp>
#include <superconv/system/error_message.hpp>
#include <superconv/viz/heatmap.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <torch/cuda.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace sc = superconv;
namespace fs = std::filesystem;

struct Options {
  std::string run, device = "auto", gradcam, out;
  std::int64_t top_k = 3, batch_size = 256, gradcam_max = 32;
  std::vector<std::string> inputs;
};

// The images to classify: files as given (each must exist), folders searched recursively for image files.
std::vector<fs::path> collect(const std::vector<std::string>& inputs, bool& any_folder) {
  std::vector<fs::path> files;
  for (const auto& in : inputs) {
    const fs::path p(in);
    TORCH_CHECK(fs::exists(p), in, ": no such file or folder");
    if (!fs::is_directory(p)) {
      files.push_back(p);
      continue;
    }
    any_folder = true;
    std::vector<fs::path> found;
    for (const auto& e : fs::recursive_directory_iterator(p)) {
      if (e.is_regular_file() && sc::data::is_image_file(e.path())) found.push_back(e.path());
    }
    TORCH_CHECK(!found.empty(), in, ": no PNG, JPEG or BMP files in this folder");
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

// uint8 [C, H, W] at the card's size, brought there as the card says.
at::Tensor load_image(const fs::path& path, const sc::io::ModelCard& card) {
  if (card.resize == "center_crop") return sc::data::read_image_center_crop(path, card.image_height, card.resize_size);
  auto img = sc::data::read_image(path, card.in_channels);
  if (img.size(1) != card.image_height || img.size(2) != card.image_width)
    img = sc::data::resize_image(img, card.image_height, card.image_width);
  return img;
}

// As data::DeviceLoader feeds training: (p - mean * 255) * (1 / (std * 255)) in float32.
at::Tensor normalise(const at::Tensor& u8, const sc::io::ModelCard& card, const c10::Device& device) {
  const auto c = card.in_channels;
  std::vector<float> shift(static_cast<std::size_t>(c), 0.0f), scale(static_cast<std::size_t>(c), 1.0f / 255.0f);
  for (std::size_t i = 0; i < card.mean.size(); ++i) {
    shift[i] = static_cast<float>(card.mean[i] * 255.0);
    scale[i] = static_cast<float>(1.0 / (card.std[i] * 255.0));
  }
  const auto shift_t = at::tensor(shift).view({1, c, 1, 1}).to(device);
  const auto scale_t = at::tensor(scale).view({1, c, 1, 1}).to(device);
  return u8.to(device).to(at::kFloat).sub_(shift_t).mul_(scale_t);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

// The model the card describes (custom_resnet: cifar10_resnet's; airbench: cifar10_speedrun's), classified with.
template <typename Model>
int predict_with(Model model, const sc::io::ModelCard& card, const Options& o);

int predict(const Options& o) {
  const auto card = sc::io::read_model_card(o.run);
  if (card.architecture == "airbench") {
    return predict_with(sc::nn::AirbenchNet(sc::nn::AirbenchNetOptions()
                                                .widths(card.widths)
                                                .num_classes(card.num_classes)
                                                .in_channels(card.in_channels)
                                                .logit_scale(card.logit_scale)),
                        card, o);
  }
  if (card.architecture != "custom_resnet") {  // a torchvision ResNet (the card checked the name)
    auto options = sc::nn::resnet_options(card.architecture, card.num_classes).in_channels(card.in_channels);
    return predict_with(sc::nn::ResNet(options), card, o);
  }
  return predict_with(sc::nn::CustomResNet(sc::nn::CustomResNetOptions()
                                               .width(card.width)
                                               .num_classes(card.num_classes)
                                               .in_channels(card.in_channels)
                                               .logit_scale(card.logit_scale)),
                      card, o);
}

template <typename Model>
int predict_with(Model model, const sc::io::ModelCard& card, const Options& o) {
  const fs::path folder = fs::is_directory(o.run) ? fs::path(o.run) : fs::path(o.run).parent_path();
  const auto device = o.device == "cuda" || (o.device == "auto" && torch::cuda::is_available())
                          ? c10::Device(c10::kCUDA, 0)
                          : c10::Device(c10::kCPU);
  TORCH_CHECK(!device.is_cuda() || torch::cuda::is_available(), "--device cuda: no CUDA device is available");
  try {
    sc::nn::load_state_dict(*model, folder / card.weights);
  } catch (const c10::Error& e) {
    TORCH_CHECK(false, e.what_without_backtrace(), " (the card in ", (folder / "config.json").string(), " says ",
                card.architecture, " width ", card.width, ", ", card.num_classes, " classes)");
  }
  model->to(device);
  model->eval();
  bool any_folder = false;
  const auto files = collect(o.inputs, any_folder);
  const auto k = std::min(o.top_k, card.num_classes);
  std::vector<at::Tensor> images;  // uint8 [C, H, W], kept for Grad-CAM
  std::vector<std::string> rows;
  std::vector<std::int64_t> predicted;
  for (std::size_t start = 0; start < files.size(); start += static_cast<std::size_t>(o.batch_size)) {
    const auto end = std::min(files.size(), start + static_cast<std::size_t>(o.batch_size));
    std::vector<at::Tensor> batch;
    for (auto i = start; i < end; ++i) batch.push_back(load_image(files[i], card));
    at::Tensor probs;
    {
      at::NoGradGuard no_grad;
      probs = at::softmax(model(normalise(at::stack(batch), card, device)), 1).to(at::kCPU);
    }
    const auto top = probs.topk(k, 1);
    const auto values = std::get<0>(top), indices = std::get<1>(top);
    for (auto i = start; i < end; ++i) {
      const auto row = static_cast<std::int64_t>(i - start);
      std::string line, field;
      for (std::int64_t j = 0; j < k; ++j) {
        const auto c = indices[row][j].item<std::int64_t>();
        const auto p = values[row][j].item<double>();
        line += fmt::format("{}{} {:.4f}", j ? ", " : "", sc::io::class_name(card, c), p);
        field += fmt::format("{}{}:{:.6f}", j ? " " : "", sc::io::class_name(card, c), p);
      }
      const auto c0 = indices[row][0].item<std::int64_t>();
      predicted.push_back(c0);
      std::cout << files[i].string() << ": " << line << "\n";
      rows.push_back(fmt::format("{},{},{},{:.6f},{}", csv_field(files[i].string()), c0,
                                 csv_field(sc::io::class_name(card, c0)), values[row][0].item<double>(),
                                 csv_field(field)));
      if (!o.gradcam.empty() && static_cast<std::int64_t>(images.size()) < o.gradcam_max)
        images.push_back(batch[i - start]);
    }
  }
  if (any_folder || !o.out.empty()) {
    const fs::path out = o.out.empty() ? fs::path("predictions.csv") : fs::path(o.out);
    std::string text = "path,predicted_index,predicted,probability,top_k\n";
    for (const auto& r : rows) text += r + "\n";
    sc::io::write_text_atomic(out, text);
    std::cout << "wrote " << out.string() << " (" << rows.size() << " images)\n";
  }
  if (!o.gradcam.empty()) {
    const auto u8 = at::stack(images);
    const auto cam = sc::nn::grad_cam(model, normalise(u8, card, device));
    const auto rgb = u8.size(1) == 3 ? u8 : u8.repeat({1, 3, 1, 1});
    const std::vector<std::int64_t> pred(predicted.begin(), predicted.begin() + u8.size(0));
    sc::viz::write_heatmap_gallery(o.gradcam, rgb, cam.maps.to(at::kCPU), {}, pred, card.classes,
                                   sc::viz::HeatmapGalleryOptions().title("Grad-CAM of the predicted class"));
    std::cout << "wrote " << o.gradcam << " (Grad-CAM of " << u8.size(0) << " images"
              << (static_cast<std::int64_t>(files.size()) > u8.size(0) ? ", the first ones" : "") << ")\n";
  }
  return 0;
}

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Classify images with a trained superconv run (its config.json model card and model.pt)."};
  app.add_option("--run", o.run, "run folder (or its config.json)")->required();
  app.add_option("--top-k", o.top_k, "classes to print per image")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--device", o.device, "auto|cpu|cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  app.add_option("--out", o.out, "CSV of the predictions (default predictions.csv when a folder is given)");
  app.add_option("--gradcam", o.gradcam, "PNG: each image beside its Grad-CAM heat map for the predicted class");
  app.add_option("--gradcam-max", o.gradcam_max, "images in the Grad-CAM picture (the first ones)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--batch-size", o.batch_size, "images per forward pass")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  app.add_option("inputs", o.inputs, "image files or folders")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << e.what() << "\n(--help lists the options)\n";
    return 2;
  }
  try {
    return predict(o);
  } catch (const std::exception& e) {
    std::cerr << "error: " << sc::system::error_message(e) << "\n";
    return 1;
  }
}
