// SPDX-License-Identifier: MIT
/* A window in memory as the session's encoder writes it, gzip-compressed for the store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "s3.h"

/* windowBits 15 plus 16: a gzip header and trailer, so `zcat` and `gunzip` read the object. */
#define GZIP_WINDOW_BITS (15 + 16)

static int gzip_buffer(const void *in, size_t in_len, void **out, size_t *out_len)
{
	z_stream z = { 0 };
	size_t cap;
	void *buf;
	int rc;

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WINDOW_BITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	cap = deflateBound(&z, in_len);
	if (!(buf = malloc(cap))) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = in_len;
	z.next_out = buf;
	z.avail_out = cap;
	rc = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	*out_len = z.total_out;
	return 0;
}

int s3_render(const struct pb_host *host, const struct pb_profile *p, const char *format,
	      bool gzip, void **buf, size_t *len)
{
	char *text = NULL;
	size_t text_len = 0;
	FILE *f = open_memstream(&text, &text_len);
	int err;

	if (!f)
		return -ENOMEM;
	/* In memory: the encoder writes to the stream, so nothing goes through a file. */
	err = host->encode(host->session, p, format, f);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		free(text);
		return err;
	}
	if (!gzip) {
		*buf = text;
		*len = text_len;
		return 0;
	}
	err = gzip_buffer(text, text_len, buf, len);
	free(text);
	return err;
}
