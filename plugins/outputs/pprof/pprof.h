/* SPDX-License-Identifier: MIT */
/* The pprof output's encoder: a profile as a gzip'd pprof Profile message, no I/O beyond out. */
#ifndef PB_PPROF_H
#define PB_PPROF_H

#include <stdbool.h>
#include <stdint.h>

#include <profile-bee/profile-bee.h>

/* The plugin's settings, as pb_config__bind fills them from its key table. */
struct pprof_opts {
	/* Hz to assume when the profile does not know its own (folded input); 0: none. */
	int64_t frequency;
	int64_t level; /* zlib compression level, 1-9 */
};

/* What the encoder had to bend to fit pprof, for the plugin to say once. */
struct pprof_report {
	uint64_t clamped; /* counts (or their nanoseconds) past INT64_MAX, written as INT64_MAX */
};

/* Writes p to out as pprof; 0 or -errno (-EIO when out fails, -ENOMEM). */
int pprof_encode(const struct pb_profile *p, const struct pprof_opts *opts, FILE *out,
		 struct pprof_report *rep);

/* Packs msg (a protobuf-c message) into out through gzip at the given level. */
struct ProtobufCMessage;
int pprof_gzip_message(const struct ProtobufCMessage *msg, int level, FILE *out);

/* Bytes read whole (malloc'd). */
struct pprof_bytes {
	uint8_t *data;
	size_t len, cap;
};
/*
 * Reads in whole, through gunzip when it starts with gzip's magic: 0, -EFBIG past max bytes
 * (after decompression: a gzip bomb stops there), -EBADMSG for a corrupt gzip stream, -EPIPE
 * for a truncated one, -EIO, -ENOMEM.
 */
int pprof_read_all(FILE *in, size_t max, struct pprof_bytes *out);

/* The decoder: in (gzip'd or plain pprof) into p; see struct pb_encoder.decode. */
struct pb_host;
int pprof_decode(const struct pb_host *host, FILE *in, struct pb_profile *p);

#endif
