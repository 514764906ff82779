// SPDX-License-Identifier: MIT
/* String interning on top of pb_u64map; colliding hashes chain. */
#include <stdlib.h>
#include <string.h>
#include "strpool.h"

struct strpool_node {
	struct strpool_node *next;
	char text[];
};

const char *pb_strpool_intern(struct pb_strpool *p, const char *s)
{
	size_t len = strlen(s);
	uint64_t h = pb_hash64(s, len, 0);
	struct strpool_node *head = pb_u64map_get(&p->by_hash, h), *n;

	for (n = head; n; n = n->next)
		if (!strcmp(n->text, s))
			return n->text;
	n = malloc(sizeof(*n) + len + 1);
	if (!n)
		return NULL;
	memcpy(n->text, s, len + 1);
	n->next = head;
	if (pb_u64map_put(&p->by_hash, h, n)) {
		free(n);
		return NULL;
	}
	p->bytes += sizeof(*n) + len + 1;
	return n->text;
}

void pb_strpool_clear(struct pb_strpool *p)
{
	for (size_t i = 0; i < p->by_hash.cap; i++) {
		struct strpool_node *n = p->by_hash.slots[i].val;

		while (n) {
			struct strpool_node *next = n->next;

			free(n);
			n = next;
		}
	}
	pb_u64map_clear(&p->by_hash);
	p->bytes = 0;
}
