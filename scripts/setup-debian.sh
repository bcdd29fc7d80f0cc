#!/usr/bin/env bash
# Install the Debian 12 packages libiamwatch needs to build, test and run.
# Uses sudo when not already root. Safe to run again.
set -euo pipefail
pkgs=(meson ninja-build re2c check libcjson-dev pkg-config zlib1g-dev gcc valgrind
      python3 python3-pytest python3-dask python3-distributed jq
      python3-mesonpy python3-pip python3-venv python3-setuptools python3-wheel)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
