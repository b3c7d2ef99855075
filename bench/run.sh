#!/usr/bin/env bash
# Run flux-burst's benchmarks and print one table.
#   bench/run.sh [BUILD_DIR]        (default: build/; builds it first)
# Each cycle figure is one fresh process running one cycle (wall time of
# run_burst, and the process's peak resident memory), the median of 3 runs.
# Discovery, loading and parameter merge come from Google Benchmark.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
if [[ ! -x "$build/bin/fluxburst-bench-cycle" ]]; then
  "$root/scripts/build.sh" >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FLUXBURST_PLUGIN_PATH=

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }

printf "%-42s %12s %14s %12s\n" "case" "time" "jobs/s" "peak MB"
printf "%-42s %12s %14s %12s\n" "----" "----" "------" "-------"
for n in 1000 10000 100000; do
  "$build/bin/fluxburst-make-queue" "$n" "$work/queue-$n.json" 1
  size=$(du -m "$work/queue-$n.json" | cut -f1)
  for kind in file mock; do
    secs=(); mems=(); rates=()
    for run in 1 2 3; do
      if [[ $kind == file ]]; then
        cp "$work/queue-$n.json" "$work/work.json"
        out=$("$build/bin/fluxburst-bench-cycle" file "$work/work.json")
      else
        out=$("$build/bin/fluxburst-bench-cycle" mock "$n")
      fi
      secs+=("$(field seconds <<<"$out")"); mems+=("$(field peak_rss_mb <<<"$out")"); rates+=("$(field jobs_per_second <<<"$out")")
    done
    s=$(printf "%s\n" "${secs[@]}" | median); m=$(printf "%s\n" "${mems[@]}" | median); r=$(printf "%s\n" "${rates[@]}" | median)
    label="cycle, ${kind} queue, $n jobs"
    [[ $kind == file ]] && label="$label (${size} MB)"
    printf "%-42s %10.3f s %14.0f %12.1f\n" "$label" "$s" "$r" "$m"
  done
done

if [[ -x "$build/bin/fluxburst-bench" ]]; then
  "$build/bin/fluxburst-bench" --benchmark_filter='Discover|Load|ParamMerge' --benchmark_format=json \
      --benchmark_min_time=0.2 2>/dev/null >"$work/gb.json"
  python3 - "$work/gb.json" <<'PY'
import json, sys
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    unit = b["time_unit"]
    print("%-42s %9.1f %s %14s %12s" % (b["name"], b["real_time"], unit, "-", "-"))
PY
fi
if [[ -x "$build/bin/flux_cycle_bench" ]] && command -v flux >/dev/null; then
  echo
  echo "live Flux cycle (flux_cycle_bench --jobs 1000 --runs 3):"
  "$build/bin/flux_cycle_bench" --jobs 1000 --runs 3
fi
