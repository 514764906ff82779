#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: a real sampled run of chain-fp written as folded and pprof at once; go tool pprof shows
# the chain in order, the folded total, the pid/comm labels and the window; pprof-format agrees.
# Mappings: the fixture's and libc's paths with the build ids readelf reads in the files,
# location addresses inside them that -addresses shows, kept by a round trip through --input;
# the same in OTLP (the run also written as .otlp), decoded by protoc with the published schema,
# and in pprof-format, the second decoder.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
if ! command -v go >/dev/null; then
	[ "${PB_TEST_NO_SKIP:-0}" = 1 ] && { echo "1..1"; echo "not ok 1 - needs go (golang-go) (PB_TEST_NO_SKIP=1 forbids skipping)"; exit 1; }
	echo "1..0 # SKIP needs go (golang-go)"
	exit 0
fi
export GOCACHE=$TMP/go-cache HOME=${HOME:-$TMP}
gp() { go tool pprof -symbolize=none "$@" 2>"$TMP/go.err"; }
plan 13
otlp=()
[ "${PB_HAS_OTLP:-0}" = 1 ] && otlp=(-o "$TMP/run.otlp")

"$PB" -F $HZ -o "$TMP/run.folded" -o "$TMP/run.pb.gz" "${otlp[@]}" -- "$PB_FIXTURES/c/chain-fp" 1.5
check "one run writes .folded and .pb.gz" test -s "$TMP/run.pb.gz"

# The heaviest trace whose leaf is pb_burn: its frames, leaf first.
gp -traces "$TMP/run.pb.gz" >"$TMP/traces"
chain=$(awk '/^-+\+/ { n = 0; f = ""; next }
	/^ +[0-9.]+[a-z]* +[^ ]/ && !/:/ { f = $2; next }
	f != "" && NF == 1 { f = f ";" $1 }
	f ~ /^pb_burn;pb_gamma;pb_beta;pb_alpha;main/ { hit = 1 }
	END { print hit + 0 }' "$TMP/traces")
[ "$chain" = 1 ] && ok "-traces: pb_burn;pb_gamma;pb_beta;pb_alpha;main, leaf first" ||
	not_ok "-traces chain" "$(head -40 "$TMP/traces")"

total=$(total_samples "$TMP/run.folded")
gp -top -sample_index=samples "$TMP/run.pb.gz" >"$TMP/top"
grep -q "of $total total" "$TMP/top" && ok "-top samples total = folded total ($total)" ||
	not_ok "-top total" "folded $total" "$(head -6 "$TMP/top")"

gp -tags "$TMP/run.pb.gz" >"$TMP/tags"
grep -q 'pid: Total' "$TMP/tags" && grep -Eq '\): chain-fp$' "$TMP/tags" &&
	ok "-tags: pid and comm labels of the fixture" || not_ok "-tags" "$(cat "$TMP/tags")"

gp -raw "$TMP/run.pb.gz" >"$TMP/raw"
grep -Eq '^Duration: 1\.[0-9]+' "$TMP/raw" && grep -q "^Comment: $HZ Hz" "$TMP/raw" &&
	grep -q '^Period: 1001001$' "$TMP/raw" &&
	ok "-raw: the run's duration, rate and period (1e9/$HZ ns)" || not_ok "-raw" "$(head -14 "$TMP/raw")"

# -raw: "Locations" lines "ID: 0xADDR M=MAP NAME ...", "Mappings" lines "ID: 0xSTART/0xLIMIT/0xOFF
# PATH BUILDID [FN]". The main binary and libc with the build ids readelf reads in the files.
build_id() { readelf -n "$1" | awk '/Build ID:/ { print $3; exit }'; }
fixture=$(readlink -f "$PB_FIXTURES/c/chain-fp")
mapping_of() { awk -v f="$1" '/^Mappings/ { m = 1; next } m && $3 == f { print; exit }' "$TMP/raw"; }
main_map=$(mapping_of "$fixture")
libc=$(awk '/^Mappings/ { m = 1; next } m && $3 ~ /\/libc\.so/ { print $3; exit }' "$TMP/raw")
libc_map=$(mapping_of "$libc")
want_main=$(build_id "$fixture")
want_libc=$(build_id "$libc")
[ -n "$want_main" ] && [ "$(echo "$main_map" | awk '{ print $4 }')" = "$want_main" ] &&
	[ -n "$libc" ] && [ -n "$want_libc" ] && [ "$(echo "$libc_map" | awk '{ print $4 }')" = "$want_libc" ] &&
	ok "-raw: mappings of the fixture and $libc with readelf's build ids" ||
	not_ok "-raw mappings" "fixture $want_main, libc $libc $want_libc" "$(sed -n '/^Mappings/,$p' "$TMP/raw")"
# The kernel's (when a kernel frame was sampled): the build id perf reads for the running kernel.
kernel_map=$(mapping_of "[kernel.kallsyms]")
want_kernel=$(perf buildid-list -k 2>/dev/null)
if [ -z "$kernel_map" ]; then
	ok "# SKIP no kernel frame sampled in this run"
elif [ -z "$want_kernel" ]; then
	[ "${PB_TEST_NO_SKIP:-0}" = 1 ] && not_ok "perf (linux-perf) is needed to read the kernel's build id" ||
		ok "# SKIP perf (linux-perf) reads the kernel's build id"
else
	[ "$(echo "$kernel_map" | awk '{ print $4 }')" = "$want_kernel" ] &&
		ok "[kernel.kallsyms] has the kernel's build id (perf buildid-list -k)" ||
		not_ok "kernel build id" "perf: $want_kernel" "$kernel_map"
fi

# pb_burn's location: an address inside the fixture's mapping, in that mapping; every kernel
# frame in [kernel.kallsyms]; -addresses -traces prints pb_burn at that address.
in_range() { # ADDR RANGE(0xs/0xl/0xo): start <= addr < limit
	local r=${2%/*}
	(($1 >= ${r%/*} && $1 < ${r#*/}))
}
burn=$(awk '/^Locations/ { l = 1; next } /^Mappings/ { l = 0 } l && $4 == "pb_burn" { print $2, $3; exit }' "$TMP/raw")
main_id=${main_map%%:*}
kernel_id=$(awk '/^Mappings/ { m = 1; next } m && $3 == "[kernel.kallsyms]" { print $1 + 0 }' "$TMP/raw")
stray_k=$(awk -v k="M=$kernel_id" '/^Locations/ { l = 1; next } /^Mappings/ { l = 0 }
	l && $4 ~ /_\[k\]$/ && $3 != k' "$TMP/raw" | head -3)
gp -addresses -traces "$TMP/run.pb.gz" >"$TMP/atraces"
addr=${burn%% *}
[ -n "$burn" ] && [ "${burn#* }" = "M=$main_id" ] && in_range "$addr" "$(echo "$main_map" | awk '{ print $2 }')" &&
	[ -z "$stray_k" ] && grep -Eq "^ +[0-9.]+[a-z]* +0*${addr#0x} pb_burn\b" "$TMP/atraces" &&
	ok "pb_burn at $addr in the fixture's mapping (-addresses shows it); kernel frames in [kernel.kallsyms]" ||
	not_ok "location addresses" "pb_burn: $burn, fixture mapping: $main_map" "stray kernel: $stray_k" \
		"$(grep -m3 pb_burn "$TMP/atraces")"

# Read back and written again: the same locations and mappings.
"$PB" --input "$TMP/run.pb.gz" -o "$TMP/rt.pb.gz" 2>"$TMP/rt.err"
gp -raw "$TMP/rt.pb.gz" >"$TMP/rt.raw"
[ -s "$TMP/rt.raw" ] && cmp -s <(sed -n '/^Locations/,$p' "$TMP/raw") <(sed -n '/^Locations/,$p' "$TMP/rt.raw") &&
	ok "--input x.pb.gz -o y.pb.gz keeps locations, addresses, mappings and build ids" ||
	not_ok "round trip" "$(cat "$TMP/rt.err")" "$(diff <(sed -n '/^Locations/,$p' "$TMP/raw") \
		<(sed -n '/^Locations/,$p' "$TMP/rt.raw") | head -10)"

# OTLP: the mapping table holds the fixture (filename, range, process.executable.build_id.gnu
# = readelf's), and pb_burn's location points into it at the same address as in pprof.
if [ "${PB_HAS_OTLP:-0}" = 1 ] && command -v protoc >/dev/null; then
	PROTO=$PB_SOURCE_ROOT/../shared/otlp-proto
	[ -d "$PROTO/opentelemetry" ] || PROTO=$PB_SOURCE_ROOT/plugins/outputs/otlp/proto
	protoc -I "$PROTO" \
		--decode=opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest \
		opentelemetry/proto/collector/profiles/v1development/profiles_service.proto \
		<"$TMP/run.otlp" >"$TMP/otlp.txt" 2>&1
	python3 - "$TMP/otlp.txt" "$fixture" >"$TMP/otlp.map" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
strings = [s.encode().decode('unicode_escape') for s in re.findall(r'^  string_table: "(.*)"$', t, re.M)]
def blocks(name):
    return re.findall(r'^  %s \{\n(.*?)^  \}$' % name, t, re.M | re.S)
def field(b, k):
    m = re.search(r'\b%s: (\d+)' % k, b)
    return int(m.group(1)) if m else 0
attrs = blocks('attribute_table')
maps = blocks('mapping_table')
for i, m in enumerate(maps):
    if strings[field(m, 'filename_strindex')] != sys.argv[2]:
        continue
    bid = ''
    for a in re.findall(r'attribute_indices: (\d+)', m):
        b = attrs[int(a)]
        if strings[field(b, 'key_strindex')] == 'process.executable.build_id.gnu':
            bid = re.search(r'string_value: "(.*)"', b).group(1)
    funcs = [field(b, 'name_strindex') for b in blocks('function_table')]
    for l in blocks('location_table'):
        f = field(l, 'function_index')
        if field(l, 'mapping_index') == i and strings[funcs[f]] == 'pb_burn':
            print(bid, field(m, 'memory_start'), field(m, 'memory_limit'), hex(field(l, 'address')))
PY
	read -r o_bid o_start o_limit o_addr <"$TMP/otlp.map"
	[ "$o_bid" = "$want_main" ] && [ "$o_addr" = "$addr" ] &&
		((o_start <= addr && addr < o_limit)) &&
		ok "OTLP: the fixture's mapping with its build id; pb_burn at $addr inside it" ||
		not_ok "OTLP mappings" "got: $(cat "$TMP/otlp.map")" "want: $want_main $addr" "$(head -5 "$TMP/otlp.txt")"
elif [ "${PB_TEST_NO_SKIP:-0}" = 1 ]; then
	not_ok "OTLP mappings need the otlp plugin and protoc (protobuf-compiler)"
else
	ok "# SKIP OTLP mappings need the otlp plugin and protoc"
fi

# -symbolize=none -top still works on a profile with addresses and build ids.
gp -top "$TMP/run.pb.gz" | grep -Eq '^ +[0-9.]+[a-z]* +[0-9.]+%.* pb_burn$' &&
	ok "-symbolize=none -top names pb_burn" || not_ok "-top with addresses" "$(head -12 "$TMP/top")"

# The second decoder, when its package is installed (it is tested without root in plugins).
reader=$PB_SOURCE_ROOT/tests/plugins/pprof/pprof_read.mjs
if [ -e "$PB_SOURCE_ROOT/tests/plugins/pprof/node_modules/pprof-format" ]; then
	LC_ALL=C sort "$TMP/run.folded" >"$TMP/want"
	node "$reader" folded "$TMP/run.pb.gz" | LC_ALL=C sort >"$TMP/got"
	cmp -s "$TMP/want" "$TMP/got" && ok "pprof-format reads the same stacks as the folded output" ||
		not_ok "pprof-format vs folded" "$(diff "$TMP/want" "$TMP/got" | head -10)"
	node "$reader" sites "$TMP/run.pb.gz" >"$TMP/sites"
	grep -qx "pb_burn $addr $fixture $want_main" "$TMP/sites" &&
		ok "pprof-format: pb_burn at $addr in $fixture, build id $want_main" ||
		not_ok "pprof-format sites" "want: pb_burn $addr $fixture $want_main" "$(grep pb_burn "$TMP/sites")"
elif [ "${PB_TEST_NO_SKIP:-0}" = 1 ]; then
	not_ok "pprof-format is not installed (npm ci in tests/plugins/pprof)"
	not_ok "pprof-format is not installed (npm ci in tests/plugins/pprof)"
else
	ok "# SKIP pprof-format is not installed (npm ci in tests/plugins/pprof)"
	ok "# SKIP pprof-format is not installed (npm ci in tests/plugins/pprof)"
fi
finish
