#!/usr/bin/env bash
# The streaming data path against PyTorch's DataLoader with torchvision's transforms, side by side on one machine:
# decode + RandomResizedCrop + flip to 224 px, normalised float batches, from JPEGs of 400-500 px (CIFAR-10 training
# images upscaled and saved at quality 90, made once into $OUT/jpeg), with the same number of workers; ROUNDS rounds
# alternating the two.
# Then the memory check: peak RSS of an epoch through a small training step over N and 8 x N records.
#   benchmarks/compare_stream.sh [IMAGES=10000] [WORKERS=2] [ROUNDS=3]
# Needs bench_stream (in SUPERCONV_BIN, else build/bin), a Python with torchvision and PIL (SUPERCONV_PYTHON, else
# .venv/bin/python) and CIFAR-10 (SUPERCONV_DATA, else data/cifar-10-batches-bin). Run it by hand on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
images=${1:-10000} workers=${2:-2} rounds=${3:-3}
py=${SUPERCONV_PYTHON:-.venv/bin/python}
data=${SUPERCONV_DATA:-data/cifar-10-batches-bin}
out=${OUT:-runs/compare-stream}
bin=${SUPERCONV_BIN:-build/bin}
mkdir -p "$out"
if [ ! -f "$out/jpeg/.done-$images" ]; then
  "$py" - "$data" "$out/jpeg" "$images" <<'PY'
import os, random, sys
import numpy as np
from PIL import Image
data, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
raw = np.fromfile(os.path.join(data, "data_batch_1.bin"), np.uint8).reshape(-1, 3073)
rng = random.Random(0)
for i in range(n):
    rec = raw[i % len(raw)]
    img = Image.fromarray(rec[1:].reshape(3, 32, 32).transpose(1, 2, 0))
    size = (rng.randint(400, 500), rng.randint(400, 500))
    folder = os.path.join(out, f"class{rec[0]}")
    os.makedirs(folder, exist_ok=True)
    img.resize(size, Image.BILINEAR).save(os.path.join(folder, f"{i:06d}.jpg"), quality=90)
open(os.path.join(out, f".done-{n}"), "w").close()
PY
fi
# Two heap policies, the same for both programs: glibc's default (a large block is mmap'ed and given back at each
# free, so every batch's fresh memory page-faults), and the one superconv's recipes set for training processes
# (system::retain_freed_memory: M_MMAP_MAX=0, M_TRIM_THRESHOLD=-1), here through GLIBC_TUNABLES for both.
retained=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4611686018427387904
rm -f "$out/throughput-default.jsonl" "$out/throughput-retained.jsonl"
for heap in default retained; do
  tunables=""
  [ "$heap" = retained ] && tunables=$retained
  for r in $(seq 1 "$rounds"); do
    GLIBC_TUNABLES=$tunables "$bin"/bench_stream throughput "$out/jpeg" "$workers" 64 | tee -a "$out/throughput-$heap.jsonl"
    GLIBC_TUNABLES=$tunables "$py" benchmarks/stream_reference.py "$out/jpeg" "$workers" 64 |
      tee -a "$out/throughput-$heap.jsonl"
  done
  "$py" - "$out/throughput-$heap.jsonl" "$workers" "$heap" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ours = [r["images_per_second"] for r in rows if r["impl"] == "superconv"]
theirs = [r["images_per_second"] for r in rows if r["impl"] == "torchvision"]
w = int(sys.argv[2])
print(f"{sys.argv[3]} heap: median images/s: superconv {statistics.median(ours):.1f} ({statistics.median(ours) / w:.1f} "
      f"a core), torchvision DataLoader {statistics.median(theirs):.1f} ({statistics.median(theirs) / w:.1f} a core): "
      f"{statistics.median(ours) / statistics.median(theirs):.2f}x ({w} workers)")
PY
done
"$bin"/bench_stream memory "$out/jpeg" 1 "$workers" 64 | tee "$out/memory.jsonl"
"$bin"/bench_stream memory "$out/jpeg" 8 "$workers" 64 | tee -a "$out/memory.jsonl"
