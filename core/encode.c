// SPDX-License-Identifier: MIT
/* Every format through the one encoder of the plugin that claims it: streams and whole files. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

/* One big buffer for files: encoders emit many small pieces per frame. */
#define FILE_BUFFER (1 << 20)

/* Among the plugins loaded so far: a claim whose pattern or format is format, and its encoder. */
static const struct pb_encoder *encoder_loaded(const struct pb_plugin_registry *reg,
					       const char *format,
					       const struct pb_loaded_plugin **ret)
{
	for (size_t i = 0; i < reg->n; i++) {
		const struct pb_plugin *d = reg->items[i]->desc;

		if (d->kind != PB_PLUGIN_OUTPUT || !d->encoders)
			continue;
		for (const struct pb_output_claim *c = d->claims; c && c->pattern; c++) {
			if (strcmp(c->pattern, format) && strcmp(c->format, format))
				continue;
			*ret = reg->items[i];
			return pb_plugin_encoder(d, c->format);
		}
	}
	return NULL;
}

const struct pb_encoder *pb_encoder_find(struct pb_plugin_registry *reg, const char *format,
					 const struct pb_loaded_plugin **ret)
{
	const struct pb_encoder *e = encoder_loaded(reg, format, ret);

	/* Loads the file named for the format, or holding its extension, or at last every file. */
	if (!e && pb_plugin_registry__extension(reg, format))
		e = encoder_loaded(reg, format, ret);
	return e;
}

/*
 * Encodes with the plugin's session-wide settings (INI, --set), then settings. Callable from
 * any thread (the live server encodes on its own): the registry is locked while the encoder is
 * found, and why gets the message instead of the session's error.
 */
static int encode(struct pb_session *s, const struct pb_profile *p, const char *format,
		  FILE *out, const char *settings, char *why, size_t len)
{
	const struct pb_loaded_plugin *lp = NULL;
	const struct pb_encoder *e;
	struct pb_config *cfg = NULL;
	char section[128], known[512];
	int err;

	pthread_mutex_lock(&s->registry_lock);
	if (!(e = pb_encoder_find(s->registry, format, &lp)))
		pb_encoder_names(s->registry, known, sizeof(known));
	pthread_mutex_unlock(&s->registry_lock);
	if (!e) {
		snprintf(why, len, "no encoder for format '%.64s' (known: %.300s)", format, known);
		return -EINVAL;
	}
	snprintf(section, sizeof(section), "output.%s", lp->desc->name);
	err = pb_config__new_for(lp->desc, &cfg);
	if (!err)
		err = pb_config__copy(cfg, pb_session_section(s, section), why, len);
	if (!err && settings)
		err = pb_config__set_list(cfg, settings, NULL, why, len);
	if (!err && (err = e->encode(&s->host, p, out, cfg)))
		snprintf(why, len, "cannot write %s: %s", format, strerror(-err));
	pb_config__free(cfg);
	return err;
}

int pb_session_encode(struct pb_session *s, const struct pb_profile *p, const char *format,
		      FILE *out)
{
	char why[512];
	int err = encode(s, p, format, out, NULL, why, sizeof(why));

	if (err && err != -ENOMEM)
		pb_session_log(s, PB_LOG_ERROR, "%s", why);
	return err;
}

int pb_session__encode(struct pb_session *s, const struct pb_profile *p, const char *format,
		       FILE *out)
{
	char why[512];
	int err;

	if (!s || !p || !format || !out)
		return -EINVAL;
	if (!(err = encode(s, p, format, out, NULL, why, sizeof(why))) || err == -ENOMEM)
		return err;
	if (s->opts.errors_to_caller)
		return pb_session_fail(s, err, "%s", why);
	pb_session_log(s, PB_LOG_ERROR, "%s", why);
	return err;
}

void pb_encoder_names(struct pb_plugin_registry *reg, char *buf, size_t len)
{
	size_t used = 0;

	pb_plugin_registry__load_all(reg);
	buf[0] = '\0';
	for (size_t i = 0; i < reg->n && used < len; i++)
		for (const struct pb_encoder *e = reg->items[i]->desc->encoders;
		     e && e->format && used < len; e++)
			used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "", e->format);
	if (!buf[0])
		snprintf(buf, len, "none found");
}

int pb_encode_file(const struct pb_host *host, const struct pb_encoder *e,
		   const struct pb_profile *p, const char *path, const struct pb_config *cfg)
{
	struct pb_atomic_file af;
	char *buf;
	int err = pb_atomic_file__open(path, &af);

	if (err)
		return err;
	if ((buf = malloc(FILE_BUFFER)))
		setvbuf(af.f, buf, _IOFBF, FILE_BUFFER);
	err = e->encode(host, p, af.f, cfg);
	if (err)
		pb_atomic_file__abort(&af);
	else
		err = pb_atomic_file__commit(&af);
	free(buf); /* only once the stream that used it is closed */
	return err;
}

/* A session that never samples: its registry finds the encoder, its host serves the plugin. */
int pb_profile__write_format(const struct pb_profile *p, const char *format, FILE *out,
			     const struct pb_render_opts *opts)
{
	struct pb_render_opts o = { 0 };
	struct pb_session_opts so = { .sz = sizeof(so), .quiet = true, .errors_to_caller = true };
	struct pb_session *s = NULL;
	char why[512];
	int err;

	if (!p || !format || !out)
		return -EINVAL;
	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	so.plugin_path = o.plugin_path;
	if ((err = pb_session__new(&so, &s)))
		return err;
	/* The caller reports the error (it has only the -errno): the reason is said at debug. */
	if ((err = encode(s, p, format, out, o.settings, why, sizeof(why))))
		pb_session_log(s, PB_LOG_DEBUG, "%s", why);
	pb_session__free(s);
	return err;
}
