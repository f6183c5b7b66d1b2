#!/usr/bin/env bash
# `cifar10_resnet` interrupted with Ctrl-C (SIGINT) in its second epoch, then `--resume <folder>` with no other
# option, finishes with the same predictions as the uninterrupted run (CPU); options given with --resume must agree.
# Usage: resume_e2e.sh <cifar10_resnet> <work folder>. Exit 77 (skipped) without the real data.
set -uo pipefail
exe=$1 work=$2
. "$(dirname "$0")/e2e_common.sh"
rm -rf "$work" && mkdir -p "$work"
common=(--data "$data" --epochs 2 --width 8 --train-limit 4096 --test-limit 1000 --batch-size 256 --lr-max 0.2
        --threads 2 --seed 5 --device cpu)
"$exe" "${common[@]}" --out "$work/straight" >"$work/straight.log" 2>&1 || fail "the straight run: $(tail -3 "$work/straight.log")"

interrupted=0
for attempt in 1 2 3; do  # the signal must land in epoch 2's steps; a run that finished first is tried again
  rm -rf "$work/cut"
  "$exe" "${common[@]}" --out "$work/cut" >"$work/cut.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 2000); do  # metrics.csv gets its first row when epoch 1 is done and checkpointed
    [ -f "$work/cut/metrics.csv" ] && [ "$(wc -l <"$work/cut/metrics.csv")" -ge 2 ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.02
  done
  kill -INT $pid 2>/dev/null
  wait $pid
  rc=$?
  if [ $rc -eq 130 ]; then interrupted=1; break; fi
  [ $rc -eq 0 ] || fail "the interrupted run exited $rc: $(tail -3 "$work/cut.log")"
done
[ $interrupted -eq 1 ] || fail "three runs finished before the interrupt landed"
grep -q "interrupted in epoch 2 after batch" "$work/cut.log" || fail "no interrupt message: $(tail -3 "$work/cut.log")"
grep -q -- "resume with: .* --resume $work/cut\$" "$work/cut.log" || fail "no resume hint: $(tail -3 "$work/cut.log")"
[ -f "$work/cut/checkpoint.pt" ] || fail "no checkpoint after the interrupt"

"$exe" --resume "$work/cut" >"$work/resume.log" 2>&1 || fail "--resume: $(tail -3 "$work/resume.log")"
cmp -s "$work/straight/predictions.csv" "$work/cut/predictions.csv" ||
  fail "predictions differ between the straight and the interrupted+resumed run"
[ "$(wc -l <"$work/cut/metrics.csv")" -eq 3 ] || fail "metrics.csv should hold a header and 2 epochs: $(cat "$work/cut/metrics.csv")"

"$exe" --resume "$work/cut" --lr-max 0.3 >"$work/disagree.log" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "--resume with another --lr-max exited $rc, expected 2"
grep -q -- "--lr-max: the run in $work/cut used 0.2, not 0.3" "$work/disagree.log" || fail "$(cat "$work/disagree.log")"
cp -r "$work/cut" "$work/edited"  # a hand-edited config.json gets the checks a typed option gets
sed -i 's/"weight_decay": [^,]*/"weight_decay": -1.0/' "$work/edited/config.json"
"$exe" --resume "$work/edited" >"$work/edited.log" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "--resume with weight_decay -1 in config.json exited $rc, expected 2: $(cat "$work/edited.log")"
grep -q -- "--weight-decay: must be in \[0, 1\], got -1.0 (from $work/edited/config.json)" "$work/edited.log" ||
  fail "$(cat "$work/edited.log")"
"$exe" --resume "$work/cut/checkpoint.pt" --threads 1 >"$work/again.log" 2>&1 || fail "resume a finished run: $(tail -3 "$work/again.log")"
[ -f "$work/cut/checkpoint.pt" ] && [ ! -d "$work/cut/checkpoint.pt" ] || fail "outputs went under the checkpoint's path"
echo "interrupted at: $(grep -o 'interrupted in epoch 2 after batch [0-9/]*' "$work/cut.log"); resumed run matches the straight run"
