// SPDX-License-Identifier: MIT
/* Unit tests of /proc/PID/cgroup attribution: runtimes, drivers, v1/v2, hostile lines, cache. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "tap.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "12345678-aaaa-bbbb-cccc-0123456789ab"
#define UID_ "12345678_aaaa_bbbb_cccc_0123456789ab"

static struct pb_cgroup_info parse(const char *text)
{
	struct pb_cgroup_info info;

	pb_cgroup_parse(text, strlen(text), &info);
	return info;
}

static void expect(const char *what, const char *text, const char *id, const char *runtime,
		   const char *pod, const char *unit)
{
	struct pb_cgroup_info i = parse(text);

	ok(!strcmp(i.container_id, id) && !strcmp(i.runtime, runtime) && !strcmp(i.pod_uid, pod) &&
		   !strcmp(i.systemd_unit, unit),
	   "%s: id '%s' runtime '%s' pod '%s' unit '%s'", what, i.container_id, i.runtime,
	   i.pod_uid, i.systemd_unit);
}

static void test_runtimes(void)
{
	expect("docker, systemd driver, v2", "0::/system.slice/docker-" ID ".scope\n", ID, "docker",
	       "", "");
	expect("docker, cgroupfs driver, v1",
	       "12:cpu,cpuacct:/docker/" ID "\n1:name=systemd:/docker/" ID "\n0::/\n", ID, "docker",
	       "", "");
	expect("containerd under kubepods (systemd)",
	       "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	       ".slice/cri-containerd-" ID ".scope\n",
	       ID, "containerd", UID, "");
	expect("guaranteed pod (no QoS slice)",
	       "0::/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID ".scope\n", ID,
	       "containerd", UID, "");
	expect("CRI-O", "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	       ".slice/crio-" ID ".scope\n", ID, "cri-o", UID, "");
	expect("kubepods, cgroupfs driver, v1",
	       "4:memory:/kubepods/burstable/pod" UID "/" ID "\n0::/\n", ID, "", UID, "");
	expect("podman, nested /container", "0::/machine.slice/libpod-" ID ".scope/container\n", ID,
	       "podman", "", "");
	expect("conmon is not the container",
	       "0::/machine.slice/libpod-conmon-" ID ".scope\n", "", "", "", "");
	expect("systemd service", "0::/system.slice/nginx.service\n", "", "", "", "nginx.service");
	expect("user service, deepest wins",
	       "0::/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service\n", "", "",
	       "", "foo.service");
	expect("hybrid: v2 empty, v1 names it",
	       "12:pids:/system.slice/docker-" ID ".scope\n0::/\n", ID, "docker", "", "");
}

static void test_hostile(void)
{
	struct pb_cgroup_line l;
	struct pb_cgroup_info i;
	static char longline[8192];

	ok(pb_cgroup_parse_line("", 0, &l) == -EINVAL, "empty line refused");
	ok(pb_cgroup_parse_line("0::", 3, &l) == -EINVAL, "no path refused");
	ok(pb_cgroup_parse_line("x::/a", 5, &l) == -EINVAL, "non-numeric id refused");
	ok(pb_cgroup_parse_line("0:/a", 4, &l) == -EINVAL, "one colon refused");
	ok(!pb_cgroup_parse_line("0::/a:b", 7, &l) && l.v2 && l.path_len == 4,
	   "a colon inside the path is the path's");
	ok(pb_cgroup_parse("garbage\n\n\n", 10, &i) == -EINVAL, "no line parsed: -EINVAL");
	expect("id one digit long", "0::/docker/" ID "0\n", "", "", "", "");
	expect("upper-case hex is not an id", "0::/docker/0123456789ABCDEF0123456789ABCDEF"
	       "0123456789ABCDEF0123456789ABCDEF\n", "", "", "", "");
	expect("63 hex digits", "0::/system.slice/docker-" "123456789abcdef0123456789abcdef"
	       "0123456789abcdef0123456789abcdef.scope\n", "", "", "", "");
	expect("pod uid with bad dashes", "0::/kubepods/pod12345678aaaa-bbbb-cccc-0123456789ab-/x\n",
	       "", "", "", "");
	expect("path of slashes", "0::////////\n", "", "", "", "");
	/* A path past the limit: attributed where it can be, never copied past the buffer. */
	memcpy(longline, "0::/", 4);
	memset(longline + 4, 'a', sizeof(longline) - 5);
	pb_cgroup_parse(longline, sizeof(longline) - 1, &i);
	ok(i.cgroup[0] == '\0', "a path longer than %d bytes gets no cgroup label",
	   PB_CGROUP_PATH_MAX);
	/* Not NUL-terminated: the parser stops at len. */
	i = (struct pb_cgroup_info){ 0 };
	pb_cgroup_parse("0::/system.slice/a.serviceXXXX", 26, &i);
	is_str(i.systemd_unit, "a.service", "nothing read past len");
}

static void test_labels(void)
{
	struct pb_cgroup_info i = parse("0::/kubepods.slice/kubepods-pod" UID_
					".slice/cri-containerd-" ID ".scope\n");
	struct pb_label l[8];
	size_t n = pb_cgroup_labels(&i, l, 8);

	ok(n == 4, "cgroup, container_id, container_runtime, pod_uid (%zu)", n);
	ok(n == 4 && !strcmp(l[0].key, "cgroup") && !strcmp(l[1].value, ID) &&
		   !strcmp(l[3].value, UID),
	   "labels carry the values");
	ok(pb_cgroup_labels(&i, l, 2) == 2, "max is respected");
	i = parse("0::/\n");
	ok(pb_cgroup_labels(&i, l, 8) == 0, "the root cgroup: no labels");
}

/* The cache reads a fake /proc once per pid, again only after its time. */
static void test_cache(void)
{
	char root[] = "/tmp/pb-cgroup-XXXXXX", path[256];
	struct pb_cgroup_cache *c;
	const struct pb_cgroup_info *i;
	int fd;

	if (!mkdtemp(root)) {
		ok(false, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/42", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/42/cgroup", root);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	ok(fd >= 0 && write(fd, "0::/docker/" ID "\n", 11 + 64 + 1) == 76, "fake /proc written");
	close(fd);
	pb_cgroup_cache__new(root, &c);
	i = pb_cgroup_cache__get(c, 42, 1000);
	is_str(i->container_id, ID, "read through the cache");
	pb_cgroup_cache__get(c, 42, 2000);
	ok(pb_cgroup_cache__reads(c) == 1, "a second lookup reads nothing");
	pb_cgroup_cache__get(c, 42, 1000 + 31ull * 1000000000ull);
	ok(pb_cgroup_cache__reads(c) == 2, "read again after 30 s");
	i = pb_cgroup_cache__get(c, 43, 1000);
	ok(!i->container_id[0] && !i->cgroup[0], "a pid without a file: nothing");
	ok(!pb_cgroup_cache__get(c, 0, 0)->cgroup[0], "pid 0: nothing, never read");
	pb_cgroup_cache__free(c);
	unlink(path);
	snprintf(path, sizeof(path), "%s/42", root);
	rmdir(path);
	rmdir(root);
}

int main(void)
{
	test_runtimes();
	test_hostile();
	test_labels();
	test_cache();
	return tap_done();
}
