#!/usr/bin/env python3
"""Writes a small labelled image folder for the end-to-end tests: root/{train,test}/<class>/*.png (and a few .bmp).

Three visually distinct classes, with per-image noise, colour and size variation, in sizes other than 32x32 so the
reader's resizing is exercised:
  horizontal - horizontal stripes, vertical - vertical stripes, spot - one bright disc on a dark ground.
Pure Python (zlib, struct): no imaging library needed. Usage: make_image_folder.py ROOT [TRAIN_PER_CLASS TEST_PER_CLASS]
"""
import os
import random
import struct
import sys
import zlib


def png_bytes(width, height, rows):
    raw = b"".join(b"\x00" + bytes(r) for r in rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def bmp_bytes(width, height, rows):
    pad = (4 - (width * 3) % 4) % 4
    pixels = b"".join(bytes(sum(([r[3 * x + 2], r[3 * x + 1], r[3 * x]] for x in range(width)), [])) + b"\x00" * pad
                      for r in reversed(rows))
    header = struct.pack("<2sIHHI", b"BM", 54 + len(pixels), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return header + info + pixels


def image(kind, rng):
    w, h = rng.choice([(40, 40), (36, 48), (48, 36)])
    period = rng.randint(6, 10)
    fg = [rng.randint(150, 255) for _ in range(3)]
    bg = [rng.randint(0, 90) for _ in range(3)]
    cx, cy, rad = rng.randint(w // 3, 2 * w // 3), rng.randint(h // 3, 2 * h // 3), rng.randint(6, 10)
    rows = []
    for y in range(h):
        row = []
        for x in range(w):
            if kind == "horizontal":
                on = (y // (period // 2)) % 2 == 0
            elif kind == "vertical":
                on = (x // (period // 2)) % 2 == 0
            else:
                on = (x - cx) ** 2 + (y - cy) ** 2 <= rad * rad
            base = fg if on else bg
            row += [max(0, min(255, c + rng.randint(-20, 20))) for c in base]
        rows.append(row)
    return w, h, rows


def main():
    root = sys.argv[1]
    per = {"train": int(sys.argv[2]) if len(sys.argv) > 2 else 40, "test": int(sys.argv[3]) if len(sys.argv) > 3 else 10}
    rng = random.Random(7)
    for split, n in per.items():
        for kind in ("horizontal", "spot", "vertical"):
            folder = os.path.join(root, split, kind)
            os.makedirs(folder, exist_ok=True)
            for i in range(n):
                w, h, rows = image(kind, rng)
                as_bmp = i % 5 == 4
                data = bmp_bytes(w, h, rows) if as_bmp else png_bytes(w, h, rows)
                with open(os.path.join(folder, f"{kind}_{i:03d}.{'bmp' if as_bmp else 'png'}"), "wb") as f:
                    f.write(data)


if __name__ == "__main__":
    main()
