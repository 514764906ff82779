# SPDX-License-Identifier: MIT
# What the off-CPU tests share (sourced after lib.sh): the truth the offcpu fixture measured
# itself, and checks of profiled microseconds against it.

# truth FILE NAME: what the fixture said it waited (stderr line "NAME N").
truth() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
# truth_between FILE NAME MIN MAX: the waits of line "NAME w1 w2 ..." from MIN to MAX us, summed
# (what a length filter keeps: a loaded machine can stretch a 50 ms wait past 80).
truth_between() {
	awk -v k="$2" -v lo="$3" -v hi="$4" '$1 == k { for (i = 2; i <= NF; i++) if ($i >= lo && $i <= hi) s += $i }
		END { print s + 0 }' "$1"
}
# within PCT GOT WANT: |GOT - WANT| <= PCT% of WANT (and WANT > 0).
within() { awk -v p="$1" -v g="$2" -v w="$3" 'BEGIN { exit !(w > 0 && (g - w) ^ 2 <= (w * p / 100) ^ 2) }'; }
# expect_time DESC FILE REGEX WANT: the microseconds on stacks matching REGEX are WANT +-10%.
expect_time() {
	local got
	got=$(samples_matching "$2" "$3")
	if within 10 "$got" "$4"; then
		ok "$1: $got us, truth $4 us"
	else
		not_ok "$1" "got $got us on /$3/, truth $4 us" "$(sort -t' ' -k2 -nr "$2" | head -6)"
	fi
}
