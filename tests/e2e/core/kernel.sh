#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: what the kernel offers. --check; each unwinder's one message when a feature it cannot do
# without is missing (forced with PROFILE_BEE_KERNEL_FEATURES_OFF); fp's fallbacks; the caller of
# a frameless leaf recovered by fp, and never a frame the dwarf unwinder does not also show.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
C=$PB_FIXTURES/c
release=$(uname -r)
plan 13

if "$PB" --check >"$TMP/check" 2>&1 && [ "$(grep -c ' yes (Linux ' "$TMP/check")" = 8 ] &&
	[ "$(grep -cE '^  (fp|dwarf|libdw|libunwind) +yes$' "$TMP/check")" = 4 ]; then
	ok "--check: eight features and four unwinders that load"
else
	not_ok "--check: eight features and four unwinders that load" "$(cat "$TMP/check")"
fi

PROFILE_BEE_KERNEL_FEATURES_OFF=bpf_loop "$PB" --check >"$TMP/check-off" 2>&1
status=$?
if [ "$status" = 1 ] && grep -qE '^  bpf_loop +no +\(Linux 5\.17\)$' "$TMP/check-off" &&
	grep -qE '^  dwarf +no: needs bpf_loop \(Linux 5\.17 or later\)' "$TMP/check-off" &&
	grep -qE '^  fp +yes$' "$TMP/check-off"; then
	ok "--check without bpf_loop: dwarf does not load and says why, fp does, exit 1"
else
	not_ok "--check without bpf_loop" "status $status" "$(cat "$TMP/check-off")"
fi

# Without privileges every probe would fail: --check says why instead of blaming the kernel.
setpriv --reuid=65534 --regid=65534 --clear-groups "$PB" --check >"$TMP/check-user" 2>&1
status=$?
if [ "$status" = 1 ] && grep -q '^cannot check: needs root' "$TMP/check-user" &&
	! grep -q ' no  (Linux ' "$TMP/check-user"; then
	ok "--check without privileges: one line saying so, exit 1"
else
	not_ok "--check without privileges" "status $status" "$(cat "$TMP/check-user")"
fi

# missing_feature DESC FEATURE UNWINDER SINCE: exit 1 and exactly one line saying what and why.
missing_feature() {
	local desc=$1 feature=$2 unwinder=$3 since=$4 status want
	PROFILE_BEE_KERNEL_FEATURES_OFF=$feature "$PB" --unwinder "$unwinder" -d 1 \
		-o "$TMP/x.folded" -- "$C/chain-fp" 0.5 >/dev/null 2>"$TMP/err"
	status=$?
	want="profile-bee: cannot load the '$unwinder' unwinder: needs $feature (Linux $since or later); this kernel is $release"
	if [ "$status" = 1 ] && [ "$(cat "$TMP/err")" = "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc" "status $status, stderr:" "$(cat "$TMP/err")" "want: $want"
	fi
}
missing_feature "dwarf without bpf_loop: one message, exit 1" bpf_loop dwarf 5.17
missing_feature "libdw without ring buffers: one message, exit 1" ringbuf libdw 5.8
missing_feature "libunwind without ring buffers: one message, exit 1" ringbuf libunwind 5.8
missing_feature "fp without BTF tracepoints (following a command's forks)" tp_btf fp 5.5

# fp's fallbacks: a bounded loop instead of bpf_loop walks the same chain.
PROFILE_BEE_KERNEL_FEATURES_OFF=bpf_loop "$PB" -F "$HZ" -- "$C/chain-fp" 2 >"$TMP/noloop.folded"
expect_chain "fp without bpf_loop: the chain" "$TMP/noloop.folded" \
	"main;pb_alpha;pb_beta;pb_gamma;pb_burn" 95 100

# Without task registers, in-kernel samples keep their kernel stack, lose the user one, counted.
PROFILE_BEE_KERNEL_FEATURES_OFF=bpf_task_pt_regs "$PB" -F "$HZ" -- "$C/syscalls-fp" 2 \
	>"$TMP/noregs.folded" 2>"$TMP/noregs.err"
user_over_kernel=$(samples_matching "$TMP/noregs.folded" 'pb_sys_thread;.*_\[k\]')
kernel_only=$(samples_matching "$TMP/noregs.folded" '^syscalls-fp;[^;]*_\[k\]')
if [ "$user_over_kernel" = 0 ] && [ "$kernel_only" -ge 20 ] &&
	grep -q 'user stack of samples in the kernel (needs Linux 5.15)' "$TMP/noregs.err"; then
	ok "fp without bpf_task_pt_regs: $kernel_only kernel-only samples, counted as lost"
else
	not_ok "fp without bpf_task_pt_regs" "user over kernel: $user_over_kernel," \
		"kernel only: $kernel_only" "$(cat "$TMP/noregs.err")"
fi

# Frameless leaves (rbp still holds the caller's frame): the caller comes from the stack, after
# a direct call (pb_sip) and after an indirect one (pb_drop).
# At $HZ Hz (lib.sh) even a machine busy elsewhere gives each 2 s half 100 leaf samples or more.
"$PB" -F "$HZ" -- "$C/leaf-fp" 4 >"$TMP/fp.folded"
expect_chain "fp: a frameless leaf's caller, direct call" "$TMP/fp.folded" "main;pb_drink;pb_sip" 99 100
expect_chain "fp: a frameless leaf's caller, indirect call" "$TMP/fp.folded" "main;pb_pour;pb_drop" 99 100
# Every leaf fp samples often, it gives the caller dwarf gives (CFI knows every frame): a
# recovered caller is never invented. Pairs seen in >= 20 fp samples, so both runs have them.
"$PB" --dwarf -F "$HZ" -- "$C/leaf-fp" 4 >"$TMP/dwarf.folded"
leaf_pairs() { # FILE MIN: "caller;leaf" of the user stacks, with at least MIN samples
	awk -v min="$2" '{
		count = $NF; line = $0; sub(/ [0-9]+$/, "", line)
		m = split(line, f, ";"); u = 0
		for (i = 2; i <= m; i++) if (f[i] !~ /_\[k\]$/) u = i
		if (u > 2) n[f[u - 1] ";" f[u]] += count
	}
	END { for (p in n) if (n[p] >= min) print p }' "$1" | sort
}
extra=$(comm -23 <(leaf_pairs "$TMP/fp.folded" 20) <(leaf_pairs "$TMP/dwarf.folded" 1))
if [ -n "$(leaf_pairs "$TMP/fp.folded" 20)" ] && [ -z "$extra" ]; then
	ok "fp's callers of its frequent leaves are dwarf's: $(leaf_pairs "$TMP/fp.folded" 20 | tr '\n' ' ')"
else
	not_ok "fp's callers of its frequent leaves are dwarf's" "only fp: $extra"
fi
# Framed code gets no extra frame: the chain fixture's own frames, in the order dwarf gives.
"$PB" -F "$HZ" -- "$C/chain-fp" 2 >"$TMP/chain.folded"
expect_chain "fp on framed code: the chain, nothing inserted" "$TMP/chain.folded" \
	"main;pb_alpha;pb_beta;pb_gamma;pb_burn" 99 100
finish
