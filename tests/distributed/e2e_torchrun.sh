#!/usr/bin/env bash
# cifar10_resnet as two ranks under torchrun on a real-data subset: one run folder, written by rank 0 alone, with
# every file and a sane accuracy; SIGTERM stops both ranks at the same step with one checkpoint; a launch whose rank
# is killed ends with an error (no hang), and every rank resumes from the checkpoint rank 0 left.
# Usage: e2e_torchrun.sh <torchrun> <cifar10_resnet> <work dir>
set -u
torchrun=$1 exe=$2 work=$3
SUPERCONV_DATA=${SUPERCONV_DATA:-$(dirname "$0")/../../../shared/data/cifar-10-batches-bin}
. "$(dirname "$0")/../e2e_common.sh"
rm -rf "$work" && mkdir -p "$work"
common=(--data "$data" --test-limit 1000 --seed 3)
launch() { "$torchrun" --standalone --nproc-per-node 2 --no-python "$exe" "$@"; }

# 1. Three epochs with the LR range test (rank 0, whole global batches), global batch 512 = 2 x 256.
launch "${common[@]}" --out "$work/run" --width 16 --train-limit 8192 --epochs 3 --finder-iters 20 > "$work/run.log" 2>&1 || {
  cat "$work/run.log"; fail "the 2-rank run exited $?"; }
[ "$(ls "$work" | paste -sd " ")" = "run run.log" ] || fail "expected one run folder, found: $(ls "$work")"
for f in config.json metrics.csv summary.json predictions.csv lr_finder.json schedule.png curves.png checkpoint.pt; do
  [ -f "$work/run/$f" ] || fail "run folder lacks $f"
done
[ "$(wc -l < "$work/run/metrics.csv")" = 4 ] || fail "metrics.csv should hold a header and 3 epochs: $(cat "$work/run/metrics.csv")"
[ "$(grep -c '^EPOCH: ' "$work/run.log")" = 3 ] || fail "only rank 0 prints: expected 3 EPOCH lines"
grep -q "Accuracy: [0-9]*/1000" "$work/run.log" || fail "the evaluation should cover all 1000 test records"
[ "$(grep -c '^index\|^[0-9]' "$work/run/predictions.csv")" = 1001 ] || fail "predictions.csv should hold 1000 rows"
acc=$(sed -n 's/.*"final_test_accuracy": *\([0-9.]*\).*/\1/p' "$work/run/summary.json")
awk "BEGIN{exit !($acc > 0.2)}" || fail "accuracy $acc is not above chance"
# The run folder says how it ran: 2 processes over Gloo, 256 a rank, 512 a step (config.json and summary.json).
for f in config.json summary.json; do
  world=$(python3 -c "import json,sys; w=json.load(open(sys.argv[1]))['world']; print(w['world_size'], w['backend'], w['per_rank_batch'], w['global_batch'])" "$work/run/$f") ||
    fail "$f has no world record"
  [ "$world" = "2 gloo 256 512" ] || fail "$f records the world as '$world', want '2 gloo 256 512'"
done
grep -q "2 process(es), backend gloo" "$work/run.log" || fail "the log's first line does not say 2 processes over gloo"

# 2. SIGTERM to torchrun (forwarded to every rank): all ranks stop at the same step, rank 0 saves one checkpoint.
"$torchrun" --standalone --nproc-per-node 2 --no-python "$exe" "${common[@]}" --out "$work/term" --width 8 \
  --train-limit 4096 --epochs 6 --lr-max 0.4 > "$work/term.log" 2>&1 &
agent=$!
for _ in $(seq 600); do grep -q "^EPOCH: 2" "$work/term.log" 2>/dev/null && break; sleep 0.1; done
kill -TERM "$agent"
wait "$agent" && fail "torchrun exited 0 after SIGTERM"
stops=$(grep -c "^interrupted in epoch" "$work/term.log")
[ "$stops" = 2 ] || { cat "$work/term.log"; fail "expected both ranks to report the stop, got $stops"; }
[ "$(grep "^interrupted in epoch" "$work/term.log" | sort -u | wc -l)" = 1 ] ||
  fail "the ranks stopped at different steps: $(grep "^interrupted in epoch" "$work/term.log")"
[ -f "$work/term/checkpoint.pt" ] || fail "no checkpoint after SIGTERM"
echo "SIGTERM: $(grep -m1 "^interrupted in epoch" "$work/term.log")"

# 3. Kill a rank during the second epoch: the launch must end with an error, not hang.
"$torchrun" --standalone --nproc-per-node 2 --no-python "$exe" "${common[@]}" --out "$work/kill" --width 8 \
  --train-limit 4096 --epochs 6 --lr-max 0.4 > "$work/kill.log" 2>&1 &
agent=$!  # torchrun itself; the ranks are its children
for _ in $(seq 600); do grep -q "^EPOCH: 2" "$work/kill.log" 2>/dev/null && break; sleep 0.1; done
victim=$(pgrep -P "$agent" | tail -1)
[ -n "$victim" ] || { cat "$work/kill.log"; fail "no rank process found under torchrun"; }
kill -9 "$victim"
start=$(date +%s)
wait "$agent"
rc=$? took=$(( $(date +%s) - start ))
[ "$rc" -ne 0 ] || fail "torchrun exited 0 although a rank was killed"
[ "$took" -le 60 ] || fail "the launch took ${took}s to end after a rank died"
echo "killed rank: torchrun exited $rc after ${took}s"

# 4. Every rank resumes from rank 0's checkpoint (epoch 1 was saved) and finishes.
[ -f "$work/kill/checkpoint.pt" ] || fail "no checkpoint after epoch 1"
launch --resume "$work/kill" > "$work/resume.log" 2>&1 || { cat "$work/resume.log"; fail "the resume exited $?"; }
[ "$(wc -l < "$work/kill/metrics.csv")" = 7 ] || fail "the resumed run should hold 6 epochs: $(cat "$work/kill/metrics.csv")"
grep -q "^EPOCH: 1 " "$work/resume.log" && fail "the resume started over at epoch 1"
echo "OK"
