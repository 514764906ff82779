// SPDX-License-Identifier: MIT
/* Which plugin handles an unwinder, a section or an -o target, dlopen()ing only what it takes. */
#include <string.h>

#include "plugin_file.h"
#include "plugin_loader.h"

enum how { BY_NAME, BY_SCHEME, BY_OTHER };

static const struct pb_loaded_plugin *loaded(const struct pb_plugin_registry *reg,
					     enum pb_plugin_kind kind, const char *name)
{
	for (size_t i = 0; i < reg->n; i++)
		if (reg->items[i]->desc->kind == kind && !strcmp(reg->items[i]->desc->name, name))
			return reg->items[i];
	return NULL;
}

static bool named(const struct pb_plugin_file *f, int kind, const char *a, const char *b)
{
	return !f->tried && f->kind == kind && f->name &&
	       ((a && !strcmp(f->name, a)) || (b && !strcmp(f->name, b)));
}

/*
 * Files named for the plugin first; then files of its kind that hold its name as a string (a
 * file may hold several plugins: output-http.so has serve and push); a file named otherwise
 * (not KIND-NAME.so) may still hold it. Files that cannot hold it are left alone.
 */
const struct pb_loaded_plugin *pb_plugin_registry__find(struct pb_plugin_registry *reg,
							enum pb_plugin_kind kind, const char *name)
{
	const struct pb_loaded_plugin *lp = loaded(reg, kind, name);

	for (size_t i = 0; !lp && i < reg->n_files; i++)
		if (named(&reg->files[i], kind, name, NULL))
			lp = pb_plugin_registry__load_file(reg, i) ? loaded(reg, kind, name) : NULL;
	for (size_t i = 0; !lp && i < reg->n_files; i++) {
		const struct pb_plugin_file *f = &reg->files[i];

		if (!f->tried && (f->kind < 0 || (f->kind == (int)kind &&
						  pb_plugin_file_has(f->path, name))))
			lp = pb_plugin_registry__load_file(reg, i) ? loaded(reg, kind, name) : NULL;
	}
	return lp;
}

static bool is_scheme(const char *pattern)
{
	size_t n = strlen(pattern);

	return n > 3 && !strcmp(pattern + n - 3, "://");
}

static bool claim_matches(const char *pattern, const char *target)
{
	size_t plen = strlen(pattern), tlen = strlen(target);

	if (pattern[0] == '.') /* an extension */
		return tlen > plen && !strcmp(target + tlen - plen, pattern);
	if (is_scheme(pattern))
		return !strncmp(target, pattern, plen);
	return !strcmp(target, pattern); /* a format name, or "-" */
}

/*
 * Among the plugins loaded so far: a plugin's own name ("s3", "svg", whose first claim says the
 * format), then URL schemes, then the rest, so "s3://b/x.folded" goes to s3, not to .folded.
 */
static const struct pb_loaded_plugin *match_loaded(const struct pb_plugin_registry *reg,
						   const char *target, enum how how,
						   const char **format)
{
	for (size_t i = 0; i < reg->n; i++) {
		const struct pb_plugin *d = reg->items[i]->desc;

		if (d->kind != PB_PLUGIN_OUTPUT || !d->claims || !d->claims[0].pattern)
			continue;
		for (const struct pb_output_claim *c = d->claims; c->pattern; c++) {
			if (how == BY_NAME ? strcmp(d->name, target) != 0
					   : is_scheme(c->pattern) != (how == BY_SCHEME) ||
						 !claim_matches(c->pattern, target))
				continue;
			if (format)
				*format = how == BY_NAME ? d->claims[0].format : c->format;
			return reg->items[i];
		}
	}
	return NULL;
}

/*
 * One sort of claim: the loaded plugins, then the output files named for it (hint, hint2),
 * then the files that hold the claim's text as a string, each loaded and asked in turn.
 */
static const struct pb_loaded_plugin *probe(struct pb_plugin_registry *reg, const char *target,
					    enum how how, const char *hint, const char *hint2,
					    const char *needle, const char **format)
{
	const struct pb_loaded_plugin *lp = match_loaded(reg, target, how, format);

	for (size_t i = 0; !lp && (hint || hint2) && i < reg->n_files; i++)
		if (named(&reg->files[i], PB_PLUGIN_OUTPUT, hint, hint2) &&
		    pb_plugin_registry__load_file(reg, i))
			lp = match_loaded(reg, target, how, format);
	for (size_t i = 0; !lp && needle && i < reg->n_files; i++) {
		const struct pb_plugin_file *f = &reg->files[i];

		if (!f->tried && f->kind != PB_PLUGIN_UNWINDER &&
		    pb_plugin_file_has(f->path, needle) && pb_plugin_registry__load_file(reg, i))
			lp = match_loaded(reg, target, how, format);
	}
	return lp;
}

static bool is_word(const char *s)
{
	return s[0] &&
	       s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")] ==
		   '\0';
}

const struct pb_loaded_plugin *pb_plugin_registry__match_output(struct pb_plugin_registry *reg,
								const char *target,
								const char **format)
{
	const char *colon = strstr(target, "://"), *slash = strrchr(target, '/');
	const char *dot = strrchr(target, '.');
	const struct pb_loaded_plugin *lp = NULL;
	char word[64], plain[64], needle[80];
	size_t n;

	/*
	 * "-" (stdout, folded by convention) is a string in nearly every plugin: asking the
	 * folded file first keeps a default run from loading every plugin's libraries.
	 */
	if (!strcmp(target, "-"))
		lp = probe(reg, target, BY_OTHER, "folded", NULL, NULL, format);
	if (!lp && is_word(target))
		lp = probe(reg, target, BY_NAME, target, NULL, target, format);
	n = colon ? (size_t)(colon - target) : 0;
	if (!lp && n && n < sizeof(word)) {
		snprintf(word, sizeof(word), "%.*s", (int)n, target);
		/* The TLS variant of a scheme (https) may come with the plain one's plugin. */
		snprintf(plain, sizeof(plain), "%.*s", (int)(n - (n > 1 && word[n - 1] == 's')),
			 target);
		snprintf(needle, sizeof(needle), "%s://", word);
		lp = probe(reg, target, BY_SCHEME, word, plain, needle, format);
	}
	if (!lp && dot && (!slash || dot > slash) && strlen(dot) < sizeof(needle))
		lp = probe(reg, target, BY_OTHER, dot + 1, NULL, dot, format);
	else if (!lp && strlen(target) < sizeof(needle))
		lp = probe(reg, target, BY_OTHER, NULL, NULL, target, format);
	if (lp)
		return lp;
	/* Nothing named for it nor holding its text: every file, in the usual order. */
	pb_plugin_registry__load_all(reg);
	if (!(lp = match_loaded(reg, target, BY_NAME, format)) &&
	    !(lp = match_loaded(reg, target, BY_SCHEME, format)))
		lp = match_loaded(reg, target, BY_OTHER, format);
	return lp;
}

static const char *extension_loaded(const struct pb_plugin_registry *reg, const char *format)
{
	for (size_t i = 0; i < reg->n; i++) {
		const struct pb_plugin *d = reg->items[i]->desc;

		if (d->kind != PB_PLUGIN_OUTPUT || !d->claims)
			continue;
		for (const struct pb_output_claim *c = d->claims; c->pattern; c++)
			if (c->pattern[0] == '.' &&
			    (!strcmp(c->pattern, format) || !strcmp(c->format, format)))
				return c->pattern;
	}
	return NULL;
}

/* As for targets: loaded plugins, the file named for the format, files holding ".format". */
const char *pb_plugin_registry__extension(struct pb_plugin_registry *reg, const char *format)
{
	const char *word = format[0] == '.' ? format + 1 : format, *ext;
	char needle[80];

	if ((ext = extension_loaded(reg, format)) || strlen(word) + 2 > sizeof(needle))
		return ext;
	snprintf(needle, sizeof(needle), ".%s", word);
	for (size_t i = 0; !ext && i < reg->n_files; i++)
		if (named(&reg->files[i], PB_PLUGIN_OUTPUT, word, NULL) &&
		    pb_plugin_registry__load_file(reg, i))
			ext = extension_loaded(reg, format);
	for (size_t i = 0; !ext && i < reg->n_files; i++)
		if (!reg->files[i].tried && reg->files[i].kind != PB_PLUGIN_UNWINDER &&
		    pb_plugin_file_has(reg->files[i].path, needle) &&
		    pb_plugin_registry__load_file(reg, i))
			ext = extension_loaded(reg, format);
	if (!ext) {
		pb_plugin_registry__load_all(reg);
		ext = extension_loaded(reg, format);
	}
	return ext;
}

void pb_plugin_registry__names(struct pb_plugin_registry *reg, enum pb_plugin_kind kind,
			       bool claims, char *buf, size_t len)
{
	size_t used = 0;

	/* Only asked for when something was not found: the list must be whole. */
	pb_plugin_registry__load_all(reg);
	buf[0] = '\0';
	for (size_t i = 0; i < reg->n && used < len; i++) {
		const struct pb_plugin *d = reg->items[i]->desc;

		if (d->kind != kind)
			continue;
		if (!claims) {
			used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "", d->name);
			continue;
		}
		for (const struct pb_output_claim *c = d->claims; c && c->pattern && used < len;
		     c++)
			used +=
			    snprintf(buf + used, len - used, "%s%s", used ? ", " : "", c->pattern);
	}
	if (!buf[0])
		snprintf(buf, len, "none found");
}
