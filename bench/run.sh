#!/usr/bin/env bash
# flux-burst's benchmarks: one table, one row per case.
#
#   bench/run.sh [--quick] [--runs N] [--only PATTERN] [--no-flux] [BUILD_DIR]
#
# Every case is whole `flux-burst run --json` processes (the mock plugin, a fresh
# copy of the queue each run), measured with /usr/bin/time: wall time, CPU time
# (user + system) and peak resident memory; the report's own timings give the
# in-cycle phases. Each figure is the median of N runs (default 3). "outside" is
# the process's wall time minus the cycle's: start, plugin loading, the report's
# output and the exit.
#
# Cases: a 100k-job file (about 96 MB) with 0%, ~12%, 25%, 50% and 100% of its
# jobs accepted; 1e6 tiny jobs, all accepted; and, when `flux` is on PATH and the
# build has Flux, a Flux "system instance" (4 fake hosts, only rank 0 up, so -N2
# jobs stay pending) with 1000 and 10,000 pending burstable -N2 jobs, one cycle,
# where the broker's CPU time during the cycle is also shown.
# --quick: 1000-job files, one run, no Flux (a smoke test of the harness).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=3
quick=0
only=
use_flux=1
build=$root/build
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1; runs=1; use_flux=0 ;;
    --runs) runs=$2; shift ;;
    --only) only=$2; shift ;;
    --no-flux) use_flux=0 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    -*) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
    *) build=$1 ;;
  esac
  shift
done
for tool in flux-burst fluxburst-make-queue; do
  if [[ ! -x $build/bin/$tool ]]; then
    echo "bench/run.sh: $build/bin/$tool is missing: build it first" \
         "(cmake --build $build --target flux-burst fluxburst_plugin_mock fluxburst-make-queue)" >&2
    exit 2
  fi
done
if [[ ! -x /usr/bin/time ]]; then
  echo "bench/run.sh: /usr/bin/time is missing (apt-get install time)" >&2
  exit 2
fi
work=$(mktemp -d)
broker_pid=
broker_cpu_pid=
cleanup() {
  if [[ -n $broker_pid ]]; then
    FLUX_URI=$flux_uri timeout 20 flux shutdown --quiet >/dev/null 2>&1 || true
    kill "$broker_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
export FLUXBURST_PLUGIN_PATH=$build/lib/fluxburst/plugins
burst=$build/bin/flux-burst

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# One measured process: "wall cpu peak_mb list_select schedule mark run total accepted".
measure() {
  local out=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >"$out" 2>"$work/stderr" || {
    echo "bench/run.sh: failed: $*" >&2; cat "$work/stderr" >&2; exit 1; }
  python3 - "$work/time" "$out" <<'PY'
import json, sys
wall, user, sys_, kb = open(sys.argv[1]).read().split()[-4:]
r = json.load(open(sys.argv[2]))
t = r["timings"]
print(wall, float(user) + float(sys_), int(kb) / 1024.0, t["list_select"], t["schedule"],
      t["mark"], t["run"], t["total"], len(r["assignments"]), r["jobs_seen"])
PY
}

# Median of each column over the runs, and the row.
row() {
  local label=$1 file=$2 extra=${3:-}
  python3 - "$label" "$file" "$extra" <<'PY'
import statistics, sys
label, path, extra = sys.argv[1:4]
rows = [list(map(float, l.split())) for l in open(path) if l.strip()]
m = [statistics.median(c) for c in zip(*rows)]
wall, cpu, mb, ls, sc, mk, rn, tot, acc, seen = m
share = 100.0 * acc / seen if seen else 0
print("%-34s %8d %8d %5.1f%% %7.3f %7.3f %8.1f %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f %s" % (
    label, seen, acc, share, wall, cpu, mb, tot, ls, sc, mk, rn, wall - tot, extra))
PY
}

printf "flux-burst benchmarks, %s\n" "$(date -u '+%Y-%m-%d %H:%M UTC')"
printf "machine: %s, %s cores, load average %s\n" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" "$(nproc)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
"$burst" --version -v | sed -n '2,$p'
echo "median of $runs run(s); seconds; MB = peak resident memory of the whole process"
echo
printf "%-34s %8s %8s %6s %7s %7s %8s %7s %7s %7s %7s %7s %7s %s\n" case jobs accepted share \
  wall cpu MB cycle list+sel sched mark run outside ""
printf "%-34s %8s %8s %6s %7s %7s %8s %7s %7s %7s %7s %7s %7s %s\n" ---- ---- -------- ----- \
  ---- --- -- ----- -------- ----- ---- --- ------- ""

# file_case LABEL JOBS MAX_NODES GENERATOR_OPTIONS...
file_case() {
  local label=$1 jobs=$2 max_nodes=$3; shift 3
  [[ -n $only && $label != *$only* ]] && return 0
  local queue=$work/queue-$jobs-${*// /_}.json
  [[ -f $queue ]] || "$build/bin/fluxburst-make-queue" "$jobs" "$queue" 1 "$@"
  : >"$work/rows"
  for ((r = 0; r < runs; r++)); do
    cp "$queue" "$work/jobs.json"
    measure "$work/report.json" "$burst" run --jobs "$work/jobs.json" --plugin mock \
      --param "mock.max_nodes=$max_nodes" --json >>"$work/rows"
  done
  local size
  size=$(du -m "$queue" | cut -f1)
  row "$label ($size MB)" "$work/rows"
}

if [[ $quick == 1 ]]; then
  file_case "file 1k, none burstable" 1000 64 --burstable 0
  file_case "file 1k, 1/8 accepted" 1000 16
  file_case "file 1k, all accepted" 1000 64 --burstable 100
  file_case "tiny 10k, all accepted" 10000 64 --tiny --burstable 100
  exit 0
fi
file_case "file 100k, none burstable" 100000 64 --burstable 0
file_case "file 100k, 1/8 accepted" 100000 16
file_case "file 100k, 1/4 accepted (max 32)" 100000 32
file_case "file 100k, 1/2 accepted" 100000 32 --burstable 100
file_case "file 100k, all accepted" 100000 64 --burstable 100
file_case "tiny 1e6, all accepted" 1000000 64 --tiny --burstable 100

if [[ -x $build/bin/fluxburst-bench && -z $only ]]; then
  echo
  "$build/bin/fluxburst-bench" --benchmark_filter='Discover|Load|ParamMerge' \
    --benchmark_format=json --benchmark_min_time=0.2 2>/dev/null >"$work/gb.json"
  python3 - "$work/gb.json" <<'PY'
import json, sys
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    print("%-34s %9.1f %s (Google Benchmark)" % (b["name"], b["real_time"], b["time_unit"]))
PY
fi

# --- live Flux: a system instance with fake hosts -------------------------------
if [[ $use_flux == 0 ]]; then exit 0; fi
if ! command -v flux >/dev/null || [[ ! -x $build/bin/flux_cycle_bench ]]; then
  echo
  echo "(live Flux cases skipped: no flux on PATH, or a build without Flux)"
  exit 0
fi
flux_dir=$work/flux
flux_uri=local://$flux_dir/run/local-0
start_instance() {
  mkdir -p "$flux_dir/conf.d" "$flux_dir/sock" "$flux_dir/run" "$flux_dir/state"
  flux keygen --name=fluxburst-bench "$flux_dir/cert" >/dev/null
  flux R encode --hosts='fake[0-3]' --ranks=0-3 >"$flux_dir/R"
  cat >"$flux_dir/conf.d/bootstrap.toml" <<EOF
[bootstrap]
curve_cert = "$flux_dir/cert"
default_bind = "ipc://$flux_dir/sock/tbon-%h"
default_connect = "ipc://$flux_dir/sock/tbon-%h"
hosts = [ { host = "fake[0-3]" } ]
EOF
  printf '[resource]\npath = "%s/R"\nnoverify = true\n' "$flux_dir" >"$flux_dir/conf.d/resource.toml"
  # Submitting 10,000 jobs through the Python validator takes minutes on 2 busy cores.
  printf '[ingest.validator]\ndisable = true\n' >"$flux_dir/conf.d/ingest.toml"
  (cd / && env -u FLUX_URI setsid nohup flux broker --config-path="$flux_dir/conf.d" \
     -Shostname=fake0 -Srundir="$flux_dir/run" -Sstatedir="$flux_dir/state" \
     -Sbroker.rc2_none -Sbroker.quorum=1 -Slog-filename="$flux_dir/broker.log" \
     >"$flux_dir/broker.out" 2>&1 </dev/null & echo $! >"$flux_dir/pid")
  broker_pid=$(cat "$flux_dir/pid")
  for ((i = 0; i < 600; i++)); do
    if FLUX_URI=$flux_uri flux resource list -no '{nnodes}' >/dev/null 2>&1; then
      # The broker itself (the `flux` front end may have forked it): its CPU time.
      broker_cpu_pid=$(FLUX_URI=$flux_uri flux getattr broker.pid)
      return 0
    fi
    sleep 0.1
  done
  echo "bench/run.sh: the Flux instance did not start: $(cat "$flux_dir/broker.out")" >&2
  exit 1
}
broker_cpu() {  # the broker's user + system CPU seconds so far
  # Fields after the command name, which is in parentheses: utime is the 12th, stime the 13th.
  sed 's/^.*) //' "/proc/$broker_cpu_pid/stat" | awk -v hz="$(getconf CLK_TCK)" '{print ($12 + $13) / hz}'
}
pending() { FLUX_URI=$flux_uri flux jobs -n -c 0 -f pending -o '{id}' | wc -l; }  # -c 0: every job (flux jobs shows 1000 by default)

flux_case() {
  local jobs=$1 label="flux system instance, $1 pending -N2"
  [[ -n $only && $label != *$only* ]] && return 0
  local have
  have=$(pending)
  # Submitted 1000 at a time; the wait for them to be pending is bounded (10 min).
  local waited=0
  while ((have < jobs)); do
    local n=$((jobs - have > 1000 ? 1000 : jobs - have))
    if ! (cd / && FLUX_URI=$flux_uri timeout 600 flux submit --quiet --cc=1-$n -N2 \
            --setattr=burstable --job-name=bench true >/dev/null 2>"$work/submit.err"); then
      echo "$label: skipped: flux submit failed: $(head -c 300 "$work/submit.err")"
      return 0
    fi
    while (($(pending) < have + n)); do
      sleep 1
      if ((++waited > 600)); then
        echo "$label: skipped: $((have + n)) jobs submitted, $(pending) pending after 10 min"
        return 0
      fi
    done
    have=$(pending)
  done
  : >"$work/rows"
  local broker=()
  for ((r = 0; r < runs; r++)); do
    FLUX_URI=$flux_uri "$build/bin/flux_cycle_bench" --clear-marks >/dev/null
    sleep 0.3  # let job-list see the memos go
    local b0 b1
    b0=$(broker_cpu)
    FLUX_URI=$flux_uri measure "$work/report.json" "$burst" run --plugin mock \
      --param mock.max_nodes=64 --json >>"$work/rows"
    b1=$(broker_cpu)
    broker+=("$(awk -v a="$b0" -v b="$b1" 'BEGIN {print b - a}')")
  done
  local bmed
  bmed=$(printf '%s\n' "${broker[@]}" | median)
  row "$label" "$work/rows" "broker CPU ${bmed} s"
}

start_instance
flux_case 1000
flux_case 10000
