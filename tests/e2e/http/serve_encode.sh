#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --serve's /svg, /json and /folded are what -o writes for the same profile and settings, byte for
# byte: the server encodes with the svg and folded plugins, taking output.svg.* from the same
# conf file and --set. A saved profile through the real binary (needs curl, not root).
set -uo pipefail
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
. "$PB_SOURCE_ROOT/tests/e2e/http/serve_lib.sh"
plan 10

# Names an SVG must escape, a kernel frame, a deep chain and counts that round to odd percents.
cat >"$TMP/in.folded" <<'EOF'
app;main;serve_enc_outer;serve_enc_leaf 30
app;main;serve_enc_outer;serve_enc_other<int> 7
app;main;std::vector<T>::push_back&copy;"quoted" 3
app;main;sys_write_[k];vfs_write_[k] 5
other;start;x;y;z;w;v;u;t;s;r;q;p 1
EOF
printf '[output.svg]\ntitle = Served & written\nsubtitle = <same bytes>\nwidth = 900\n' \
	>"$TMP/svg.conf"
fetch() { curl -s --max-time 10 -o "$2" -w '%{http_code}' "http://127.0.0.1:$port$1"; }
# same DESC SERVED WRITTEN: ok when the files are equal, byte for byte.
same() {
	if [ -s "$2" ] && cmp -s "$2" "$3"; then
		ok "$1 ($(wc -c <"$2") bytes)"
	else
		not_ok "$1" "served $(wc -c <"$2" 2>/dev/null) bytes, -o wrote $(wc -c <"$3" 2>/dev/null)" \
			"$(cmp "$2" "$3" 2>&1)"
	fi
}
# The tree of /json's envelope: what follows "tree": up to the envelope's closing brace.
tree_of() { sed -e 's/^.*,"tree"://' -e 's/}$//' "$1"; }

# run NAME ARGS...: the same settings for a server and for -o x.svg, x.json, x.folded.
run() {
	local name=$1 code
	shift
	serve "$name" "$@"
	[ "$port" != 0 ] || { not_ok "$name: --serve starts" "$(cat "$TMP/$name.err")"; return; }
	"$PB" --input "$TMP/in.folded" -o "$TMP/$name.svg" -o "$TMP/$name.json" \
		-o "$TMP/$name.folded" "$@" 2>"$TMP/$name.o.err" ||
		{ not_ok "$name: -o writes the files" "$(cat "$TMP/$name.o.err")"; return; }
	code=$(fetch /svg "$TMP/$name.served.svg")
	[ "$code" = 200 ] || diag "/svg: HTTP $code"
	same "$name: /svg is the file -o x.svg writes" "$TMP/$name.served.svg" "$TMP/$name.svg"
	fetch /json "$TMP/$name.served.json" >/dev/null
	tree_of "$TMP/$name.served.json" >"$TMP/$name.served.tree"
	# -o x.json ends with a newline; the envelope keeps the page's events one line.
	printf '%s' "$(cat "$TMP/$name.json")" >"$TMP/$name.tree"
	same "$name: /json's tree is the file -o x.json writes" "$TMP/$name.served.tree" \
		"$TMP/$name.tree"
	fetch /folded "$TMP/$name.served.folded" >/dev/null
	same "$name: /folded is the file -o x.folded writes" "$TMP/$name.served.folded" \
		"$TMP/$name.folded"
}

run defaults
run settings --config "$TMP/svg.conf" --set output.svg.palette=blue --set output.svg.inverted=true
grep -q '<text id="title"[^>]*>Served &amp; written</text>' "$TMP/settings.served.svg" &&
	ok "the conf file's title reached the served graph" ||
	not_ok "the conf file's title reached the served graph" "$(grep -m1 'id="title"' "$TMP/settings.served.svg")"
grep -q 'serve_enc_other&lt;int&gt;' "$TMP/settings.served.svg" &&
	ok "frame names are escaped in the served graph" ||
	not_ok "frame names are escaped in the served graph"
! cmp -s "$TMP/defaults.served.svg" "$TMP/settings.served.svg" &&
	ok "the settings changed the served graph" || not_ok "the settings changed the served graph"
# A live page's colours follow /svg's default palette: the page computes them itself.
if command -v node >/dev/null; then
	want=$(grep -o '<title>serve_enc_leaf ([^<]*</title><rect[^>]*fill="rgb([0-9,]*)"' \
		"$TMP/defaults.served.svg" | sed 's/.*fill="\(rgb([0-9,]*)\)"/\1/')
	got=$(node -e '
		const src = require("fs").readFileSync(process.argv[1], "utf8");
		const a = src.indexOf("\tconst HOT"), b = src.indexOf("\tfunction depthOf");
		console.log(new Function(src.slice(a, b) + "; return colour;")()("serve_enc_leaf"));' \
		"$PB_SOURCE_ROOT/plugins/outputs/http/assets/flame.js")
	[ -n "$want" ] && [ "$want" = "$got" ] && ok "the page colours a frame as /svg does ($got)" ||
		not_ok "the page colours a frame as /svg does" "svg: '$want', page: '$got'"
else
	ok "# SKIP needs node to run the page's colour function"
fi
finish
