#!/usr/bin/env bash
# A real burst on one machine: a Flux instance of four hosts of which only the first
# runs, burstable jobs that wait for the others, one burst cycle with the local
# plugin that starts their brokers, the jobs running there, then unburst. Every
# process and file it makes is removed at the end, also when interrupted.
#
# Usage: scripts/demo.sh [--flux-burst PATH] [--plugin-path DIR] [--keep]
#   --flux-burst PATH   the flux-burst command (default: build/bin/flux-burst, else PATH)
#   --plugin-path DIR   where libfluxburst_local.so is (default: the build's, else installed)
#   --keep              leave the work directory (logs) in place
# Environment: FLUX (the flux command, default flux on PATH); FLUXBURST_DEMO_WORKDIR_FILE
# (a file the work directory's path is written to, for tests).
# Exit status: 0 done; 1 a step failed; 2 usage; 77 flux-core is missing (the mock demo
# ran instead); 130/143 interrupted (after cleaning up).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
flux_burst=""
plugin_path=""
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --flux-burst) flux_burst=${2:?--flux-burst needs a path}; shift 2 ;;
    --plugin-path) plugin_path=${2:?--plugin-path needs a directory}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '\n==> %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

if [[ -z "$flux_burst" ]]; then
  if [[ -x "$here/build/bin/flux-burst" ]]; then flux_burst="$here/build/bin/flux-burst"
  else flux_burst=$(command -v flux-burst || true); fi
fi
if [[ -z "$flux_burst" || ! -x "$flux_burst" ]]; then
  echo "demo: flux-burst not found: build it (cmake --build build) or give --flux-burst PATH" >&2
  exit 2
fi

flux=${FLUX:-$(command -v flux || true)}
if [[ -z "$flux" ]]; then
  cat >&2 <<'MSG'
demo: flux-core is not installed (no `flux` on PATH, and FLUX is not set).
  A real burst needs flux-core (0.88 was tested): install it (your distribution's
  flux-core package, or build it from source into a prefix such as /opt/flux), put
  <prefix>/bin on PATH, and build flux-burst with Flux support:
    PKG_CONFIG_PATH=<prefix>/lib/pkgconfig cmake -S . -B build -DFLUXBURST_WITH_FLUX=ON
  Meanwhile, here is the simulated burst (mock queue and mock plugin):
MSG
  show "$flux_burst" run --mock || true
  exit 77
fi
flux_root=$(cd "$(dirname "$(readlink -f "$flux")")/.." && pwd)

if [[ -z "$plugin_path" && -e "$here/build/lib/fluxburst/plugins/libfluxburst_local.so" ]]; then
  plugin_path="$here/build/lib/fluxburst/plugins"
fi
if ! "$flux_burst" plugins local ${plugin_path:+--plugin-path "$plugin_path"} >/dev/null 2>&1; then
  echo "demo: the local plugin is not found: build flux-burst with Flux support" \
       "(-DFLUXBURST_WITH_FLUX=ON) or give --plugin-path DIR" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fb-demo.XXXXXX")
[[ -n "${FLUXBURST_DEMO_WORKDIR_FILE:-}" ]] && printf '%s\n' "$work" >"$FLUXBURST_DEMO_WORKDIR_FILE"
uri="local://$work/run/demo0/local-0"
leader_pid=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n "$leader_pid" ]] && kill -0 "$leader_pid" 2>/dev/null; then
    FLUX_URI=$uri timeout 30 "$flux" shutdown --quiet >/dev/null 2>&1 || true
  fi
  # Whatever is still running: the brokers the burst started, then the leader.
  for f in "$work"/burst/*.pid "$work"/leader.pid; do
    [[ -f "$f" ]] || continue
    pid=$(cat "$f")
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [[ $keep -eq 1 ]]; then
    echo "demo: kept $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

plugin_args=(--plugin local ${plugin_path:+--plugin-path "$plugin_path"})
local_params=(--param "local.config_dir=$work/burst" --param "local.flux_root=$flux_root")

say "1. Set up an instance of four hosts, demo[0-3] (flux-burst setup local)"
mkdir -p "$work/sock"
show "$flux_burst" setup local ${plugin_path:+--plugin-path "$plugin_path"} "${local_params[@]}" \
  --param "local.hostnames=demo[0-3]" --param "local.cores=0" \
  --param "local.bind_uri=ipc://$work/sock/tbon-%h" \
  --param "local.connect_uri=ipc://$work/sock/tbon-%h"

say "2. Start only its first host's broker (the others stay down)"
mkdir -p "$work/run/demo0" "$work/state/demo0"
env -u FLUX_URI setsid nohup "$flux" broker --config-path="$work/burst/conf.d" \
  -Shostname=demo0 -Srundir="$work/run/demo0" -Sstatedir="$work/state/demo0" \
  -Sbroker.rc2_none -Sbroker.quorum=1 -Slog-filename="$work/demo0.log" \
  >"$work/demo0.out" 2>&1 </dev/null &
leader_pid=$!
echo "$leader_pid" >"$work/leader.pid"
export FLUX_URI=$uri
echo "leader: $FLUX_URI"
# Right after the leader answers, its own node may still show down: wait for it.
for _ in $(seq 600); do
  if [[ "$("$flux" resource list -s free -no '{nnodes}' 2>/dev/null || true)" == 1 ]]; then break; fi
  kill -0 "$leader_pid" 2>/dev/null || { cat "$work/demo0.out" >&2; echo "demo: the leader exited" >&2; exit 1; }
  sleep 0.1
done
show "$flux" resource list

say "3. Submit burstable jobs: they wait, the instance has one free node"
job1=$("$flux" submit -N3 --setattr=burstable --job-name=needs3 hostname)
job2=$("$flux" submit -N2 --setattr=burstable --job-name=needs2 hostname)
for _ in $(seq 100); do
  [[ $("$flux" jobs -no '{id}' | wc -l) -ge 2 ]] && break
  sleep 0.1
done
show "$flux" jobs

say "4. One burst cycle: the local plugin starts brokers on the down hosts"
# A launcher that starts each broker directly on this machine, as a site's ssh or srun would.
launch='mkdir -p {config_dir}/run/{host} && env -u FLUX_URI setsid nohup {flux} broker --config-path={config_path} -Shostname={host} -Srundir={config_dir}/run/{host} -Sstatedir={config_dir}/run/{host} -Sbroker.rc2_none >{config_dir}/{host}.log 2>&1 </dev/null & echo $! > {config_dir}/{host}.pid; echo $!'
printf '$ flux-burst run --plugin local --param local.config_dir=%s --param local.launch_command="$launch"\n' "$work/burst"
"$flux_burst" run "${plugin_args[@]}" "${local_params[@]}" --param "local.launch_command=$launch"

say "5. The jobs run on the new brokers"
"$flux" job wait-event -t 120 "$job1" clean >/dev/null
"$flux" job wait-event -t 120 "$job2" clean >/dev/null
show "$flux" jobs -a -o '{id.f58:>12} {name:<8} {state:<8} {nodelist}'
show "$flux" resource list

say "6. Unburst: the brokers the burst started are stopped"
printf '$ flux-burst unburst --plugin local --param local.config_dir=%s\n' "$work/burst"
"$flux_burst" unburst "${plugin_args[@]}" "${local_params[@]}" --param "local.launch_command=$launch"
for _ in $(seq 300); do
  [[ "$("$flux" resource list -s down -no '{nnodes}')" == 3 ]] && break
  sleep 0.1
done
show "$flux" resource list

say "Done: cleaning up (shutting the instance down, removing $work)"
