#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Pyroscope push with format=pprof (no root): a receiver on loopback takes /ingest the way
# Pyroscope's does (multipart/form-data, the profile in the "profile" part), and go tool pprof
# reads what it got: the stacks and total of the input, the labels as pprof labels (Pyroscope's
# series labels), a label name Pyroscope would refuse made valid and said once.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
if ! command -v go >/dev/null || ! command -v python3 >/dev/null; then
	[ "${PB_TEST_NO_SKIP:-0}" = 1 ] && { echo "1..1"; echo "not ok 1 - needs go and python3"; exit 1; }
	echo "1..0 # SKIP needs go and python3"; exit 0
fi
export HOME=$TMP GOCACHE=$TMP/go-cache
plan 5
cat >"$TMP/rx.py" <<'PY'
import http.server, sys, os
out = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        with open(os.path.join(out, 'query'), 'w') as f:
            f.write(self.path + '\n' + self.headers['Content-Type'] + '\n')
        ctype = self.headers['Content-Type']
        boundary = ctype.split('boundary=')[1].encode()
        for part in body.split(b'--' + boundary):
            head, _, data = part.partition(b'\r\n\r\n')
            if b'name="profile"' in head:
                with open(os.path.join(out, 'profile.pb.gz'), 'wb') as f:
                    f.write(data[:-2])  # the CRLF before the next boundary
        self.send_response(200); self.end_headers(); self.wfile.write(b'ok')
    def log_message(self, *a): pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
s.timeout = 20  # a run that never sends must not hang the test
print(s.server_address[1], flush=True)
s.handle_request()
PY
python3 "$TMP/rx.py" "$TMP" >"$TMP/port" &
rx=$!
for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
printf 'app;main;work 5\napp;main 2\nsvc;run;loop_[k] 9\n' >"$TMP/in.folded"
"$PB" --input "$TMP/in.folded" --label my-team=core --label service=api \
	-o "http://127.0.0.1:$(cat "$TMP/port")/ingest" --set output.push.format=pprof \
	--set output.push.host-labels=false 2>"$TMP/err"
st=$?
wait $rx
q=$(head -1 "$TMP/query" 2>/dev/null)
[ $st = 0 ] && [[ $q == */ingest\?name=*format=pprof* ]] && grep -q '^multipart/form-data; boundary=' "$TMP/query" &&
	ok "POST /ingest?...format=pprof as multipart/form-data" || not_ok "the request" "status $st: $q" "$(cat "$TMP/err")"
gtop=$(go tool pprof -raw "$TMP/profile.pb.gz" 2>&1)
echo "$gtop" | grep -q "^PeriodType" && ok "go tool pprof reads the profile part" || not_ok "go tool pprof" "$gtop"
"$PB" --input "$TMP/profile.pb.gz" >"$TMP/back.folded" 2>>"$TMP/err"
cmp -s "$TMP/back.folded" <(sort "$TMP/in.folded") && ok "the pushed profile holds the input's stacks and total" ||
	not_ok "stacks pushed" "$(cat "$TMP/back.folded")"
tags=$(go tool pprof -tags "$TMP/profile.pb.gz" 2>&1)
echo "$tags" | grep -q 'service: Total 16' && echo "$tags" | grep -q 'my_team: Total 16' &&
	! echo "$tags" | grep -q 'my-team' &&
	ok "labels are pprof labels; 'my-team' sent as 'my_team'" || not_ok "labels" "$tags"
[ "$(grep -c "label names Pyroscope would refuse.*'my-team' as 'my_team'" "$TMP/err")" = 1 ] &&
	ok "the change is said once" || not_ok "said once" "$(cat "$TMP/err")"
finish
