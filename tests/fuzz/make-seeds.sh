#!/usr/bin/env bash
# Regenerates the binary seeds of tests/fuzz/corpus (small ELF files) from seeds-src/tiny.c.
# The text seeds are written by hand; this is only needed when the ELF seeds should change.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cflags=(-Os -nostdlib -static -fno-stack-protector -Wl,--build-id -Wl,-z,noseparate-code
	-Wl,-z,max-page-size=16)
mkdir -p corpus/elf corpus/cfi
# .symtab, .eh_frame, a build-id.
gcc "${cflags[@]}" seeds-src/tiny.c -o "$tmp/tiny"
# A shared object: .dynsym only once stripped.
gcc -Os -nostdlib -shared -fPIC -Wl,--build-id -Wl,-z,noseparate-code -Wl,-z,max-page-size=16 \
	seeds-src/tiny.c -o "$tmp/tiny.so"
strip --strip-all "$tmp/tiny.so" -o "$tmp/tiny-stripped.so"
# .debug_frame instead of .eh_frame, as some distributions' binaries have.
gcc "${cflags[@]}" -g -fno-asynchronous-unwind-tables -fno-unwind-tables seeds-src/tiny.c \
	-o "$tmp/tiny-dbg"
objcopy --only-keep-section=.debug_frame --strip-unneeded "$tmp/tiny-dbg" "$tmp/tiny-dbgframe" \
	2>/dev/null || objcopy --remove-section=.debug_info --remove-section=.debug_abbrev \
	--remove-section=.debug_line --remove-section=.debug_str --remove-section=.debug_aranges \
	"$tmp/tiny-dbg" "$tmp/tiny-dbgframe"
cp "$tmp/tiny" corpus/elf/static
cp "$tmp/tiny.so" corpus/elf/shared
cp "$tmp/tiny-stripped.so" corpus/elf/shared-stripped
# MiniDebugInfo (.gnu_debugdata), as Fedora ships it.
../unit/symbolize/make-minidebuginfo.sh "$tmp/tiny.so" corpus/elf/shared-minidebuginfo
cp "$tmp/tiny" corpus/cfi/eh-frame
# DWARF for --inline/--lines: an object and a debug file (what debuginfod sends).
mkdir -p corpus/srcinfo
gcc -O2 -g -c seeds-src/tiny.c -o corpus/srcinfo/tiny-o2-g.o
gcc -O2 -g -nostdlib -static -Wl,--build-id seeds-src/tiny.c -o "$tmp/tiny-g"
objcopy --only-keep-debug "$tmp/tiny-g" corpus/srcinfo/tiny-debug
cp "$tmp/tiny.so" corpus/cfi/eh-frame-shared
cp "$tmp/tiny-dbgframe" corpus/cfi/debug-frame
chmod -x corpus/elf/* corpus/cfi/*
ls -l corpus/elf corpus/cfi
