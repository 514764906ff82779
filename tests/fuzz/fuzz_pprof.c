// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the pprof reader (plugins/outputs/pprof/decode.c) on gzip'd or plain input from
 * outside, then our encoder on whatever it read. Whatever comes in: no crash, bounded memory,
 * and a profile that was read encodes again.
 */
#include <stdio.h>
#include <stdlib.h>

#include <profile-bee/plugin.h>

#include "fuzz.h"
#include "pprof.h"

static struct pb_host *host;

static void quiet(void *ctx, enum pb_log_level level, const char *who, const char *msg)
{
	(void)ctx;
	(void)level;
	(void)who;
	(void)msg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct pb_host_opts ho = { .sz = sizeof(ho), .log = quiet };

	(void)argc;
	(void)argv;
	if (pb_host__new(&ho, &host))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pprof_opts opts = { .frequency = 0, .level = 1 };
	struct pprof_report rep;
	struct pb_profile *p;
	FILE *in = fmemopen((void *)data, size, "r"), *out;

	if (!in)
		return 0;
	if (pb_profile__new(&p))
		abort();
	if (!pprof_decode(host, in, p) && (out = fopen("/dev/null", "w"))) {
		if (pprof_encode(p, &opts, out, &rep))
			abort(); /* a profile that was read must encode */
		fclose(out);
	}
	fclose(in);
	pb_profile__free(p);
	return 0;
}
