// SPDX-License-Identifier: MIT
/* Fuzz target: /proc/PID/cgroup text to container, pod and unit labels (core/cgroup). */
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void check_str(const char *s, size_t cap)
{
	if (strnlen(s, cap) == cap)
		abort(); /* every field stays NUL-terminated within its buffer */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: ASan sees any read past the end. */
	char *text = malloc(size ? size : 1);
	struct pb_cgroup_info info;
	struct pb_label l[8];
	size_t n;

	if (!text)
		return 0;
	memcpy(text, data, size);
	pb_cgroup_parse(text, size, &info);
	check_str(info.cgroup, sizeof(info.cgroup));
	check_str(info.container_id, sizeof(info.container_id));
	check_str(info.pod_uid, sizeof(info.pod_uid));
	check_str(info.systemd_unit, sizeof(info.systemd_unit));
	if (info.container_id[0] && strlen(info.container_id) != PB_CGROUP_ID_LEN)
		abort();
	if (info.pod_uid[0] && (strlen(info.pod_uid) != 36 || strchr(info.pod_uid, '_')))
		abort();
	n = pb_cgroup_labels(&info, l, 8);
	for (size_t i = 0; i < n; i++)
		if (!l[i].value[0])
			abort();
	free(text);
	return 0;
}
