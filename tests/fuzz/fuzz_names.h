/* SPDX-License-Identifier: MIT */
/* What the JIT symbol targets (perfmap, jitdump) check of the names their parsers hand out. */
#ifndef PB_FUZZ_NAMES_H
#define PB_FUZZ_NAMES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Names reach terminals and files: the sanitizer must leave no control byte in them. */
static inline void fuzz_check_name(const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; p && *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
}

/*
 * Looks up addresses read from the input every step bytes (the first 4 KiB): they hit the
 * input's own ranges, whose names must be clean.
 */
static inline void fuzz_probe_names(const char *(*lookup)(void *map, uint64_t addr), void *map,
				    const uint8_t *data, size_t size, size_t step)
{
	for (size_t i = 0; i + 8 <= size && i < 4096; i += step) {
		uint64_t a;

		memcpy(&a, data + i, sizeof(a));
		fuzz_check_name(lookup(map, a));
	}
}

#endif
