#!/usr/bin/env bash
# flux-burst included by another project (add_subdirectory): it builds the library,
# and the parent's embedding program runs a burst with the in-tree mock plugin;
# it adds no tests, installs nothing, forces no build type and adds no warning flags
# (neither to the parent's targets nor to its own: the parent chooses).
set -euo pipefail
src=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "subproject test: $*" >&2; exit 1; }

cmake -S "$src/tests/subproject" -B "$work/build" -DFLUXBURST_SOURCE_DIR="$src" \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
cache=$work/build/CMakeCache.txt
grep -q '^CMAKE_BUILD_TYPE:STRING=$' "$cache" || fail "the parent's build type was changed: $(grep ^CMAKE_BUILD_TYPE: "$cache")"
for opt in FLUXBURST_BUILD_TESTS FLUXBURST_BUILD_EXAMPLES FLUXBURST_BUILD_BENCH FLUXBURST_INSTALL; do
  grep -q "^$opt:BOOL=OFF$" "$cache" || fail "$opt is not OFF by default in a subproject"
done
# Compile commands: the parent's own file, and one of ours built as a subproject.
command_for() {
  python3 -c 'import json,sys
for e in json.load(open(sys.argv[1])):
    if e["file"].endswith(sys.argv[2]): print(e["command"])' "$work/build/compile_commands.json" "$1"
}
for file in examples/embed/burst_once.cpp src/client.cpp; do
  cmd=$(command_for "$file")
  [[ -n "$cmd" ]] || fail "$file not in compile_commands.json"
  [[ "$cmd" != *-Wall* && "$cmd" != *-Wextra* ]] ||
    fail "flux-burst's warning flags are used as a subproject ($file): $cmd"
done

cmake --build "$work/build" -j2 --target burst_once fluxburst_plugin_mock >/dev/null
FLUXBURST_PLUGIN_PATH= "$work/build/burst_once" | grep -q "mock run: created cluster mock-0 with 4 nodes" ||
  fail "the parent's program did not burst with the in-tree mock plugin"

tests=$(cd "$work/build" && ctest -N | awk '/Total Tests:/ {print $3}')
[[ "$tests" == 0 ]] || fail "the subproject added $tests tests to the parent"
cmake --install "$work/build" --prefix "$work/prefix" >/dev/null
[[ -z "$(find "$work/prefix" -type f 2>/dev/null)" ]] ||
  fail "installing the parent installed flux-burst files: $(find "$work/prefix" -type f | head -3)"
echo "subproject test: ok"
