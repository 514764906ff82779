#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# examples/agent and examples/exporter built against the installed library (meson install
# --destdir, then pkg-config), as an application outside this tree would build them.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
plan 12

install_tree
check "the installed tree has profile-bee.pc and profile-bee/agent.h" \
	test -n "$pc" -a -n "$(find "$DEST" -path '*include/profile-bee/agent.h')"
cflags=$(pkg-config --cflags profile-bee)
libs=$(pkg-config --libs profile-bee)
plugindir=$(pkg-config --variable=plugindir profile-bee)
# pkgconf puts the sysroot before variables too; pkg-config does not.
case $plugindir in "$DEST"/*) ;; *) plugindir=$DEST$plugindir ;; esac
libdir=$(dirname "$(find "$DEST" -name 'libprofilebee.so' | head -1)")
export LD_LIBRARY_PATH=$libdir PROFILE_BEE_PLUGIN_PATH=$plugindir

# Frame pointers for the fp unwinder (production builds without them use dwarf, below).
if cc -O2 -g -fno-omit-frame-pointer \
	"$PB_SOURCE_ROOT/examples/agent/agent-demo.c" $cflags $libs -o "$TMP/agent-demo" \
	2>"$TMP/cc.log"; then
	ok "examples/agent builds with cc \$(pkg-config --cflags --libs profile-bee)"
else
	not_ok "examples/agent builds with pkg-config" "$(cat "$TMP/cc.log")"
	finish
fi
if ldd "$TMP/agent-demo" | grep -q "$libdir/libprofilebee.so"; then
	ok "it runs against the installed libprofilebee"
else
	not_ok "it runs against the installed libprofilebee" "$(ldd "$TMP/agent-demo")"
fi

mkdir -p "$TMP/exporters"
if cc -shared -fPIC -O2 "$PB_SOURCE_ROOT/examples/exporter/jsonl.c" $cflags $libs \
	-o "$TMP/exporters/output-jsonl.so" 2>"$TMP/cc2.log"; then
	ok "examples/exporter builds as a plugin with cc -shared \$(pkg-config --cflags profile-bee)"
else
	not_ok "examples/exporter builds" "$(cat "$TMP/cc2.log")"
fi

# A Kubernetes pod as the downward API describes it (read from the environment only).
KUBERNETES_SERVICE_HOST=10.0.0.1 POD_NAME=demo-7f9c POD_NAMESPACE=payments \
PROFILE_BEE_PLUGIN_PATH=$plugindir:$TMP/exporters \
	"$TMP/agent-demo" -t 3 -d 600 -i 800 -o "$TMP/windows.jsonl" >"$TMP/out" 2>"$TMP/err" &
demo=$!
wait $demo
status=$?
windows=$(grep -c '^# window ' "$TMP/out")
if [ "$status" = 0 ] && [ "$windows" -ge 3 ]; then
	ok "the demo profiled itself in $windows windows of 600 ms over 3 s"
else
	not_ok "the demo profiled itself in windows" "status $status, $windows windows" "$(cat "$TMP/err")"
fi
if [ "$(awk '/^# window /{print $5}' "$TMP/out" | sort -u)" = "$demo" ]; then
	ok "every window is the demo's own pid ($demo)"
else
	not_ok "every window is the demo's own pid" "$(grep '^# window ' "$TMP/out")"
fi
grep -v '^#' "$TMP/out" >"$TMP/all.folded"
expect_chain "its reporter got stacks through its own functions" "$TMP/all.folded" \
	"main;demo_handle_request;demo_checksum;demo_mix" 80 50
if grep -q "pod payments/demo-7f9c" "$TMP/out"; then
	ok "the reporter's metadata carries the Kubernetes pod"
else
	not_ok "the reporter's metadata carries the Kubernetes pod" "$(grep '^# window ' "$TMP/out" | head -2)"
fi
stop_ms=$(sed -n 's/.*pb_agent__stop took \([0-9]*\) ms.*/\1/p' "$TMP/err")
if [ -n "$stop_ms" ] && [ "$stop_ms" -lt 1000 ]; then
	ok "pb_agent__stop returned in $stop_ms ms"
else
	not_ok "pb_agent__stop returned within a second" "$(cat "$TMP/err")"
fi
lines=$(wc -l <"$TMP/windows.jsonl" 2>/dev/null || echo 0)
if [ "$lines" = "$windows" ] && grep -q '"demo_handle_request"' "$TMP/windows.jsonl" &&
	grep -q '"k8s_pod_name":"demo-7f9c"' "$TMP/windows.jsonl"; then
	ok "the out-of-tree exporter got every window as a JSON line ($lines)"
else
	not_ok "the out-of-tree exporter got every window" "$lines lines for $windows windows" \
		"$(head -c 300 "$TMP/windows.jsonl" 2>/dev/null)"
fi

# A production build without frame pointers, profiled with the dwarf unwinder.
cc -O2 -g -fomit-frame-pointer "$PB_SOURCE_ROOT/examples/agent/agent-demo.c" $cflags $libs \
	-o "$TMP/agent-demo-nofp"
# The installed CLI runs a script through the installed Lua module (loaded only for -c).
module=$(find "$DEST" -name profile-bee-lua.so | head -1)
exe=$(find "$DEST" -path '*/bin/profile-bee' | head -1)
printf 'pb.log("lua " .. _VERSION)\nreturn 0\n' >"$TMP/hello.lua"
if [ -n "$module" ] && [ -n "$exe" ] &&
	PROFILE_BEE_LUA_MODULE=$module LD_LIBRARY_PATH=$(dirname "$(find "$DEST" -name 'libprofilebee.so*' | head -1)") \
		"$exe" -c "$TMP/hello.lua" 2>"$TMP/lua.err" && grep -q "lua Lua 5.4" "$TMP/lua.err"; then
	ok "the installed CLI runs a script with the installed Lua module ($(basename "$(dirname "$module")")/profile-bee-lua.so)"
else
	not_ok "the installed CLI and its Lua module" "module '$module', exe '$exe'" "$(cat "$TMP/lua.err" 2>/dev/null)"
fi
"$TMP/agent-demo-nofp" -t 3 -d 1200 -i 1500 -u dwarf >"$TMP/dwarf.out" 2>"$TMP/dwarf.err"
grep -v '^#' "$TMP/dwarf.out" >"$TMP/dwarf.folded"
expect_chain "dwarf: a -fomit-frame-pointer build shows its whole chain" "$TMP/dwarf.folded" \
	"main;demo_handle_request;demo_checksum;demo_mix" 80 50
finish
