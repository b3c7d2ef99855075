#!/usr/bin/env bash
# The README's test command: install dependencies, build, run the whole suite:
#   1. the test suite (ctest) on a normal build (build/, the default compiler);
#   2. the same suite built with clang, AddressSanitizer and UndefinedBehaviorSanitizer
#      at -O1 (build-asan/; the install tests are left out there);
#   3. every fuzz target for a bounded time (scripts/fuzz.sh), built in that same
#      build-asan/ (the fuzz targets need clang with the same sanitizers).
# FLUXBURST_TEST_QUICK=1 runs only step 1. FLUXBURST_FUZZ_SECONDS sets step 3's time
# per target (default 30).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FLUXBURST_BUILD_DIR:-$root/build}
"$root/scripts/install-deps.sh"

step() { echo "== $1 ($(date -u +%H:%M:%S))" >&2; }

step "test suite"
"$root/scripts/build.sh"
(cd "$build" && ctest --output-on-failure -j2)
[[ "${FLUXBURST_TEST_QUICK:-0}" == 1 ]] && exit 0

step "test suite under AddressSanitizer + UndefinedBehaviorSanitizer (clang)"
# -O1 with line tables only: the sanitizers' reports keep file and line, and the
# build takes a third of the time -O2 -g takes with GCC's instrumentation.
CXX=clang++ FLUXBURST_BUILD_DIR=$root/build-asan "$root/scripts/build.sh" \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DFLUXBURST_FUZZ=ON \
  -DFLUXBURST_BUILD_BENCH=OFF >/dev/null
(cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j2 -LE install)

step "fuzzing"
FLUXBURST_FUZZ_BUILD_DIR=$root/build-asan "$root/scripts/fuzz.sh"
step "done"
