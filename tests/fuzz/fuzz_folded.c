// SPDX-License-Identifier: MIT
/* Fuzz target: the folded reader (--input), and that what it read writes and reads back. */
#include <stdio.h>
#include <stdlib.h>

#include <profile-bee/profile-bee.h>

#include "fuzz.h"

static struct pb_profile *read_profile(const void *data, size_t size)
{
	struct pb_folded_report rep;
	struct pb_profile *p;
	FILE *f;

	if (pb_profile__new(&p))
		return NULL;
	/* fmemopen refuses a zero-sized buffer: an empty input reads as /dev/null. */
	f = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
	if (!f || pb_profile__read_folded(p, f, &rep)) {
		if (f)
			fclose(f);
		pb_profile__free(p);
		return NULL;
	}
	fclose(f);
	if (rep.malformed > rep.lines)
		abort();
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_profile *p = read_profile(data, size), *again;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (!p)
		return 0;
	out = open_memstream(&text, &len);
	if (!out || pb_profile__write_folded(p, out)) {
		if (out)
			fclose(out);
		free(text);
		pb_profile__free(p);
		return 0;
	}
	fclose(out);
	/* The folded text is the canonical serialization: writing loses no sample. */
	again = read_profile(text, len);
	if (again && pb_profile__total(again) != pb_profile__total(p)) {
		fprintf(stderr, "round trip: %llu samples read, %llu after writing\n",
			(unsigned long long)pb_profile__total(p),
			(unsigned long long)pb_profile__total(again));
		abort();
	}
	pb_profile__free(again);
	pb_profile__free(p);
	free(text);
	return 0;
}
