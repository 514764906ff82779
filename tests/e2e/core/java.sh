#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: Java methods named from the map `jcmd PID Compiler.perfmap` writes while the JVM runs,
# walked by fp and by dwarf (HotSpot's compiled code has no CFI: dwarf steps by frame pointer).
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
plan 5

command -v javac >/dev/null && command -v jcmd >/dev/null ||
	{ not_ok "javac/jcmd missing (Debian: openjdk-17-jdk-headless)"; finish; }
javac -d "$TMP" "$PB_SOURCE_ROOT/tests/e2e/core/Hive.java" || { not_ok "javac"; finish; }

# PreserveFramePointer keeps rbp chains through compiled code; dontinline keeps forage and
# hiveNectar separate frames. StartAttachListener: jcmd's lazy attach (SIGQUIT, then a socket)
# was seen not to answer within its 10 s here, while a listener started at boot answers at once.
java -XX:+UnlockDiagnosticVMOptions -XX:+PreserveFramePointer -XX:+StartAttachListener \
	-XX:CompileCommand=quiet '-XX:CompileCommand=dontinline,Hive::*' -cp "$TMP" Hive 30 "$TMP/hive" \
	>/dev/null &
jvm=$!
for _ in $(seq 100); do [ -e "$TMP/hive.ready" ] && break; sleep 0.1; done
# Compiler.perfmap writes /tmp/perf-PID.map with every method compiled so far (C2 by now).
jcmd $jvm Compiler.perfmap >"$TMP/jcmd.out" 2>&1
grep -q 'Hive.hiveNectar' /tmp/perf-$jvm.map &&
	ok "jcmd Compiler.perfmap wrote /tmp/perf-$jvm.map" ||
	not_ok "jcmd Compiler.perfmap" "$(cat "$TMP/jcmd.out")"

# "double Hive.forage(int)" -> "Hive.forage": the signature is HotSpot's, the test's is the name.
java_chain() { sed -E 's#[a-z]+ (Hive\.[A-Za-z]+)\([^)]*\)#\1#g' "$1" >"$1.names"; }

"$PB" -p $jvm -F $HZ -d 3 >"$TMP/fp.folded" 2>"$TMP/fp.err"
java_chain "$TMP/fp.folded"
expect_chain "fp: Hive.forage calls Hive.hiveNectar, both named" "$TMP/fp.folded.names" \
	"Hive.forage;Hive.hiveNectar" 90 100
n=$(samples_matching "$TMP/fp.folded.names" '(^|;)Hive\.hiveNectar(;|$)')
all=$(total_samples "$TMP/fp.folded.names")
[ "$all" -gt 0 ] && [ $((100 * n / all)) -ge 50 ] &&
	ok "fp: Hive.hiveNectar in $n of $all samples" ||
	not_ok "fp: Hive.hiveNectar share" "$n of $all samples" "$(sort -t' ' -k2 -nr "$TMP/fp.folded" | head -3)"

"$PB" --dwarf -p $jvm -F $HZ -d 6 --flush-interval 3 -o "$TMP/dw-{window}.folded" 2>"$TMP/dw.err"
last=$(ls "$TMP"/dw-*.folded | sort -V | tail -1)
java_chain "$last"
expect_chain "dwarf: Hive.forage calls Hive.hiveNectar, both named" "$last.names" \
	"Hive.forage;Hive.hiveNectar" 90 100
check "dwarf: the fp fallback is counted" grep -q "dwarf: stacks walked by fp through code without CFI" \
	"$TMP/dw.err"
kill $jvm 2>/dev/null
wait $jvm 2>/dev/null
rm -f /tmp/perf-$jvm.map
finish
