#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fetches the kernels of the matrix from Debian's archive (once; kept in a cache) and prints one
# line per kernel: its release and the path of its vmlinuz. The newest package of each series is
# taken, as a user updating their machine would have it.
#   fetch.sh [CACHE_DIR]    (default /var/cache/profile-bee/kernels)
set -euo pipefail
cache=${1:-/var/cache/profile-bee/kernels}
# Debian 12's own kernel (6.1) and its backported 6.12: both carry BTF.
series=('^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$'
	'^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64-unsigned$')

mkdir -p "$cache"
newest() {
	apt-cache search --names-only "$1" | awk '{ print $1 }' | sort -V | tail -n 1
}
for re in "${series[@]}"; do
	pkg=$(newest "$re")
	if [ -z "$pkg" ]; then
		apt-get update -qq >/dev/null
		pkg=$(newest "$re")
	fi
	if [ -z "$pkg" ]; then
		echo "fetch.sh: no package matches $re in the archive" >&2
		exit 1
	fi
	dir="$cache/$pkg"
	if ! ls "$dir"/boot/vmlinuz-* >/dev/null 2>&1; then
		tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
		(cd "$tmp" && apt-get download -qq "$pkg" 2>/dev/null)
		rm -rf "$dir.part"
		dpkg-deb -x "$tmp"/*.deb "$dir.part"
		rm -rf "$tmp" "$dir.part/lib/modules" # the guest needs no modules
		mv "$dir.part" "$dir"
	fi
	vmlinuz=$(ls "$dir"/boot/vmlinuz-*)
	echo "${vmlinuz##*/vmlinuz-} $vmlinuz"
done
