// SPDX-License-Identifier: MIT
// superconv: super-convergence training building blocks for LibTorch. Umbrella header: includes every part.
#pragma once

#include <superconv/version.hpp>
#include <superconv/random.hpp>

#include <superconv/data/cifar10.hpp>
#include <superconv/data/cifar100.hpp>
#include <superconv/data/dataset.hpp>
#include <superconv/data/device_loader.hpp>
#include <superconv/data/device_loader_options.hpp>
#include <superconv/data/image_folder.hpp>
#include <superconv/data/image_io.hpp>

#include <superconv/transforms/compose.hpp>
#include <superconv/transforms/alternating_flip.hpp>
#include <superconv/transforms/batch_info.hpp>
#include <superconv/transforms/cutout.hpp>
#include <superconv/transforms/flip_lr.hpp>
#include <superconv/transforms/normalize.hpp>
#include <superconv/transforms/random_crop.hpp>
#include <superconv/transforms/random_translate.hpp>

#include <superconv/optim/cyclic_lr.hpp>
#include <superconv/optim/device_schedule.hpp>
#include <superconv/optim/fused_sgd.hpp>
#include <superconv/optim/initial_lr.hpp>
#include <superconv/optim/lr_range_test.hpp>
#include <superconv/optim/lr_suggestions.hpp>
#include <superconv/optim/muon.hpp>
#include <superconv/optim/newton_schulz.hpp>
#include <superconv/optim/one_cycle.hpp>
#include <superconv/optim/param_groups.hpp>
#include <superconv/optim/piecewise_linear.hpp>
#include <superconv/optim/scheduler.hpp>

#include <superconv/nn/conv_bn_relu.hpp>
#include <superconv/nn/airbench_net.hpp>
#include <superconv/nn/batch_norm.hpp>
#include <superconv/nn/conv_group.hpp>
#include <superconv/nn/custom_resnet.hpp>
#include <superconv/nn/grad_cam.hpp>
#include <superconv/nn/init.hpp>
#include <superconv/nn/residual_block.hpp>
#include <superconv/nn/state_dict.hpp>
#include <superconv/nn/torch_pickle.hpp>
#include <superconv/nn/whitening.hpp>

#include <superconv/system/atomic_file.hpp>
#include <superconv/system/error_message.hpp>
#include <superconv/system/heap.hpp>
#include <superconv/system/ordered_workers.hpp>
#include <superconv/system/runtime.hpp>

#include <superconv/train/amp.hpp>
#include <superconv/train/capture_session.hpp>
#include <superconv/train/checkpoint.hpp>
#include <superconv/train/checkpoint_file.hpp>
#include <superconv/train/evaluate.hpp>
#include <superconv/train/forward.hpp>
#include <superconv/train/hooks.hpp>
#include <superconv/train/interrupt.hpp>
#include <superconv/train/log.hpp>
#include <superconv/train/lookahead.hpp>
#include <superconv/train/loss.hpp>
#include <superconv/train/lr_finder.hpp>
#include <superconv/train/metrics.hpp>
#include <superconv/train/progress.hpp>
#include <superconv/train/step_capture.hpp>
#include <superconv/train/stops.hpp>
#include <superconv/train/tensorboard.hpp>
#include <superconv/train/trainer.hpp>
#include <superconv/train/trainer_options.hpp>
#include <superconv/train/tta.hpp>

#include <superconv/viz/canvas.hpp>
#include <superconv/viz/heatmap.hpp>
#include <superconv/viz/image_grid.hpp>
#include <superconv/viz/line_chart.hpp>
#include <superconv/viz/ticks.hpp>
#include <superconv/viz/plots.hpp>
#include <superconv/viz/png.hpp>

// Run files (JSON through nlohmann/json) and pictures: what a program writes into a run's folder.
#include <superconv/io/json.hpp>
#include <superconv/io/model_card.hpp>
#include <superconv/io/run_folder.hpp>
#include <superconv/io/run_pictures.hpp>
#include <superconv/io/schedule_csv.hpp>
#include <superconv/io/summary.hpp>
// TensorBoard event files, written natively (no protobuf library).
#include <superconv/io/crc32c.hpp>
#include <superconv/io/event_writer.hpp>
#include <superconv/io/histogram.hpp>
#include <superconv/io/protobuf.hpp>
#include <superconv/io/record_writer.hpp>
#include <superconv/io/tensorboard_summary.hpp>
