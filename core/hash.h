/* SPDX-License-Identifier: MIT */
/* Small non-cryptographic hashes for the core's hash tables. */
#ifndef PB_HASH_H
#define PB_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t pb_hash_u64(uint64_t x)
{
	/* splitmix64 finalizer: cheap and mixes every input bit into every output bit */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline uint64_t pb_hash_bytes(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a, finished with a mix for the low bits */

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return pb_hash_u64(h);
}

#endif
