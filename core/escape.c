// SPDX-License-Identifier: MIT
/* Text from outside made safe for a terminal: control characters escaped, length bounded. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c;

	if (s[0] < 0x80)
		return *cp = s[0], 1;
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
	/* Overlong forms, surrogates and past U+10FFFF are not text. */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * Code points a terminal acts on instead of showing: C0 and DEL (ESC starts the sequences that
 * clear the screen or move the cursor; CR rewrites the line), C1 (0x9b is a CSI on its own), and
 * the bidirectional overrides and isolates that make a line read differently from its bytes.
 */
static bool acts(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069);
}

/* The next character of s as printed: itself, or its escape in esc. Its byte length in *clen. */
static size_t piece(const unsigned char *s, size_t n, char esc[12], const char **p, size_t *clen)
{
	uint32_t cp;

	*clen = utf8_len(s, n, &cp);
	*p = esc;
	if (!*clen) {
		*clen = 1;
		return (size_t)snprintf(esc, 12, "\\x%02x", s[0]);
	}
	if (cp == '\n' || cp == '\r' || cp == '\t')
		return (size_t)snprintf(esc, 12, "\\%c", cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't');
	if (acts(cp))
		return (size_t)snprintf(esc, 12, cp < 0x80 ? "\\x%02x" : "\\u%04x", (unsigned)cp);
	*p = (const char *)s;
	return *clen;
}

/*
 * Copies n bytes of src into dst (len bytes, always terminated) with every such character, and
 * every byte that is not UTF-8, written as an escape (\n, \r, \t, \xNN, \uNNNN): what is printed
 * is one line, and shows what was sent. When it does not fit, it is cut at a whole character
 * or escape and ends with "...". Returns the length written.
 */
size_t pb_escape(char *dst, size_t len, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t out = 0, total = 0, clen, elen, reserve;
	const char *p;
	char esc[12];

	if (!len)
		return 0;
	for (size_t i = 0; i < n; i += clen)
		total += piece(s + i, n - i, esc, &p, &clen);
	reserve = total + 1 > len ? 3 : 0; /* room for "..." */
	for (size_t i = 0; i < n; i += clen) {
		elen = piece(s + i, n - i, esc, &p, &clen);
		if (out + elen + reserve + 1 > len)
			break;
		memcpy(dst + out, p, elen);
		out += elen;
	}
	if (reserve && out + 4 <= len) {
		memcpy(dst + out, "...", 3);
		out += 3;
	}
	dst[out] = '\0';
	return out;
}

void pb_vformat_escaped(char *dst, size_t len, const char *fmt, va_list ap)
{
	char raw[4096];
	int n = vsnprintf(raw, sizeof(raw), fmt, ap);

	if (n < 0)
		n = 0;
	/* A message longer than raw was cut already: pb_escape adds the "..." when it cuts. */
	pb_escape(dst, len, raw, (size_t)n < sizeof(raw) ? (size_t)n : sizeof(raw) - 1);
}
