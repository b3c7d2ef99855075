#!/usr/bin/env bash
# The README's test command: install dependencies, build, run the whole suite:
#   1. the test suite (ctest) on a normal build (build/);
#   2. the same suite built with AddressSanitizer and UndefinedBehaviorSanitizer
#      (build-asan/; the install test is left out there);
#   3. every fuzz target for a bounded time (scripts/fuzz.sh; build-fuzz/).
# FLUXBURST_TEST_QUICK=1 runs only step 1. FLUXBURST_FUZZ_SECONDS sets step 3's time
# per target (default 30).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FLUXBURST_BUILD_DIR:-$root/build}
"$root/scripts/install-deps.sh"

echo "== test suite" >&2
"$root/scripts/build.sh"
(cd "$build" && ctest --output-on-failure -j2)
[[ "${FLUXBURST_TEST_QUICK:-0}" == 1 ]] && exit 0

echo "== test suite under AddressSanitizer + UndefinedBehaviorSanitizer" >&2
FLUXBURST_BUILD_DIR=$root/build-asan "$root/scripts/build.sh" \
  -DFLUXBURST_SANITIZE=address,undefined -DFLUXBURST_BUILD_BENCH=OFF >/dev/null
(cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j2 -LE install)

echo "== fuzzing" >&2
"$root/scripts/fuzz.sh"
