// SPDX-License-Identifier: MIT
/* Whether this process and kernel can profile at all: privileges, BTF, perf_event_paranoid. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "system_check.h"

/* Whether this process has capability cap (a CAP_* number) in its effective set. */
static bool has_cap(unsigned int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

/* BPF and system-wide perf events need root, or CAP_BPF + CAP_PERFMON. */
bool pb_check_bpf_privileges(void)
{
	return geteuid() == 0 || (has_cap(CAP_PERFMON) && has_cap(CAP_BPF));
}

int pb_check_system(char *why, size_t len)
{
	if (!pb_check_bpf_privileges()) {
		snprintf(why, len, "needs root (or CAP_BPF and CAP_PERFMON) to load BPF programs and "
				   "open perf events; try sudo");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(why, len, "this kernel has no BTF (/sys/kernel/btf/vmlinux is missing); "
				   "profile-bee needs CONFIG_DEBUG_INFO_BTF=y");
		return -ENOTSUP;
	}
	return 0;
}

/* CAP_PERFMON (or CAP_SYS_ADMIN, or root) lets perf_event_open ignore perf_event_paranoid. */
static bool has_perfmon(void)
{
	return geteuid() == 0 || has_cap(CAP_PERFMON) || has_cap(CAP_SYS_ADMIN);
}

int pb_check_perf_paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	int level = 2; /* the kernel's default when the file cannot be read */

	if (f) {
		if (fscanf(f, "%d", &level) != 1)
			level = 2;
		fclose(f);
	}
	return level;
}

int pb_check_perf_self(char *why, size_t len)
{
	int level;

	if (has_perfmon())
		return 0;
	/* 2: user-space measurements of one's own processes; 3 and up (Debian's): none at all. */
	level = pb_check_perf_paranoid();
	if (level <= 2)
		return 0;
	snprintf(why, len, "perf_event_paranoid is %d: perf events are refused to processes "
			   "without CAP_PERFMON; set it to 2 or lower (sysctl "
			   "kernel.perf_event_paranoid=2), or run as root", level);
	return -EACCES;
}
