// SPDX-License-Identifier: MIT
/* Streams a protobuf-c message through zlib's gzip into a FILE, so the packed bytes never sit
 * whole in memory beside the message (a 100k-stack profile packs to tens of MiB). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <protobuf-c/protobuf-c.h>

#include "pprof.h"

#define CHUNK (64 * 1024)

struct gzip_sink {
	ProtobufCBuffer base; /* first: protobuf-c calls base.append with a pointer to it */
	z_stream z;
	FILE *out;
	int err;
	unsigned char buf[CHUNK];
};

static int deflate_some(struct gzip_sink *s, const uint8_t *data, size_t len, int flush)
{
	int zerr;

	s->z.next_in = (Bytef *)data;
	s->z.avail_in = (uInt)len;
	do {
		s->z.next_out = s->buf;
		s->z.avail_out = sizeof(s->buf);
		zerr = deflate(&s->z, flush);
		if (zerr == Z_STREAM_ERROR)
			return -EINVAL;
		size_t n = sizeof(s->buf) - s->z.avail_out;
		if (n && fwrite(s->buf, 1, n, s->out) != n)
			return -EIO;
	} while (s->z.avail_out == 0 || (flush == Z_FINISH && zerr != Z_STREAM_END));
	return 0;
}

static void append(ProtobufCBuffer *buffer, size_t len, const uint8_t *data)
{
	struct gzip_sink *s = (struct gzip_sink *)buffer;

	/* zlib takes uInt lengths; protobuf-c hands whole string fields, which can be larger. */
	while (!s->err && len) {
		size_t n = len > CHUNK ? CHUNK : len;

		s->err = deflate_some(s, data, n, Z_NO_FLUSH);
		data += n;
		len -= n;
	}
}

int pprof_gzip_message(const ProtobufCMessage *msg, int level, FILE *out)
{
	struct gzip_sink *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->base.append = append;
	s->out = out;
	/* 15 + 16: a gzip header and trailer instead of zlib's, as pprof readers expect. */
	if (deflateInit2(&s->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(s);
		return -ENOMEM;
	}
	protobuf_c_message_pack_to_buffer(msg, &s->base);
	err = s->err ?: deflate_some(s, NULL, 0, Z_FINISH);
	deflateEnd(&s->z);
	free(s);
	return err;
}
