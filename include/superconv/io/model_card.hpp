// SPDX-License-Identifier: MIT
// A model card: what a program needs to rebuild a trained model and feed it (architecture, width, classes, input
// size, normalisation), stored as the "model" object of a run's config.json, beside the weights in model.pt.
#pragma once

#include <superconv/io/json.hpp>
#include <superconv/nn/resnet.hpp>

#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <type_traits>
#include <vector>

namespace superconv {
namespace io {

/// The card of a trained image classifier. Example (what cifar10_resnet writes):
/// `{"architecture": "custom_resnet", "width": 64, "num_classes": 10, "in_channels": 3, "image_height": 32,
///   "image_width": 32, "logit_scale": 0.125, "classes": ["airplane", ...], "mean": [0.4914, ...],
///   "std": [0.247, ...], "resize": "stb", "weights": "model.pt"}`
struct ModelCard {
  /// The network: "custom_resnet" (nn::CustomResNet; examples/python/custom_resnet.py in PyTorch), "airbench"
  /// (nn::AirbenchNet, cifar10_speedrun's) or a torchvision ResNet by its name ("resnet50": nn::resnet).
  std::string architecture = "custom_resnet";
  /// Channels of the prep layer (nn::CustomResNetOptions::width); custom_resnet only.
  std::int64_t width = 64;
  /// Channels of the three ConvGroups (nn::AirbenchNetOptions::widths); airbench only.
  std::vector<std::int64_t> widths;
  std::int64_t num_classes = 10;
  std::int64_t in_channels = 3;
  /// The input size the model was trained at, pixels; other images are resized to it.
  std::int64_t image_height = 32, image_width = 32;
  /// Multiplies the logits (nn::CustomResNetOptions::logit_scale).
  double logit_scale = 1.0;
  /// Class names by index; empty: the indices are the names.
  std::vector<std::string> classes;
  /// Per-channel mean and std in [0, 1] units: a pixel p (0-255) is fed as (p / 255 - mean) / std. Empty: p / 255.
  std::vector<double> mean, std;
  /// How images of another size are brought to it: "stb" (stb_image_resize's default filter, as data::resize_image)
  /// or "center_crop" (torchvision's Resize(resize_size) + CenterCrop(image size), as a streamed evaluation crops).
  std::string resize = "stb";
  /// center_crop: the shorter side before the crop; 0: the image size / 0.875 (256 for 224).
  std::int64_t resize_size = 0;
  /// The weights file, relative to the card's folder.
  std::string weights = "model.pt";
};

/// Checks a card; errors name `source` (the file it came from), the field and the value.
inline void validate(const ModelCard& c, const std::filesystem::path& source = {}) {
  const auto where = source.empty() ? std::string("model card") : source.string() + ": model card";
  const auto& resnets = nn::resnet_architectures();
  const bool resnet = std::find(resnets.begin(), resnets.end(), c.architecture) != resnets.end();
  TORCH_CHECK(c.architecture == "custom_resnet" || c.architecture == "airbench" || resnet, where,
              ": architecture must be \"custom_resnet\", \"airbench\" or a torchvision ResNet (resnet18, resnet50, ",
              "...), got \"", c.architecture, "\"");
  TORCH_CHECK(c.width > 0, where, ": width must be > 0, got ", c.width);
  TORCH_CHECK(c.architecture != "airbench" || c.widths.size() == 3, where, ": airbench needs 3 widths, got ",
              c.widths.size());
  for (auto w : c.widths) TORCH_CHECK(w > 0, where, ": widths must be > 0, got ", w);
  TORCH_CHECK(c.num_classes > 0, where, ": num_classes must be > 0, got ", c.num_classes);
  TORCH_CHECK(c.in_channels == 1 || c.in_channels == 3, where, ": in_channels must be 1 or 3, got ", c.in_channels);
  TORCH_CHECK(c.image_height >= 8 && c.image_width >= 8 && c.image_height <= 16384 && c.image_width <= 16384, where,
              ": image_height and image_width must be in 8..16384, got ", c.image_height, "x", c.image_width);
  TORCH_CHECK(c.logit_scale > 0 && std::isfinite(c.logit_scale), where, ": logit_scale must be finite and > 0, got ",
              c.logit_scale);
  TORCH_CHECK(c.classes.empty() || static_cast<std::int64_t>(c.classes.size()) == c.num_classes, where, ": ",
              c.classes.size(), " class names for num_classes ", c.num_classes);
  TORCH_CHECK(
      c.mean.size() == c.std.size() && (c.mean.empty() || static_cast<std::int64_t>(c.mean.size()) == c.in_channels),
      where, ": mean and std need one value per channel (", c.in_channels, "), got ", c.mean.size(), " and ",
      c.std.size());
  for (double s : c.std) TORCH_CHECK(s > 0 && std::isfinite(s), where, ": std values must be finite and > 0, got ", s);
  for (double m : c.mean) TORCH_CHECK(std::isfinite(m), where, ": mean values must be finite, got ", m);
  TORCH_CHECK(c.resize == "stb" || c.resize == "center_crop", where,
              ": resize must be \"stb\" or \"center_crop\", got \"", c.resize, "\"");
  TORCH_CHECK(c.resize != "center_crop" || (c.image_height == c.image_width && c.in_channels == 3), where,
              ": center_crop makes square RGB images, got ", c.image_height, "x", c.image_width, " with ",
              c.in_channels, " channel(s)");
  TORCH_CHECK(c.resize_size == 0 || (c.resize_size >= c.image_height && c.resize_size >= c.image_width), where,
              ": resize_size must be 0 or at least the image size (", c.image_height, "x", c.image_width, "), got ",
              c.resize_size);
  TORCH_CHECK(!c.weights.empty(), where, ": weights must name a file");
}

/// The class name of index `i` (the index itself when the card has no names).
inline std::string class_name(const ModelCard& c, std::int64_t i) {
  if (i >= 0 && i < static_cast<std::int64_t>(c.classes.size())) return c.classes[static_cast<std::size_t>(i)];
  return std::to_string(i);
}

inline void to_json(Json& j, const ModelCard& c) {
  j = Json{{"architecture", c.architecture},
           {"width", c.width},
           {"widths", c.widths},
           {"num_classes", c.num_classes},
           {"in_channels", c.in_channels},
           {"image_height", c.image_height},
           {"image_width", c.image_width},
           {"logit_scale", c.logit_scale},
           {"classes", c.classes},
           {"mean", c.mean},
           {"std", c.std},
           {"resize", c.resize},
           {"resize_size", c.resize_size},
           {"weights", c.weights}};
}

/// A card from JSON; absent optional fields keep their defaults, a wrong or missing required one ("architecture";
/// "width", "num_classes") is an error naming `source`, the key and the value. The result is validated.
inline ModelCard model_card_from_json(const Json& j, const std::filesystem::path& source = {}) {
  const auto file = source.empty() ? std::filesystem::path("model card") : source;
  TORCH_CHECK(j.is_object(), file.string(), ": the model card is ", j.dump(), ", not an object");
  ModelCard c;
  c.architecture = get<std::string>(j, "architecture", file);
  if (c.architecture == "custom_resnet" || j.contains("width")) c.width = get<std::int64_t>(j, "width", file);
  c.num_classes = get<std::int64_t>(j, "num_classes", file);
  auto opt = [&](const char* key, auto& member) {
    if (j.contains(key)) member = get<std::decay_t<decltype(member)>>(j, key, file);
  };
  opt("widths", c.widths);
  opt("in_channels", c.in_channels);
  opt("image_height", c.image_height);
  opt("image_width", c.image_width);
  opt("logit_scale", c.logit_scale);
  opt("classes", c.classes);
  opt("mean", c.mean);
  opt("std", c.std);
  opt("resize", c.resize);
  opt("resize_size", c.resize_size);
  opt("weights", c.weights);
  validate(c, source);
  return c;
}

inline void from_json(const Json& j, ModelCard& c) {
  c = model_card_from_json(j);
}

/// The card of a run: `run` is the run folder or its config.json; the card is config.json's "model" object.
/// Errors name the folder or file (no such run, no card: a run from before model cards).
inline ModelCard read_model_card(const std::filesystem::path& run) {
  namespace fs = std::filesystem;
  TORCH_CHECK(fs::exists(run), run.string(), ": no such run folder");
  const fs::path config = fs::is_directory(run) ? run / "config.json" : run;
  TORCH_CHECK(fs::exists(config), run.string(), ": not a run folder (no config.json)");
  const auto j = read_json(config);
  TORCH_CHECK(j.is_object() && j.contains("model"), config.string(), ": no \"model\" card (a run from an older ",
              "superconv, or not a training run)");
  return model_card_from_json(j.at("model"), config);
}

}  // namespace io
}  // namespace superconv
