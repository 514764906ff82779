// SPDX-License-Identifier: MIT
/* Pyroscope's series name app.cpu{k=v,...}, made valid for its ingest rules; each change said. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
#define APP_MAX (LABEL_VALUE_MAX - 4) /* ".cpu" follows */

enum part { PART_APP, PART_KEY, PART_VALUE };

/* Length of the valid UTF-8 sequence at s (1-4), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
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
		size_t n = u[i] < 0x80 ? 1 : part == PART_VALUE ? utf8_len(u + i, len - i) : 0;
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
		host->log(host->session, PB_LOG_WARN, HTTP_WHO,
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
	const char *given; /* the configured labels, which win over host ones */
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

static int add_host_label(void *ctx, const char *key, const char *value)
{
	struct labels *l = ctx;

	return given_has(l->given, key) ? 0 : add_label(l, key, strlen(key), value, strlen(value));
}

int pyroscope_name(const struct pb_host *host, const char *app, const char *labels,
		   bool host_labels, char **ret)
{
	struct labels l = { .host = host, .given = labels };
	struct membuf name;
	char *valid_app = valid_part(host, PART_APP, app, strlen(app), NULL);
	int err = valid_app ? membuf_open(&name) : -ENOMEM;

	if (err) {
		free(valid_app);
		return err;
	}
	fprintf(name.f, "%s.cpu", valid_app[0] ? valid_app : "profile-bee");
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
