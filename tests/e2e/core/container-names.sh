#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: container, pod and namespace names from the node. A node root (PROFILE_BEE_NODE_ROOT,
# the test hook) holds the files as Docker, containerd under the kubelet, CRI-O and Podman
# write them, and a kubelet pod directory; five fixtures run in real cgroups named as those
# runtimes name them (two pods with no runtime files: one named by the kubelet's etc-hosts and
# its POD_NAMESPACE, one by its HOSTNAME and the service account namespace file in its own
# mount namespace). --group-by container/pod show the names, pprof carries container_name,
# pod_name and namespace labels that go tool pprof shows, OTLP the semantic-convention keys.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
C=$PB_FIXTURES/c
need_cgroup2
id() { printf "$1%.0s" {1..64}; }
ID1=$(id 1) ID2=$(id 2) ID3=$(id 3) ID4=$(id 4) ID5=$(id 5) ID6=$(id 6)
UID1=11111111-aaaa-bbbb-cccc-0123456789ab
UID2=22222222-aaaa-bbbb-cccc-0123456789ab
UID3=33333333-aaaa-bbbb-cccc-0123456789ab
UID4=44444444-aaaa-bbbb-cccc-0123456789ab
TOP=pb-e2e-names-$$
KP=$V2/$TOP/kubepods.slice/kubepods-burstable.slice
CGS=(
	"$V2/$TOP/system.slice/docker-$ID1.scope"
	"$KP/kubepods-burstable-pod${UID1//-/_}.slice/cri-containerd-$ID2.scope"
	"$KP/kubepods-burstable-pod${UID2//-/_}.slice/crio-$ID3.scope"
	"$V2/$TOP/machine.slice/libpod-$ID4.scope"
	"$V2/$TOP/kubepods/burstable/pod$UID3/$ID5"
	"$V2/$TOP/kubepods/besteffort/pod$UID4/$ID6"
)
NODE=$TMP/node
export PROFILE_BEE_NODE_ROOT=$NODE
pids=()
trap 'cgroup_cleanup "$V2/$TOP"' EXIT
plan 6

# put PATH: stdin into $NODE/PATH.
put() { mkdir -p "$(dirname "$NODE/$1")" && cat >"$NODE/$1"; }
put "var/lib/docker/containers/$ID1/config.v2.json" <<EOF
{"StreamConfig":{},"State":{"Running":true,"Paused":false,"Pid":4242,"ExitCode":0,
"StartedAt":"2024-05-01T10:00:00.1Z"},"ID":"$ID1","Created":"2024-05-01T10:00:00Z",
"Path":"nginx","Args":["-g","daemon off;"],"Config":{"Hostname":"111111111111","Domainname":"",
"User":"","Env":["PATH=/usr/local/sbin:/usr/local/bin"],"Cmd":["nginx"],"Image":"nginx:1.25",
"Labels":{"maintainer":"NGINX Docker Maintainers"}},"Image":"sha256:abc","Driver":"overlay2",
"Name":"/web-frontend","RestartCount":0,"MountLabel":"","ProcessLabel":""}
EOF
put "run/containerd/io.containerd.runtime.v2.task/k8s.io/$ID2/config.json" <<EOF
{"ociVersion":"1.1.0","process":{"user":{"uid":0,"gid":0},"args":["/app"],"cwd":"/"},
"root":{"path":"rootfs"},"hostname":"","annotations":{
"io.kubernetes.cri.container-name":"app","io.kubernetes.cri.container-type":"container",
"io.kubernetes.cri.image-name":"registry.local/shop/api:1.2","io.kubernetes.cri.sandbox-id":"9f",
"io.kubernetes.cri.sandbox-name":"shop-api-7d4b9c-xk2p9",
"io.kubernetes.cri.sandbox-namespace":"shop","io.kubernetes.cri.sandbox-uid":"$UID1"},
"linux":{"cgroupsPath":"kubepods-burstable-pod${UID1//-/_}.slice:cri-containerd:$ID2"}}
EOF
put "run/containers/storage/overlay-containers/$ID3/userdata/config.json" <<EOF
{"ociVersion":"1.0.2-dev","process":{"args":["/sidecar"]},"annotations":{
"io.container.manager":"cri-o","io.kubernetes.container.name":"sidecar",
"io.kubernetes.cri-o.ContainerType":"container","io.kubernetes.pod.name":"api-0",
"io.kubernetes.pod.namespace":"prod","io.kubernetes.pod.uid":"$UID2"}}
EOF
put "var/lib/containers/storage/overlay-containers/containers.json" <<EOF
[{"id":"$(id f)","names":["other"],"image":"a","layer":"b","metadata":"{}","created":"2024-05-01T10:00:00Z","flags":{}},
{"id":"$ID4","names":["db"],"image":"c","layer":"d","metadata":"{\"image-name\":\"docker.io/library/postgres:16\",\"name\":\"db\"}","created":"2024-05-01T10:00:00Z","flags":{"MountLabel":""}}]
EOF
put "var/lib/kubelet/pods/$UID3/etc-hosts" <<EOF
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::1	ip6-allnodes
10.244.1.9	batch-28731-q8x

# Entries added by HostAliases.
10.0.0.9	registry.local
EOF

mkdir -p "${CGS[@]}" || { not_ok "cgroups created"; finish; }
for i in 0 1 2 3 4; do
	# The fifth's namespace comes from its environment (the downward API's POD_NAMESPACE).
	env POD_NAMESPACE=jobs "$C/chain-fp" 30 &
	pids+=($!)
	echo $! >"${CGS[$i]}/cgroup.procs"
done
# The sixth sees its own /run (a mount namespace) with a service account's namespace file, as
# the kubelet mounts it, and has the HOSTNAME a pod's container gets. unshare and sh exec.
SA=/run/secrets/kubernetes.io/serviceaccount
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin KUBERNETES_SERVICE_HOST=10.96.0.1 \
	HOSTNAME=cron-28731-zz9 unshare -m --propagation private sh -c \
	"mount -t tmpfs none /run && mkdir -p $SA && echo batch >$SA/namespace && exec $C/chain-fp 30" &
pids+=($!)
echo $! >"${CGS[5]}/cgroup.procs"
for _ in $(seq 50); do
	[ "$(readlink "/proc/${pids[5]}/exe")" = "$(readlink -f "$C/chain-fp")" ] && break
	sleep 0.1
done
grep -q "crio-$ID3" "/proc/${pids[2]}/cgroup" && grep -q "pod$UID3/$ID5" "/proc/${pids[4]}/cgroup" &&
	grep -q "pod$UID4/$ID6" "/proc/${pids[5]}/cgroup" &&
	ok "six fixtures in Docker, containerd, CRI-O, Podman and cgroupfs-pod cgroups" ||
	not_ok "fixtures in their cgroups" "$(cat "/proc/${pids[2]}/cgroup")"

list=$(IFS=,; echo "${pids[*]}")
"$PB" -p "$list" -F $HZ -d 2 --group-by container -o "$TMP/c.folded" -o "$TMP/c.pb.gz" \
	-o "$TMP/c.otlp" 2>"$TMP/err"
st=$?
counts=""
good=1
for name in web-frontend app sidecar db "$ID5" "$ID6"; do
	n=$(samples_matching "$TMP/c.folded" "^\\[container=$name\\];chain-fp;.*pb_burn")
	counts="$counts $name=$n"
	[ "$n" -ge 10 ] || good=0
done
[ $st = 0 ] && [ $good = 1 ] &&
	ok "--group-by container: Docker's, containerd's, CRI-O's and Podman's names, the id without one ($counts)" ||
	not_ok "--group-by container names" "status $st:$counts" "$(cat "$TMP/err")" \
		"$(cut -c1-100 "$TMP/c.folded" | sort | head)"

"$PB" -p "$list" -F $HZ -d 2 --group-by pod -o "$TMP/p.folded" 2>>"$TMP/err"
counts=""
good=1
for name in shop-api-7d4b9c-xk2p9 api-0 batch-28731-q8x cron-28731-zz9 "no pod"; do
	n=$(samples_matching "$TMP/p.folded" "^\\[(pod=)?$name\\];chain-fp")
	counts="$counts $name=$n"
	[ "$n" -ge 10 ] || good=0
done
[ $good = 1 ] &&
	ok "--group-by pod: the kubelet's annotations; without runtime files etc-hosts, HOSTNAME ($counts)" ||
	not_ok "--group-by pod names" "$counts" "$(cut -c1-100 "$TMP/p.folded" | sort | head)"

"$PB" -p "$list" -F $HZ -d 1 --group-by label:namespace -o "$TMP/n.folded" 2>>"$TMP/err"
n_shop=$(samples_matching "$TMP/n.folded" "^\\[namespace=shop\\];")
n_prod=$(samples_matching "$TMP/n.folded" "^\\[namespace=prod\\];")
n_jobs=$(samples_matching "$TMP/n.folded" "^\\[namespace=jobs\\];")
n_batch=$(samples_matching "$TMP/n.folded" "^\\[namespace=batch\\];")
[ "$n_shop" -ge 5 ] && [ "$n_prod" -ge 5 ] && [ "$n_jobs" -ge 5 ] && [ "$n_batch" -ge 5 ] &&
	ok "namespace: annotations (shop, prod), POD_NAMESPACE (jobs), the service account (batch)" ||
	not_ok "namespace labels" "$n_shop $n_prod $n_jobs $n_batch" \
		"$(cut -c1-80 "$TMP/n.folded" | sort | head)"

pprof_tags_have "go tool pprof -tags shows container_name, pod_name and namespace" \
	"$TMP/c.pb.gz" container_name web-frontend pod_name shop-api-7d4b9c-xk2p9 namespace prod

if otlp_decode "$TMP/c.otlp" "$TMP/otlp.txt"; then
	# Sample attributes name their key by string_table index; the values are inline.
	has() { grep -q "$1: \"$2\"" "$TMP/otlp.txt"; }
	has string_table container.name && has string_table k8s.pod.name &&
		has string_table k8s.namespace.name && has string_value web-frontend &&
		has string_value db && has string_value api-0 && has string_value shop &&
		! has string_table pod_name && ! has string_table container_name &&
		ok "OTLP: container.name, k8s.pod.name, k8s.namespace.name (semantic conventions)" ||
		not_ok "OTLP names" "$(grep 'string_table\|string_value' "$TMP/otlp.txt" | sort -u | head -60)"
else
	not_ok "OTLP names" "no protoc (protobuf-compiler), or the request did not decode" "$(head -5 "$TMP/otlp.txt" 2>/dev/null)"
fi
finish
