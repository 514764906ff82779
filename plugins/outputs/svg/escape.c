// SPDX-License-Identifier: MIT
/* Frame names made safe for XML and JSON: escaped, and invalid UTF-8 replaced with U+FFFD. */
#include <string.h>

#include "flamegraph.h"

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/*
 * Length of the well-formed UTF-8 sequence at s, or 0. Overlong forms, surrogates and
 * U+FFFE/U+FFFF are refused: XML parsers reject them, and one bad name must not cost the user
 * the whole file.
 */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0;
		if (c == 0xef && s[1] == 0xbf && (s[2] == 0xbe || s[2] == 0xbf))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

size_t fg_utf8_length(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p) {
		size_t len = utf8_seq(p);

		p += len ? len : 1;
		n++;
	}
	return n;
}

/* The escape for byte c in XML, or NULL when it is written as it is. */
static const char *xml_escape(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&apos;";
	}
	return c < 0x20 || c == 0x7f ? replacement : NULL;
}

void fg_put_xml(FILE *f, const char *s, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;

	for (size_t n = 0; *p && n < max_chars; n++) {
		const char *esc;
		size_t len;

		/* Plain ASCII is copied in runs: it is nearly every byte of a real profile. */
		if (*p >= 0x20 && *p < 0x7f && !(esc = xml_escape(*p))) {
			p++;
			continue;
		}
		len = *p < 0x80 ? 1 : utf8_seq(p);
		esc = *p < 0x80 ? xml_escape(*p) : (len ? NULL : replacement);
		if (!esc) {
			p += len;
			continue;
		}
		fwrite_unlocked(run, 1, p - run, f);
		fputs_unlocked(esc, f);
		p += len ? len : 1;
		run = p;
	}
	fwrite_unlocked(run, 1, p - run, f);
}

void fg_put_json(FILE *f, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *run = p;

	putc_unlocked('"', f);
	while (*p) {
		size_t len = utf8_seq(p);
		char esc[8];

		if (len > 1 || (len == 1 && *p >= 0x20 && !strchr("\"\\<>&\x7f", *p))) {
			p += len;
			continue;
		}
		fwrite_unlocked(run, 1, p - run, f);
		if (!len) {
			fputs_unlocked("\\ufffd", f);
		} else if (*p == '"' || *p == '\\') {
			putc_unlocked('\\', f);
			putc_unlocked(*p, f);
		} else {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			fwrite_unlocked(esc, 1, 6, f);
		}
		p++;
		run = p;
	}
	fwrite_unlocked(run, 1, p - run, f);
	putc_unlocked('"', f);
}
