#!/usr/bin/env python3
"""Writes include/superconv/superconv.hpp: every public header except the opt-in distributed wing, folder by folder in
the order of the layers (CONVENTIONS: system -> optim, viz -> nn, transforms, train -> data -> tensorboard, io).
Run it after adding or removing a header: `python3 scripts/update_umbrella.py`."""
import os

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "include", "superconv")
order = [
    ("system", "Process set-up: CPUs, threads, memory, the heap, atomic files, workers, prefetching, error messages"),
    ("optim", "Schedules (One Cycle, cyclic LR, piecewise linear), the LR range test, optimizers (FusedSGD, Muon), groups"),
    ("viz", "Pictures without a plotting program: canvas, charts, image grids, heat maps, PNG"),
    ("nn", "Networks: the custom ResNet, AirbenchNet, torchvision's ResNets, init, state dicts, PyTorch pickles, Grad-CAM"),
    ("transforms", "Batched, per-sample random augmentations on the data's device"),
    ("train", "The engine: Trainer, evaluation, checkpoints, hooks, test-time views, captured steps, Lookahead"),
    ("data", "Data sets and loaders: CIFAR-10/100, image folders, tensors, the whole set on the device, shards streamed"),
    ("tensorboard", "TensorBoard event files, written natively (no protobuf library), and the Trainer hook that writes them"),
    ("io", "A run's folder: config, summary, seeds, resume, results, pictures, model card, exit codes"),
]
lines = ["// SPDX-License-Identifier: MIT",
         "// superconv: super-convergence training building blocks for LibTorch. Umbrella header: includes every part except",
         "// the opt-in data-parallel wing (superconv/distributed/, target superconv::distributed), in the order of the layers.",
         "// Written by scripts/update_umbrella.py.",
         "#pragma once", "", "#include <superconv/random.hpp>", "#include <superconv/version.hpp>"]
for folder, what in order:
    lines += ["", f"// {what}."]
    lines += [f"#include <superconv/{folder}/{f}>" for f in sorted(os.listdir(os.path.join(root, folder))) if f.endswith(".hpp")]
with open(os.path.join(root, "superconv.hpp"), "w") as out:
    out.write("\n".join(lines) + "\n")
