#!/usr/bin/env bash
# SIGTERM and SIGHUP stop `cifar10_resnet` as Ctrl-C does (finish the step, checkpoint, exit 128 + signal with the
# resume hint); a second Ctrl-C ends it at once; a disk that fills during a checkpoint ends the run with a clear
# error and leaves the previous checkpoint intact and resumable; a run folder that cannot be made is named.
# Usage: stop_and_full_disk.sh <cifar10_resnet> <work folder>. Exit 77 (skipped) without the real data.
set -uo pipefail
exe=$1 work=$2
. "$(dirname "$0")/e2e_common.sh"
rm -rf "$work" && mkdir -p "$work"
common=(--data "$data" --epochs 2 --width 8 --train-limit 4096 --test-limit 500 --batch-size 256 --lr-max 0.2
        --threads 2 --seed 5 --device cpu)

# Starts a run in $1, waits until epoch 1 is checkpointed, sends the signals $2..., returns the exit code.
stop_after_epoch_1() {
  local folder=$1; shift
  "$exe" "${common[@]}" --out "$folder" >"$folder.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 3000); do
    [ -f "$folder/metrics.csv" ] && [ "$(wc -l <"$folder/metrics.csv")" -ge 2 ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.02
  done
  cp "$folder/checkpoint.pt" "$folder.epoch1.pt" 2>/dev/null
  for sig in "$@"; do kill -"$sig" $pid 2>/dev/null; done
  wait $pid
}

for sig in TERM HUP; do
  code=$(( 128 + $(kill -l $sig) ))
  for attempt in 1 2 3; do  # the signal must land in epoch 2's steps
    stop_after_epoch_1 "$work/$sig" $sig
    rc=$?
    [ $rc -ne 0 ] && break
  done
  [ $rc -eq $code ] || fail "SIG$sig: exit $rc, expected $code: $(tail -3 "$work/$sig.log")"
  grep -q "interrupted in epoch 2 after batch" "$work/$sig.log" || fail "SIG$sig: $(tail -3 "$work/$sig.log")"
  grep -q -- "resume with: .* --resume $work/$sig\$" "$work/$sig.log" || fail "SIG$sig: no resume hint"
  echo "SIG$sig: checkpoint saved, exit $rc, $(grep -o 'interrupted in epoch 2 after batch [0-9/]*' "$work/$sig.log")"
done

# Two Ctrl-C in a row: the second ends the process at once; the epoch-1 checkpoint is untouched and resumable.
stop_after_epoch_1 "$work/twice" INT INT
rc=$?
[ $rc -eq 130 ] || fail "two Ctrl-C: exit $rc, expected 130"
cmp -s "$work/twice/checkpoint.pt" "$work/twice.epoch1.pt" ||
  grep -q "checkpoint saved" "$work/twice.log" || fail "two Ctrl-C: the checkpoint changed without a completed save"
"$exe" --resume "$work/twice" >"$work/twice-resume.log" 2>&1 || fail "resume after two Ctrl-C: $(tail -3 "$work/twice-resume.log")"
echo "two Ctrl-C: exit 130 at once, the previous checkpoint resumed to the end"

# A disk that fills during a checkpoint (a file-size limit below the checkpoint's size; SIGXFSZ ignored, so the
# write fails with EFBIG as on a full disk): a clear error, non-zero exit, the previous checkpoint intact.
cp "$work/TERM/checkpoint.pt" "$work/before-full.pt"
(trap '' XFSZ; ulimit -f 400; exec "$exe" --resume "$work/TERM") >"$work/full.log" 2>&1
rc=$?
[ $rc -ne 0 ] || fail "a full disk: the run exited 0"
grep -q "error: checkpoint: cannot write $work/TERM/checkpoint.pt.tmp" "$work/full.log" || fail "full disk: $(tail -3 "$work/full.log")"
grep -q "File too large" "$work/full.log" || fail "full disk: no reason given: $(tail -3 "$work/full.log")"
cmp -s "$work/TERM/checkpoint.pt" "$work/before-full.pt" || fail "the previous checkpoint changed"
[ ! -f "$work/TERM/checkpoint.pt.tmp" ] || fail "a partial checkpoint.pt.tmp was left"
"$exe" --resume "$work/TERM" >"$work/after-full.log" 2>&1 || fail "resume after the full disk: $(tail -3 "$work/after-full.log")"
echo "full disk: exit $rc, '$(grep -o 'cannot write.*' "$work/full.log" | head -1)'; the previous checkpoint resumed"

# A run folder that cannot be created (its parent is a file).
echo x >"$work/a-file"
"$exe" "${common[@]}" --out "$work/a-file/run" >"$work/nofolder.log" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "run folder under a file: exit $rc"
grep -q "a-file" "$work/nofolder.log" || fail "the error does not name the folder: $(cat "$work/nofolder.log")"
echo "unwritable run folder: exit 1, '$(grep error "$work/nofolder.log" | head -1)'"
