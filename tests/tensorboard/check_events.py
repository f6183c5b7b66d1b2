# SPDX-License-Identifier: MIT
"""superconv's TensorBoard event files read by TensorBoard itself, run by ctest.

  python check_events.py reader TOOL WORK   tb_tool writes every kind, a Trainer run and a cut file; TensorBoard's
                                            EventFileLoader and EventAccumulator read them back: exact counts, tags,
                                            steps and values (a checksum bug shows as missing events, so count them);
                                            each summary equals the one torch.utils.tensorboard.summary makes.
  python check_events.py server TOOL WORK   `tensorboard --logdir WORK` on 127.0.0.1 and a free port: its HTTP data
                                            API lists the run's tags and serves the values metrics.csv holds.

Prints "SKIPPED: <why>" and exits 0 where this Python has no tensorboard package.
"""
import csv
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

try:
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader, LegacyEventFileLoader
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.hparams import plugin_data_pb2
except ImportError as e:
    print(f"SKIPPED: this Python ({sys.executable}) has no tensorboard package: {e} "
          "(scripts/bootstrap.sh test installs it into .venv)")
    sys.exit(0)

mode, tool, work = sys.argv[1:4]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def close(a, b, rel=1e-6):
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def run_tool(kind, *run_and_seed):
    subprocess.run([tool, kind, work, *run_and_seed], check=True)
    folder = os.path.join(work, run_and_seed[0] if run_and_seed else kind)
    files = [f for f in os.listdir(folder) if f.startswith("events.out.tfevents.")]
    check(len(files) == 1, f"{kind}: one event file, found {files}")
    return folder, os.path.join(folder, files[0])


def load_events(path):
    """The events as written (LegacyEventFileLoader); EventFileLoader, which migrates them for the dashboards, must
    read as many."""
    raw = list(LegacyEventFileLoader(path).Load())
    migrated = list(EventFileLoader(path).Load())
    check(len(raw) == len(migrated), f"{path}: {len(raw)} events as written, {len(migrated)} migrated")
    return raw


def accumulator(folder):
    acc = event_accumulator.EventAccumulator(folder, size_guidance={k: 0 for k in event_accumulator.DEFAULT_SIZE_GUIDANCE})
    acc.Reload()
    return acc


def values_by_tag(events):
    out = {}
    for e in events:
        if e.HasField("summary"):
            for v in e.summary.value:
                out.setdefault(v.tag, []).append((e.step, e.wall_time, v))
    return out


def check_reader():
    # --- every kind, one file ---
    folder, path = run_tool("kinds")
    expected = json.load(open(os.path.join(folder, "expected.json")))
    events = load_events(path)
    check(len(events) == expected["events"], f"kinds: {len(events)} events read, {expected['events']} written")
    check(events[0].file_version == "brain.Event:2", f"kinds: first event {events[0]}")
    by_tag = values_by_tag(events)
    for tag, points in expected["scalars"].items():
        got = by_tag.get(tag, [])
        check(len(got) == len(points), f"scalar {tag}: {len(got)} events, {len(points)} written")
        for (step, wall, v), (estep, evalue, ewall) in zip(got, points):
            check(step == estep and close(v.simple_value, evalue), f"scalar {tag}: ({step}, {v.simple_value}) vs ({estep}, {evalue})")
            if ewall is not None:
                check(wall == ewall, f"scalar {tag}: wall time {wall!r} vs {ewall!r}")
    img = expected["images"]["images/picture"]
    (step, _, v), = by_tag["images/picture"]
    check((step, v.image.width, v.image.height, v.image.colorspace, len(v.image.encoded_image_string)) ==
          (img["step"], img["width"], img["height"], img["colorspace"], img["bytes"]), f"image: {step} {v.image.width}x{v.image.height}")
    check(v.image.encoded_image_string.startswith(b"\x89PNG"), "image: PNG bytes")
    hist = expected["histograms"]["histograms/squares"]
    (step, _, v), = by_tag["histograms/squares"]
    h = v.histo
    check(step == hist["step"] and [h.min, h.max, h.num, h.sum, h.sum_squares] ==
          [hist[k] for k in ("min", "max", "num", "sum", "sum_squares")], f"histogram fields {h}")
    check(list(h.bucket_limit) == hist["bucket_limit"] and list(h.bucket) == hist["bucket"], "histogram buckets")
    text = expected["texts"]["config/text_summary"]
    (step, _, v), = by_tag["config/text_summary"]
    check(step == text["step"] and v.metadata.plugin_data.plugin_name == "text" and
          v.tensor.string_val[0].decode("utf-8") == text["text"], f"text: {v}")
    hp = expected["hparams"]
    hp_order, metric_order = [k for k, _ in hp["hparams"]], [k for k, _ in hp["metrics"]]
    hp["hparams"], hp["metrics"] = dict(hp["hparams"]), dict(hp["metrics"])
    for tag in ("_hparams_/experiment", "_hparams_/session_start_info", "_hparams_/session_end_info"):
        check(len(by_tag.get(tag, [])) == 1 and by_tag[tag][0][2].metadata.plugin_data.plugin_name == "hparams", f"{tag}")
    data = {t: plugin_data_pb2.HParamsPluginData.FromString(by_tag[t][0][2].metadata.plugin_data.content)
            for t in ("_hparams_/experiment", "_hparams_/session_start_info", "_hparams_/session_end_info")}
    ssi = data["_hparams_/session_start_info"].session_start_info
    got = {k: getattr(v, v.WhichOneof("kind")) for k, v in ssi.hparams.items()}
    check(got == hp["hparams"], f"hparams {got} vs {hp['hparams']}")
    exp = data["_hparams_/experiment"].experiment
    check([m.name.tag for m in exp.metric_infos] == metric_order, f"metric tags {exp.metric_infos}")
    check([i.name for i in exp.hparam_infos] == hp_order, f"hparam infos in order: {exp.hparam_infos}")
    check(data["_hparams_/session_end_info"].session_end_info.status == 1, "session end: STATUS_SUCCESS")

    # The same summaries as PyTorch's torch.utils.tensorboard.summary makes them (where torch is importable).
    try:
        from torch.utils.tensorboard import summary as tsum
    except Exception as e:  # noqa: BLE001
        print(f"note: PyTorch's summary module not importable ({e}); byte-level comparison with it skipped")
    else:
        def ours(tag):
            return summary_pb2.Summary(value=[by_tag[tag][0][2]])
        check(ours("scalars/ramp") == tsum.scalar("scalars/ramp", -1.0), "scalar equals PyTorch's")
        check(ours("config/text_summary") == tsum.text("config", text["text"]), "text equals PyTorch's")
        check(ours("histograms/squares") == tsum.histogram_raw("histograms/squares", h.min, h.max, h.num, h.sum,
              h.sum_squares, list(h.bucket_limit), list(h.bucket)), "histogram equals PyTorch's")
        # In the order written; PyTorch turns Python bools into numbers, so they are compared on their own above.
        numbers = {k: hp["hparams"][k] for k in hp_order if not isinstance(hp["hparams"][k], bool)}
        texp, tssi, tsei = tsum.hparams(numbers, {k: hp["metrics"][k] for k in metric_order})
        check(tsei == ours("_hparams_/session_end_info"), "session_end_info equals PyTorch's")
        tdata = plugin_data_pb2.HParamsPluginData.FromString(tssi.value[0].metadata.plugin_data.content)
        for k in numbers:
            check(tdata.session_start_info.hparams[k] == ssi.hparams[k], f"session_start_info[{k}] equals PyTorch's")
        texp_data = plugin_data_pb2.HParamsPluginData.FromString(texp.value[0].metadata.plugin_data.content)
        check(list(texp_data.experiment.metric_infos) == list(exp.metric_infos), "experiment metrics equal PyTorch's")
        check([i for i in exp.hparam_infos if i.name in numbers] == list(texp_data.experiment.hparam_infos),
              "experiment hparam infos equal PyTorch's")
        check(texp.value[0].tag == "_hparams_/experiment" and tssi.value[0].tag == "_hparams_/session_start_info",
              "PyTorch's hparams tags")
    acc = accumulator(folder)
    tags = acc.Tags()
    check(sorted(tags["scalars"]) == sorted(expected["scalars"]), f"accumulator scalars {tags['scalars']}")
    check(tags["images"] == ["images/picture"] and tags["histograms"] == ["histograms/squares"], f"accumulator {tags}")
    check([e.value for e in acc.Scalars("scalars/ramp")] == [0.5 * i - 1 for i in range(10)], "accumulator ramp values")
    print(f"kinds: {len(events)} events read by EventFileLoader, tags {sorted(by_tag)}")

    # The count check catches a checksum bug: one wrong data CRC (5th record) and the loader reads 4 events, no error.
    raw = open(path, "rb").read()
    at = 0
    for _ in range(4):
        at += 16 + int.from_bytes(raw[at:at + 8], "little")
    end = at + 12 + int.from_bytes(raw[at:at + 8], "little")
    bad = os.path.join(work, "bad_crc", os.path.basename(path))
    os.makedirs(os.path.dirname(bad))
    open(bad, "wb").write(raw[:end] + bytes([raw[end] ^ 1]) + raw[end + 1:])
    check(len(list(LegacyEventFileLoader(bad).Load())) == 4, "a wrong CRC shows as missing events")

    # --- a cut last record: the nine before it are read ---
    folder, path = run_tool("truncated")
    events = load_events(path)
    scalars = [(e.step, e.summary.value[0].simple_value) for e in events if e.HasField("summary")]
    check(scalars == [(i, float(i * i)) for i in range(9)], f"truncated: {scalars}")
    print(f"truncated: {len(events)} events read (version + 9 of 10 scalars)")

    # --- a Trainer run with the hook ---
    folder, path = run_tool("train")
    expected = json.load(open(os.path.join(folder, "expected.json")))
    rows = list(csv.DictReader(open(os.path.join(folder, "metrics.csv"))))
    events = load_events(path)
    by_tag = values_by_tag(events)
    counts = {t: len(p) for t, p in by_tag.items()}
    epochs, batches, every = expected["epochs"], expected["batches"], expected["log_every"]
    points = [(ep * batches + b + 1) for ep in range(epochs) for b in range(batches) if (b + 1) % every == 0 or b + 1 == batches]
    for tag in ("batch/train_loss", "batch/train_acc", "batch/lr", "batch/momentum"):
        check([s for s, _, _ in by_tag.get(tag, [])] == points, f"{tag} steps {[s for s, _, _ in by_tag.get(tag, [])]}")
    check(all(close(v.simple_value, expected["step_lr"][s - 1]) for s, _, v in by_tag["batch/lr"]), "batch/lr = OneCycle's")
    check(all(close(v.simple_value, expected["step_momentum"][s - 1]) for s, _, v in by_tag["batch/momentum"]),
          "batch/momentum = OneCycle's")
    check(all(0 <= v.simple_value <= 1 for _, _, v in by_tag["batch/train_acc"]), "batch/train_acc in [0, 1]")
    for tag, column in (("epoch/test_acc", "test_acc"), ("epoch/test_loss", "test_loss"), ("epoch/train_loss", "train_loss"),
                        ("epoch/train_acc", "train_acc"), ("epoch/lr", "lr"), ("epoch/momentum", "momentum"), ("epoch/seconds", "seconds")):
        got = [(s, v.simple_value) for s, _, v in by_tag.get(tag, [])]
        want = [(int(r["epoch"]), float(r[column])) for r in rows]
        same = (lambda a, b: abs(a - b) <= 5e-4) if column == "seconds" else close  # metrics.csv: seconds to 1 ms
        check(len(got) == len(want) == epochs and all(a[0] == b[0] and same(a[1], b[1]) for a, b in zip(got, want)),
              f"{tag} {got} vs metrics.csv {want}")
    check(counts.get("epoch/images_per_second") == epochs, "epoch/images_per_second each epoch")
    for p in expected["parameters"]:
        check(counts.get(f"weights/{p}") == epochs, f"weights/{p} histograms: {counts.get(f'weights/{p}')}")
    for p in expected["pictures"]:
        check(counts.get(p) == 1 and by_tag[p][0][0] == epochs, f"picture {p}")
    finder = [v.simple_value for _, _, v in by_tag["lr_finder/loss"]]
    check(len(finder) == len(expected["lr_finder"]) and all(close(a, b) for a, b in zip(finder, expected["lr_finder"])),
          f"lr_finder/loss {finder}")
    check([s for s, _, _ in by_tag["lr_finder/loss"]] == list(range(len(expected["lr_finder"]))), "lr_finder steps")
    ssi = plugin_data_pb2.HParamsPluginData.FromString(
        by_tag["_hparams_/session_start_info"][0][2].metadata.plugin_data.content).session_start_info
    check(ssi.hparams["data.records"].number_value == 96 and ssi.hparams["optimizer"].string_value == "sgd" and
          ssi.hparams["nesterov"].bool_value is False and ssi.hparams["epochs"].number_value == epochs, f"train hparams {ssi}")
    final = [(s, v.simple_value) for s, _, v in by_tag["final/test_acc"]]
    check(len(final) == 1 and close(final[0][1], float(rows[-1]["test_acc"])), f"final/test_acc {final}")
    check(counts.get("config/text_summary") == 1, "config text")
    n_expected = (1 + 4 * len(points) + 8 * epochs + 2 * epochs + 3 * 4 + len(expected["pictures"]) + 1 + 3 + 3)
    check(len(events) == n_expected, f"train: {len(events)} events read, {n_expected} written")
    print(f"train: {len(events)} events read by EventFileLoader; per tag {dict(sorted(counts.items()))}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, body=None):
    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"} if body is not None else {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read().decode())


def check_server():
    folder, _ = run_tool("train")
    run_tool("train", "train_seed1", "1")  # a second seed: a second run and hparams session
    rows = list(csv.DictReader(open(os.path.join(folder, "metrics.csv"))))
    tb = shutil.which("tensorboard", path=os.path.dirname(sys.executable)) or shutil.which("tensorboard")
    if not tb:
        print("SKIPPED: no tensorboard program beside", sys.executable)
        return
    port = free_port()
    log = open(os.path.join(work, "tensorboard.log"), "w")
    proc = subprocess.Popen([tb, "--logdir", work, "--host", "127.0.0.1", "--port", str(port), "--reload_interval", "1"],
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        runs = None
        while time.time() < deadline:
            check(proc.poll() is None, "tensorboard exited early (see tensorboard.log)")
            if failures:
                return
            try:
                runs = get(base + "/data/runs")
                if "train" in runs:
                    tags = get(base + "/data/plugin/scalars/tags")
                    if "epoch/test_acc" in tags.get("train", {}):
                        break
            except OSError:
                pass
            time.sleep(0.5)
        time.sleep(2)  # both runs loaded (reload_interval 1 s)
        runs = get(base + "/data/runs")
        check(sorted(runs) == ["train", "train_seed1"], f"/data/runs lists the two runs: {runs}")
        tags = get(base + "/data/plugin/scalars/tags")["train"]
        for t in ("batch/train_loss", "batch/lr", "batch/momentum", "epoch/test_acc", "epoch/test_loss",
                  "epoch/seconds", "epoch/images_per_second", "final/test_acc", "lr_finder/loss"):
            check(t in tags, f"server scalar tags have {t}: {sorted(tags)}")
        for tag, column in (("epoch/test_acc", "test_acc"), ("epoch/test_loss", "test_loss"), ("epoch/lr", "lr")):
            values = get(f"{base}/data/plugin/scalars/scalars?run=train&tag={urllib.parse.quote(tag)}")
            got = [(int(s), v) for _, s, v in values]
            want = [(int(r["epoch"]), float(r[column])) for r in rows]
            check(len(got) == len(want) and all(a[0] == b[0] and close(a[1], b[1]) for a, b in zip(got, want)),
                  f"server {tag} {got} vs metrics.csv {want}")
            print(f"server {tag}: {got}")
        images = get(base + "/data/plugin/images/tags")
        check(sorted(images.get("train", {})) == ["pictures/curves", "pictures/lr_finder"], f"server image tags {images}")
        hist = get(base + "/data/plugin/histograms/tags")
        check({"weights/weight", "weights/bias"} <= set(hist.get("train", {})), f"server histogram tags {hist}")
        exp = get(base + "/data/plugin/hparams/experiment", {"experimentName": ""})
        names = sorted(h["name"] for h in exp.get("hparamInfos", []))
        check(names == ["data.records", "epochs", "lr_max", "nesterov", "optimizer", "seed"], f"server hparams {names}")
        metrics = sorted(m["name"]["tag"] for m in exp.get("metricInfos", []))
        check("final/test_acc" in metrics, f"server hparams metrics {metrics}")
        groups = get(base + "/data/plugin/hparams/session_groups",
                     {"experimentName": "", "startIndex": 0, "sliceSize": 10,
                      "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]})
        sessions = groups.get("sessionGroups", [])
        check(len(sessions) == 2, f"server: one hparams session a run, got {groups}")
        sessions = [g for g in sessions if [x.get("name") for x in g.get("sessions", [])] == ["train"]]
        check(len(sessions) == 1, f"server: the session of run 'train' in {groups}")
        if sessions:
            final = {m["name"]["tag"]: m["value"] for m in sessions[0].get("metricValues", [])}
            check(close(final.get("final/test_acc", math.nan), float(rows[-1]["test_acc"])),
                  f"server session final/test_acc {final} vs metrics.csv {rows[-1]['test_acc']}")
            check(sessions[0]["hparams"].get("optimizer") == "sgd" and sessions[0]["hparams"].get("nesterov") is False,
                  f"server session hparams {sessions[0]['hparams']}")
            print(f"server hparams session: {sessions[0]['hparams']}, metrics {final}")
        print(f"server on port {port}: run 'train', {len(tags)} scalar tags, hparams {names}, metrics {metrics}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
if mode == "reader":
    check_reader()
elif mode == "server":
    import urllib.parse  # noqa: F401
    check_server()
else:
    sys.exit(f"usage: {sys.argv[0]} reader|server TOOL WORK")
if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
