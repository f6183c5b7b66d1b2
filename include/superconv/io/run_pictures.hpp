// SPDX-License-Identifier: MIT
// A run's pictures as PNG files, from what the run measured: the LR range test, the schedule, the training curves,
// misclassified images with true/predicted labels and their Grad-CAM maps, and the confusion matrix.
#pragma once

#include <superconv/nn/grad_cam.hpp>
#include <superconv/optim/lr_range_test.hpp>
#include <superconv/train/metrics.hpp>
#include <superconv/viz/heatmap.hpp>
#include <superconv/viz/image_grid.hpp>
#include <superconv/viz/plots.hpp>
#include <superconv/viz/png.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <utility>
#include <string>
#include <vector>

namespace superconv {
namespace io {

/// Loss against LR (log scale) with each suggestion marked.
inline void write_lr_finder_png(const std::filesystem::path& path, const optim::LRRangeTestResult& r) {
  viz::write_png(path, viz::plot_lr_finder(r.lrs, r.losses, r.smoothed,
                                           {{"steepest", r.steepest}, {"valley", r.valley}, {"min_loss", r.min_loss}}));
}

/// LR and momentum of any schedule with `lr_at(step)` and `momentum_at(step)` over `steps` steps.
template <typename Schedule>
void write_schedule_png(const std::filesystem::path& path, const Schedule& schedule, std::int64_t steps,
                        const std::string& title = "One Cycle schedule", const std::string& x_label = "step") {
  std::vector<double> x, lr, m;
  for (std::int64_t i = 0; i < steps; ++i) {
    x.push_back(static_cast<double>(i)), lr.push_back(schedule.lr_at(i)), m.push_back(schedule.momentum_at(i));
  }
  viz::write_png(path, viz::plot_schedule(x, lr, m, title, x_label));
}

/// The images of records, as a run's pictures need them: int64 record indices [k] -> uint8 [k, 3, H, W] (the evaluated
/// set's images in memory, or a streamed set decoding just those records).
using ImagesOf = std::function<at::Tensor(const at::Tensor& records)>;

/// ImagesOf for a set's images in memory (uint8 [N, 3, H, W]); a record outside them is an error naming it.
inline ImagesOf images_in(const at::Tensor& images) {
  return [images](const at::Tensor& records) {
    const auto r = records.to(at::kLong).cpu();
    TORCH_CHECK(r.numel() == 0 || (r.min().item<std::int64_t>() >= 0 && r.max().item<std::int64_t>() < images.size(0)),
                "run pictures: record ", r.numel() ? r.max().item<std::int64_t>() : 0, " is outside the ",
                images.size(0), " images given");
    return images.index_select(0, r.to(images.device())).cpu();
  };
}

/// Train and test loss and accuracy per epoch.
inline void write_curves_png(const std::filesystem::path& path, const std::vector<train::EpochStats>& history) {
  std::vector<double> ep, trl, tel, tra, tea;
  for (const auto& e : history) {
    ep.push_back(static_cast<double>(e.epoch)), trl.push_back(e.train_loss), tel.push_back(e.test_loss);
    tra.push_back(e.train_acc), tea.push_back(e.test_acc);
  }
  viz::write_png(path, viz::plot_training_curves(ep, trl, tel, tra, tea));
}

/// The first `n` misclassified records as a captioned grid; `images_of` gives their uint8 images (images_in(tensor)
/// for a set in memory); `class_names` name the classes (numbers are shown where empty). Writes nothing and returns
/// false when nothing was misclassified.
inline bool write_misclassified_png(const std::filesystem::path& path, const train::EvalResult& r,
                                    const ImagesOf& images_of, const std::vector<std::string>& class_names,
                                    std::int64_t n = 25) {
  auto name = [&](std::int64_t c) {
    return c >= 0 && c < static_cast<std::int64_t>(class_names.size()) ? class_names[static_cast<std::size_t>(c)]
                                                                       : std::to_string(c);
  };
  const auto wrong = train::misclassified(r, n);
  if (wrong.empty()) return false;
  const auto pos = at::tensor(wrong, at::kLong);
  const auto images = images_of(r.indices.cpu().index_select(0, pos));
  std::vector<viz::Image> gallery;
  std::vector<std::string> captions;
  for (std::size_t k = 0; k < wrong.size(); ++k) {
    gallery.push_back(viz::Image::from_chw(images[static_cast<std::int64_t>(k)].cpu()));
    captions.push_back("true: " + name(r.targets[wrong[k]].item<std::int64_t>()) +
                       "\npred: " + name(r.predictions[wrong[k]].item<std::int64_t>()));
  }
  viz::write_png(path, viz::image_grid(gallery, captions,
                                       viz::ImageGridOptions().cols(5).scale(4).title("Misclassified test images")));
  return true;
}
inline bool write_misclassified_png(const std::filesystem::path& path, const train::EvalResult& r,
                                    const at::Tensor& images, const std::vector<std::string>& class_names,
                                    std::int64_t n = 25) {
  return write_misclassified_png(path, r, images_in(images), class_names, n);
}

/// Grad-CAM (nn/grad_cam.hpp) of the first `n` misclassified records for their predicted class: each image beside
/// its heat map, captioned with the true and predicted labels. `model` has features() and head() (nn::CustomResNet);
/// `input_of(records)` gives the model's input for those records ([k] int64 record indices -> [k, C, H, W],
/// normalised as in training); `images_of(records)` their uint8 images (images_in(tensor) for a set in memory).
/// Writes nothing and returns false when nothing was misclassified.
template <typename Model, typename InputOf>
bool write_gradcam_png(const std::filesystem::path& path, Model& model, const train::EvalResult& r,
                       const ImagesOf& images_of, InputOf&& input_of, const std::vector<std::string>& class_names,
                       std::int64_t n = 16) {
  const auto wrong = train::misclassified(r, n);
  if (wrong.empty()) return false;
  const auto pos = at::tensor(wrong, at::kLong);
  const auto records = r.indices.cpu().index_select(0, pos);
  const auto images = images_of(records);
  const auto predicted = r.predictions.cpu().index_select(0, pos).to(at::kLong);
  const auto truth = r.targets.cpu().index_select(0, pos).to(at::kLong);
  const auto cam = nn::grad_cam(model, input_of(records), predicted);
  const auto as_vector = [](const at::Tensor& t) {
    return std::vector<std::int64_t>(t.data_ptr<std::int64_t>(), t.data_ptr<std::int64_t>() + t.numel());
  };
  viz::write_heatmap_gallery(path, images.cpu(), cam.maps.cpu(), as_vector(truth.contiguous()),
                             as_vector(predicted.contiguous()), class_names,
                             viz::HeatmapGalleryOptions().cols(4).title("Grad-CAM of misclassified test images "
                                                                        "(predicted class)"));
  return true;
}
template <typename Model, typename InputOf>
bool write_gradcam_png(const std::filesystem::path& path, Model& model, const train::EvalResult& r,
                       const at::Tensor& images, InputOf&& input_of, const std::vector<std::string>& class_names,
                       std::int64_t n = 16) {
  return write_gradcam_png(path, model, r, images_in(images), std::forward<InputOf>(input_of), class_names, n);
}

/// The confusion matrix (rows true, columns predicted) as a heat map labelled with the class names.
inline void write_confusion_png(const std::filesystem::path& path, const train::EvalResult& r,
                                const std::vector<std::string>& class_names) {
  const auto k = static_cast<std::int64_t>(class_names.size());
  TORCH_CHECK(k > 0, "write_confusion_png: no class names");
  const auto cm = train::confusion_matrix(r, k).to(at::kDouble).contiguous();
  std::vector<std::vector<double>> cells(static_cast<std::size_t>(k));
  for (std::int64_t i = 0; i < k; ++i) {
    cells[static_cast<std::size_t>(i)].assign(cm[i].data_ptr<double>(), cm[i].data_ptr<double>() + k);
  }
  viz::write_png(path,
                 viz::heatmap(cells, class_names, class_names,
                              viz::HeatmapOptions().title("Confusion matrix").x_label("predicted").y_label("true")));
}

/// curves.png (when it trained), misclassified.png and confusion.png of a finished run in `folder`.
inline void write_run_pictures(const std::filesystem::path& folder, const std::vector<train::EpochStats>& history,
                               const train::EvalResult& final_eval, const ImagesOf& test_images,
                               const std::vector<std::string>& class_names) {
  if (!history.empty()) write_curves_png(folder / "curves.png", history);  // none when only evaluated
  write_misclassified_png(folder / "misclassified.png", final_eval, test_images, class_names);
  write_confusion_png(folder / "confusion.png", final_eval, class_names);
}
inline void write_run_pictures(const std::filesystem::path& folder, const std::vector<train::EpochStats>& history,
                               const train::EvalResult& final_eval, const at::Tensor& test_images,
                               const std::vector<std::string>& class_names) {
  write_run_pictures(folder, history, final_eval, images_in(test_images), class_names);
}

}  // namespace io
}  // namespace superconv
