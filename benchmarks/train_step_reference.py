#!/usr/bin/env python3
"""The same train step as bench_train_step.cpp, in PyTorch's Python API (the reference superconv must match).

    python benchmarks/train_step_reference.py [width=64] [batch=512] [steps=6] [mode=fp32|bf16|bf16_cl] [threads]

Same model (custom ResNet: conv-BN-ReLU blocks, residuals after layer 1 and 3, max-pool 4, FC), same init seed
convention, same optimizer (SGD, Nesterov 0.9, weight decay 5e-4), random data of the same shape.
"""
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def cbr(cin, cout, pool=False):
    layers = [nn.Conv2d(cin, cout, 3, padding=1, bias=False)]
    if pool:
        layers.append(nn.MaxPool2d(2))
    layers += [nn.BatchNorm2d(cout), nn.ReLU()]
    return nn.Sequential(*layers)


class CustomResNet(nn.Module):
    def __init__(self, w=64):
        super().__init__()
        self.prep = cbr(3, w)
        self.layer1 = cbr(w, 2 * w, True)
        self.res1 = nn.Sequential(cbr(2 * w, 2 * w), cbr(2 * w, 2 * w))
        self.layer2 = cbr(2 * w, 4 * w, True)
        self.layer3 = cbr(4 * w, 8 * w, True)
        self.res3 = nn.Sequential(cbr(8 * w, 8 * w), cbr(8 * w, 8 * w))
        self.fc = nn.Linear(8 * w, 10)

    def forward(self, x):
        x = self.layer1(self.prep(x))
        x = x + self.res1(x)
        x = self.layer3(self.layer2(x))
        x = x + self.res3(x)
        return self.fc(F.max_pool2d(x, 4).flatten(1))


def main():
    a = sys.argv[1:]
    width = int(a[0]) if len(a) > 0 else 64
    batch = int(a[1]) if len(a) > 1 else 512
    steps = int(a[2]) if len(a) > 2 else 6
    mode = a[3] if len(a) > 3 else "fp32"
    threads = int(a[4]) if len(a) > 4 else os.cpu_count()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = CustomResNet(width)
    x = torch.randn(batch, 3, 32, 32)
    y = torch.randint(0, 10, (batch,))
    if mode == "bf16_cl":
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    times = []
    for i in range(steps + 2):
        t0 = time.perf_counter()
        opt.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=mode != "fp32"):
            logits = model(x)
        loss = F.cross_entropy(logits.float(), y)
        loss.backward()
        opt.step()
        loss.item()
        if i >= 2:
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(f"torch {torch.__version__} | Python | width {width} batch {batch} {mode} threads {threads} | "
          f"{batch / med:.1f} img/s (median step {med:.3f} s)")


if __name__ == "__main__":
    main()
