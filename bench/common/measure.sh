# SPDX-License-Identifier: MIT
# Source it: what the shell benchmarks share. measure NAME CMD runs CMD (sh -c) $runs times under
# /usr/bin/time and prints NAME with the median wall, CPU (user + system) and peak RSS; it needs
# $work (a scratch directory) and $runs; $measure_width is the NAME column (default 40).
median() {
	printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"
}

measure() {
	local name=$1 cmd=$2 times=() cpus=() mems=() t u s m
	for _ in $(seq "$runs"); do
		/usr/bin/time -f '%e %U %S %M' -o "$work/t" sh -c "$cmd" >/dev/null
		read -r t u s m <"$work/t"
		times+=("$t")
		cpus+=("$(echo "$u $s" | awk '{print $1 + $2}')")
		mems+=("$m")
	done
	printf "%-${measure_width:-40}s %8.3f s %8.3f s %8.1f MB\n" "$name" "$(median "${times[@]}")" \
		"$(median "${cpus[@]}")" "$(median "${mems[@]}" | awk '{print $1 / 1024}')"
}
