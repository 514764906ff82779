#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# OTLP profiles export (no root): -o otlp+http://HOST:PORT to a loopback receiver that answers
# 503 first (the window must be kept and sent again) then 200; the body is gunzip'd and decoded
# by protoc --decode against the published OTLP .proto files (../shared/otlp-proto when there,
# else the same files vendored in plugins/outputs/otlp/proto): path, headers, resource
# attributes, scope, sample values summing to the total, function names, stacks leaf first.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
if ! command -v protoc >/dev/null || ! command -v python3 >/dev/null; then
	[ "${PB_TEST_NO_SKIP:-0}" = 1 ] && { echo "1..1"; echo "not ok 1 - needs protoc (protobuf-compiler) and python3"; exit 1; }
	echo "1..0 # SKIP needs protoc and python3"; exit 0
fi
PROTO=$PB_SOURCE_ROOT/../shared/otlp-proto
[ -d "$PROTO/opentelemetry" ] || PROTO=$PB_SOURCE_ROOT/plugins/outputs/otlp/proto
plan 7
cat >"$TMP/rx.py" <<'PY'
import http.server, sys, os
out = sys.argv[1]
n = [0]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        n[0] += 1
        if n[0] == 1:
            self.send_response(503); self.end_headers(); self.wfile.write(b'busy'); return
        with open(os.path.join(out, 'req'), 'w') as f:
            f.write('%s\n%s\n%s\n' % (self.path, self.headers['Content-Type'],
                                       self.headers.get('Content-Encoding', '')))
        with open(os.path.join(out, 'body.gz'), 'wb') as f:
            f.write(body)
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
s.timeout = 20  # a run that never sends must not hang the test
print(s.server_address[1], flush=True)
s.handle_request(); s.handle_request()
PY
python3 "$TMP/rx.py" "$TMP" >"$TMP/port" &
rx=$!
for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
printf 'app;main;work 5\napp;main 2\nsvc;run;loop_[k] 9\n' >"$TMP/in.folded"
"$PB" --input "$TMP/in.folded" --label service=api -o "otlp+http://127.0.0.1:$(cat "$TMP/port")" \
	--set output.push.max-backoff=0.2 --set output.otlp.frequency=99 2>"$TMP/err"
st=$?
wait $rx
[ $st = 0 ] && [ "$(sed -n 1p "$TMP/req")" = /v1development/profiles ] &&
	[ "$(sed -n 2p "$TMP/req")" = application/x-protobuf ] && [ "$(sed -n 3p "$TMP/req")" = gzip ] &&
	ok "POST /v1development/profiles, application/x-protobuf, gzip" ||
	not_ok "the request" "status $st" "$(cat "$TMP/req" "$TMP/err" 2>&1)"
grep -q "503" "$TMP/err" && ok "a 503 kept the window; it was sent again and delivered" ||
	not_ok "retry after 503" "$(cat "$TMP/err")"
gunzip -c "$TMP/body.gz" | protoc -I "$PROTO" \
	--decode=opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest \
	opentelemetry/proto/collector/profiles/v1development/profiles_service.proto >"$TMP/dec" 2>&1
[ $? = 0 ] && ok "protoc --decode reads it with the published schema" || not_ok "protoc --decode" "$(head "$TMP/dec")"
grep -A2 'key: "host.name"' "$TMP/dec" | grep -q "string_value: \"$(hostname)\"" &&
	grep -q 'name: "profile-bee"' "$TMP/dec" && grep -q 'period: 10101010' "$TMP/dec" &&
	ok "resource host.name, scope profile-bee, period from 99 Hz" || not_ok "resource" "$(head -40 "$TMP/dec")"
sum=$(awk '/^ *values: / { s += $2 } END { print s + 0 }' "$TMP/dec")
[ "$sum" = 16 ] && ok "sample values sum to the input's total (16)" || not_ok "values" "sum $sum"
# Resolve every sample: stack -> locations -> functions -> names, leaf first; compare as folded.
python3 - "$TMP/dec" >"$TMP/stacks" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
strings = re.findall(r'^  string_table: "(.*)"$', t, re.M)
def blocks(name):
    return re.findall(r'^  %s \{\n(.*?)^  \}$' % name, t, re.M | re.S)
funcs = [int((re.findall(r'name_strindex: (\d+)', b) or ['0'])[0]) for b in blocks('function_table')]
locs = [int((re.findall(r'function_index: (\d+)', b) or ['0'])[0]) for b in blocks('location_table')]
stacks = [[int(x) for x in re.findall(r'location_indices: (\d+)', b)] for b in blocks('stack_table')]
attrs = blocks('attribute_table')
for s in re.findall(r'samples \{\n(.*?)\n +\}', t, re.S):
    st = int(re.search(r'stack_index: (\d+)', s).group(1))
    v = re.search(r'values: (\d+)', s).group(1)
    comm = ''
    for a in re.findall(r'attribute_indices: (\d+)', s):
        b = attrs[int(a)]
        if strings[int(re.search(r'key_strindex: (\d+)', b).group(1))] == 'process.executable.name':
            comm = re.search(r'string_value: "(.*)"', b).group(1)
    names = [strings[funcs[locs[l]]] for l in stacks[st]]
    print(';'.join([comm] + names[::-1]), v)
PY
cmp -s <(sort "$TMP/stacks") <(sort "$TMP/in.folded") &&
	ok "every sample resolves through the dictionary to the input's stack (leaf first)" ||
	not_ok "stacks" "$(cat "$TMP/stacks")"
grep -B1 -A3 'key_strindex' "$TMP/dec" | grep -q 'string_value: "api"' &&
	ok "the service label is a sample attribute" || not_ok "labels as attributes"
finish
