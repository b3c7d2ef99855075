#!/usr/bin/env bash
# scripts/demo.sh interrupted (SIGINT, as Ctrl-C sends it) once its burst has started
# brokers: it must exit 130 and leave no process and no file behind.
# Usage: demo_interrupt.sh DEMO [DEMO OPTIONS...]
set -uo pipefail
demo=$1
shift
if ! command -v "${FLUX:-flux}" >/dev/null 2>&1; then
  echo "SKIPPED: no flux command (set FLUX or put flux-core's bin on PATH)"
  exit 77
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Job control: the demo gets its own process group, and SIGINT is not ignored in it
# (without it, a background command starts with SIGINT ignored, and cannot trap it).
set -m
FLUXBURST_DEMO_WORKDIR_FILE=$scratch/workdir "$demo" "$@" >"$scratch/out" 2>&1 &
pid=$!
work=""
for _ in $(seq 1200); do
  work=$(cat "$scratch/workdir" 2>/dev/null || true)
  if [[ -n "$work" ]] && compgen -G "$work/burst/demo*.pid" >/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: the demo ended before its burst started brokers"; cat "$scratch/out"; exit 1
  fi
  sleep 0.1
done
# Interrupt at once: the brokers whose pid files exist are running, and on an idle
# machine the demo ran to its end within the second this test used to wait here.
pids=""
for _ in $(seq 50); do  # a pid file being written: read it again (5 s at most)
  pids=$(cat "$work"/burst/demo*.pid "$work"/leader.pid 2>/dev/null || true)
  [[ "$pids" =~ ^[0-9[:space:]]+$ ]] && break
  sleep 0.1
done
echo "interrupting the demo (pid $pid) with brokers $pids running"
kill -INT -- "-$pid"
rc=0
wait "$pid" || rc=$?
cat "$scratch/out"
status=0
[[ $rc -eq 130 ]] || { echo "FAIL: exit status $rc, not 130"; status=1; }
[[ ! -e "$work" ]] || { echo "FAIL: $work is left behind"; status=1; }
for p in $pids; do
  if kill -0 "$p" 2>/dev/null; then echo "FAIL: process $p is left running"; kill -KILL "$p"; status=1; fi
done
[[ $status -eq 0 ]] && echo "PASS: interrupted demo cleaned up everything"
exit $status
