#!/usr/bin/env bash
# The README's main-job command: install dependencies, build, and run one burst
# cycle on the embedded default (the mock job queue and the mock plugin):
# `flux-burst run --mock`. Extra arguments are passed on (e.g. --json).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FLUXBURST_BUILD_DIR:-$root/build}
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" >/dev/null
exec "$build/bin/flux-burst" run --mock "$@"
