#!/usr/bin/env python3
"""Writes an ImageNet-layout folder of full-size images for imagenet_resnet's end-to-end test:
root/{train,test}/<class>/*.jpg|png, 200-500 px on each side (sizes and aspect ratios vary), JPEG and PNG mixed.

Three classes a network tells apart at any crop and scale: horizontal stripes, vertical stripes, a checkerboard, each
with its own random period (a fifth to a tenth of the shorter side), colours, phase and noise. Needs numpy and Pillow (the test's Python has them).
Usage: make_photo_folder.py ROOT [TRAIN_PER_CLASS TEST_PER_CLASS SEED]
"""
import os
import sys

import numpy as np
from PIL import Image

CLASSES = ("checkerboard", "horizontal", "vertical")


def picture(kind, rng):
    h, w = (int(v) for v in rng.integers(200, 501, size=2))
    period = int(min(h, w) / rng.uniform(5, 10))  # 5 to 10 periods across: visible at any crop and size
    y, x = np.mgrid[0:h, 0:w]
    y, x = y + int(rng.integers(0, period)), x + int(rng.integers(0, period))
    if kind == "horizontal":
        on = (y // period) % 2
    elif kind == "vertical":
        on = (x // period) % 2
    else:
        on = ((y // period) + (x // period)) % 2
    a, b = rng.integers(0, 256, size=3), rng.integers(0, 256, size=3)
    while np.abs(a.astype(int) - b.astype(int)).sum() < 150:  # enough contrast to see the pattern
        b = rng.integers(0, 256, size=3)
    img = np.where(on[..., None] == 1, a, b).astype(np.float32) + rng.normal(0, 12, size=(h, w, 3))
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def main():
    root = sys.argv[1]
    per_split = {"train": int(sys.argv[2]) if len(sys.argv) > 2 else 40,
                 "test": int(sys.argv[3]) if len(sys.argv) > 3 else 10}
    rng = np.random.default_rng(int(sys.argv[4]) if len(sys.argv) > 4 else 0)
    for split, n in per_split.items():
        for kind in CLASSES:
            folder = os.path.join(root, split, kind)
            os.makedirs(folder, exist_ok=True)
            for i in range(n):
                img = picture(kind, rng)
                if i % 3 == 2:
                    img.save(os.path.join(folder, f"{i:04d}.png"))
                else:
                    img.save(os.path.join(folder, f"{i:04d}.jpg"), quality=90)


if __name__ == "__main__":
    main()
