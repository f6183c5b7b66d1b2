#!/usr/bin/env bash
# Your own images end to end: a folder of PNG/BMP images in three visually distinct classes (made here, sizes other
# than 32x32) trains through `cifar10_resnet --dataset folder` to (near) 100 %; `predict` on the run folder classifies
# the test images as the run's predictions.csv did (the streamed run's too: its card says Resize + CenterCrop); `--epochs 0 --init-weights model.pt` evaluates the same model
# again; CIFAR-100 (crafted files) runs with coarse labels; each bad input is a named error with a non-zero exit.
# Usage: folder_e2e.sh <cifar10_resnet> <predict> <work folder>
set -uo pipefail
exe=$1 predict=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAILED: $*"; exit 1; }
python=$(command -v python3 || true)
[ -n "$python" ] || { echo "SKIPPED: python3 is needed to draw the test images"; exit 77; }
rm -rf "$work" && mkdir -p "$work" || fail "cannot make $work"
"$python" "$here/tools/make_image_folder.py" "$work/images" 40 10 || fail "could not draw the images"
common=(--dataset folder --width 8 --batch-size 32 --threads 2 --finder-iters 20 --no-amp --no-channels-last)

# 1. Train: 3 classes, 120 training and 30 test images, 6 epochs.
"$exe" "${common[@]}" --train-dir "$work/images/train" --test-dir "$work/images/test" --epochs 6 --out "$work/run" \
  > "$work/train.log" 2>&1 || { tail -20 "$work/train.log"; fail "training on the folder exited $?"; }
acc=$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['final_test_accuracy'])" "$work/run/summary.json")
"$python" -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 0.95 else 1)" "$acc" ||
  fail "test accuracy $acc on three distinct classes, expected >= 0.95"
for f in model.pt config.json predictions.csv metrics.csv confusion.png curves.png; do
  [ -s "$work/run/$f" ] || fail "the run folder has no $f"
done
grep -q '"classes": \[' "$work/run/config.json" || fail "config.json has no model card with the classes"
head -1 "$work/run/predictions.csv" | grep -q ',file$' || fail "predictions.csv has no file column"
echo "trained: test accuracy $acc"

# 2. predict on the test folder agrees with the run's own predictions, file by file.
agrees() {  # agrees <run folder> <csv to write> [some]: predict on the test images gives the run's predictions.csv
  "$predict" --run "$1" --out "$2" --device cpu "$work/images/test" > "$work/predict.log" 2>&1 ||
    { tail -20 "$work/predict.log"; fail "predict exited $?"; }
  "$python" - "$1/predictions.csv" "$2" "${3:-all}" <<'EOF'
import csv, os, sys
run = {os.path.realpath(r["file"]): r["predicted_name"] for r in csv.DictReader(open(sys.argv[1]))}
rows = list(csv.DictReader(open(sys.argv[2])))
path_key = next(k for k in rows[0] if k in ("path", "file", "image"))
pred_key = next(k for k in rows[0] if k in ("predicted_name", "predicted", "class", "top1"))
seen = {os.path.realpath(r[path_key]): r[pred_key] for r in rows}
if sys.argv[3] == "all":
    assert set(seen) == set(run), f"predict saw {len(seen)} files, the run {len(run)}"
else:  # a streamed run reads the JPEGs and PNGs, predict the BMPs too
    assert set(run) <= set(seen) and run, f"the run has {len(set(run) - set(seen))} files predict did not see"
bad = [f for f in run if seen[f] != run[f]]
assert not bad, f"{len(bad)} files classified differently, e.g. {bad[0]}: run {run[bad[0]]}, predict {seen[bad[0]]}"
print(f"predict agrees with the run on all {len(run)} test images")
EOF
}
agrees "$work/run" "$work/predict.csv" || fail "predict disagrees with the run"

# 3. Evaluate only, from the run's model.pt: the same test loss.
"$exe" "${common[@]}" --train-dir "$work/images/train" --test-dir "$work/images/test" --epochs 0 \
  --init-weights "$work/run/model.pt" --out "$work/eval" > "$work/eval.log" 2>&1 ||
  { tail -20 "$work/eval.log"; fail "--epochs 0 --init-weights exited $?"; }
"$python" - "$work/run/summary.json" "$work/eval/summary.json" <<'EOF' || fail "--epochs 0 evaluated another model"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert abs(a["final_test_loss"] - b["final_test_loss"]) < 1e-5, (a["final_test_loss"], b["final_test_loss"])
assert a["final_test_accuracy"] == b["final_test_accuracy"]
print("--epochs 0 --init-weights model.pt: same test loss", b["final_test_loss"])
EOF

# 3b. Streamed (data::StreamingLoader): the folder's PNGs in place, then the same as WebDataset shards written by
#     superconv_shards - RandomResizedCrop and flip while decoding, Cutout on the device; each learns the classes.
shards_tool=$(dirname "$exe")/superconv_shards
for how in folder shards; do
  if [ "$how" = shards ]; then
    for part in train test; do
      "$shards_tool" write --from folder --input "$work/images/$part" --out "$work/shards/$part" --shard-size 50 \
        > "$work/shards-$part.log" 2>&1 || fail "superconv_shards write exited $?: $(tail -3 "$work/shards-$part.log")"
    done
    args=("${common[@]:2}" --dataset shards --train-dir "$work/shards/train" --test-dir "$work/shards/test")
  else
    args=("${common[@]}" --train-dir "$work/images/train" --test-dir "$work/images/test" --stream on)
  fi
  "$exe" "${args[@]}" --epochs 6 --out "$work/stream-$how" > "$work/stream-$how.log" 2>&1 ||
    { tail -20 "$work/stream-$how.log"; fail "streaming the $how exited $?"; }
  grep -q "^streaming: .*decoding threads" "$work/stream-$how.log" || fail "the streamed $how run does not say so"
  sacc=$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['final_test_accuracy'])" \
    "$work/stream-$how/summary.json")
  "$python" -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 0.9 else 1)" "$sacc" ||
    fail "streamed $how: test accuracy $sacc, expected >= 0.9"
  [ -s "$work/stream-$how/confusion.png" ] || fail "the streamed $how run has no confusion.png"
  echo "streamed $how: test accuracy $sacc"
  if [ "$how" = folder ]; then  # predict crops as the streamed evaluation did (the card says center_crop)
    grep -q '"resize": "center_crop"' "$work/stream-folder/config.json" || fail "the streamed run's card lacks center_crop"
    agrees "$work/stream-folder" "$work/predict-stream.csv" some || fail "predict disagrees with the streamed run"
  fi
done
"$exe" "${common[@]}" --train-dir "$work/images/train" --stream on --out "$work/bad" > "$work/bad.log" 2>&1
[ $? = 2 ] && grep -q -- "--stream on needs --test-dir" "$work/bad.log" || fail "--stream on without --test-dir"

# 4. CIFAR-100 through the recipe: crafted files in the binary format (random pixels; coarse label = fine % 20),
#    coarse labels: 20 classes from the data, their names in predictions.csv and the model card.
"$python" - "$work/cifar100" <<'EOF' || fail "could not write crafted CIFAR-100 files"
import os, random, sys
root = sys.argv[1]; os.makedirs(root, exist_ok=True); rng = random.Random(3)
for name, n in (("train.bin", 50000), ("test.bin", 10000)):
    with open(os.path.join(root, name), "wb") as f:
        for i in range(n):
            pixels = rng.randbytes(3072) if i < 600 else bytes(3072)
            f.write(bytes([(i % 100) % 20, i % 100]) + pixels)
EOF
"$exe" --dataset cifar100 --data "$work/cifar100" --labels coarse --train-limit 512 --test-limit 128 --epochs 2 \
  --lr-max 0.01 --width 4 --batch-size 64 --threads 2 --no-amp --no-channels-last --out "$work/c100" \
  > "$work/c100.log" 2>&1 || { tail -20 "$work/c100.log"; fail "--dataset cifar100 exited $?"; }
grep -q "20 classes" "$work/c100.log" || fail "CIFAR-100 coarse labels did not give 20 classes"
grep -q '"num_classes": 20' "$work/c100/config.json" || fail "the model card does not say 20 classes"
grep -q "aquatic_mammals" "$work/c100/predictions.csv" || fail "predictions.csv lacks the coarse class names"
echo "CIFAR-100 (coarse): 20 classes, run folder complete"

# 5. Bad input: exit code and a message naming the culprit.
expect() {  # expect <exit code> <text in the output> <command...>
  local code=$1 text=$2; shift 2
  "$@" > "$work/bad.log" 2>&1
  local got=$?
  [ "$got" -eq "$code" ] || { cat "$work/bad.log"; fail "exit $got (wanted $code): $*"; }
  grep -qF -- "$text" "$work/bad.log" || { cat "$work/bad.log"; fail "no '$text' in the output of: $*"; }
}
mkdir -p "$work/bad/train/empty_class" "$work/bad/mixed/a" "$work/bad/mixed/b" "$work/bad/other/x"
cp "$work/images/train/spot/"spot_00[0-3].png "$work/bad/mixed/a/"
cp "$work/images/train/vertical/"vertical_00[0-3].png "$work/bad/mixed/b/"
echo "not an image" > "$work/bad/mixed/b/broken.png"
cp -r "$work/images/train/spot" "$work/bad/train/"
cp "$work/images/test/spot/spot_000.png" "$work/bad/other/x/"  # a test folder whose classes are not the training set's
expect 2 "--dataset folder needs --train-dir" "$exe" --dataset folder
expect 2 "--train-dir/--test-dir need --dataset folder" "$exe" --train-dir "$work/images/train"
expect 2 "--holdout" "$exe" --dataset folder --train-dir "$work/images/train" --holdout 1.5
expect 2 "--epochs 0 (evaluate only) needs --init-weights" "$exe" --epochs 0
expect 1 "empty_class" "$exe" "${common[@]}" --train-dir "$work/bad/train" --epochs 2 --out "$work/bad/r1"
expect 1 "broken.png" "$exe" "${common[@]}" --train-dir "$work/bad/mixed" --epochs 2 --out "$work/bad/r2"
expect 1 "nowhere not found" "$exe" "${common[@]}" --train-dir "$work/nowhere" --epochs 2 --out "$work/bad/r3"
expect 1 "--test-dir" "$exe" "${common[@]}" --train-dir "$work/images/train" --test-dir "$work/bad/other" \
  --epochs 2 --out "$work/bad/r4"
expect 1 "prep.conv.weight" "$exe" "${common[@]/--width/--seed}" --train-dir "$work/images/train" \
  --test-dir "$work/images/test" --width 16 --epochs 0 --init-weights "$work/run/model.pt" --out "$work/bad/r5"
expect 1 "$work/nowhere.pt" "$exe" "${common[@]}" --train-dir "$work/images/train" --test-dir "$work/images/test" \
  --epochs 0 --init-weights "$work/nowhere.pt" --out "$work/bad/r6"
# Skipping instead of stopping: the run goes on and says how many files it left out.
expect 0 "skipped 1 unreadable image" "$exe" "${common[@]/--batch-size/--seed}" --train-dir "$work/bad/mixed" --bad-images skip \
  --holdout 0.25 --epochs 4 --lr-max 0.01 --batch-size 2 --out "$work/bad/r7"
echo "bad input: named errors and exit codes as expected"
