// SPDX-License-Identifier: MIT
/* gzip for push bodies: folded text shrinks about tenfold, which matters on a metered link. */
#include <errno.h>
#include <stdlib.h>
#include <zlib.h>

#include "http.h"

int gzip_compress(const void *in, size_t len, void **out, size_t *out_len)
{
	z_stream z = { 0 };
	size_t cap;
	void *buf;
	int ret;

	/* 15 + 16: a gzip header rather than zlib's, what Content-Encoding: gzip means. */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	cap = deflateBound(&z, len);
	buf = malloc(cap ? cap : 1);
	if (!buf) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = len;
	z.next_out = buf;
	z.avail_out = cap;
	ret = deflate(&z, Z_FINISH);
	*out_len = z.total_out;
	deflateEnd(&z);
	if (ret != Z_STREAM_END) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	return 0;
}
