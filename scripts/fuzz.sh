#!/usr/bin/env bash
# Build the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and run
# each for a bounded time, starting from the committed seed corpus (copied, so
# the repository is not modified). A crash fails the run and leaves the input in
# build-fuzz/artifacts/: turn it into a regression test.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]      (default: $FLUXBURST_FUZZ_SECONDS or 30)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-${FLUXBURST_FUZZ_SECONDS:-30}}
build=${FLUXBURST_FUZZ_BUILD_DIR:-$root/build-fuzz}
# A build directory already configured for fuzzing (scripts/test.sh's build-asan/) is
# used as it is; otherwise one is configured with the fuzz targets only.
if ! grep -qs '^FLUXBURST_FUZZ:BOOL=ON$' "$build/CMakeCache.txt"; then
  CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLUXBURST_FUZZ=ON \
    -DFLUXBURST_BUILD_TESTS=OFF -DFLUXBURST_BUILD_EXAMPLES=OFF -DFLUXBURST_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" -j2 --target fuzz_job_file fuzz_job fuzz_params fuzz_config fuzz_param_arg >/dev/null
mkdir -p "$build/artifacts"
# Seeds nest JSON 30,000 levels deep. The library refuses such jobs without recursing,
# but a harness's own copy of the parsed JSON recurses (nlohmann copies recursively),
# and at -O1 with ASan's larger frames that overflows 8 MB: give the fuzzers 64 MB.
ulimit -s 65536 2>/dev/null || ulimit -s "$(ulimit -H -s)" 2>/dev/null || true
status=0
for target in job_file job params config param_arg; do
  corpus=$(mktemp -d)
  cp "$root/fuzz/corpus/$target/"* "$corpus/"
  # Inputs up to 1 MB for the JSON targets: deep nesting (30,000 levels is 60 KB)
  # and long files are reached, not cut off at libFuzzer's default length.
  case $target in job_file | job) max_len=1048576 ;; *) max_len=65536 ;; esac
  echo "fuzz: $target for ${seconds}s (max_len $max_len)" >&2
  if ! "$build/bin/fuzz_$target" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -max_len="$max_len" \
       -artifact_prefix="$build/artifacts/$target-" -print_final_stats=1 >"$build/fuzz_$target.log" 2>&1; then
    echo "fuzz: $target FAILED; see $build/fuzz_$target.log and $build/artifacts/" >&2
    tail -40 "$build/fuzz_$target.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$build/fuzz_$target.log" | tail -2 >&2 || true
  fi
  rm -rf "$corpus"
done
exit $status
