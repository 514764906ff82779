# SPDX-License-Identifier: MIT
# What the --serve shell tests share: profile-bee --serve on a saved profile, in the background
# until the test exits. Source it after lib.sh: . "$PB_SOURCE_ROOT/tests/e2e/http/serve_lib.sh"

pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$TMP"; }
trap stop_all EXIT

# serve NAME ARGS...: profile-bee --serve on $TMP/in.folded in the background, its stderr in
# $TMP/NAME.err; sets port to the one it listens on (0 on failure).
serve() {
	local name=$1
	shift
	"$PB" --input "$TMP/in.folded" --serve --listen 127.0.0.1:0 "$@" 2>"$TMP/$name.err" &
	pids+=($!)
	port=0
	for _ in $(seq 100); do
		port=$(sed -n 's|.*live flame graph on http://[^ ]*:\([0-9]*\)/.*|\1|p' "$TMP/$name.err")
		[ -n "$port" ] && return 0
		sleep 0.05
	done
	port=0
}
