// SPDX-License-Identifier: MIT
/* Fuzz target: JIT perf map text (perfmap.c), fed in pieces as a growing file is, then looked up.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/perfmap.h"

#include "fuzz.h"

/* Names reach terminals and files: the sanitizer must leave no control byte in them. */
static void check_name(const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_perfmap *pm;
	uint64_t probes[] = {0, 1, 0x1000, 0x7fffffffffffull, UINT64_MAX};
	size_t split = size ? data[0] % (size + 1) : 0;

	if (pb_perfmap__new(&pm))
		return 0;
	/* Two reads with a lookup between: the flattened ranges merge with later lines. */
	pb_perfmap__feed(pm, (const char *)data, split);
	for (size_t i = 0; i < sizeof(probes) / sizeof(*probes); i++) {
		const char *n = pb_perfmap__lookup(pm, probes[i]);

		if (n)
			check_name(n);
	}
	pb_perfmap__feed(pm, (const char *)data + split, size - split);
	/* Lookups at addresses taken from the input hit its entries' ranges: names stay clean. */
	for (size_t i = 0; i + 8 <= size && i < 4096; i += 8) {
		uint64_t a;
		const char *n;

		memcpy(&a, data + i, sizeof(a));
		n = pb_perfmap__lookup(pm, a);
		if (n)
			check_name(n);
	}
	if (pb_perfmap__offset(pm) != size) /* every byte consumed (inputs are below the cap) */
		abort();
	pb_perfmap__free(pm);
	return 0;
}
