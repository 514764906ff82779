#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs inside a qemu guest booted on another kernel (busybox sh): every unwinder loads and holds
# the fixture chain, the fallbacks work, a missing feature gives its one message, a system-wide
# run writes every output that needs no network, --cgroup filters. TAP on stdout, read back by
# matrix.sh.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
C=$PB_FIXTURES/c
CHAIN="main;pb_alpha;pb_beta;pb_gamma"
# TCG runs the guest several times slower than the host: 3 s at 199 Hz still gives hundreds of
# samples on pb_gamma, where the checks need 100.
SECONDS_RUN=3

plan 22
echo "# kernel $(uname -r)"

if "$PB" --check >"$TMP/check" 2>&1; then
	ok "--check: every unwinder loads"
else
	not_ok "--check: every unwinder loads"
fi
sed 's/^/# /' "$TMP/check"

# fp walks frame pointers; the others unwind binaries built without them.
for u in fp dwarf libdw libunwind; do
	fixture=$C/chain-nofp
	[ "$u" = fp ] && fixture=$C/chain-fp
	"$PB" --unwinder "$u" -F 199 -o "$TMP/$u.folded" -- "$fixture" "$SECONDS_RUN" 2>"$TMP/$u.err"
	expect_chain "$u: fixture chain" "$TMP/$u.folded" "$CHAIN" 90 100
	[ -s "$TMP/$u.err" ] && sed 's/^/# stderr: /' "$TMP/$u.err"
done

# fp's caller of a frameless leaf, read from the top of the stack. TCG delivers the timer at
# the end of a block of translated code, so where samples land differs from hardware: the leaf
# reached by a direct call got 12-18 of 4 s at 199 Hz (its code joins its caller's block), the
# one reached through a pointer about 200 (93 when the host was busy with other work: the
# guest's CPU time shrinks, not the share). The latter is checked here; both are on the host.
"$PB" -F 199 -o "$TMP/leaf.folded" -- "$C/leaf-fp" 4 2>/dev/null
expect_chain "fp: a frameless leaf's caller" "$TMP/leaf.folded" "main;pb_pour;pb_drop" 99 40

# The fallbacks older kernels take: a bounded loop without bpf_loop; no task registers.
PROFILE_BEE_KERNEL_FEATURES_OFF=bpf_loop,bpf_task_pt_regs "$PB" -F 199 -o "$TMP/fb.folded" \
	-- "$C/chain-fp" "$SECONDS_RUN" 2>"$TMP/fb.err"
expect_chain "fp without bpf_loop and bpf_task_pt_regs: fixture chain" "$TMP/fb.folded" \
	"$CHAIN" 90 100

# A feature an unwinder cannot do without: one line naming it, the release, and exit 1.
PROFILE_BEE_KERNEL_FEATURES_OFF=bpf_loop "$PB" --dwarf -d 1 -o "$TMP/x.folded" \
	>/dev/null 2>"$TMP/missing.err"
status=$?
want="profile-bee: cannot load the 'dwarf' unwinder: needs bpf_loop (Linux 5.17 or later); this kernel is $(uname -r)"
if [ "$status" = 1 ] && [ "$(cat "$TMP/missing.err")" = "$want" ]; then
	ok "dwarf without bpf_loop: exit 1 and one message"
else
	not_ok "dwarf without bpf_loop: exit 1 and one message" "status $status, stderr:" \
		"$(cat "$TMP/missing.err")"
fi

# Kernel frames under the user chain: the kernel stack and the task's user registers.
"$PB" -F 199 -o "$TMP/sys.folded" -- "$C/syscalls-fp" "$SECONDS_RUN" 2>/dev/null
# [[]k[]]: busybox awk turns "\[" in a -v value into "[".
kernel=$(samples_matching "$TMP/sys.folded" 'pb_sys_thread;.*_[[]k[]]')
if [ "$kernel" -ge 20 ]; then
	ok "a syscall-heavy thread's user frames above its kernel frames in $kernel samples"
else
	not_ok "a syscall-heavy thread's user frames above its kernel frames" "$kernel samples" \
		"top stacks:" "$(sort -t' ' -k2 -nr "$TMP/sys.folded" | head -5)"
fi
expect_chain "the main thread's chain beside it" "$TMP/sys.folded" "main;pb_sys_spin" 90 20

# Off-CPU time from sched_switch (tp_btf) with each BPF walk, and with the snapshot taken at
# switch-out that libdw and libunwind unwind: the nap thread's 20 naps of 100 ms, against what
# the fixture measured (the thread's whole time: under TCG dwarf may see a first nap before
# libc's table is built, [truncated]); wall-clock roots.
for u in fp dwarf libdw libunwind; do
	fixture=$C/offcpu-nofp
	[ "$u" = fp ] || [ "$u" = dwarf ] && fixture=$C/offcpu-fp
	"$PB" --unwinder "$u" --off-cpu -o "$TMP/off-$u.folded" -- "$fixture" 2>"$TMP/off-$u.err"
	nap=$(awk '$1 == "nap_us" { print $2 }' "$TMP/off-$u.err")
	got=$(samples_matching "$TMP/off-$u.folded" '^pb_nap;.*;schedule_[[]k[]]')
	# busybox awk has no ^ (no math library).
	if awk -v g="$got" -v w="$nap" 'BEGIN { d = g - w; exit !(w > 0 && d * d * 100 <= w * w) }'; then
		ok "$u --off-cpu: the naps on their stack, $got us of $nap"
	else
		not_ok "$u --off-cpu: the naps on their stack" "$got us of $nap" \
			"$(sort -t' ' -k2 -nr "$TMP/off-$u.folded" | head -5)" "$(cat "$TMP/off-$u.err")"
	fi
done
for u in fp libdw; do
	"$PB" --unwinder "$u" --wall -F 199 -o "$TMP/wall-$u.folded" -- "$C/offcpu-fp" \
		2>"$TMP/wall-$u.err"
	on=$(samples_matching "$TMP/wall-$u.folded" '^[[]on-cpu[]];pb_half;.*pb_spin')
	off=$(samples_matching "$TMP/wall-$u.folded" '^[[]off-cpu[]];pb_nap;.*pb_napper')
	if [ "$on" -gt 0 ] && [ "$off" -gt 0 ]; then
		ok "$u --wall: [on-cpu] spinning ($on us) and [off-cpu] naps ($off us)"
	else
		not_ok "$u --wall: [on-cpu] and [off-cpu] roots" "on $on, off $off" \
			"$(cat "$TMP/wall-$u.err")"
	fi
done

# System-wide, every output that needs no network from one run. Starting takes a few seconds
# under TCG: the fixture runs until the profile is over.
"$C/chain-fp" 60 &
busy=$!
sh -c 'while :; do :; done' &
spin=$!
"$PB" -F 199 -d 3 -o "$TMP/all.folded" -o "$TMP/all.svg" -o "$TMP/all.html" \
	-o "$TMP/all.json" -o "$TMP/all.pb.gz" 2>"$TMP/all.err"
status=$?
kill "$busy" "$spin"
wait "$busy" "$spin"
expect_chain "system-wide: the busy fixture's chain" "$TMP/all.folded" "$CHAIN" 90 100
# pprof is checked for its strings only: go tool pprof reads it in the plugins suite.
if [ "$status" = 0 ] && grep -q '<svg' "$TMP/all.svg" && grep -q pb_gamma "$TMP/all.svg" &&
	grep -q pb_gamma "$TMP/all.html" && grep -q '"pb_gamma"' "$TMP/all.json" &&
	gzip -dc "$TMP/all.pb.gz" | grep -q pb_gamma; then
	ok "system-wide: svg, html, json and pprof written with the chain's frames"
else
	not_ok "system-wide: svg, html, json and pprof written" "status $status" \
		"$(cat "$TMP/all.err")"
fi
spins=$(samples_matching "$TMP/all.folded" '^sh;')
if [ "$spins" -ge 50 ]; then
	ok "system-wide: another busy process sampled too ($spins samples)"
else
	not_ok "system-wide: another busy process sampled too" "$spins samples of sh"
fi

# --cgroup: the filter's cgroup array and bpf_current_task_under_cgroup load on this kernel
# and keep, system-wide, only the process of that cgroup (the guest mounts cgroup v2 itself).
mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
mkdir -p /sys/fs/cgroup/pb-a
"$C/chain-fp" 60 &
busy=$!
echo "$busy" >/sys/fs/cgroup/pb-a/cgroup.procs
sh -c 'while :; do :; done' &
spin=$!
"$PB" --cgroup pb-a -F 199 -d 3 -o "$TMP/cg.folded" 2>"$TMP/cg.err"
status=$?
kill "$busy" "$spin"
wait "$busy" "$spin"
inside=$(samples_matching "$TMP/cg.folded" '^chain-fp;')
total=$(total_samples "$TMP/cg.folded")
if [ "$status" = 0 ] && [ "$inside" -ge 100 ] && [ "$inside" = "$total" ]; then
	ok "--cgroup: only the cgroup's process, system-wide ($inside of $total samples)"
else
	not_ok "--cgroup: only the cgroup's process" "status $status, $inside of $total" \
		"$(cat "$TMP/cg.err")" "$(sort -t' ' -k2 -nr "$TMP/cg.folded" | head -5)"
fi

# Probes (-e, tests/e2e/probes): the probe programs load here too, and count each hit; the
# host's kernel may have no kprobes, this one has.
"$PB" -e "uprobe:$C/probes-fp:pb_probe_target" -o "$TMP/up.folded" -- "$C/probes-fp" 500 \
	2>"$TMP/up.err"
hits=$(samples_matching "$TMP/up.folded" ';main;pb_probe_outer;pb_probe_middle;pb_probe_target$')
if [ "$hits" = 500 ]; then
	ok "uprobe: each of 500 calls counted with its chain"
else
	not_ok "uprobe: each of 500 calls counted with its chain" "$hits" "$(cat "$TMP/up.err")"
fi
"$PB" -e kprobe:vfs_read -o "$TMP/kp.folded" -- "$C/probes-fp" 500 2>"$TMP/kp.err"
reads=$(samples_matching "$TMP/kp.folded" ';main;pb_probe_reads;.*vfs_read_[[]k[]]$')
if [ "$reads" -ge 500 ] && [ "$reads" -le 510 ]; then
	ok "kprobe vfs_read: the fixture's 500 reads, user chain above kernel frames ($reads)"
else
	not_ok "kprobe vfs_read: the fixture's 500 reads" "$reads" "$(cat "$TMP/kp.err")" \
		"$(sort -t' ' -k2 -nr "$TMP/kp.folded" | head -3)"
fi
finish
