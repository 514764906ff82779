// SPDX-License-Identifier: MIT
/* Fuzz target: jitdump records (jitdump.c), fed in pieces as a growing file is, then looked up. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/jitdump.h"

#include "fuzz.h"

/* Names reach terminals and files: the sanitizer must leave no control byte in them. */
static void check_name(const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
}

static void probe(struct pb_jitdump *jd, const uint8_t *data, size_t size)
{
	/* Addresses taken from the input hit its records' ranges (code_addr sits at 8-byte steps).
	 */
	for (size_t i = 0; i + 8 <= size && i < 4096; i += 4) {
		uint64_t a;
		const char *n;

		memcpy(&a, data + i, sizeof(a));
		n = pb_jitdump__lookup(jd, a);
		if (n)
			check_name(n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_jitdump *jd;
	struct pb_perfmap_stats st;
	size_t split = size ? data[size - 1] % (size + 1) : 0;

	if (pb_jitdump__new(&jd))
		return 0;
	/* Two reads with lookups between: a record split across them must come out whole. */
	pb_jitdump__feed(jd, data, split);
	probe(jd, data, size);
	pb_jitdump__feed(jd, data + split, size - split);
	probe(jd, data, size);
	pb_jitdump__stats(jd, &st);
	if (pb_jitdump__offset(jd) != size) /* every byte consumed (inputs are below the cap) */
		abort();
	pb_jitdump__free(jd);
	return 0;
}
