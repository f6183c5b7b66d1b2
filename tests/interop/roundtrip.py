# SPDX-License-Identifier: MIT
"""PyTorch interop both ways, run by ctest: C++ writes model.pt, Python rebuilds the module from
examples/python/custom_resnet.py, loads it, and gets C++'s logits on the same batch (1e-5); Python saves a state dict
with torch.save(model.state_dict()), C++ loads it and gets Python's logits.

usage: python roundtrip.py TOOL SOURCE_DIR WORK_DIR   (TOOL: superconv_interop_tool)
Prints "SKIPPED: <why>" and exits 0 where this Python has no torch.
"""
import os
import shutil
import subprocess
import sys

try:
    import torch
except ImportError as e:
    print(f"SKIPPED: this Python ({sys.executable}) has no torch: {e}")
    sys.exit(0)

tool, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "examples", "python"))
import custom_resnet  # noqa: E402

shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
torch.manual_seed(0)
failed = False

# C++ -> Python: the run folder's card and model.pt, through the loader the README quotes.
run = os.path.join(work, "run")
subprocess.run([tool, "make-run", run, "4"], check=True)
model = custom_resnet.load(run)
assert model.fc.weight.shape == (10, 32) and model.logit_scale == 0.125
assert int(model.prep.bn.num_batches_tracked) == 7, "a buffer was not loaded"
batch = torch.load(os.path.join(run, "batch.pt"))
with torch.no_grad():
    diff = (model(batch["x"]) - batch["logits"]).abs().max().item()
print(f"Python logits vs C++'s on {batch['x'].shape[0]} images: max |diff| {diff:.3g}")
failed |= not diff <= 1e-5

# Python -> C++: torch.save(model.state_dict()) (an OrderedDict with _metadata) and a batch with its logits.
py = custom_resnet.CustomResNet(width=4, num_classes=10, logit_scale=0.125)
with torch.no_grad():
    for name, b in py.named_buffers():
        if name.endswith("running_mean"):
            b.normal_(0, 0.1)
        elif name.endswith("running_var"):
            b.uniform_(0.5, 1.5)
    for name, p in py.named_parameters():
        if ".bn." in name:
            p.uniform_(0.5, 1.5)
py.eval()
x = torch.randn(5, 3, 32, 32)
with torch.no_grad():
    logits = py(x)
torch.save(py.state_dict(), os.path.join(work, "py_model.pt"))
torch.save({"x": x, "logits": logits}, os.path.join(work, "py_batch.pt"))
rc = subprocess.run([tool, "check", os.path.join(work, "py_model.pt"), os.path.join(work, "py_batch.pt"), "4"]).returncode
failed |= rc != 0

# The check can fail: other weights give other logits.
torch.save(custom_resnet.CustomResNet(width=4, logit_scale=0.125).state_dict(), os.path.join(work, "other.pt"))
rc = subprocess.run([tool, "check", os.path.join(work, "other.pt"), os.path.join(work, "py_batch.pt"), "4"]).returncode
failed |= rc != 1
print("FAILED" if failed else "interop round trip: OK")
sys.exit(1 if failed else 0)
