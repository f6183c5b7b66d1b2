#!/usr/bin/env bash
# Crash at any instant: `cifar10_resnet` is killed with SIGKILL at random instants (start-up, LR range test, steps,
# evaluation, checkpoint writes) and resumed from its run folder each time. Checks: every process either was killed
# or finished (a damaged checkpoint would make a resume fail), the final predictions equal those of an uninterrupted
# run with the same seed (CPU), and metrics.csv holds each epoch once, untorn.
# Usage: kill_resume.sh <cifar10_resnet> <work folder> [kills]. Exit 77 (skipped) without the real data.
set -uo pipefail
exe=$1 work=$2 kills=${3:-20}
. "$(dirname "$0")/e2e_common.sh"
rm -rf "$work" && mkdir -p "$work"
common=(--data "$data" --epochs 3 --width 16 --train-limit 2048 --test-limit 500 --batch-size 256 --finder-iters 20
        --threads 2 --seed 7 --device cpu)
t0=$(date +%s%N)
"$exe" "${common[@]}" --out "$work/straight" >"$work/straight.log" 2>&1 || fail "the straight run: $(tail -3 "$work/straight.log")"
span_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "uninterrupted run: ${span_ms} ms"

# Kill, resume, kill...: each process of a run is killed at a random instant of the uninterrupted run's span; a run
# that reaches its end is checked and the next run starts in a new folder, until `kills` kills have landed.
declare -A phase_count=()
RANDOM=12345  # the same instants every time
check_run() {  # $1: a finished run folder
  cmp -s "$work/straight/predictions.csv" "$1/predictions.csv" ||
    fail "$1: the predictions after its kills differ from the uninterrupted run's"
  [ "$(cut -d, -f1 "$1/metrics.csv")" = "$(printf 'epoch\n1\n2\n3')" ] || fail "$1/metrics.csv: $(cat "$1/metrics.csv")"
  [ "$(awk -F, '{print NF}' "$1/metrics.csv" | sort -u)" = "8" ] || fail "$1/metrics.csv is torn: $(cat "$1/metrics.csv")"
}
landed=0 runs=1 i=0
run=$work/run-1
while [ $landed -lt "$kills" ]; do
  i=$((i + 1))
  [ $i -le $((kills * 4)) ] || fail "too many processes finished before their kill"
  if [ -f "$run/config.json" ]; then args=(--resume "$run"); else args=("${common[@]}" --out "$run"); fi
  "$exe" "${args[@]}" >"$work/p-$i.log" 2>&1 &
  pid=$!
  if [ $((landed % 3)) -eq 2 ]; then
    # Every third kill aims at an epoch's end: once the epoch's last training batch is logged, a random 0-60 ms
    # later - inside the evaluation or the checkpoint write that follow it.
    for _ in $(seq 1 1500); do
      grep -qE "train +([0-9]+)/\1 " "$work/p-$i.log" 2>/dev/null && break
      kill -0 $pid 2>/dev/null || break
      sleep 0.01
    done
    delay_ms=$(( RANDOM % 60 ))
  else
    delay_ms=$(( 20 + (RANDOM * 32768 + RANDOM) % (span_ms * 4 / 5) ))
  fi
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  tmp_seen=no
  [ -f "$run/checkpoint.pt.tmp" ] && tmp_seen=yes
  kill -KILL $pid 2>/dev/null
  wait $pid 2>/dev/null
  rc=$?
  [ $rc -eq 137 ] || [ $rc -eq 0 ] || fail "process $i exited $rc before its kill: $(tail -3 "$work/p-$i.log")"
  if [ $rc -eq 0 ]; then  # the run reached its end: check it, start the next
    check_run "$run"
    runs=$((runs + 1)) run=$work/run-$runs
    continue
  fi
  landed=$((landed + 1))
  last=$(tr '\r' '\n' <"$work/p-$i.log" | grep -v '^$' | tail -1)
  if [[ "$last" =~ ^train\ +([0-9]+)/([0-9]+) ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]; then
    phase="evaluation or a checkpoint write (after an epoch's last batch)"
  else
    case "$last" in
      *"LR range test"*) phase="the LR range test" ;;
      train*|EPOCH*|estimated*|resumed*) phase="training steps" ;;
      Loss=*|"Test set"*) phase="the epoch's end (its log lines)" ;;
      *) phase="start-up (loading LibTorch and the data)" ;;
    esac
  fi
  [ $tmp_seen = yes ] && phase="a checkpoint write (.tmp present)"
  phase_count[$phase]=$(( ${phase_count[$phase]:-0} + 1 ))
done
for p in "${!phase_count[@]}"; do echo "killed during $p: ${phase_count[$p]}"; done
if [ -f "$run/config.json" ]; then args=(--resume "$run"); else args=("${common[@]}" --out "$run"); fi
"$exe" "${args[@]}" >"$work/final.log" 2>&1 || fail "the final resume: $(tail -3 "$work/final.log")"
check_run "$run"
echo "$landed kills over $runs runs, each resumed from its run folder to the end: every run's predictions equal the" \
     "uninterrupted run's; metrics.csv holds each epoch once"
