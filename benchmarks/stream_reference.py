"""torchvision's DataLoader doing what bench_stream throughput does: ImageFolder, RandomResizedCrop(224),
RandomHorizontalFlip, ToTensor + Normalize (float batches, as torchvision's ImageNet reference trains on and as
superconv's loader gives them), batches from WORKERS worker processes. Prints one JSON line.
usage: stream_reference.py FOLDER WORKERS BATCH [BATCHES]"""
import json, sys, time, types

sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
import torch  # noqa: E402
from torchvision import datasets, transforms as T  # noqa: E402

folder, workers, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
limit = int(sys.argv[4]) if len(sys.argv) > 4 else None
torch.set_num_threads(1)
data = datasets.ImageFolder(folder, T.Compose([
    T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(),
    T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])]))
loader = torch.utils.data.DataLoader(data, batch_size=batch, shuffle=True, num_workers=workers,
                                     generator=torch.Generator().manual_seed(1), persistent_workers=False)
it = iter(loader)
next(it)  # the first batch: the workers start (not timed)
images, t0 = 0, time.perf_counter()
for i, (x, y) in enumerate(it, start=1):
    if limit is not None and i >= limit:
        break
    images += x.shape[0]
seconds = time.perf_counter() - t0
print(json.dumps({"impl": "torchvision", "mode": "throughput", "records": len(data), "workers": workers, "batch": batch,
                  "images": images, "seconds": round(seconds, 3), "images_per_second": round(images / seconds, 1)}))
