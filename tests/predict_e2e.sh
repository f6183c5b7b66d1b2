#!/usr/bin/env bash
# predict end to end: a run folder made by superconv_interop_tool (a width-4 CustomResNet with random weights, its
# config.json card and model.pt, PNGs of two sizes), then predict: output format, the predictions (equal to the C++
# model's own on the same pixels), the CSV for a folder, Grad-CAM's PNG, and every bad input a named error with a
# non-zero exit. usage: predict_e2e.sh PREDICT TOOL WORK_DIR
set -u
PREDICT=$1 TOOL=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# expect RC PATTERN ARGS...: predict exits RC and its output (stdout + stderr) matches PATTERN
expect() {
  local rc=$1 pattern=$2; shift 2
  "$PREDICT" "$@" >out.txt 2>&1; local got=$?
  [ "$got" = "$rc" ] || bad "predict $* exited $got, want $rc: $(cat out.txt)"
  grep -Eq -- "$pattern" out.txt || bad "predict $*: output lacks /$pattern/: $(cat out.txt)"
}
"$TOOL" make-run run4 4 >/dev/null && "$TOOL" make-run run8 8 >/dev/null || { echo "FAIL: make-run"; exit 1; }

# One image: top-3 names with probabilities.
expect 0 '^run4/images/img0.png: [a-z]+ 0\.[0-9]{4}, [a-z]+ 0\.[0-9]{4}, [a-z]+ 0\.[0-9]{4}$' --run run4 run4/images/img0.png
expect 0 '^run4/images/img1.png: [a-z]+ [01]\.[0-9]{4}$' --run run4/config.json --top-k 1 run4/images/img1.png

# A folder: predictions.csv, each prediction the C++ model's own on the same pixels (two images resized on reading).
expect 0 'wrote predictions.csv \(8 images\)' --run run4 run4/images
[ "$(head -1 predictions.csv)" = "path,predicted_index,predicted,probability,top_k" ] || bad "CSV header: $(head -1 predictions.csv)"
[ "$(wc -l <predictions.csv)" = 9 ] || bad "predictions.csv has $(wc -l <predictions.csv) lines, want 9"
tail -n +2 predictions.csv | awk -F, '{n=split($1,a,"/"); print a[n] "," $2}' | sort >got.csv
tail -n +2 run4/expected.csv | sort >want.csv
cmp -s got.csv want.csv || bad "predictions differ from the model's own: $(diff got.csv want.csv)"
grep -Eq '^run4/images/img0.png,[0-9],[a-z]+,0\.[0-9]{6},[a-z]+:0\.[0-9]{6} [a-z]+:0\.[0-9]{6} [a-z]+:0\.[0-9]{6}$' \
  predictions.csv || bad "CSV row format: $(sed -n 2p predictions.csv)"

# A torchvision ResNet whose card says Resize + CenterCrop (a streamed run's): predict crops as the run evaluated,
# JPEG and PNG of other sizes, and says what the model says on those crops; Grad-CAM on its layer 4.
"$TOOL" make-resnet-run runr >/dev/null || { echo "FAIL: make-resnet-run"; exit 1; }
expect 0 'wrote r.csv \(6 images\)' --run runr --out r.csv --gradcam camr.png runr/images
tail -n +2 r.csv | awk -F, '{n=split($1,a,"/"); print a[n] "," $2}' | sort >got.csv
tail -n +2 runr/expected.csv | sort >want.csv
cmp -s got.csv want.csv || bad "resnet18 predictions differ from the model's own: $(diff got.csv want.csv)"
[ -s camr.png ] || bad "no Grad-CAM picture for the resnet18 run"

# Grad-CAM picture and --out.
expect 0 'wrote cam.png \(Grad-CAM of 3 images\)' --run run4 --out sub/p.csv --gradcam cam.png run4/images/img0.png \
  run4/images/img6.png run4/images/img7.png
[ "$(head -c 8 cam.png | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] || bad "cam.png is not a PNG"
[ "$(wc -l <sub/p.csv)" = 4 ] || bad "--out sub/p.csv has $(wc -l <sub/p.csv) lines, want 4"

# Bad input: a named error, exit 1 (never a crash).
expect 1 'nosuchrun: no such run folder' --run nosuchrun run4/images/img0.png
expect 1 'not a run folder \(no config.json\)' --run run4/images run4/images/img0.png
echo "not an image" >notes.png
expect 1 'notes.png' --run run4 notes.png
echo "plain text" >notes.txt
expect 1 'notes.txt' --run run4 notes.txt
expect 1 'missing.png: no such file' --run run4 missing.png
mkdir -p empty && expect 1 'empty: no PNG, JPEG or BMP files' --run run4 empty
mkdir -p wrong && cp run4/config.json wrong/ && cp run8/model.pt wrong/
expect 1 'wrong/model.pt does not fit the model: mis-shaped: .*prep.conv.weight \(file \[8, 3, 3, 3\], model \[4, 3, 3, 3\]\).*width 4' \
  --run wrong run4/images/img0.png
mkdir -p nocard && echo '{"hyperparameters": {}}' >nocard/config.json
expect 1 'nocard/config.json: no "model" card' --run nocard run4/images/img0.png
mkdir -p badcard && echo '{"model": {"architecture": "custom_resnet", "width": -3, "num_classes": 10}}' >badcard/config.json
expect 1 'width must be > 0, got -3' --run badcard run4/images/img0.png
mkdir -p noweights && cp run4/config.json noweights/
expect 1 'noweights/model.pt: cannot open' --run noweights run4/images/img0.png
mkdir -p ckpt && cp run4/config.json ckpt/ && printf 'PK\003\004junk' >ckpt/model.pt
expect 1 'ckpt/model.pt is not a readable state dict' --run ckpt run4/images/img0.png

# Bad options: exit 2.
expect 2 'top-k' --run run4 --top-k 0 run4/images/img0.png
expect 2 'run' run4/images/img0.png
expect 2 'device' --run run4 --device tpu run4/images/img0.png
[ $fail = 0 ] && echo "predict end to end: OK"
exit $fail
