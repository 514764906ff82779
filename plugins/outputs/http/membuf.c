// SPDX-License-Identifier: MIT
/* Heap buffers written through stdio, so renderers can write to a socket's body or a file alike. */
#include <errno.h>
#include <stdlib.h>

#include "http.h"

int membuf_open(struct membuf *b)
{
	b->data = NULL;
	b->len = 0;
	b->f = open_memstream(&b->data, &b->len);
	return b->f ? 0 : -errno;
}

int membuf_close(struct membuf *b)
{
	int err = 0;

	if (!b->f)
		return 0;
	if (ferror(b->f))
		err = -EIO;
	if (fclose(b->f) && !err)
		err = -ENOMEM;
	b->f = NULL;
	return err;
}

void membuf_free(struct membuf *b)
{
	if (!b)
		return;
	membuf_close(b);
	free(b->data);
	b->data = NULL;
	b->len = 0;
}
