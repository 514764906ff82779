// SPDX-License-Identifier: MIT
/*
 * Fuzz target: container and pod names from the node's files (core/cgroup/names_parse.c). The
 * first byte picks the reader: Docker's config.v2.json, Podman's containers.json, an OCI
 * config.json, an environ, the kubelet's etc-hosts, a namespace file; the rest is its text.
 */
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"

#include "fuzz.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* A taken name is whole: terminated in its buffer, printable, no spaces. */
static void check_name(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_container_names n = { { 0 } };
	char *text;
	size_t len;

	if (!size)
		return 0;
	len = size - 1;
	/* A copy of exactly len bytes: ASan sees any read past the end. */
	if (!(text = malloc(len ? len : 1)))
		return 0;
	memcpy(text, data + 1, len);
	switch (data[0] % 6) {
	case 0:
		pb_container_names_json(PB_NAMES_DOCKER, text, len, ID, &n);
		break;
	case 1:
		pb_container_names_json(PB_NAMES_PODMAN_LIST, text, len, ID, &n);
		break;
	case 2:
		pb_container_names_json(PB_NAMES_OCI, text, len, ID, &n);
		break;
	case 3:
		pb_container_names_environ(text, len, data[0] & 0x80, &n);
		break;
	case 4:
		pb_container_names_etc_hosts(text, len, &n);
		break;
	default:
		pb_container_names_namespace_file(text, len, &n);
		break;
	}
	check_name(n.container, sizeof(n.container));
	check_name(n.pod, sizeof(n.pod));
	check_name(n.namespace_, sizeof(n.namespace_));
	free(text);
	return 0;
}
