#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The kernel matrix: boots each kernel users run (Debian 12's 6.1, its 6.12) under qemu with
# this build in an initramfs; the guest's results (guest.sh) become this test's TAP, each test
# named with its kernel. TCG only: nested KVM does not run here, and TCG is slower, not different.
set -uo pipefail
: "${PB_BUILD_ROOT:?}" "${PB_SOURCE_ROOT:?}"
here=$PB_SOURCE_ROOT/tests/kernels
TMP=$(mktemp -d /tmp/pb-kernels.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
n=0
failed=0

emit() { # STATUS DESC [DETAIL...]
	local status=$1 desc=$2
	shift 2
	n=$((n + 1))
	[ "$status" = ok ] || failed=$((failed + 1))
	echo "$status $n - $desc"
	for line in "$@"; do printf '%s\n' "$line" | sed 's/^/# /'; done
}

missing=""
for tool in qemu-system-x86_64 busybox apt-get dpkg-deb; do
	command -v "$tool" >/dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	if [ "${PB_TEST_NO_SKIP:-0}" = 1 ]; then
		emit "not ok" "the kernel matrix needs:$missing (PB_TEST_NO_SKIP=1 forbids skipping)"
		echo "1..$n"
		exit 1
	fi
	echo "1..0 # SKIP needs:$missing (.ci/packages.d/kernels.txt)"
	exit 0
fi

if ! kernels=$("$here/fetch.sh" 2>"$TMP/fetch.err"); then
	emit "not ok" "fetch the matrix's kernels from the archive" "$(cat "$TMP/fetch.err")"
	echo "1..$n"
	exit 1
fi
if ! "$here/initramfs.sh" "$PB_BUILD_ROOT" "$PB_SOURCE_ROOT" "$TMP/initrd.gz" 2>"$TMP/initrd.err"; then
	emit "not ok" "build the guest's initramfs" "$(cat "$TMP/initrd.err")"
	echo "1..$n"
	exit 1
fi

# One guest per kernel; its results come on the second serial port, its console on the first.
boot() { # RELEASE VMLINUZ
	local release=$1 vmlinuz=$2 res=$TMP/$1.tap console=$TMP/$1.console
	local planned=0 seen=0 status line desc start=$SECONDS

	: >"$res"
	timeout 900 qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp 2 -m 2048 \
		-nic none -display none -no-reboot -kernel "$vmlinuz" -initrd "$TMP/initrd.gz" \
		-append "console=ttyS0 loglevel=4 panic=-1" -serial "file:$console" \
		-chardev "file,id=results,path=$res" -device isa-serial,chardev=results \
		>"$TMP/$release.qemu" 2>&1
	status=$?
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		1..*) planned=${line#1..} ;;
		"ok "* | "not ok "*)
			seen=$((seen + 1))
			desc=${line#*- }
			case $line in
			ok*) emit ok "$release: $desc" ;;
			*) emit "not ok" "$release: $desc" ;;
			esac
			;;
		"guest-status "*) ;;
		"#"*) printf '%s\n' "$line" ;;
		*) printf '# %s\n' "$line" ;;
		esac
	done <"$res"
	if [ "$status" != 0 ] || [ "$seen" = 0 ] || [ "$seen" != "$planned" ] ||
		! grep -q '^guest-status' "$res"; then
		emit "not ok" "$release: the guest booted and ran all $planned tests" \
			"qemu exit $status after $((SECONDS - start)) s, $seen results" \
			"console:" "$(tail -n 20 "$console" 2>/dev/null)"
	else
		emit ok "$release: the guest booted and ran all $planned tests ($((SECONDS - start)) s)"
	fi
}

# PB_KERNELS=REGEX boots only the releases it matches (one kernel for a quick check).
while read -r release vmlinuz; do
	[[ $release =~ ${PB_KERNELS:-.} ]] && boot "$release" "$vmlinuz"
done <<<"$kernels"
echo "1..$n"
exit $((failed > 0))
