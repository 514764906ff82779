#!/usr/bin/env bash
# Installs what profile-bee needs to build and test (Debian 12, as root), then builds it in build/.
# The package lists are .ci/packages.d/*.txt; extra set-up steps (npm packages) .ci/setup.d/*.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: run as root (it installs Debian packages): sudo $0" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
mapfile -t packages < <(sed 's/#.*//' .ci/packages.d/*.txt | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "== installing: ${missing[*]}"
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for step in .ci/setup.d/*.sh; do
	[ -e "$step" ] || continue
	echo "== $step"
	bash "$step"
done

[ -d build ] || meson setup build >/dev/null
ninja -C build
