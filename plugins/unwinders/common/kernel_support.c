// SPDX-License-Identifier: MIT
/* What an unwinder needs from the kernel: required features refused clearly, fallbacks said. */
#include <errno.h>

#include "kernel_support.h"

int pb_unwinder_require(const struct pb_host *host, const enum pb_kernel_feature *need, size_t n)
{
	char why[256];
	int err = pb_kernel__require(need, n, why, sizeof(why));

	/* No "who": said while the unwinder opens, it becomes "cannot load the 'X' unwinder: ..."
	 */
	if (err)
		host->log(host->session, PB_LOG_ERROR, NULL, "%s", why);
	return err;
}

bool pb_unwinder_optional(const struct pb_host *host, const char *who, enum pb_kernel_feature f,
			  const char *instead)
{
	if (pb_kernel__has(f))
		return true;
	host->log(host->session, PB_LOG_INFO, who, "no %s on this kernel (Linux %s): %s",
		  pb_kernel__feature_name(f), pb_kernel__feature_since(f), instead);
	return false;
}

bool pb_unwinder_task_regs(const struct pb_host *host, const char *who)
{
	static const char instead[] = "samples taken in the kernel get no user stack";

	return pb_unwinder_optional(host, who, PB_KERNEL_TASK_BTF, instead) &&
	       pb_unwinder_optional(host, who, PB_KERNEL_TASK_PT_REGS, instead);
}
