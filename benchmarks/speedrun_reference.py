#!/usr/bin/env python3
"""The airbench94 Muon CIFAR-10 speed recipe in eager PyTorch (the reference examples/cifar10_speedrun must match).

    python benchmarks/speedrun_reference.py [--runs 5] [--seed 0] [--threads 2] [--out runs/reference/seeds5.json]
        [--data DIR (default: $SUPERCONV_DATA or data/cifar-10-batches-bin)] [--epochs 8] [--train-limit N]
        [--test-limit N]

Written independently from the published description of Keller Jordan's airbench94 and its Muon variant
("94% on CIFAR-10 in 3.29 Seconds on a Single GPU", arXiv 2404.00498, and the airbench94_muon recipe): a 2x2
whitening conv fixed from the patch covariance (bias trained for 3 epochs), three conv-pool-BN-GELU groups of
widths 64/256/256, a linear head scaled by 1/256; batch 2000, 8 epochs, label smoothing 0.2; Muon (Nesterov 0.6,
3 steps of the quintic Newton-Schulz iteration, lr 0.24) for the 3x3 conv weights, Nesterov SGD 0.85 for BN biases, whitening bias and head;
random 2-pixel translation, alternating flip; test-time augmentation with flips and one-pixel shifts.

Eager PyTorch, no torch.compile; on the CPU with float32 parameters, bf16 autocast and channels_last for model and
inputs. Timing per seed covers whitening init + training + TTA evaluation (data file reading excluded). Test
accuracy is reported on records 0-999 (the exact ones in the copy this project measures with) and on all 10,000.
--epochs, --train-limit and --test-limit are for smoke tests only.
"""
import argparse
import json
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)
BATCH = 2000
CL = torch.channels_last


# ---------------------------------------------------------------- data
def read_batches(folder, names):
    images, labels = [], []
    for name in names:
        raw = torch.frombuffer(bytearray(open(os.path.join(folder, name), "rb").read()), dtype=torch.uint8)
        rec = raw.view(-1, 3073)
        labels.append(rec[:, 0].long())
        images.append(rec[:, 1:].reshape(-1, 3, 32, 32).clone())
    return torch.cat(images), torch.cat(labels)


def normalize(images_u8):
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (images_u8.float() / 255 - mean) / std


def batch_crop(padded, size=32):
    """Random size x size crop per image, offsets uniform in [0, pad*2] on each axis."""
    n, c, h, w = padded.shape
    r = h - size
    sy = torch.randint(0, r + 1, (n,))
    sx = torch.randint(0, r + 1, (n,))
    out = torch.empty(n, c, size, size, dtype=padded.dtype)
    for dy in range(r + 1):
        for dx in range(r + 1):
            idx = ((sy == dy) & (sx == dx)).nonzero().squeeze(1)
            if idx.numel():
                out[idx] = padded[idx, :, dy:dy + size, dx:dx + size]
    return out


# ---------------------------------------------------------------- model
class BatchNorm(nn.BatchNorm2d):
    def __init__(self, n):
        super().__init__(n, eps=1e-12, momentum=0.4)
        self.weight.requires_grad = False


class Conv(nn.Conv2d):
    def __init__(self, cin, cout):
        super().__init__(cin, cout, kernel_size=3, padding="same", bias=False)

    def reset_parameters(self):
        super().reset_parameters()
        w = self.weight.data
        torch.nn.init.dirac_(w[:w.size(1)])


class ConvGroup(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = Conv(cin, cout)
        self.pool = nn.MaxPool2d(2)
        self.norm1 = BatchNorm(cout)
        self.conv2 = Conv(cout, cout)
        self.norm2 = BatchNorm(cout)
        self.act = nn.GELU()

    def forward(self, x):
        x = self.act(self.norm1(self.pool(self.conv1(x))))
        return self.act(self.norm2(self.conv2(x)))


class CifarNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.whiten = nn.Conv2d(3, 24, kernel_size=2, padding=0, bias=True)
        self.whiten.weight.requires_grad = False
        self.layers = nn.Sequential(nn.GELU(), ConvGroup(24, 64), ConvGroup(64, 256), ConvGroup(256, 256),
                                    nn.MaxPool2d(3))
        self.head = nn.Linear(256, 10, bias=False)
        w = self.head.weight.data
        w *= 1 / w.std()

    def forward(self, x, whiten_bias_grad=True):
        b = self.whiten.bias
        x = F.conv2d(x, self.whiten.weight, b if whiten_bias_grad else b.detach())
        x = self.layers(x)
        x = x.view(x.size(0), -1)
        return self.head(x) / x.size(-1)


def init_whitening(layer, images, eps=5e-4):
    c, (h, w) = images.shape[1], layer.weight.shape[2:]
    patches = images.unfold(2, h, 1).unfold(3, w, 1).transpose(1, 3).reshape(-1, c * h * w).float()
    cov = patches.T @ patches / patches.size(0)
    evals, evecs = torch.linalg.eigh(cov, UPLO="U")
    evals = evals.flip(0).view(-1, 1, 1, 1)
    evecs = evecs.T.reshape(c * h * w, c, h, w).flip(0)
    scaled = evecs / torch.sqrt(evals + eps)
    layer.weight.data[:] = torch.cat((scaled, -scaled))


# ---------------------------------------------------------------- Muon
def zeropower_via_newtonschulz5(G, steps=3, eps=1e-7):
    a, b, c = (3.4445, -4.7750, 2.0315)
    X = G.bfloat16()
    X /= (X.norm() + eps)
    tall = G.size(0) > G.size(1)
    if tall:
        X = X.T
    for _ in range(steps):
        A = X @ X.T
        B = b * A + c * A @ A
        X = a * X + B @ X
    if tall:
        X = X.T
    return X


class Muon(torch.optim.Optimizer):
    def __init__(self, params, lr, momentum, nesterov=True):
        super().__init__(params, dict(lr=lr, momentum=momentum, nesterov=nesterov))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            lr, mom = group["lr"], group["momentum"]
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = torch.zeros_like(g)
                buf = state["momentum_buffer"]
                buf.mul_(mom).add_(g)
                g = g.add(buf, alpha=mom) if group["nesterov"] else buf
                p.data.mul_(len(p.data) ** 0.5 / p.data.norm())
                update = zeropower_via_newtonschulz5(g.reshape(len(g), -1)).view(g.shape)
                p.data.add_(update, alpha=-lr)


# ---------------------------------------------------------------- evaluation
def forward(model, x, **kw):
    with torch.autocast("cpu", dtype=torch.bfloat16):
        return model(x.contiguous(memory_format=CL), **kw).float()


@torch.no_grad()
def evaluate(model, images, labels):
    """Returns (TTA logits, plain logits); the plain logits are the TTA's first term, so they cost nothing extra."""
    model.eval()
    tta, plain = [], []
    for i in range(0, len(images), BATCH):
        x = images[i:i + BATCH]
        f0 = forward(model, x)
        logits = 0.5 * f0 + 0.5 * forward(model, x.flip(-1))
        padded = F.pad(x, (1,) * 4, "reflect")
        shifted = []
        for t in (padded[:, :, 0:32, 0:32], padded[:, :, 2:34, 2:34]):
            shifted.append(0.5 * forward(model, t) + 0.5 * forward(model, t.flip(-1)))
        logits = 0.5 * logits + 0.5 * torch.stack(shifted).mean(0)
        tta.append(logits)
        plain.append(f0)
    model.train()
    return torch.cat(tta), torch.cat(plain)


def accuracy(logits, labels):
    return (logits.argmax(1) == labels).float().mean().item()


# ---------------------------------------------------------------- one run
def run(seed, train_u8, train_labels, test_u8, test_labels, epochs):
    torch.manual_seed(seed)
    t0 = time.perf_counter()
    train_norm = normalize(train_u8)
    test_norm = normalize(test_u8)
    n = len(train_norm)
    steps_per_epoch = n // BATCH
    total_steps = epochs * steps_per_epoch
    whiten_bias_steps = 3 * steps_per_epoch

    model = CifarNet().to(memory_format=CL)
    init_whitening(model.whiten, train_norm[:5000])

    wd = 2e-6 * BATCH
    bias_lr, head_lr = 0.053, 0.67
    norm_biases = [p for name, p in model.named_parameters() if "norm" in name and p.requires_grad]
    sgd = torch.optim.SGD([dict(params=[model.whiten.bias], lr=bias_lr, weight_decay=wd / bias_lr),
                           dict(params=norm_biases, lr=bias_lr, weight_decay=wd / bias_lr),
                           dict(params=[model.head.weight], lr=head_lr, weight_decay=wd / head_lr)],
                          momentum=0.85, nesterov=True)
    filters = [p for p in model.parameters() if p.dim() == 4 and p.requires_grad]
    muon = Muon(filters, lr=0.24, momentum=0.6, nesterov=True)
    for group in sgd.param_groups + muon.param_groups:
        group["initial_lr"] = group["lr"]

    # Alternating flip: one random bit per image at epoch 0, the whole set flipped again in odd epochs.
    flip_bit = torch.rand(n) < 0.5
    base = torch.where(flip_bit.view(-1, 1, 1, 1), train_norm.flip(-1), train_norm)
    padded = F.pad(base, (2,) * 4, "reflect")
    del base

    model.train()
    step = 0
    t_train = time.perf_counter()
    for epoch in range(epochs):
        te = time.perf_counter()
        images = batch_crop(padded)
        if epoch % 2 == 1:
            images = images.flip(-1)
        order = torch.randperm(n)
        loss_sum, correct, seen = 0.0, 0, 0
        for b in range(steps_per_epoch):
            idx = order[b * BATCH:(b + 1) * BATCH]
            x, y = images[idx], train_labels[idx]
            out = forward(model, x, whiten_bias_grad=(step < whiten_bias_steps))
            loss = F.cross_entropy(out, y, label_smoothing=0.2, reduction="sum")
            loss.backward()
            for group in sgd.param_groups[:1]:
                group["lr"] = group["initial_lr"] * (1 - step / whiten_bias_steps)
            for group in sgd.param_groups[1:] + muon.param_groups:
                group["lr"] = group["initial_lr"] * (1 - step / total_steps)
            sgd.step()
            muon.step()
            model.zero_grad(set_to_none=True)
            step += 1
            loss_sum += loss.item()
            correct += (out.argmax(1) == y).sum().item()
            seen += len(y)
        print(f"seed {seed} epoch {epoch + 1}/{epochs} train_loss {loss_sum / seen:.4f} "
              f"train_acc {correct / seen:.4f} seconds {time.perf_counter() - te:.1f}", flush=True)
    train_seconds = time.perf_counter() - t_train

    tta, plain = evaluate(model, test_norm, test_labels)
    total_seconds = time.perf_counter() - t0
    k = min(1000, len(test_labels))
    result = dict(seed=seed,
                  test_accuracy_records_0_999=accuracy(tta[:k], test_labels[:k]),
                  final_test_accuracy=accuracy(tta, test_labels),
                  no_tta_test_accuracy_records_0_999=accuracy(plain[:k], test_labels[:k]),
                  no_tta_final_test_accuracy=accuracy(plain, test_labels),
                  total_seconds=total_seconds, train_seconds=train_seconds)
    print(f"seed {seed} tta acc 0-999 {result['test_accuracy_records_0_999']:.4f} all {result['final_test_accuracy']:.4f}"
          f" | no-tta 0-999 {result['no_tta_test_accuracy_records_0_999']:.4f}"
          f" all {result['no_tta_final_test_accuracy']:.4f} | train {train_seconds:.1f}s total {total_seconds:.1f}s",
          flush=True)
    return result


def summarize(results, args):
    keys = ["test_accuracy_records_0_999", "final_test_accuracy", "no_tta_test_accuracy_records_0_999",
            "no_tta_final_test_accuracy", "total_seconds", "train_seconds"]
    summary = {}
    for key in keys:
        vals = [r[key] for r in results]
        summary[key] = dict(mean=statistics.mean(vals), std=statistics.stdev(vals) if len(vals) > 1 else 0.0)
    return dict(recipe="airbench94_muon (eager PyTorch reference)", torch_version=torch.__version__,
                threads=args.threads, epochs=args.epochs, train_limit=args.train_limit, test_limit=args.test_limit,
                runs=results, summary=summary)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.environ.get("SUPERCONV_DATA", "data/cifar-10-batches-bin"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--train-limit", type=int, default=None)
    p.add_argument("--test-limit", type=int, default=None)
    p.add_argument("--out", default=None)
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    train_u8, train_labels = read_batches(args.data, [f"data_batch_{i}.bin" for i in range(1, 6)])
    test_u8, test_labels = read_batches(args.data, ["test_batch.bin"])
    if args.train_limit:
        train_u8, train_labels = train_u8[:args.train_limit], train_labels[:args.train_limit]
    if args.test_limit:
        test_u8, test_labels = test_u8[:args.test_limit], test_labels[:args.test_limit]
    print(f"torch {torch.__version__} threads {torch.get_num_threads()} train {len(train_u8)} test {len(test_u8)}",
          flush=True)

    results = []
    for seed in range(args.seed, args.seed + args.runs):
        results.append(run(seed, train_u8, train_labels, test_u8, test_labels, args.epochs))
        out = summarize(results, args)
        if args.out:
            os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
            with open(args.out + ".tmp", "w") as f:
                json.dump(out, f, indent=2)
            os.replace(args.out + ".tmp", args.out)
    s = out["summary"]
    print(f"{len(results)} runs: tta acc 0-999 {s['test_accuracy_records_0_999']['mean']:.4f} "
          f"+- {s['test_accuracy_records_0_999']['std']:.4f}, all {s['final_test_accuracy']['mean']:.4f} "
          f"+- {s['final_test_accuracy']['std']:.4f}, total {s['total_seconds']['mean']:.1f}s", flush=True)


if __name__ == "__main__":
    main()
