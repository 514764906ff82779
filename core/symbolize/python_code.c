// SPDX-License-Identifier: MIT
/* Decodes CPython objects copied out of a process: str contents and code line tables. */
#include <errno.h>
#include <string.h>

#include "python_code.h"

/* PyASCIIObject: length at 16, state bits at 32 (kind 2..4, compact 5, ascii 6). */
#define STR_LENGTH 16
#define STR_STATE  32

int pb_py_str(const uint8_t *obj, size_t len, const struct pb_py_offsets *o, char *out,
	      size_t cap)
{
	uint64_t n;
	uint32_t state, kind, data;
	size_t i;

	if (!cap)
		return -EINVAL;
	out[0] = '\0';
	if (len < STR_STATE + 4)
		return -EINVAL;
	memcpy(&n, obj + STR_LENGTH, sizeof(n));
	memcpy(&state, obj + STR_STATE, sizeof(state));
	kind = (state >> 2) & 7;
	if (!((state >> 5) & 1) || kind != 1)
		return -EINVAL; /* not compact, or UCS-2/4: not decoded */
	data = (state >> 6) & 1 ? o->ascii_data : o->compact_data;
	if (data >= len)
		return -EINVAL;
	if (n > len - data)
		n = len - data;
	for (i = 0; i < n && i + 1 < cap; i++) {
		uint8_t c = obj[data + i];

		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[i] = '\0';
	return 0;
}

/* An unsigned varint of 6-bit chunks, bit 6 set on all but the last (Objects/locations.md). */
static uint32_t varint(const uint8_t *t, size_t len, size_t *at)
{
	uint32_t v = 0, shift = 0;

	while (*at < len && shift < 32) {
		uint8_t b = t[(*at)++];

		v |= (uint32_t)(b & 63) << shift;
		shift += 6;
		if (!(b & 64))
			break;
	}
	return v;
}

static int32_t svarint(const uint8_t *t, size_t len, size_t *at)
{
	uint32_t v = varint(t, len, at);

	return v & 1 ? -(int32_t)(v >> 1) : (int32_t)(v >> 1);
}

int pb_py_line(const uint8_t *table, size_t len, int firstlineno, uint32_t lasti)
{
	int64_t line = firstlineno;
	uint64_t addr = 0;
	size_t at = 0;

	while (at < len) {
		uint8_t first = table[at++];
		uint32_t code = (first >> 3) & 15, units = (first & 7) + 1;
		bool none = false;

		if (!(first & 128))
			return firstlineno; /* lost sync: not an entry start */
		switch (code) {
		case 15: /* no location */
			none = true;
			break;
		case 14: /* long form: line delta, end line delta, column, end column */
			line += svarint(table, len, &at);
			varint(table, len, &at);
			varint(table, len, &at);
			varint(table, len, &at);
			break;
		case 13: /* no column */
			line += svarint(table, len, &at);
			break;
		case 12:
		case 11:
		case 10: /* one-line forms: line delta code - 10, then two column bytes */
			line += code - 10;
			at += 2;
			break;
		default: /* short forms: same line, one column byte */
			at += 1;
			break;
		}
		if (lasti < addr + units)
			return none || line < 0 || line > INT32_MAX ? firstlineno : (int)line;
		addr += units;
	}
	return firstlineno;
}
