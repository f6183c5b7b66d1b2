#!/usr/bin/env bash
# cifar10_speedrun end to end on a real-data subset (2 epochs of 4,000 images, batch 500): it learns, leaves the run
# folder (summary with the TTA figure and records 0-999, world size, model card that predict loads), resumes a
# finished run at once, continues an interrupted run to the same numbers as an uninterrupted one (the alternating
# flip's epoch and the order come back from the checkpoint), refuses bad options with exit 2, runs --optimizer sgd
# (airbench94 with Lookahead) and says why --cuda-graphs cannot run on a CPU.
# usage: speedrun_e2e.sh SPEEDRUN PREDICT WORK_DIR
set -u
EXE=$1 PREDICT=$2 WORK=$3
. "$(dirname "$0")/e2e_common.sh"
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
args=(--data "$data" --train-limit 4000 --test-limit 500 --batch-size 500 --epochs 3 --eval-every 1 --threads 2)
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {'d': d}))" "$@"; }

"$EXE" "${args[@]}" --out "$WORK/a" >"$WORK/a.log" 2>&1 || fail "the run exited $?: $(tail -5 "$WORK/a.log")"
for f in config.json metrics.csv summary.json predictions.csv model.pt curves.png gradcam.png checkpoint.pt; do
  [ -s "$WORK/a/$f" ] || fail "run folder lacks $f"
done
acc=$(json "$WORK/a/summary.json" "d['final_test_accuracy']")
python3 -c "import sys; sys.exit(0 if float('$acc') > 0.5 else 1)" || fail "TTA accuracy $acc after 3 epochs (want > 0.5)"
[ "$(json "$WORK/a/summary.json" "d['world']['world_size']")" = 1 ] || fail "summary.json lacks world.world_size 1"
[ "$(json "$WORK/a/summary.json" "d['tta']")" = flip_shift ] || fail "summary.json: tta is not flip_shift"
json "$WORK/a/summary.json" "d['test_accuracy_records_0_999'], d['no_tta_test_accuracy']" >/dev/null ||
  fail "summary.json lacks the records 0-999 or no-TTA figures"
[ "$(json "$WORK/a/config.json" "d['model']['architecture']")" = airbench ] || fail "model card is not airbench"
[ "$(grep -c '^[0-9]' "$WORK/a/metrics.csv")" = 3 ] || fail "metrics.csv has not 3 epochs: $(cat "$WORK/a/metrics.csv")"

# TensorBoard's own reader finds the run's per-epoch test accuracy equal to metrics.csv's, the pictures and the
# HParams session (where a Python with the tensorboard package is at hand).
py=${SUPERCONV_PYTHON:-$(dirname "$0")/../.venv/bin/python}
if [ -x "$py" ] && "$py" -c "import tensorboard" 2>/dev/null; then
  "$py" - "$WORK/a" <<'PY' || fail "TensorBoard's reader disagrees with the run folder"
import csv, math, sys
from tensorboard.backend.event_processing import event_accumulator
run = sys.argv[1]
acc = event_accumulator.EventAccumulator(run, size_guidance={"scalars": 0, "images": 0, "tensors": 0})
acc.Reload()
events = {e.step: e.value for e in acc.Scalars("epoch/test_acc")}
rows = [r for r in csv.DictReader(open(run + "/metrics.csv"))]
assert len(events) == len(rows) == 3, (events, len(rows))
for r in rows:
    assert math.isclose(events[int(r["epoch"])], float(r["test_acc"]), rel_tol=1e-6), (events, r)
assert "pictures/curves" in acc.Tags()["images"], acc.Tags()["images"]
assert "_hparams_/session_end_info" in acc.PluginTagToContent("hparams"), acc.PluginTagToContent("hparams")
print("TensorBoard reads epoch/test_acc", [round(events[s], 4) for s in sorted(events)], "= metrics.csv")
PY
else
  echo "TensorBoard check skipped: no Python with the tensorboard package ($py)"
fi

# predict rebuilds the AirbenchNet from the card and loads model.pt.
"$PREDICT" --run "$WORK/a" --top-k 2 "$WORK/a/curves.png" >"$WORK/p.log" 2>&1 || fail "predict: $(cat "$WORK/p.log")"
grep -Eq 'curves.png: [a-z]+ [01]\.[0-9]{4}, [a-z]+ [01]\.[0-9]{4}$' "$WORK/p.log" || fail "predict: $(cat "$WORK/p.log")"

# A finished run resumes at once, to the same summary.
"$EXE" --resume "$WORK/a" >"$WORK/r.log" 2>&1 || fail "--resume of a finished run exited $?: $(tail -3 "$WORK/r.log")"
grep -q "run folder: $WORK/a" "$WORK/r.log" || fail "--resume of a finished run: $(tail -3 "$WORK/r.log")"

# Interrupted after epoch 1 (SIGTERM once metrics.csv has its first row), then resumed: the same numbers.
"$EXE" "${args[@]}" --out "$WORK/b" >"$WORK/b.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  [ "$(grep -c '^[0-9]' "$WORK/b/metrics.csv" 2>/dev/null)" = 1 ] && break
  sleep 0.2
done
kill -TERM "$pid"
wait "$pid"
rc=$?
if [ "$rc" = 143 ]; then
  "$EXE" --resume "$WORK/b" >>"$WORK/b.log" 2>&1 || fail "resume after SIGTERM exited $?: $(tail -5 "$WORK/b.log")"
elif [ "$rc" != 0 ]; then
  fail "the run stopped by SIGTERM exited $rc, want 143: $(tail -5 "$WORK/b.log")"
fi
cut -d, -f1-7 "$WORK/a/metrics.csv" >"$WORK/a.csv"
cut -d, -f1-7 "$WORK/b/metrics.csv" >"$WORK/b.csv"
cmp -s "$WORK/a.csv" "$WORK/b.csv" || fail "interrupted + resumed run differs: $(diff "$WORK/a.csv" "$WORK/b.csv")"
[ "$(json "$WORK/a/summary.json" "d['final_test_accuracy']")" = "$(json "$WORK/b/summary.json" "d['final_test_accuracy']")" ] ||
  fail "final accuracy differs after resume"

# CIFAR-10 from WebDataset shards (superconv_shards, PNG: lossless): read into memory, the same run to the bit as from
# the binary files; streamed (StreamingLoader), it learns as well.
SHARDS=$(dirname "$EXE")/superconv_shards
if [ -x "$SHARDS" ]; then
  "$SHARDS" write --from cifar10 --input "$data" --split train --out "$WORK/shards/train" >/dev/null 2>&1 &&
    "$SHARDS" write --from cifar10 --input "$data" --split test --out "$WORK/shards/test" >/dev/null 2>&1 ||
    fail "superconv_shards could not write CIFAR-10's shards"
  "$EXE" "${args[@]}" --shards "$WORK/shards" --no-tensorboard --out "$WORK/sh" >"$WORK/sh.log" 2>&1 ||
    fail "--shards exited $?: $(tail -5 "$WORK/sh.log")"
  cut -d, -f1-7 "$WORK/sh/metrics.csv" >"$WORK/sh.csv"
  cmp -s "$WORK/a.csv" "$WORK/sh.csv" || fail "--shards differs from the binary files: $(diff "$WORK/a.csv" "$WORK/sh.csv")"
  "$EXE" "${args[@]}" --shards "$WORK/shards" --stream --no-tensorboard --out "$WORK/st" >"$WORK/st.log" 2>&1 ||
    fail "--stream exited $?: $(tail -5 "$WORK/st.log")"
  st=$(json "$WORK/st/summary.json" "d['final_test_accuracy']")
  python3 -c "import sys; sys.exit(0 if float('$st') > 0.5 else 1)" || fail "--stream: TTA accuracy $st (want > 0.5)"
  grep -q "streaming: .* decoding threads" "$WORK/st.log" || fail "--stream does not say how it streams"
fi

# Bad options: exit 2 naming the option.
expect2() {
  "$EXE" "$@" >"$WORK/bad.log" 2>&1
  local rc=$?
  [ "$rc" = 2 ] || fail "$* exited $rc, want 2: $(cat "$WORK/bad.log")"
  grep -q -- "$1" "$WORK/bad.log" || fail "$*: the error does not name $1: $(cat "$WORK/bad.log")"
}
expect2 --epochs 0
expect2 --flip sideways
expect2 --tta all
expect2 --optimizer adam
expect2 --train-limit 100 --batch-size 500
expect2 --muon-momentum nan
expect2 --stream

# --optimizer sgd is airbench94: its batch, logit scale and epochs unless given, Lookahead from epoch 4 (2 steps an
# epoch here: it starts at step 10, the copy-back ends epochs 5 and 6), and it learns.
"$EXE" --data "$data" --train-limit 2048 --test-limit 500 --epochs 6 --threads 2 --optimizer sgd --no-tensorboard \
  --out "$WORK/sgd" >"$WORK/sgd.log" 2>&1 || fail "--optimizer sgd exited $?: $(tail -5 "$WORK/sgd.log")"
[ "$(json "$WORK/sgd/config.json" "(d['hyperparameters']['batch_size'], round(d['hyperparameters']['logit_scale'], 4))")" = \
  "(1024, 0.1111)" ] || fail "--optimizer sgd: not batch 1024 and logits / 9: $(cat "$WORK/sgd/config.json")"
sgd=$(json "$WORK/sgd/summary.json" "d['final_test_accuracy']")
python3 -c "import sys; sys.exit(0 if float('$sgd') > 0.25 else 1)" || fail "--optimizer sgd: TTA accuracy $sgd (want > 0.25)"
# Valid edge options run to the end (they used to crash once the data was loaded): no whitening-bias epochs (both
# optimizers), --optimizer sgd with fewer than 5 steps in all (the peak at step 0), more whitening-bias epochs than
# epochs.
for opts in "--whiten-bias-epochs 0" "--optimizer sgd --whiten-bias-epochs 0" "--optimizer sgd --whiten-bias-epochs 4"; do
  # shellcheck disable=SC2086
  "$EXE" --data "$data" --train-limit 1024 --test-limit 100 --batch-size 512 --epochs 2 --threads 2 --no-tensorboard \
    $opts --out "$WORK/edge" >"$WORK/edge.log" 2>&1 || fail "$opts exited $?: $(tail -5 "$WORK/edge.log")"
  rm -rf "$WORK/edge"
done
# --cuda-graphs on a CPU: an error that names the device, not a crash.
"$EXE" --data "$data" --train-limit 1000 --test-limit 100 --batch-size 500 --epochs 1 --device cpu --cuda-graphs \
  --out "$WORK/graphs" >"$WORK/graphs.log" 2>&1
grep -q "CUDA graphs need the model on a CUDA device; it is on cpu" "$WORK/graphs.log" ||
  fail "--cuda-graphs on a CPU: $(tail -3 "$WORK/graphs.log")"
echo "speedrun end to end: all checks passed (TTA accuracy $acc after 3 epochs of 4,000 images)"
