// SPDX-License-Identifier: MIT
/* Fuzz target: CPython objects copied out of a profiled process (python_code.c: str contents,
 * line tables) and the splice of interpreter frames into native stacks (python_splice.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/python_code.h"
#include "python_procs.h"

#include "fuzz.h"

#define RAW_MAX 127 /* native frames of a counted stack (PB_MAX_FRAMES) */

/* Names reach terminals and files: no control byte may come out of a str. */
static void check_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
}

static void fuzz_splice(const uint8_t *data, size_t size)
{
	static struct pb_py_stack py;
	uint64_t ips[RAW_MAX], out[RAW_MAX + PB_PY_MAX_FRAMES + 1];
	struct pb_pyproc_info pi = { .eval_lo = 0x1000, .eval_hi = 0x2000, .code_units = 192 };
	uint32_t n = 0, len;

	memset(&py, 0, sizeof(py));
	if (size >= 8) {
		memcpy(&py.n, data, 4); /* hostile counts too: the splice bounds them */
		memcpy(&py.flags, data + 4, 4);
		data += 8;
		size -= 8;
	}
	for (uint32_t i = 0; i < PB_PY_MAX_FRAMES && size >= 16; i++, data += 16, size -= 16)
		memcpy(&py.frames[i], data, 16);
	for (; n < RAW_MAX && size >= 8; n++, data += 8, size -= 8)
		memcpy(&ips[n], data, 8);
	/* Unwinders splice only with auto and only (off walks nothing). */
	for (uint32_t mode = PB_PYTHON_AUTO; mode <= PB_PYTHON_ONLY; mode += 2) {
		uint32_t py_n = py.n < PB_PY_MAX_FRAMES ? py.n : PB_PY_MAX_FRAMES;

		len = pb_py_splice(&pi, mode, ips, n, &py, out, sizeof(out) / sizeof(out[0]));
		/* Every native frame but the eval loop's, every interpreter frame, one mark. */
		if (len > n + py_n + 1)
			abort();
		for (uint32_t i = 0; i < len; i++)
			if (mode == PB_PYTHON_ONLY && !(out[i] & PB_RAW_PY_FRAME))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int minors[] = { 11, 12, 13 };
	const struct pb_py_offsets *o;
	char text[64];
	size_t split;
	uint32_t lasti;
	int line;

	if (size < 6)
		return 0;
	o = pb_py_offsets_for(3, minors[data[0] % 3]);
	split = data[1] % (size - 5);
	memcpy(&lasti, data + 2, 4);
	data += 6;
	size -= 6;
	/* The first part as a str object (at most what the symbolizer reads of one). */
	if (!pb_py_str(data, split < PB_PY_STR_READ ? split : PB_PY_STR_READ, o, text,
		       sizeof(text)))
		check_text(text, sizeof(text));
	/* The rest as a line table, asked about an index from the input and a few around 0. */
	line = pb_py_line(data + split, size - split, 42, lasti);
	for (uint32_t i = 0; i < 8; i++)
		line ^= pb_py_line(data + split, size - split, 42, i);
	(void)line;
	fuzz_splice(data, size);
	return 0;
}
