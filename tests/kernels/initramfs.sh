#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the guest's initramfs: busybox, the build's binary, library, plugins and fixtures at
# the same absolute paths as here (so the build finds its plugins as it does in the tree), every
# shared library they need, the guest test and an /init that runs it and powers off.
#   initramfs.sh BUILD_ROOT SOURCE_ROOT OUT.cpio.gz
set -euo pipefail
build=$(realpath "$1")
src=$(realpath "$2")
out=$3
root=$(mktemp -d /tmp/pb-initramfs.XXXXXX)
trap 'rm -rf "$root"' EXIT

add() { # copies files to the same path under the image, following links
	for f in "$@"; do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
}

mapfile -t elves < <(
	echo "$build/core/cli/profile-bee"
	find "$build/plugins" -name '*.so' -type f
	find "$build/core" -maxdepth 1 -name 'libprofilebee.so*' -type f
	find "$build/tests/fixtures/c" -maxdepth 1 -type f -perm -u+x)
add "${elves[@]}"
# Shared libraries as the dynamic loader resolves them here, and the loader itself.
mapfile -t libs < <(for e in "${elves[@]}"; do ldd "$e" 2>/dev/null; done |
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
add "${libs[@]}"
# Symlinks with library names (libprofilebee.so.0 -> ...) the binaries look up.
for f in "$build"/core/libprofilebee.so*; do
	[ -L "$f" ] && ln -sf "$(readlink "$f")" "$root$f"
done
add "$src/tests/e2e/lib.sh" "$src/tests/kernels/guest.sh"

mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,etc}
cp /bin/busybox "$root/bin/busybox"
cat >"$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# /tmp stays the initramfs's own (writable) directory: a tmpfs there would hide a build that
# lives under /tmp, as a CI clone may.
# Results go to the second serial port alone; the console (first port) keeps the kernel's log.
PB="$build/core/cli/profile-bee" PB_BUILD_ROOT="$build" PB_SOURCE_ROOT="$src" \\
	PB_FIXTURES="$build/tests/fixtures" PB_TEST_NO_SKIP=1 HOME=/tmp \\
	sh "$src/tests/kernels/guest.sh" >/dev/ttyS1 2>&1
echo "guest-status \$?" >/dev/ttyS1
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$out"
