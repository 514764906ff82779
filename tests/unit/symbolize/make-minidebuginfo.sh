#!/bin/sh
# SPDX-License-Identifier: MIT
# make-minidebuginfo.sh IN OUT: a stripped copy of IN carrying .gnu_debugdata, made the way
# Fedora's find-debuginfo does: the function symbols .dynsym lacks, in an xz'd ELF.
set -eu
in=$1 out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm -D "$in" --format=posix --defined-only | awk '{ print $1 }' | sort >"$tmp/dynsyms"
nm "$in" --format=posix --defined-only | awk '$2 == "T" || $2 == "t" { print $1 }' |
	sort >"$tmp/funcsyms"
comm -13 "$tmp/dynsyms" "$tmp/funcsyms" >"$tmp/keep"
objcopy --only-keep-debug "$in" "$tmp/debug"
objcopy -S --remove-section .gdb_index --remove-section .comment \
	--keep-symbols="$tmp/keep" "$tmp/debug" "$tmp/mini"
xz -f "$tmp/mini"
objcopy --strip-all --add-section .gnu_debugdata="$tmp/mini.xz" "$in" "$out"
