"""The streaming data path against the Python tools it must agree with (run by ctest where the Python has them):

  webdataset:   shards superconv_shards writes are read by webdataset (keys, classes, image bytes), and shards
                webdataset's ShardWriter writes are listed by superconv_shards the same way;
  torchvision:  superconv's RandomResizedCrop boxes have the distribution of torchvision's get_params (two-sample
                Kolmogorov-Smirnov on area share, aspect ratio and position), and the evaluation crop (Resize 256 +
                CenterCrop 224 on PIL images) is torchvision's, pixel for pixel without DCT shrinking and within the
                stated bound with it.

usage: check_streaming.py SHARDS_TOOL STREAM_TOOL WORK_DIR
Prints "SKIPPED: <why>" (a skip for ctest) where the Python lacks webdataset, torchvision, PIL or numpy.
"""
import io, os, random, shutil, subprocess, sys, types

tool, stream_tool, work = sys.argv[1:4]
try:
    import numpy as np
    from PIL import Image
    import webdataset as wds
    import torch
    # PyPI's torchvision is built against the CUDA build of torch; its C++ operators do not load beside the CPU
    # build, and only its fake-kernel registrations need them: skip those (the transforms are pure Python).
    sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
    import torchvision
    from torchvision import transforms as T
except Exception as e:  # noqa: BLE001 - any missing piece means the check cannot run here
    print(f"SKIPPED: this Python lacks what the check needs ({type(e).__name__}: {e})")
    sys.exit(0)

shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
rng = random.Random(0)


def run(*args):
    out = subprocess.run(args, capture_output=True, text=True)
    assert out.returncode == 0, f"{args} exited {out.returncode}: {out.stderr}"
    return out.stdout


# ---- an image folder of JPEGs and PNGs, 400-500 px, three classes
folder = os.path.join(work, "folder")
files = []
for k, name in enumerate(["cat", "dog", "fox"]):
    os.makedirs(os.path.join(folder, name))
    for i in range(6):
        h, w = rng.randint(400, 500), rng.randint(400, 500)
        yy, xx = np.mgrid[0:h, 0:w]
        img = np.stack([(xx * (k + 1) + i * 9) % 256, (yy * 2 + xx) % 256, (yy * (i + 1)) % 256], -1).astype(np.uint8)
        ext = "png" if i % 3 == 0 else "jpg"
        path = os.path.join(folder, name, f"{i:02d}.{ext}")
        Image.fromarray(img).save(path, quality=90) if ext == "jpg" else Image.fromarray(img).save(path)
        files.append((path, k))

# ---- 1. superconv_shards -> webdataset
shards = os.path.join(work, "ours")
run(tool, "write", "--from", "folder", "--input", folder, "--out", shards, "--shard-size", "7")
urls = sorted(os.path.join(shards, f) for f in os.listdir(shards) if f.endswith(".tar"))
assert len(urls) == 3, urls
seen = list(wds.WebDataset(urls, shardshuffle=False, empty_check=False))
assert len(seen) == len(files), (len(seen), len(files))
for i, (sample, (path, label)) in enumerate(zip(seen, files)):
    assert sample["__key__"] == f"{i:08d}", sample["__key__"]
    data = sample.get("jpg", sample.get("png"))
    assert data == open(path, "rb").read(), f"sample {i}: the image bytes differ"
    assert int(sample["cls"]) == label, (i, sample["cls"], label)
print(f"webdataset reads superconv's {len(urls)} shards: {len(seen)} samples, keys, classes and image bytes equal")

# ---- 2. webdataset's ShardWriter -> superconv_shards list
theirs = os.path.join(work, "theirs")
os.makedirs(theirs)
with wds.ShardWriter(os.path.join(theirs, "wds-%06d.tar"), maxcount=5, verbose=0) as sink:
    for i, (path, label) in enumerate(files):
        sink.write({"__key__": f"s{i:05d}", os.path.splitext(path)[1][1:]: open(path, "rb").read(), "cls": label})
listed = [line.split("\t") for line in run(tool, "list", theirs).splitlines()]
assert len(listed) == len(files), (len(listed), len(files))
for i, ((key, label, fmt, size), (path, want)) in enumerate(zip(listed, files)):
    assert key == f"s{i:05d}" and int(label) == want and int(size) == os.path.getsize(path), (key, label, size, path)
    assert fmt == os.path.splitext(path)[1][1:], (fmt, path)
print(f"superconv reads webdataset's ShardWriter shards: {len(listed)} samples, keys, classes and sizes equal")

# ---- 3. RandomResizedCrop boxes against torchvision's get_params
def ks(a, b):
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    return np.max(np.abs(np.searchsorted(a, grid, side="right") / len(a) - np.searchsorted(b, grid, side="right") / len(b)))

n, height, width = 20000, 375, 500
ours = np.array([[float(v) for v in line.split()] for line in run(stream_tool, "boxes", str(height), str(width), str(n), "1").splitlines()])
torch.manual_seed(0)
crop = T.RandomResizedCrop(224)
picture = torch.zeros(3, height, width)
theirs_boxes = np.array([(j, i, w, h) for i, j, h, w in (crop.get_params(picture, crop.scale, crop.ratio) for _ in range(n))], float)
stats = {}
for name, f in {"area share": lambda b: b[:, 2] * b[:, 3] / (height * width), "aspect": lambda b: b[:, 2] / b[:, 3],
                "left": lambda b: b[:, 0] / width, "top": lambda b: b[:, 1] / height}.items():
    stats[name] = ks(f(ours), f(theirs_boxes))
critical = 1.95 * np.sqrt(2.0 / n)  # two-sample KS at the 0.1 % level
print("RandomResizedCrop, Kolmogorov-Smirnov D (critical {:.4f}): ".format(critical) +
      ", ".join(f"{k} {v:.4f}" for k, v in stats.items()))
assert all(v < critical for v in stats.values()), stats

# ---- 4. the evaluation crop against torchvision's Resize(256) + CenterCrop(224) on PIL images
evaluate = T.Compose([T.Resize(256), T.CenterCrop(224)])
worst_exact, worst_dct, mean_dct = 0, 0, []
big = []  # JPEGs large enough for the evaluation crop to decode at 1/2 or 1/4 scale
for i in range(3):
    h, w = rng.randint(1000, 1300), rng.randint(1000, 1300)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([(xx // 3 + i * 40) % 256, (yy // 2 + xx // 5) % 256, ((yy + xx) // 4) % 256], -1).astype(np.uint8)
    path = os.path.join(work, f"big{i}.jpg")
    Image.fromarray(img).save(path, quality=90)
    big.append((path, 0))
for path, _ in files + big:
    want = np.asarray(evaluate(Image.open(path).convert("RGB")), dtype=np.int16)
    for dct in (0, 1):
        out = os.path.join(work, "crop.raw")
        run(stream_tool, "eval-crop", path, "224", "256", str(dct), out)
        got = np.fromfile(out, np.uint8).reshape(224, 224, 3).astype(np.int16)
        diff = np.abs(got - want)
        if dct == 0:
            worst_exact = max(worst_exact, int(diff.max()))
        elif (path, 0) in big:
            worst_dct = max(worst_dct, int(diff.max()))
            mean_dct.append(float(diff.mean()))
print(f"Resize(256) + CenterCrop(224) against torchvision on {len(files)} images of 400-500 px and {len(big)} of "
      f"1000-1300 px: largest pixel difference {worst_exact} without DCT shrinking; with it (the large JPEGs decoded "
      f"at 1/2 or 1/4 scale) largest {worst_dct}, mean {np.mean(mean_dct):.3f} (0-255)")
assert worst_exact <= 1, worst_exact
assert np.mean(mean_dct) < 3.0, mean_dct
print("streaming checks: all passed")
