# SPDX-License-Identifier: MIT
"""superconv's ResNets against torchvision's, both ways, run by ctest: a state dict torchvision saves
(torch.save(model.state_dict())) loads into superconv's nn::ResNet of the same architecture and gives torchvision's
logits; one superconv saves loads into torchvision's model (strict: the same names, shapes and buffers) and gives
superconv's logits. fp32, eval mode, trained-looking BatchNorm statistics, max |diff| <= 1e-5.

usage: python check_torchvision_resnet.py TOOL WORK_DIR   (TOOL: superconv_interop_tool)
Prints "SKIPPED: <why>" and exits 0 where this Python has no torch or torchvision.
"""
import os
import shutil
import subprocess
import sys
import types

try:
    import torch
    # PyPI's torchvision is built against the CUDA build of torch; its C++ operators do not load beside the CPU
    # build, and only its fake-kernel registrations need them: skip those (the models are pure Python).
    sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
    import torchvision
except Exception as e:  # noqa: BLE001 - any missing piece means the check cannot run here
    print(f"SKIPPED: this Python ({sys.executable}) lacks torch or torchvision ({type(e).__name__}: {e})")
    sys.exit(0)

tool, work = sys.argv[1:3]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
torch.manual_seed(0)
torch.set_num_threads(2)
failed = False
print(f"torch {torch.__version__}, torchvision {torchvision.__version__}")

for arch, classes in (("resnet18", 10), ("resnet50", 7)):
    # torchvision -> superconv
    model = getattr(torchvision.models, arch)(num_classes=classes)
    with torch.no_grad():
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.normal_(0, 0.1)
            elif name.endswith("running_var"):
                b.uniform_(0.5, 1.5)
        for name, p in model.named_parameters():
            if "bn" in name and name.endswith("weight"):
                p.uniform_(0.5, 1.5)
    model.eval()
    x = torch.randn(2, 3, 72, 56)
    with torch.no_grad():
        logits = model(x)
    d = os.path.join(work, arch)
    os.makedirs(d)
    torch.save(model.state_dict(), os.path.join(d, "tv_model.pt"))
    torch.save({"x": x, "logits": logits}, os.path.join(d, "tv_batch.pt"))
    rc = subprocess.run([tool, "resnet-check", arch, str(classes), os.path.join(d, "tv_model.pt"),
                         os.path.join(d, "tv_batch.pt")]).returncode
    failed |= rc != 0

    # superconv -> torchvision
    subprocess.run([tool, "resnet-make", arch, str(classes), os.path.join(d, "ours")], check=True)
    theirs = getattr(torchvision.models, arch)(num_classes=classes)
    state = torch.load(os.path.join(d, "ours", "model.pt"))
    theirs.load_state_dict(state, strict=True)
    theirs.eval()
    batch = torch.load(os.path.join(d, "ours", "batch.pt"))
    with torch.no_grad():
        diff = (theirs(batch["x"]) - batch["logits"]).abs().max().item()
    print(f"{arch}: torchvision logits vs C++'s on {batch['x'].shape[0]} images: max |diff| {diff:.3g}")
    failed |= not diff <= 1e-5
    assert int(theirs.bn1.num_batches_tracked) == 11, "a buffer was not loaded"

sys.exit(1 if failed else 0)
