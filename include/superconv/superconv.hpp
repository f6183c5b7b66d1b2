// SPDX-License-Identifier: MIT
// superconv: super-convergence training building blocks for LibTorch. Umbrella header: includes every part except
// the opt-in data-parallel wing (superconv/distributed/, target superconv::distributed), in the order of the layers.
// Written by scripts/update_umbrella.py.
#pragma once

#include <superconv/random.hpp>
#include <superconv/version.hpp>

// Process set-up: CPUs, threads, memory, the heap, atomic files, workers, prefetching, error messages.
#include <superconv/system/atomic_file.hpp>
#include <superconv/system/cpus.hpp>
#include <superconv/system/error_message.hpp>
#include <superconv/system/heap.hpp>
#include <superconv/system/memory.hpp>
#include <superconv/system/ordered_workers.hpp>
#include <superconv/system/prefetcher.hpp>
#include <superconv/system/runtime.hpp>

// Schedules (One Cycle, cyclic LR, piecewise linear), the LR range test, optimizers (FusedSGD, Muon), groups.
#include <superconv/optim/cyclic_lr.hpp>
#include <superconv/optim/device_scalars.hpp>
#include <superconv/optim/device_schedulable.hpp>
#include <superconv/optim/fused_sgd.hpp>
#include <superconv/optim/group_options.hpp>
#include <superconv/optim/initial_lr.hpp>
#include <superconv/optim/lr_range_test.hpp>
#include <superconv/optim/lr_suggestions.hpp>
#include <superconv/optim/muon.hpp>
#include <superconv/optim/newton_schulz.hpp>
#include <superconv/optim/one_cycle.hpp>
#include <superconv/optim/param_groups.hpp>
#include <superconv/optim/partition.hpp>
#include <superconv/optim/piecewise_linear.hpp>
#include <superconv/optim/schedule_table.hpp>
#include <superconv/optim/scheduler.hpp>
#include <superconv/optim/sgd_rule.hpp>

// Pictures without a plotting program: canvas, charts, image grids, heat maps, PNG.
#include <superconv/viz/canvas.hpp>
#include <superconv/viz/chart_data.hpp>
#include <superconv/viz/heatmap.hpp>
#include <superconv/viz/image_grid.hpp>
#include <superconv/viz/line_chart.hpp>
#include <superconv/viz/plots.hpp>
#include <superconv/viz/png.hpp>
#include <superconv/viz/ticks.hpp>

// Networks: the custom ResNet, AirbenchNet, torchvision's ResNets, init, state dicts, PyTorch pickles, Grad-CAM.
#include <superconv/nn/airbench_net.hpp>
#include <superconv/nn/batch_norm.hpp>
#include <superconv/nn/conv_bn_relu.hpp>
#include <superconv/nn/conv_group.hpp>
#include <superconv/nn/custom_resnet.hpp>
#include <superconv/nn/grad_cam.hpp>
#include <superconv/nn/init.hpp>
#include <superconv/nn/residual_block.hpp>
#include <superconv/nn/resnet.hpp>
#include <superconv/nn/resnet_blocks.hpp>
#include <superconv/nn/state_dict.hpp>
#include <superconv/nn/torch_pickle.hpp>
#include <superconv/nn/whitening.hpp>

// Batched, per-sample random augmentations on the data's device.
#include <superconv/transforms/alternating_flip.hpp>
#include <superconv/transforms/batch_info.hpp>
#include <superconv/transforms/compose.hpp>
#include <superconv/transforms/cutout.hpp>
#include <superconv/transforms/flip_lr.hpp>
#include <superconv/transforms/normalize.hpp>
#include <superconv/transforms/random_crop.hpp>
#include <superconv/transforms/random_translate.hpp>
#include <superconv/transforms/shift.hpp>
#include <superconv/transforms/transform_traits.hpp>

// The engine: Trainer, evaluation, checkpoints, hooks, test-time views, captured steps, Lookahead.
#include <superconv/train/amp.hpp>
#include <superconv/train/capture_session.hpp>
#include <superconv/train/captured_step.hpp>
#include <superconv/train/checkpoint.hpp>
#include <superconv/train/checkpoint_file.hpp>
#include <superconv/train/checkpoint_manifest.hpp>
#include <superconv/train/epoch_meter.hpp>
#include <superconv/train/evaluate.hpp>
#include <superconv/train/forward.hpp>
#include <superconv/train/hooks.hpp>
#include <superconv/train/interrupt.hpp>
#include <superconv/train/loader_traits.hpp>
#include <superconv/train/log.hpp>
#include <superconv/train/lookahead.hpp>
#include <superconv/train/loss.hpp>
#include <superconv/train/lr_finder.hpp>
#include <superconv/train/metrics.hpp>
#include <superconv/train/progress.hpp>
#include <superconv/train/replicas.hpp>
#include <superconv/train/step.hpp>
#include <superconv/train/step_capture.hpp>
#include <superconv/train/stops.hpp>
#include <superconv/train/trainer.hpp>
#include <superconv/train/trainer_options.hpp>
#include <superconv/train/training_mode_guard.hpp>
#include <superconv/train/tta.hpp>

// Data sets and loaders: CIFAR-10/100, image folders, tensors, the whole set on the device, shards streamed.
#include <superconv/data/center_crop_image.hpp>
#include <superconv/data/cifar10.hpp>
#include <superconv/data/cifar100.hpp>
#include <superconv/data/crop_box.hpp>
#include <superconv/data/dataset.hpp>
#include <superconv/data/device_loader.hpp>
#include <superconv/data/device_loader_options.hpp>
#include <superconv/data/image_decode.hpp>
#include <superconv/data/image_folder.hpp>
#include <superconv/data/image_io.hpp>
#include <superconv/data/jpeg_turbo.hpp>
#include <superconv/data/pixel_decode.hpp>
#include <superconv/data/progressive_resize.hpp>
#include <superconv/data/record_decoder.hpp>
#include <superconv/data/resample.hpp>
#include <superconv/data/sample_source.hpp>
#include <superconv/data/shard_conversion.hpp>
#include <superconv/data/shard_index.hpp>
#include <superconv/data/shard_index_file.hpp>
#include <superconv/data/shard_writer.hpp>
#include <superconv/data/source_dataset.hpp>
#include <superconv/data/stb.hpp>
#include <superconv/data/streaming_loader.hpp>
#include <superconv/data/streaming_loader_options.hpp>
#include <superconv/data/streaming_order.hpp>
#include <superconv/data/tar.hpp>

// TensorBoard event files, written natively (no protobuf library), and the Trainer hook that writes them.
#include <superconv/tensorboard/crc32c.hpp>
#include <superconv/tensorboard/event_writer.hpp>
#include <superconv/tensorboard/histogram.hpp>
#include <superconv/tensorboard/hparams.hpp>
#include <superconv/tensorboard/png_header.hpp>
#include <superconv/tensorboard/protobuf.hpp>
#include <superconv/tensorboard/record.hpp>
#include <superconv/tensorboard/record_writer.hpp>
#include <superconv/tensorboard/summary.hpp>
#include <superconv/tensorboard/tensorboard.hpp>

// A run's folder: config, summary, seeds, resume, results, pictures, model card, exit codes.
#include <superconv/io/exit_codes.hpp>
#include <superconv/io/json.hpp>
#include <superconv/io/lr_range_test_files.hpp>
#include <superconv/io/model_card.hpp>
#include <superconv/io/resume.hpp>
#include <superconv/io/run_banner.hpp>
#include <superconv/io/run_config.hpp>
#include <superconv/io/run_folder.hpp>
#include <superconv/io/run_log.hpp>
#include <superconv/io/run_pictures.hpp>
#include <superconv/io/run_results.hpp>
#include <superconv/io/run_summary.hpp>
#include <superconv/io/schedule_csv.hpp>
#include <superconv/io/seeds.hpp>
#include <superconv/io/summary.hpp>
