#!/usr/bin/env bash
# Configure and build flux-burst into build/ (or $FLUXBURST_BUILD_DIR), -j2.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FLUXBURST_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo} "$@" >/dev/null
cmake --build "$build" -j2
