// SPDX-License-Identifier: MIT
// The files a finished run leaves: model.pt, predictions.csv, the pictures and the Grad-CAM of misclassified
// records.
#pragma once

#include <superconv/io/run_pictures.hpp>
#include <superconv/nn/state_dict.hpp>
#include <superconv/train/metrics.hpp>

#include <ATen/ATen.h>

#include <filesystem>
#include <string>
#include <vector>

namespace superconv {
namespace io {

/// The files a finished run leaves in `folder`: model.pt (nn::load_state_dict and PyTorch's torch.load read it),
/// predictions.csv (record, target, prediction, confidence, and `files` when given), the pictures of
/// write_run_pictures and gradcam.png for misclassified records. `input_of(records)` gives the records as the model
/// takes them (normalised, no augmentation), e.g. `[&](const at::Tensor& r) { return test.gather(r).input; }`;
/// `test_images` their uint8 images: the set's images in memory, or an ImagesOf (a streamed set's).
template <typename Model, typename InputOf>
void write_run_results(const std::filesystem::path& folder, Model& model, const train::EvalResult& eval,
                       const std::vector<train::EpochStats>& history, const ImagesOf& test_images,
                       const std::vector<std::string>& class_names, InputOf input_of,
                       const std::vector<std::string>& files = {}) {
  nn::save_state_dict(*model, folder / "model.pt");
  train::write_predictions_csv(folder / "predictions.csv", eval, class_names, files);
  write_run_pictures(folder, history, eval, test_images, class_names);
  write_gradcam_png(folder / "gradcam.png", model, eval, test_images, input_of, class_names);
}
template <typename Model, typename InputOf>
void write_run_results(const std::filesystem::path& folder, Model& model, const train::EvalResult& eval,
                       const std::vector<train::EpochStats>& history, const at::Tensor& test_images,
                       const std::vector<std::string>& class_names, InputOf input_of,
                       const std::vector<std::string>& files = {}) {
  write_run_results(folder, model, eval, history, images_in(test_images), class_names, input_of, files);
}

}  // namespace io
}  // namespace superconv
