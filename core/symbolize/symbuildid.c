// SPDX-License-Identifier: MIT
/* Build ids of the binaries frames come from, for the mappings of pprof and OTLP. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "symbolizer_impl.h"

#define NT_GNU_BUILD_ID 3

static size_t to_hex(const uint8_t *id, size_t len, char *hex, size_t sz)
{
	if (!sz || 2 * len + 1 > sz) {
		if (sz)
			hex[0] = '\0';
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	hex[2 * len] = '\0';
	return 2 * len;
}

static uint8_t kernel_id[PB_BUILD_ID_MAX];
static size_t kernel_id_len;
static pthread_once_t kernel_once = PTHREAD_ONCE_INIT;

/*
 * /sys/kernel/notes is the kernel's .notes section as it is: ELF notes (namesz, descsz, type,
 * then name and desc each padded to 4 bytes), not an ELF file libelf would open.
 */
static void read_kernel_id(void)
{
	uint8_t buf[4096];
	FILE *f = fopen("/sys/kernel/notes", "re");
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0, off = 0;

	if (f)
		fclose(f);
	while (off + 12 <= n) {
		uint32_t hdr[3];
		size_t name, desc;

		memcpy(hdr, buf + off, sizeof(hdr));
		name = (hdr[0] + 3ul) & ~3ul;
		desc = (hdr[1] + 3ul) & ~3ul;
		if (name > n || desc > n || off + 12 + name + desc > n)
			break;
		if (hdr[2] == NT_GNU_BUILD_ID && hdr[0] == 4 && !memcmp(buf + off + 12, "GNU", 4) &&
		    hdr[1] && hdr[1] <= PB_BUILD_ID_MAX) {
			memcpy(kernel_id, buf + off + 12 + name, hdr[1]);
			kernel_id_len = hdr[1];
			break;
		}
		off += 12 + name + desc;
	}
}

size_t pb_symbolizer__build_id(struct pb_symbolizer *s, const struct pb_mapping *m, char *hex,
			       size_t sz)
{
	struct pb_binary *bin;
	size_t n;

	if (!m) {
		pthread_once(&kernel_once, read_kernel_id);
		return to_hex(kernel_id, kernel_id_len, hex, sz);
	}
	pthread_mutex_lock(&s->lock);
	bin = pb_symbolizer_binary_for(s, m);
	n = to_hex(bin ? bin->build_id : NULL, bin ? bin->build_id_len : 0, hex, sz);
	pthread_mutex_unlock(&s->lock);
	return n;
}
