#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# examples/exporter built out of tree against the installed headers, loaded by the CLI with
# --plugin-path and PROFILE_BEE_PLUGIN_PATH: saved profiles offline, live windows as root.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
plan 8

install_tree
mkdir -p "$TMP/exporters"
if cc -shared -fPIC -O2 -Wall -Wextra -Wno-unused-parameter -Werror \
	"$PB_SOURCE_ROOT/examples/exporter/jsonl.c" $(pkg-config --cflags profile-bee) \
	-o "$TMP/exporters/output-jsonl.so" 2>"$TMP/cc.log"; then
	ok "the exporter builds with cc -shared \$(pkg-config --cflags profile-bee), no warnings"
else
	not_ok "the exporter builds out of tree" "$(cat "$TMP/cc.log")"
	finish
fi

if "$PB" --list-plugins --plugin-path "$TMP/exporters" 2>&1 | grep -q "jsonl"; then
	ok "--list-plugins --plugin-path shows it"
else
	not_ok "--list-plugins --plugin-path shows it" "$("$PB" --list-plugins --plugin-path "$TMP/exporters" 2>&1 | head)"
fi

printf 'app;main;handle;parse 30\napp;main;handle;"quoted\\\\" 12\nworker;run 5\n' >"$TMP/in.folded"
"$PB" --input "$TMP/in.folded" --plugin-path "$TMP/exporters" -o "$TMP/offline.jsonl" 2>"$TMP/err"
if python3 - "$TMP/offline.jsonl" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
w = json.loads(lines[0])
assert w["samples"] == 47 and w["last"] is True, w
stacks = {tuple(s["frames"]): s["count"] for s in w["stacks"]}
assert stacks[("app", "main", "handle", "parse")] == 30, stacks
assert stacks[("app", "main", "handle", '"quoted\\\\"')] == 12, stacks
assert w["stacks"][0]["count"] == 30, "heaviest first"
assert "hostname" in w["host"], w["host"]
PY
then
	ok "--input: one valid JSON line with every stack, escaped, heaviest first"
else
	not_ok "--input: one valid JSON line" "$(cat "$TMP/offline.jsonl" "$TMP/err")"
fi

PROFILE_BEE_PLUGIN_PATH=$TMP/exporters "$PB" --input "$TMP/in.folded" -o "$TMP/env.jsonl" 2>"$TMP/err"
check "PROFILE_BEE_PLUGIN_PATH finds it as well" test -s "$TMP/env.jsonl"

# Live windows need root and BPF.
if [ "$(id -u)" != 0 ] || [ ! -e /sys/kernel/btf/vmlinux ]; then
	for t in "live windows" "window times" "window stacks" "window host"; do
		if [ "${PB_TEST_NO_SKIP:-0}" = 1 ]; then not_ok "$t: needs root and BTF"
		else tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $t: needs root and BTF"; fi
	done
	finish
fi
"$PB" -F "$HZ" --flush-interval 0.4 --plugin-path "$TMP/exporters" -o "$TMP/live.jsonl" \
	-- "$PB_FIXTURES/c/chain-fp" 2 2>"$TMP/err"
python3 - "$TMP/live.jsonl" >"$TMP/check" 2>&1 <<'PY'
import json, sys
ws = [json.loads(l) for l in open(sys.argv[1])]
print("windows", len(ws))
print("ordered", all(a["end_ns"] <= b["start_ns"] + 1000000 for a, b in zip(ws, ws[1:])))
print("last", [w["last"] for w in ws].count(True) == 1 and ws[-1]["last"])
chain = ["chain-fp", "__libc_start_call_main", "main", "pb_alpha", "pb_beta", "pb_gamma"]
hit = sum(s["count"] for w in ws for s in w["stacks"] if s["frames"][:6] == chain)
total = sum(w["samples"] for w in ws)
print("chain", 100 * hit // max(total, 1), total)
print("host", all(w["host"].get("hostname") for w in ws))
PY
windows=$(awk '/^windows/{print $2}' "$TMP/check")
if [ "${windows:-0}" -ge 4 ]; then
	ok "live: the CLI handed the exporter $windows windows of 0.4 s over 2 s"
else
	not_ok "live: windows" "$(cat "$TMP/check" "$TMP/err")"
fi
if grep -qx "ordered True" "$TMP/check" && grep -qx "last True" "$TMP/check"; then
	ok "live: windows in time order, only the last marked last"
else
	not_ok "live: windows in time order, only the last marked last" "$(cat "$TMP/check")"
fi
read -r _ share total < <(grep '^chain' "$TMP/check")
if [ "${share:-0}" -ge 90 ] && [ "${total:-0}" -ge 100 ]; then
	ok "live: windows hold the fixture's chain ($share% of $total samples)"
else
	not_ok "live: windows hold the fixture's chain" "$(cat "$TMP/check")"
fi
check "live: every window carries the host metadata" grep -qx "host True" "$TMP/check"
finish
