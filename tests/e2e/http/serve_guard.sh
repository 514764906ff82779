#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --serve answers only requests whose Host names it (a page using DNS rebinding sends its own
# name: 403), and with a token only requests that carry it. curl forges the headers against the
# real binary serving a saved profile (no root needed).
set -uo pipefail
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
. "$PB_SOURCE_ROOT/tests/e2e/http/serve_lib.sh"
plan 14

printf 'main;work;leaf 5\nmain;idle 2\n' >"$TMP/in.folded"
# code HOST PATH [CURL ARGS...]: the HTTP status of a GET with that Host header.
code() {
	local host=$1 path=$2
	shift 2
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: $host" "$@" \
		"http://127.0.0.1:$port$path"
}
expect() { # DESC WANT GOT
	if [ "$3" = "$2" ]; then ok "$1 ($3)"; else not_ok "$1" "HTTP $3, want $2"; fi
}

serve plain
expect "Host 127.0.0.1 is answered" 200 "$(code "127.0.0.1:$port" /folded)"
expect "Host localhost is answered" 200 "$(code "localhost:$port" /json)"
expect "Host [::1] is answered" 200 "$(code "[::1]:$port" /svg)"
expect "a rebinding page's Host gets 403 for the page" 403 "$(code "evil.example:$port" /)"
expect "... and for /folded" 403 "$(code "evil.example:$port" /folded)"
expect "a name that only starts like a loopback one gets 403" 403 \
	"$(code "127.0.0.1.evil.example:$port" /json)"
expect "... or ends like one, without the dot" 403 "$(code "evillocalhost:$port" /json)"

serve allow --serve-allow-host prof.example,other.example --set output.serve.keep-serving=true
expect "--serve-allow-host lets a named host in" 200 "$(code "Prof.Example:$port" /folded)"
expect "... and only that one" 403 "$(code "evil.example:$port" /folded)"

printf 's3cr3t-Token_1\n' >"$TMP/token"
chmod 600 "$TMP/token"
serve token --serve-token-file "$TMP/token"
expect "with a token, a request without it gets 401" 401 "$(code "127.0.0.1:$port" /folded)"
expect "... a wrong one 401" 401 "$(code "127.0.0.1:$port" /folded -H 'Authorization: Bearer nope')"
expect "... the right one 200" 200 \
	"$(code "127.0.0.1:$port" /folded -H 'Authorization: Bearer s3cr3t-Token_1')"
set_cookie=$(curl -s -D - -o /dev/null --max-time 5 "http://127.0.0.1:$port/?token=s3cr3t-Token_1" |
	tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p')
expect "?token= in a browser becomes a cookie that is then enough" 200 \
	"$(code "127.0.0.1:$port" /json -H "Cookie: $set_cookie")"

# Reachable from other hosts: the log says whether requests are authenticated.
"$PB" --input "$TMP/in.folded" --serve --listen 0.0.0.0:0 \
	--set output.serve.keep-serving=false 2>"$TMP/open.err"
"$PB" --input "$TMP/in.folded" --serve --listen 0.0.0.0:0 --serve-token abc \
	--set output.serve.keep-serving=false 2>"$TMP/tok.err"
if grep -q "unauthenticated" "$TMP/open.err" && grep -q "requests need the token" "$TMP/tok.err"; then
	ok "a non-loopback --listen says whether it is unauthenticated"
else
	not_ok "a non-loopback --listen says whether it is unauthenticated" "$(cat "$TMP/open.err" "$TMP/tok.err")"
fi
finish
