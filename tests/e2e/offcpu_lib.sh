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
# expect_wall_shares WHO FOLDED ERR: a --wall profile of the fixture: pb_half spins 50 ms (on
# CPU, or preempted) and sleeps 50 ms, 20 times; its two halves' shares as the fixture measured
# them (50/50, unless a loaded machine stretched a spin past its end), each within 10%. Sets
# rest_truth for the caller's further checks.
expect_wall_shares() {
	local who=$1 folded=$2 err=$3 spin all spin_truth share share_truth
	spin=$(samples_matching "$folded" '^\[(on|off)-cpu\];pb_half;.*pb_spin')
	all=$(samples_matching "$folded" '^\[(on|off)-cpu\];pb_half;')
	spin_truth=$(truth "$err" spin_us)
	rest_truth=$(truth "$err" rest_us)
	share=$((100 * spin / (all ? all : 1)))
	share_truth=$((100 * spin_truth / (spin_truth + rest_truth)))
	if within 10 "$spin" "$spin_truth" && within 10 "$((all - spin))" "$rest_truth" &&
		within 10 "$share" "$share_truth" && within 10 "$((100 - share))" "$((100 - share_truth))"; then
		ok "$who: pb_half $share% spinning, truth $share_truth% ($spin_truth / $rest_truth us)"
	else
		not_ok "$who: half busy, half asleep" "spin $spin of $all us; truth $spin_truth / $rest_truth"
	fi
}
