// SPDX-License-Identifier: MIT
/* Pyroscope's series name app.cpu{k=v,...}, made valid for its ingest rules; each change said. */
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "http.h"

/*
 * The rules a Pyroscope server applies to what /ingest gets (its documented ingest API and
 * validation): the app name holds only [A-Za-z0-9_.-/]; label names are Prometheus label names,
 * [A-Za-z_][A-Za-z0-9_]*, and "__" starts the server's own (__name__), which it drops or refuses;
 * label values are UTF-8, and inside name= they cannot hold the characters of the key syntax
 * ({ } = , ") nor blanks or control characters. Lengths: max_label_name_length and
 * max_label_value_length default to 1024 and 2048 bytes (the value limit also applies to the
 * app name, which becomes service_name). A longer value is refused by the server, so it is cut
 * here, and the log says so.
 */
#define LABEL_NAME_MAX 1024
#define LABEL_VALUE_MAX 2048
#define APP_MAX (LABEL_VALUE_MAX - 8) /* ".cpu", ".off_cpu" or ".wall" follows */

enum part { PART_APP, PART_KEY, PART_VALUE };

/*
 * Length of the valid UTF-8 character at s, or 0. glibc's UTF-8 decoder already refuses
 * overlong forms, surrogates and code points past U+10FFFF; C.UTF-8 is used whatever the
 * process locale, and only on this thread.
 */
static size_t utf8_len(const char *s, size_t n)
{
	static __thread locale_t utf8;
	mbstate_t st = { 0 };
	locale_t old;
	size_t len;

	if (!utf8 && !(utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0)))
		return 0;
	old = uselocale(utf8);
	len = mbrtowc(NULL, s, n, &st);
	uselocale(old);
	return len == (size_t)-1 || len == (size_t)-2 || len == 0 ? 0 : len;
}

static bool ascii_ok(enum part part, unsigned char c, size_t at)
{
	bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

	switch (part) {
	case PART_APP:
		return alnum || strchr("_.-/", c);
	case PART_KEY:
		return (alnum && !(at == 0 && c >= '0' && c <= '9')) || c == '_';
	default:
		return c > 0x20 && c != 0x7f && !strchr("{}=,\"", c);
	}
}

/*
 * Writes the valid form of s[0..len) to f; returns true when it differs from s. Every byte that
 * cannot be sent becomes one '_' (an invalid UTF-8 byte too); a value is cut at a character
 * boundary within its limit; *cut says whether it was.
 */
static bool put_valid(FILE *f, enum part part, const char *s, size_t len, bool *cut)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t max = part == PART_APP ? APP_MAX : part == PART_KEY ? LABEL_NAME_MAX : LABEL_VALUE_MAX;
	size_t out = 0, i = 0;
	bool changed = false;

	*cut = false;
	/* "__x" is the server's namespace: the name keeps one leading underscore. */
	while (part == PART_KEY && len - i >= 2 && s[i] == '_' && s[i + 1] == '_')
		i++, changed = true;
	if (part == PART_KEY && i < len && s[i] >= '0' && s[i] <= '9')
		fputc('_', f), out++, changed = true;
	while (i < len) {
		size_t n = u[i] < 0x80 ? 1 : part == PART_VALUE ? utf8_len(s + i, len - i) : 0;
		bool ok = n == 1 ? ascii_ok(part, u[i], out) : n > 1;

		if (!n)
			n = 1;
		if (out + (ok ? n : 1) > max) {
			*cut = true;
			return changed;
		}
		if (ok)
			fwrite(s + i, 1, n, f), out += n;
		else
			fputc('_', f), out++, changed = true;
		i += n;
	}
	return changed;
}

/* The valid form of s[0..len) as a malloc'd string; logs what changed and why. */
static char *valid_part(const struct pb_host *host, enum part part, const char *s, size_t len,
			const char *key)
{
	static const char *const rules[] = {
		[PART_APP] = "Pyroscope app names hold only A-Z a-z 0-9 _ . - /",
		[PART_KEY] = "label names are letters, digits and _, not starting with a digit or __",
		[PART_VALUE] = "label values are UTF-8 without blanks, control characters or { } = , \"",
	};
	static const char *const what[] = { "app name", "label name", "value of label" };
	struct membuf b;
	char cut_note[96] = "";
	bool cut, changed;

	if (membuf_open(&b))
		return NULL;
	changed = put_valid(b.f, part, s, len, &cut);
	if (membuf_close(&b)) {
		membuf_free(&b);
		return NULL;
	}
	if (cut)
		snprintf(cut_note, sizeof(cut_note), "%s%zu bytes cut to %zu: over Pyroscope's default limit",
			 changed ? "; " : "", len, b.len);
	if (cut || changed)
		host->log(host->session, PB_LOG_WARN, PUSH_WHO,
			  "%s%s%s '%.*s%s' sent as '%.*s%s' (%s%s)", what[part], key ? " " : "",
			  key ? key : "", (int)(len > 60 ? 60 : len), s, len > 60 ? "..." : "",
			  (int)(b.len > 60 ? 60 : b.len), b.data, b.len > 60 ? "..." : "",
			  changed ? rules[part] : "", cut_note);
	return b.data;
}

struct labels {
	const struct pb_host *host;
	FILE *f;
	int n;
	const char *given; /* the configured labels, which win over the stacks' and host ones */
	const struct pb_label *set; /* the stacks' labels (the series), which win over host ones */
	size_t n_set;
};

static bool given_has(const char *given, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = given; p && *p;) {
		size_t len = strcspn(p, ";,");

		while (*p == ' ' && len)
			p++, len--;
		if (len > klen && !strncmp(p, key, klen) && p[klen] == '=')
			return true;
		p += len;
		p += *p != '\0';
	}
	return false;
}

static int add_label(struct labels *l, const char *key, size_t klen, const char *v, size_t vlen)
{
	char *k, *val;

	if (!klen || !vlen)
		return 0;
	k = valid_part(l->host, PART_KEY, key, klen, NULL);
	val = k ? valid_part(l->host, PART_VALUE, v, vlen, k) : NULL;
	if (!val) {
		free(k);
		return -ENOMEM;
	}
	if (k[0] && val[0])
		fprintf(l->f, "%c%s=%s", l->n++ ? ',' : '{', k, val);
	free(k);
	free(val);
	return 0;
}

static bool set_has(const struct labels *l, const char *key)
{
	for (size_t i = 0; i < l->n_set; i++)
		if (!strcmp(l->set[i].key, key))
			return true;
	return false;
}

static int add_host_label(void *ctx, const char *key, const char *value)
{
	struct labels *l = ctx;

	return given_has(l->given, key) || set_has(l, key)
		       ? 0
		       : add_label(l, key, strlen(key), value, strlen(value));
}

int pyroscope_name(const struct pb_host *host, const char *app, const char *type,
		   const char *labels, const struct pb_label *set, size_t n_set, bool host_labels,
		   char **ret)
{
	struct labels l = { .host = host, .given = labels, .set = set, .n_set = n_set };
	struct membuf name;
	char *valid_app = valid_part(host, PART_APP, app, strlen(app), NULL);
	int err = valid_app ? membuf_open(&name) : -ENOMEM;

	if (err) {
		free(valid_app);
		return err;
	}
	fprintf(name.f, "%s.%s", valid_app[0] ? valid_app : "profile-bee", type);
	free(valid_app);
	l.f = name.f;
	for (const char *p = labels; !err && p && *p;) {
		size_t len = strcspn(p, ";,"), klen;

		while (*p == ' ' && len)
			p++, len--;
		klen = strcspn(p, "=");
		if (klen < len)
			err = add_label(&l, p, klen, p + klen + 1, len - klen - 1);
		p += len;
		p += *p != '\0';
	}
	for (size_t i = 0; !err && i < n_set; i++)
		if (!given_has(labels, set[i].key))
			err = add_label(&l, set[i].key, strlen(set[i].key), set[i].value,
					strlen(set[i].value));
	if (!err && host_labels)
		err = hostinfo_for_each(add_host_label, &l);
	fputs(l.n ? "}" : "{}", name.f);
	if (!err)
		err = membuf_close(&name);
	if (err) {
		membuf_free(&name);
		return err;
	}
	*ret = name.data;
	return 0;
}
