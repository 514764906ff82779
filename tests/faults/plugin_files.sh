#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Plugin files a run must not dlopen: a truncated .so (SIGBUS inside dlopen once), a plugin reached
# through a link or a directory that another user can swap. Real files, modes and links, as root.
set -uo pipefail
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
plan 9

pb() { timeout -k 5 30 "$PB" "$@"; }
printf 'main;work;leaf 5\nmain;idle 2\n' >"$TMP/in.folded"
chmod 755 "$TMP"
export PB_FAULT_CTOR_MARK=$TMP/ctor-ran

# 1-3: a truncated plugin next to good ones.
cut=$TMP/cut
mkdir -m 755 "$cut"
head -c 9000 "$PB_FAULT_PLUGINS/output-failopen.so" >"$cut/output-cutshort.so"
chmod 644 "$cut/output-cutshort.so"
pb --plugin-path "$cut" --input "$TMP/in.folded" -o "$TMP/a.folded" 2>"$TMP/a.err"
st=$?
if [ "$st" = 0 ] && cmp -s <(LC_ALL=C sort "$TMP/in.folded") <(LC_ALL=C sort "$TMP/a.folded") && ! grep -q cutshort "$TMP/a.err"; then
	ok "a truncated .so the run does not need is not opened (status 0)"
else
	not_ok "a truncated .so the run does not need is not opened" "status $st" "$(cat "$TMP/a.err")"
fi
pb --plugin-path "$cut" --input "$TMP/in.folded" -o "$TMP/a.cutshort" 2>"$TMP/b.err"
st=$?
if [ "$st" = 2 ] && grep -q "skipping '$cut/output-cutshort.so': not a complete ELF shared object.*truncated" "$TMP/b.err"; then
	ok "a run that needs it names the file and why (status 2, no output claims it)"
else
	not_ok "a run that needs the truncated .so names it" "status $st" "$(cat "$TMP/b.err")"
fi
pb --plugin-path "$cut" --list-plugins >"$TMP/list.out" 2>"$TMP/list.err"
st=$?
if [ "$st" = 0 ] && grep -q "output-cutshort.so" "$TMP/list.err" && grep -q "^output *folded" "$TMP/list.out"; then
	ok "--list-plugins reports the truncated file and lists the others"
else
	not_ok "--list-plugins reports the truncated file" "status $st" "$(cat "$TMP/list.err")"
fi

# 4-9: who can replace what is loaded. Each run asks for the plugin (-o x.failopen), which would
# print "the backend is unreachable" and leave the constructor's mark if it were loaded.
refused() { # DESC PLUGIN-PATH UNSAFE-PATH
	rm -f "$PB_FAULT_CTOR_MARK"
	pb --plugin-path "$2" --input "$TMP/in.folded" -o "$TMP/x.failopen" 2>"$TMP/r.err"
	local st=$?
	if [ "$st" = 2 ] && [ ! -e "$PB_FAULT_CTOR_MARK" ] &&
		grep -q "refusing plugin '[^']*output-failopen.so': .*'$3'" "$TMP/r.err"; then
		ok "$1"
	else
		not_ok "$1" "status $st, constructor ran: $([ -e "$PB_FAULT_CTOR_MARK" ] && echo yes || echo no)" \
			"$(cat "$TMP/r.err")"
	fi
}
ww=$TMP/ww
mkdir -m 777 "$ww" && chmod 777 "$ww"
mkdir -m 755 "$ww/safe"
cp "$PB_FAULT_PLUGINS/output-failopen.so" "$ww/safe/"
chmod 644 "$ww/safe/output-failopen.so"
refused "a root-owned 0755 directory inside a world-writable one is refused" "$ww/safe" "$ww"

links=$TMP/links
mkdir -m 755 "$links"
ln -s "$ww/safe/output-failopen.so" "$links/output-failopen.so"
refused "a link to a plugin in such a directory is refused" "$links" "$ww"

good=$TMP/good
mkdir -m 755 "$good"
cp "$PB_FAULT_PLUGINS/output-failopen.so" "$good/"
chmod 644 "$good/output-failopen.so"
ln -s "$good/output-failopen.so" "$ww/output-failopen.so"
refused "a link in a world-writable directory to a safe plugin is refused" "$ww" "$ww"

sticky=$TMP/sticky
mkdir -m 1777 "$sticky" && chmod 1777 "$sticky"
mkdir -m 755 "$sticky/theirs"
cp "$PB_FAULT_PLUGINS/output-failopen.so" "$sticky/theirs/"
chmod 644 "$sticky/theirs/output-failopen.so"
chown nobody "$sticky/theirs"
refused "another user's directory in a sticky one is refused" "$sticky/theirs" "$sticky/theirs"

chmod 664 "$good/output-failopen.so"
refused "a group-writable plugin file is refused" "$good" "$good/output-failopen.so"
chmod 644 "$good/output-failopen.so"

# The same plugin through a safe link is loaded: its open fails on purpose (status 1).
ln -s "$good/output-failopen.so" "$links/output-failopen.so" -f
rm -f "$PB_FAULT_CTOR_MARK"
pb --plugin-path "$links" --input "$TMP/in.folded" -o "$TMP/x.failopen" 2>"$TMP/s.err"
st=$?
if [ "$st" = 1 ] && [ -e "$PB_FAULT_CTOR_MARK" ] && grep -q "unreachable (on purpose)" "$TMP/s.err"; then
	ok "a link from a safe directory to a safe plugin is loaded"
else
	not_ok "a link from a safe directory to a safe plugin is loaded" "status $st" "$(cat "$TMP/s.err")"
fi
finish
