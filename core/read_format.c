// SPDX-License-Identifier: MIT
/* Saved profiles in a plugin's format (pprof): found by content or name, read by its decoder. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "session_internal.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

const char *pb_profile__input_format(const char *path, FILE *f)
{
	int c = f ? getc(f) : EOF;

	if (c != EOF)
		ungetc(c, f);
	/* 0x1f never starts folded text; gzip'd text is not folded either. */
	if (c == 0x1f || (path && (ends_with(path, ".pb.gz") || ends_with(path, ".pprof") ||
				   ends_with(path, ".pb"))))
		return "pprof";
	return "folded";
}

int pb_profile__read_format(struct pb_profile *p, const char *format, FILE *f,
			    const char *plugin_path, char *why, size_t len)
{
	struct pb_host_opts ho = { .sz = sizeof(ho), .plugin_path = plugin_path };
	const struct pb_loaded_plugin *lp = NULL;
	const struct pb_encoder *e;
	struct pb_config *cfg = NULL;
	struct pb_session *s;
	struct pb_host *host;
	char known[256];
	int err;

	if ((err = pb_host__new(&ho, &host))) {
		snprintf(why, len, "%s", strerror(-err));
		return err;
	}
	s = host->session;
	e = pb_encoder_find(s->registry, format, &lp);
	if (!e || !PB_OPTIONAL_OP(e, decode)) {
		pb_encoder_names(s->registry, known, sizeof(known));
		snprintf(why, len, "no plugin reads format '%.64s' (encoders: %.180s)", format, known);
		pb_host__free(host);
		return -EINVAL;
	}
	err = pb_config__new_for(lp->desc, &cfg);
	if (!err) {
		pb_session_capture_begin(s);
		err = e->decode(host, f, p, cfg);
		snprintf(why, len, "%s", pb_session_capture_end(s, err ? err : -EIO));
	}
	pb_config__free(cfg);
	pb_host__free(host);
	return err;
}
