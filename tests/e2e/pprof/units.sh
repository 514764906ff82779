#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: what a profile counts travels with it. An --off-cpu and a --wall run of the offcpu fixture,
# each written as folded, pprof and OTLP at once: go tool pprof sees off-cpu (or wall)
# nanoseconds, no samples/count, and totals that are the folded microseconds x 1000; protoc
# decodes the same sample type from the OTLP file; --input of the pprof file gives the folded
# bytes back and keeps the kind (pprof again, Lua's p:meta(), Pyroscope's series and rate);
# folded --input takes its kind from --off-cpu; contradicting a pprof file's kind is refused.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
if ! command -v go >/dev/null || ! command -v protoc >/dev/null || ! command -v python3 >/dev/null; then
	[ "${PB_TEST_NO_SKIP:-0}" = 1 ] && { echo "1..1"; echo "not ok 1 - needs go (golang-go), protoc, python3"; exit 1; }
	echo "1..0 # SKIP needs go (golang-go), protoc and python3"
	exit 0
fi
export GOCACHE=$TMP/go-cache HOME=${HOME:-$TMP}
gp() { go tool pprof -symbolize=none "$@" 2>"$TMP/go.err"; }
PROTO=$PB_SOURCE_ROOT/../shared/otlp-proto
[ -d "$PROTO/opentelemetry" ] || PROTO=$PB_SOURCE_ROOT/plugins/outputs/otlp/proto
F=$PB_FIXTURES/c/offcpu-fp
plan 18

# otlp_decode FILE: the request as protoc prints it, then "TYPE/UNIT" of its sample and period
# types resolved through the string table, and the sum of its values.
otlp_decode() {
	protoc -I "$PROTO" \
		--decode=opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest \
		opentelemetry/proto/collector/profiles/v1development/profiles_service.proto <"$1" >"$1.dec" &&
		awk '/^ *string_table: / { sub(/^ *string_table: "/, ""); sub(/"$/, ""); s[n++] = $0 }
		/^ *(sample|period)_type \{/ { t = $1 } t && /type_strindex/ { ty[t] = $2 }
		t && /unit_strindex/ { un[t] = $2; t = "" } /^ *values: / { v += $2 }
		/^ *period: / { p = $2 }
		END { pt = ("period_type" in ty) ? s[ty["period_type"]] "/" s[un["period_type"]] : "none"
			printf "%s/%s %s %s %.0f\n", s[ty["sample_type"]], s[un["sample_type"]], pt,
				p ? p : "none", v }' "$1.dec"
}
# ns_total FILE [ARGS]: the total go tool pprof -top shows, in nanoseconds.
ns_total() { gp -top -unit=ns "${@:2}" "$1" | sed -n 's/.* of \([0-9]*\)ns total.*/\1/p'; }

"$PB" --off-cpu -o "$TMP/off.folded" -o "$TMP/off.pb.gz" -o "$TMP/off.otlp" -- "$F" 2>"$TMP/off.err"
us=$(total_samples "$TMP/off.folded")
check "--off-cpu writes folded, pprof and OTLP in one run ($us us)" test -s "$TMP/off.otlp" -a "$us" -gt 1000000

gp -raw "$TMP/off.pb.gz" >"$TMP/off.raw"
types=$(awk '/^Samples:/ { getline; print; exit }' "$TMP/off.raw")
[ "$types" = "off-cpu/nanoseconds[dflt]" ] && grep -qx "PeriodType: off-cpu nanoseconds" "$TMP/off.raw" &&
	grep -qx "Period: 1000" "$TMP/off.raw" &&
	ok "pprof: one sample type off-cpu/nanoseconds (default), period 1000 ns; no samples/count" ||
	not_ok "off-CPU sample types" "$types" "$(head -14 "$TMP/off.raw")"

got=$(ns_total "$TMP/off.pb.gz" -sample_index=off-cpu)
[ "$got" = "${us}000" ] && ok "go tool pprof -top: ${got} ns = the folded ${us} us x 1000" ||
	not_ok "off-CPU total" "pprof '$got' ns, folded $us us" "$(head -8 "$TMP/go.err")"

# The nap thread alone, as a user would focus on it.
nap=$(samples_matching "$TMP/off.folded" 'pb_napper')
got=$(gp -top -unit=ns -nodefraction=0 -nodecount=1000000 -focus=pb_napper "$TMP/off.pb.gz" | sed -n 's/^Showing nodes accounting for \([0-9]*\)ns.*/\1/p')
[ "$nap" -gt 1000000 ] && [ "$got" = "${nap}000" ] &&
	ok "-focus=pb_napper: ${got} ns, the folded pb_napper stacks x 1000" ||
	not_ok "focus pb_napper" "pprof '$got', folded $nap us"

dec=$(otlp_decode "$TMP/off.otlp")
[ "$dec" = "off-cpu/nanoseconds none none ${us}000" ] &&
	ok "OTLP (protoc, published schema): sample type off-cpu/nanoseconds, no period, values ${us}000" ||
	not_ok "OTLP off-CPU" "$dec"

"$PB" --input "$TMP/off.pb.gz" -o "$TMP/back.folded" -o "$TMP/back.pb.gz" 2>"$TMP/back.err"
cmp -s "$TMP/back.folded" "$TMP/off.folded" &&
	[ "$(gp -raw "$TMP/back.pb.gz" | awk '/^Samples:/ { getline; print; exit }')" = "off-cpu/nanoseconds[dflt]" ] &&
	ok "--input of the pprof file: the folded bytes again, and pprof off-cpu again" ||
	not_ok "round trip" "$(diff "$TMP/back.folded" "$TMP/off.folded" | head -5; cat "$TMP/back.err")"

"$PB" --input "$TMP/off.pb.gz" --wall -o "$TMP/no.folded" 2>"$TMP/no.err"
st=$?
[ $st = 2 ] && grep -q "holds an off-cpu profile, not wall" "$TMP/no.err" &&
	ok "--wall on an off-CPU pprof file: exit 2, says both" || not_ok "contradiction" "status $st: $(cat "$TMP/no.err")"

"$PB" --input "$TMP/off.folded" --off-cpu -o "$TMP/fold.pb.gz" &&
	"$PB" --input "$TMP/off.folded" -o "$TMP/plain.pb.gz"
a=$(gp -raw "$TMP/fold.pb.gz" | awk '/^Samples:/ { getline; print; exit }')
b=$(gp -raw "$TMP/plain.pb.gz" | awk '/^Samples:/ { getline; print; exit }')
[ "$a" = "off-cpu/nanoseconds[dflt]" ] && [ "$b" = "samples/count[dflt]" ] &&
	ok "folded --input: --off-cpu makes it off-cpu/nanoseconds; without, samples/count" ||
	not_ok "folded input kind" "with --off-cpu '$a', without '$b'"

printf 'local m = pb.profile{}:meta(); print(m.event, m.unit, tostring(pb.profile{}):match("%%d+ %%a+%%)$"))\n' >"$TMP/meta.lua"
got=$(cd "$TMP" && "$PB" --config /dev/null --input "$TMP/off.pb.gz" -c meta.lua 2>&1)
[ "$got" = "off-cpu	microseconds	$us microseconds)" ] && ok "Lua p:meta(): event off-cpu, unit microseconds" ||
	not_ok "Lua meta" "$got"

# A flame graph of the saved off-CPU profile counts microseconds without being told.
"$PB" --input "$TMP/off.pb.gz" -o "$TMP/off.svg" 2>/dev/null
grep -q '<title>all ([0-9,]* us, 100.00%)</title>' "$TMP/off.svg" &&
	ok "--input off.pb.gz -o x.svg: the flame graph counts us" ||
	not_ok "svg unit" "$(grep -o '<title>all[^<]*' "$TMP/off.svg")"

# A Lua filter that returns every stack as a table (same frames) keeps their binaries and
# addresses: the pprof it writes has the fixture's mapping and the same location addresses.
cat >"$TMP/filter.lua" <<'LUA'
local p = pb.profile{}
local q = p:filter(function(s)
	return { comm = s.comm, pid = s.pid, count = s.count, frames = s.frames, labels = s.labels }
end)
assert(q:write("filtered.pb.gz"))
LUA
(cd "$TMP" && "$PB" --config /dev/null --input "$TMP/off.pb.gz" -c filter.lua) 2>"$TMP/filter.err"
addrs() { gp -raw "$1" | awk '/^Locations/ { f = 1; next } /^Mappings/ { f = 0 } f && /^ *[0-9]+: 0x/ && $2 != "0x0" { print $2, $4 }' | sort; }
addrs "$TMP/off.pb.gz" >"$TMP/a.addr"
addrs "$TMP/filtered.pb.gz" >"$TMP/f.addr"
[ -s "$TMP/a.addr" ] && cmp -s "$TMP/a.addr" "$TMP/f.addr" &&
	gp -raw "$TMP/filtered.pb.gz" | grep -q 'offcpu-fp' &&
	ok "p:filter returning tables keeps frame sites: $(wc -l <"$TMP/a.addr") located frames, offcpu-fp mapped" ||
	not_ok "filter sites" "$(diff "$TMP/a.addr" "$TMP/f.addr" | head -5; cat "$TMP/filter.err")"

# Pyroscope's /ingest: its own series (app.off_cpu) and microseconds as samples at 1 MHz.
cat >"$TMP/rx.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers['Content-Length']))
        open(sys.argv[1], 'w').write(self.path + '\n')
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
s.timeout = 20
print(s.server_address[1], flush=True)
s.handle_request()
PY
python3 "$TMP/rx.py" "$TMP/path" >"$TMP/port" &
rx=$!
for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
"$PB" --input "$TMP/off.folded" --off-cpu --set output.push.app-name=nap --set output.push.host-labels=false \
	-o "http://127.0.0.1:$(cat "$TMP/port")/ingest" 2>"$TMP/push.err"
wait $rx
grep -q '[?&]name=nap\.off_cpu%7B' "$TMP/path" && grep -q '&sampleRate=1000000&' "$TMP/path" &&
	grep -q '&units=samples&aggregationType=sum' "$TMP/path" &&
	ok "Pyroscope push: series nap.off_cpu{...}, sampleRate=1000000 (a sample per microsecond)" ||
	not_ok "Pyroscope URL" "$(cat "$TMP/path" "$TMP/push.err" 2>&1)"

# Wall: one time type for on-CPU samples (1e6/F us each) and off-CPU time.
"$PB" --wall -F $HZ -o "$TMP/wall.folded" -o "$TMP/wall.pb.gz" -o "$TMP/wall.otlp" -- "$F" 2>"$TMP/wall.err"
wus=$(total_samples "$TMP/wall.folded")
gp -raw "$TMP/wall.pb.gz" >"$TMP/wall.raw"
period=$((1000000000 / HZ))
[ "$(awk '/^Samples:/ { getline; print; exit }' "$TMP/wall.raw")" = "wall/nanoseconds[dflt]" ] &&
	grep -qx "PeriodType: wall nanoseconds" "$TMP/wall.raw" && grep -qx "Period: $period" "$TMP/wall.raw" &&
	ok "--wall pprof: wall/nanoseconds, period $period ns (one on-CPU sample at $HZ Hz)" ||
	not_ok "wall types" "$(head -14 "$TMP/wall.raw")"
got=$(ns_total "$TMP/wall.pb.gz")
on=$(samples_matching "$TMP/wall.folded" '^\[on-cpu\];')
off=$(samples_matching "$TMP/wall.folded" '^\[off-cpu\];')
[ "$got" = "${wus}000" ] && [ "$on" -gt 0 ] && [ "$off" -gt 0 ] &&
	ok "--wall total ${got} ns = folded ${wus} us x 1000 ([on-cpu] $on, [off-cpu] $off us)" ||
	not_ok "wall total" "pprof '$got', folded $wus (on $on, off $off)"
# The state frame is the stack's first, which pprof keeps as the comm label (as it does for
# every first frame: the process name, or --per-cpu's [cpu N]).
got=$(gp -top -unit=ns -nodefraction=0 -nodecount=1000000 -tagfocus='comm=^\[on-cpu\]$' "$TMP/wall.pb.gz" | sed -n 's/^Showing nodes accounting for \([0-9]*\)ns.*/\1/p')
[ "$got" = "${on}000" ] && ok "-tagfocus=comm=[on-cpu]: its ${got} ns match the folded [on-cpu] stacks" ||
	not_ok "on-cpu focus" "pprof '$got', folded $on us"
dec=$(otlp_decode "$TMP/wall.otlp")
[ "$dec" = "wall/nanoseconds wall/nanoseconds $period ${wus}000" ] &&
	ok "OTLP --wall: wall/nanoseconds sample and period types, period $period, values ${wus}000" ||
	not_ok "OTLP wall" "$dec"

# The end-of-run line about unnamed frames (dash is stripped) gives shares of the time, not
# microseconds counted as frames.
"$PB" --off-cpu --unwinder dwarf -o "$TMP/sh.folded" -- sh -c 'sleep 0.2; sleep 0.2' 2>"$TMP/sh.err"
line=$(grep 'unnamed in' "$TMP/sh.err")
echo "$line" | grep -Eq '^profile-bee: [0-9.]+% of frames \(by off-CPU time\) unnamed in [0-9]+ binar(y|ies): [0-9.]+% in stripped binaries \(dash [0-9.]+%' &&
	! echo "$line" | grep -Eq '[0-9]+ of [0-9]+ frames' &&
	ok "unnamed frames of an off-CPU run: shares of off-CPU time ($(echo "$line" | cut -c14-70)...)" ||
	not_ok "unnamed line" "$(cat "$TMP/sh.err")"

# -e: counts of probe hits are events, neither samples nor time: events/count, exact.
"$PB" -e "uprobe:$PB_FIXTURES/c/probes-fp:pb_probe_target" -o "$TMP/ev.pb.gz" \
	-- "$PB_FIXTURES/c/probes-fp" 1000 >/dev/null 2>"$TMP/ev.err"
gp -raw "$TMP/ev.pb.gz" >"$TMP/ev.raw"
got=$(gp -top "$TMP/ev.pb.gz" | sed -n 's/.* of \([0-9]*\) total.*/\1/p')
[ "$(awk '/^Samples:/ { getline; print; exit }' "$TMP/ev.raw")" = "events/count[dflt]" ] &&
	grep -qx "PeriodType: events count" "$TMP/ev.raw" && [ "$got" = 1000 ] &&
	ok "-e uprobe: pprof events/count, 1000 hits of 1000 calls" ||
	not_ok "probe events" "total '$got'" "$(head -14 "$TMP/ev.raw"; cat "$TMP/ev.err")"
