// SPDX-License-Identifier: MIT
/* Fuzz target: JIT perf map text (perfmap.c), fed in pieces as a growing file is, then looked up.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/perfmap.h"

#include "fuzz.h"
#include "fuzz_names.h"

static const char *lookup(void *pm, uint64_t addr)
{
	return pb_perfmap__lookup(pm, addr);
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
	for (size_t i = 0; i < sizeof(probes) / sizeof(*probes); i++)
		fuzz_check_name(pb_perfmap__lookup(pm, probes[i]));
	pb_perfmap__feed(pm, (const char *)data + split, size - split);
	fuzz_probe_names(lookup, pm, data, size, 8);
	if (pb_perfmap__offset(pm) != size) /* every byte consumed (inputs are below the cap) */
		abort();
	pb_perfmap__free(pm);
	return 0;
}
