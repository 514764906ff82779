/* SPDX-License-Identifier: MIT */
/* A profile as text, for tests to compare: folded, or any format the library writes. */
#ifndef PB_TEST_PROFILE_TEXT_H
#define PB_TEST_PROFILE_TEXT_H

#include <stdio.h>
#include <stdlib.h>

#include <profile-bee/profile-bee.h>

/* format NULL: pb_profile__write_folded; else pb_profile__write_format. malloc'd, NULL on error. */
static inline char *profile_text(const struct pb_profile *p, const char *format)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return NULL;
	if (format)
		err = pb_profile__write_format(p, format, f, NULL);
	else
		err = pb_profile__write_folded(p, f);
	fclose(f);
	if (err) {
		free(buf);
		return NULL;
	}
	return buf;
}

#endif
