# SPDX-License-Identifier: MIT
"""The custom ResNet of superconv (include/superconv/nn/custom_resnet.hpp) as a PyTorch module.

Its state_dict has the C++ model's names and shapes, so a run's model.pt loads into it and a state dict saved from
it loads into the C++ model (`cifar10_resnet --init-weights file.pt`, `superconv::nn::load_state_dict`):

    import torch, custom_resnet
    model = custom_resnet.load("runs/X")            # config.json's "model" card + model.pt, in eval mode
    probs = model(x).softmax(1)                      # x: [B, 3, 32, 32], normalised as the card's mean/std say

or by hand: `model = CustomResNet(width=64, num_classes=10, logit_scale=0.125)` then
`model.load_state_dict(torch.load("runs/X/model.pt"))`.
"""
import json
import os

import torch
from torch import nn
import torch.nn.functional as F


class ConvBnRelu(nn.Module):
    """conv3x3 (no bias) > [MaxPool2] > BatchNorm > ReLU, as superconv::nn::ConvBnRelu."""

    def __init__(self, c_in, c_out, pool=False):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, stride=1, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=1e-5, momentum=0.1)
        self.pool = pool

    def forward(self, x):
        x = self.conv(x)
        if self.pool:
            x = F.max_pool2d(x, 2)
        return F.relu(self.bn(x))


class ResidualBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = ConvBnRelu(c, c)
        self.conv2 = ConvBnRelu(c, c)

    def forward(self, x):
        return self.conv2(self.conv1(x))


class CustomResNet(nn.Module):
    """prep w; layer1 2w + res1; layer2 4w; layer3 8w + res3; max-pool over the whole map; fc; logits * logit_scale."""

    def __init__(self, width=64, num_classes=10, in_channels=3, logit_scale=1.0):
        super().__init__()
        w = width
        self.prep = ConvBnRelu(in_channels, w)
        self.layer1 = ConvBnRelu(w, 2 * w, pool=True)
        self.res1 = ResidualBlock(2 * w)
        self.layer2 = ConvBnRelu(2 * w, 4 * w, pool=True)
        self.layer3 = ConvBnRelu(4 * w, 8 * w, pool=True)
        self.res3 = ResidualBlock(8 * w)
        self.fc = nn.Linear(8 * w, num_classes)
        self.logit_scale = logit_scale

    def features(self, x):
        x = self.layer1(self.prep(x))
        x = x + self.res1(x)
        x = self.layer3(self.layer2(x))
        return x + self.res3(x)

    def head(self, f):
        x = F.max_pool2d(f, f.shape[2:]).flatten(1)
        x = self.fc(x)
        return x if self.logit_scale == 1.0 else x * self.logit_scale

    def forward(self, x):
        return self.head(self.features(x))


def from_card(card):
    """The module a model card (config.json's "model" object) describes, untrained."""
    if card.get("architecture") != "custom_resnet":
        raise ValueError(f"model card: architecture must be custom_resnet, got {card.get('architecture')!r}")
    return CustomResNet(card["width"], card["num_classes"], card.get("in_channels", 3), card.get("logit_scale", 1.0))


def load(run, map_location="cpu"):
    """The trained module of a superconv run folder (its config.json card and model.pt), in eval mode."""
    with open(os.path.join(run, "config.json")) as f:
        card = json.load(f)["model"]
    model = from_card(card)
    state = torch.load(os.path.join(run, card.get("weights", "model.pt")), map_location=map_location)
    model.load_state_dict(state)
    return model.eval()
