// SPDX-License-Identifier: MIT
/* EC2 identity (instance id, region, zone, type), read through the IMDSv2 client. */
#include <errno.h>

#include "hostmeta_internal.h"

void pb_hostmeta_detect_ec2(struct pb_host_metadata *m, uint64_t deadline_ms)
{
	const struct {
		const char *path;
		char *dst;
		size_t len;
	} items[] = {
		{ "meta-data/instance-id", m->ec2_instance_id, sizeof(m->ec2_instance_id) },
		{ "meta-data/placement/region", m->ec2_region, sizeof(m->ec2_region) },
		{ "meta-data/placement/availability-zone", m->ec2_availability_zone,
		  sizeof(m->ec2_availability_zone) },
		{ "meta-data/instance-type", m->ec2_instance_type, sizeof(m->ec2_instance_type) },
	};
	char body[512];
	uint64_t now;
	int err;

	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		now = pb_hostmeta_now_ms();
		if (now >= deadline_ms)
			return;
		err = pb_imds__get(NULL, items[i].path, deadline_ms - now, body, sizeof(body));
		if (!err)
			pb_hostmeta_copy_trimmed(items[i].dst, items[i].len, body);
		else if (err != -ENODATA && err != -E2BIG && err != -EBADMSG)
			return; /* not EC2, or no answer: the next items would fail the same way */
	}
}
