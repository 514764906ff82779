/* SPDX-License-Identifier: MIT */
/* Interned strings that live as long as their pool: each distinct text is stored once. */
#ifndef PB_STRPOOL_H
#define PB_STRPOOL_H

#include "u64map.h"

struct pb_strpool {
	struct pb_u64map by_hash; /* hash -> struct strpool_node chain */
	size_t bytes;		  /* held by the nodes */
};

/* The pool's copy of s, or NULL on allocation failure. */
const char *pb_strpool_intern(struct pb_strpool *p, const char *s);
void pb_strpool_clear(struct pb_strpool *p);

#endif
