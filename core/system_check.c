// SPDX-License-Identifier: MIT
/* Whether this process and kernel can profile at all: privileges and BTF. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "system_check.h"

/* BPF and system-wide perf events need root, or CAP_BPF + CAP_PERFMON. */
static bool has_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	if (geteuid() == 0)
		return true;
	if (syscall(SYS_capget, &hdr, data))
		return false;
	/* CAP_PERFMON is 38 and CAP_BPF 39: both in the second word. */
	return (data[1].effective & (1u << (38 - 32))) && (data[1].effective & (1u << (39 - 32)));
}

int pb_check_system(char *why, size_t len)
{
	if (!has_privileges()) {
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
