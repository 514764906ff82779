// SPDX-License-Identifier: MIT
/* Fuzz target: jitdump records (jitdump.c), fed in pieces as a growing file is, then looked up. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/jitdump.h"

#include "fuzz.h"
#include "fuzz_names.h"

static const char *lookup(void *jd, uint64_t addr)
{
	return pb_jitdump__lookup(jd, addr);
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
	/* Records start anywhere 4-aligned: so may their code_addr fields. */
	fuzz_probe_names(lookup, jd, data, size, 4);
	pb_jitdump__feed(jd, data + split, size - split);
	fuzz_probe_names(lookup, jd, data, size, 4);
	pb_jitdump__stats(jd, &st);
	if (pb_jitdump__offset(jd) != size) /* every byte consumed (inputs are below the cap) */
		abort();
	pb_jitdump__free(jd);
	return 0;
}
