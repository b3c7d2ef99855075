#!/usr/bin/env bash
# Install the Debian packages flux-burst needs to build and test. Idempotent:
# installs only what is missing. When not root, prints the exact command and stops.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  nlohmann-json3-dev libfmt-dev libspdlog-dev libsimdjson-dev
  libcli11-dev libtomlplusplus-dev libsodium-dev
  libcurl4-openssl-dev libyaml-cpp-dev libssl-dev libcpp-httplib-dev
  catch2 libbenchmark-dev
  clang libclang-rt-14-dev
)
if [[ "${FLUXBURST_DEPS_EXTRA:-}" != "" ]]; then
  # shellcheck disable=SC2206
  packages+=(${FLUXBURST_DEPS_EXTRA})
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all Debian packages present" >&2
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing Debian packages; run as root:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
