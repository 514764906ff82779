#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: dwarf unwind-table rows come back when the processes that mapped a binary are gone:
# three copies of a fixture (three distinct binaries) run one after the other under a shell
# that then waits without starting any other program; each copy's table is evicted (after
# keep-unused, 1 s here), its rows freed, and the rows in use at the end are exactly those of
# the tables still mapped.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
C=$PB_FIXTURES/c
plan 5

for i in 1 2 3; do cp "$C/chain-nofp" "$TMP/copy$i"; done
mkfifo "$TMP/fifo"
# read -t on a fifo opened read-write: a wait with no program started (sleep would be a table).
"$PB" --dwarf --set unwinder.dwarf.keep-unused=1 -v -v -F 99 -o "$TMP/rows.folded" -- bash -c \
	"for i in 1 2 3; do '$TMP/copy'\$i 0.5; done; read -t 4 <>'$TMP/fifo'; exit 0" 2>"$TMP/rows.err"
st=$?
[ $st = 0 ] && ok "profile-bee exits 0" || not_ok "profile-bee exits 0" "exit $st" "$(tail -5 "$TMP/rows.err")"

# "PATH: N rows (...) ...; rows in use U" per build; "PATH: table evicted (N rows)" per eviction.
built_rows() { sed -nE "s#^profile-bee: dwarf: ($1): ([0-9]+) rows \(.*#\2#p" "$TMP/rows.err" | awk '{ s += $1 } END { print s + 0 }'; }
evicted_rows() { sed -nE "s#^profile-bee: dwarf: ($1): table evicted \(([0-9]+) rows\).*#\2#p" "$TMP/rows.err" | awk '{ s += $1 } END { print s + 0 }'; }
copies="$TMP/copy[123]"
copy_rows=$(built_rows "$copies")
n_evicted=$(grep -cE "^profile-bee: dwarf: $copies: table evicted" "$TMP/rows.err")
[ "$n_evicted" = 3 ] && [ "$copy_rows" -gt 0 ] && [ "$(evicted_rows "$copies")" = "$copy_rows" ] &&
	ok "each copy's table evicted after its process exited ($copy_rows rows in all)" ||
	not_ok "copies evicted" "$n_evicted evictions, built $copy_rows rows, evicted $(evicted_rows "$copies")" \
		"$(grep -E 'dwarf: ' "$TMP/rows.err" | head -30)"

# The closing summary: "tables: B built, E evicted (R rows freed), F unused binaries forgotten
# unbuilt, H held; rows in use U (peak P) of M"
summary=$(grep -E "^profile-bee: dwarf: tables: " "$TMP/rows.err")
read -r built evicted freed held inuse peak < <(sed -nE 's/.*tables: ([0-9]+) built, ([0-9]+) evicted \(([0-9]+) rows freed\), [0-9]+ unused binaries forgotten unbuilt, ([0-9]+) held; rows in use ([0-9]+) \(peak ([0-9]+)\).*/\1 \2 \3 \4 \5 \6/p' <<<"$summary")
others=$(( $(built_rows '[^:]+') - copy_rows ))
others_evicted=$(( $(evicted_rows '[^:]+') - copy_rows ))
[ -n "$inuse" ] && [ "$inuse" = $((others - others_evicted)) ] &&
	ok "rows in use back to the tables still mapped: $inuse (peak $peak)" ||
	not_ok "rows in use at the end" "summary: $summary" "other tables built: $others rows, evicted: $others_evicted"
[ -n "$peak" ] && [ "$peak" -ge $((inuse + $(built_rows "$TMP/copy1"))) ] &&
	ok "the peak counted a copy's rows on top ($peak >= $inuse + copy1)" ||
	not_ok "peak rows" "$summary"
[ -n "$evicted" ] && [ "$evicted" -ge 3 ] && [ "$freed" -ge "$copy_rows" ] &&
	ok "counters: $built built, $evicted evicted, $freed rows freed, $held held" ||
	not_ok "eviction counters" "$summary"
finish
