#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: container and pod attribution from real cgroups. Three fixtures are moved into cgroups
# named as Docker (v2, systemd driver), containerd under Kubernetes (v2) and Podman (v1 memory
# hierarchy, v2 left at its root as on this hybrid host) name them; one run profiles all three:
# --group-by container splits them by id, pprof carries container_id/pod_uid labels that go
# tool pprof shows, and folded output without --group-by is the same as before (no labels).
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
C=$PB_FIXTURES/c
V2=/sys/fs/cgroup/unified
V1=/sys/fs/cgroup/memory
if [ ! -d "$V2" ] || [ ! -d "$V1" ]; then
	# Not a hybrid host: the v1 half cannot be tested here.
	if [ "${PB_TEST_NO_SKIP:-0}" = 1 ]; then
		echo "1..1"; echo "not ok 1 - needs $V2 and $V1"; exit 1
	fi
	echo "1..0 # SKIP needs $V2 and $V1"; exit 0
fi
ID1=$(printf 'd%.0s' {1..64})
ID2=$(printf 'c%.0s' {1..64})
ID3=$(printf 'b%.0s' {1..64})
PODUID_=12345678_aaaa_bbbb_cccc_0123456789ab
PODUID=12345678-aaaa-bbbb-cccc-0123456789ab
TOP=pb-e2e-$$
CG1=$V2/$TOP/system.slice/docker-$ID1.scope
CG2=$V2/$TOP/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$PODUID_.slice/cri-containerd-$ID2.scope
CG3=$V1/$TOP/machine.slice/libpod-$ID3.scope
pids=()
trap 'cgroup_cleanup "$V2/$TOP" "$V1/$TOP"' EXIT
plan 7

mkdir -p "$CG1" "$CG2" "$CG3" || { not_ok "cgroups created"; finish; }
for cg in "$CG1" "$CG2" "$CG3"; do
	"$C/chain-fp" 20 &
	pids+=($!)
	echo $! >"$cg/cgroup.procs"
done
grep -q "docker-$ID1" "/proc/${pids[0]}/cgroup" && grep -q "libpod-$ID3" "/proc/${pids[2]}/cgroup" &&
	ok "fixtures moved into the Docker (v2), containerd (v2) and Podman (v1) cgroups" ||
	not_ok "fixtures in their cgroups" "$(cat /proc/${pids[0]}/cgroup)"

list=$(IFS=,; echo "${pids[*]}")
"$PB" -p "$list" -F $HZ -d 2 --group-by container -o "$TMP/by.folded" -o "$TMP/by.pb.gz" \
	-o "$TMP/by.otlp" \
	2>"$TMP/err"
status=$?
n1=$(samples_matching "$TMP/by.folded" "^\\[container=$ID1\\];chain-fp;.*pb_burn")
n2=$(samples_matching "$TMP/by.folded" "^\\[container=$ID2\\];chain-fp;.*pb_burn")
n3=$(samples_matching "$TMP/by.folded" "^\\[container=$ID3\\];chain-fp;.*pb_burn")
[ "$status" = 0 ] && [ "$n1" -ge 10 ] && [ "$n2" -ge 10 ] && [ "$n3" -ge 10 ] &&
	ok "--group-by container: a root frame per container id ($n1, $n2, $n3 samples)" ||
	not_ok "--group-by container" "status $status: $n1 $n2 $n3" "$(cat "$TMP/err")" \
		"$(cut -c1-120 "$TMP/by.folded" | head)"
stray=$(grep -c '^\[no container\];chain-fp' "$TMP/by.folded")
[ "$stray" = 0 ] && ok "no fixture sample without its container" ||
	not_ok "fixture samples without a container" "$stray lines"

"$PB" -p "$list" -F $HZ -d 1 --group-by pod -o "$TMP/pod.folded" 2>>"$TMP/err"
np=$(samples_matching "$TMP/pod.folded" "^\\[pod=$PODUID\\];chain-fp")
nn=$(samples_matching "$TMP/pod.folded" "^\\[no pod\\];chain-fp")
[ "$np" -ge 5 ] && [ "$nn" -ge 5 ] &&
	ok "--group-by pod: the containerd fixture in its pod ($np), the others in none ($nn)" ||
	not_ok "--group-by pod" "$np $nn" "$(cut -c1-120 "$TMP/pod.folded" | head)"

pprof_tags_have "go tool pprof -tags shows container_id, pod_uid and the runtimes" \
	"$TMP/by.pb.gz" "$ID2" "$PODUID" containerd podman

if otlp_decode "$TMP/by.otlp" "$TMP/otlp.txt"; then
	ids=$(grep -A2 'key: "container.id"' "$TMP/otlp.txt" | grep -c 'string_value: "[bcd]\{64\}"')
	grep -A2 'key: "k8s.pod.uid"' "$TMP/otlp.txt" | grep -q "$PODUID" && [ "$ids" = 3 ] &&
		ok "OTLP: a resource per container with container.id, k8s.pod.uid for the pod" ||
		not_ok "OTLP resources" "$ids container ids" "$(grep -A2 'key:' "$TMP/otlp.txt" | head -30)"
else
	not_ok "OTLP resources" "no protoc (protobuf-compiler), or the request did not decode" "$(head -5 "$TMP/otlp.txt" 2>/dev/null)"
fi

"$PB" -p "${pids[0]}" -F $HZ -d 1 -o "$TMP/plain.folded" 2>>"$TMP/err"
grep -q '^chain-fp;' "$TMP/plain.folded" && ! grep -q '^\[' "$TMP/plain.folded" &&
	ok "without --group-by, folded lines start with the comm as before" ||
	not_ok "plain folded" "$(head -3 "$TMP/plain.folded")"
finish
