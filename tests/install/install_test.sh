#!/usr/bin/env bash
# Install flux-burst into a temporary prefix, then use it as an outsider would:
# build the plugin template and the embedding example with find_package, load the
# out-of-tree plugin through FLUXBURST_PLUGIN_PATH, and compile with pkg-config.
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
test -f "$prefix/include/fluxburst/fluxburst.hpp"
test -f "$prefix/include/fluxburst/detail/plugin_entry.hpp"   # behind FLUXBURST_PLUGIN
test -f "$prefix/lib/cmake/fluxburst/fluxburstConfig.cmake"
test -f "$prefix/lib/pkgconfig/fluxburst.pc"
test -f "$prefix/lib/fluxburst/plugins/libfluxburst_mock.so"
ls "$prefix"/lib/libfluxburst.so.0* >/dev/null
# The Flux parts are installed exactly when this copy was built with Flux.
if grep -q "define FLUXBURST_HAVE_FLUX 1" "$prefix/include/fluxburst/config.hpp"; then
  test -f "$prefix/include/fluxburst/flux_queue.hpp"
  test -f "$prefix/lib/fluxburst/plugins/libfluxburst_local.so"
else
  test ! -e "$prefix/include/fluxburst/flux_queue.hpp"
  test ! -e "$prefix/lib/fluxburst/plugins/libfluxburst_local.so"
fi
test -f "$prefix/include/fluxburst/flux.hpp"
test ! -e "$prefix/include/fluxburst/suggest.hpp"   # internal now (src/closest_match.hpp)

# The installed headers compile each on its own in a consumer without spdlog or fmt
# (private dependencies of the library): their headers are poisoned here, and no
# installed header may name them.
poison=$work/poison
for lib in spdlog fmt; do
  for dir in /usr/include /usr/local/include; do
    [[ -d "$dir/$lib" ]] || continue
    (cd "$dir" && find "$lib" -name '*.h') | while read -r h; do
      mkdir -p "$poison/$(dirname "$h")"
      echo "#error \"$h reached from an installed flux-burst header: $lib is private\"" >"$poison/$h"
    done
  done
done
if grep -rlE 'spdlog::|namespace spdlog|<spdlog/|fmt::|<fmt/' "$prefix/include/fluxburst"; then
  echo "installed headers (above) name a private dependency (spdlog or fmt)" >&2
  exit 1
fi
for h in $(cd "$prefix/include" && find fluxburst -name '*.hpp' | sort); do
  echo "#include <$h>" | g++ -std=c++17 -fsyntax-only -I"$poison" -I"$prefix/include" -x c++ - ||
    { echo "installed header $h does not compile on its own without spdlog and fmt" >&2; exit 1; }
done

# The command, in bin/ and where Flux finds subcommands (`flux burst`), runs from
# the prefix without LD_LIBRARY_PATH and finds the installed plugins.
for cmd in "$prefix/bin/flux-burst" "$prefix/libexec/flux/cmd/flux-burst"; do
  test -x "$cmd"
  env -u LD_LIBRARY_PATH -u FLUXBURST_PLUGIN_PATH "$cmd" plugins | grep -Eq "^mock +0.1.0 .*$prefix/.*libfluxburst_mock.so"
  env -u LD_LIBRARY_PATH -u FLUXBURST_PLUGIN_PATH "$cmd" run --mock | grep -q "ok: created cluster mock-0 with 4 nodes"
done

# The plugin, out of tree.
cmake -S "$src/examples/plugin-template" -B "$work/plugin" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/plugin" -j2 >/dev/null
mkdir -p "$work/plugins"
cp "$work/plugin/libfluxburst_template.so" "$work/plugins/"
# Only the entry points are exported.
exported=$(nm -D --defined-only "$work/plugins/libfluxburst_template.so" | awk '$2 == "T" {print $3}' | sort | tr '\n' ' ')
if [[ "$exported" != "fluxburst_plugin_abi_version fluxburst_plugin_destroy fluxburst_plugin_info fluxburst_plugin_init " ]]; then
  echo "unexpected exported functions: $exported" >&2
  exit 1
fi

# An embedding program, with find_package.
cmake -S "$src/examples/embed" -B "$work/embed" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/embed" -j2 >/dev/null
out=$(env -u FLUXBURST_PLUGIN_PATH LD_LIBRARY_PATH="$prefix/lib" FLUXBURST_PLUGIN_PATH="$work/plugins" \
      "$work/embed/burst_once" template)
echo "$out"
grep -q "template 0.1.0  A template to start a plugin from" <<<"$out"
grep -q "mock 0.1.0" <<<"$out"            # found in the installed plugin directory
grep -q -- "-> template" <<<"$out"
grep -q "template run: would create 4 nodes" <<<"$out"

# The same program with pkg-config.
flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs fluxburst)
g++ -o "$work/pc_burst" "$src/examples/embed/burst_once.cpp" $flags -Wl,-rpath,"$prefix/lib"
FLUXBURST_PLUGIN_PATH= "$work/pc_burst" | grep -q "mock run: created cluster mock-0 with 4 nodes"
echo "install test: ok"
