#!/usr/bin/env bash
# Write the flux-burst(1) man page (roff) to stdout, made from the command's own
# --help and each subcommand's --help, so that the two cannot drift apart.
# Usage: make-man.sh PATH/TO/flux-burst [OUTPUT]   (OUTPUT replaced only when complete)
set -euo pipefail
bin=${1:?usage: make-man.sh PATH/TO/flux-burst [OUTPUT]}
if [[ $# -ge 2 ]]; then
  tmp="$2.tmp.$$"
  trap 'rm -f "$tmp"' EXIT
  "$0" "$bin" >"$tmp"
  mv -f "$tmp" "$2"
  exit 0
fi

# Text as roff: no fill, backslashes escaped, no line read as a request.
roff_block() {
  printf '.nf\n'
  sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
  printf '.fi\n'
}

version=$("$bin" --version | awk '{print $NF}')
help=$("$bin" --help)
# The subcommands: the first word of each line under "Subcommands:".
mapfile -t subcommands < <(printf '%s\n' "$help" |
  awk '/^Subcommands:/ {on=1; next} on && /^$/ {exit} on {print $1}')

printf '.TH FLUX-BURST 1 "" "flux-burst %s" "User Commands"\n' "$version"
printf '.SH NAME\nflux-burst \\- burst a Flux instance onto more resources (also run as flux burst)\n'
printf '.SH SYNOPSIS\n'
for s in "${subcommands[@]}"; do
  "$bin" "$s" --help | awk '/^Usage:/ {sub(/^Usage: /, ""); print; exit}'
done | roff_block
printf '.SH DESCRIPTION\n'
printf '%s\n' "$help" | roff_block
printf '.SH SUBCOMMANDS\n'
for s in "${subcommands[@]}"; do
  printf '.SS %s\n' "$s"
  "$bin" "$s" --help | roff_block
done
printf '.SH SEE ALSO\nflux(1), flux-config-bootstrap(5); the README of flux-burst.\n'
