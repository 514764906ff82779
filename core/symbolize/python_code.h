/* SPDX-License-Identifier: MIT */
/* Decodes CPython objects copied out of a process: str contents and code line tables. */
#ifndef PB_PYTHON_CODE_H
#define PB_PYTHON_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "python_detect.h"

/* Bytes of a str object read at most (header + characters). */
#define PB_PY_STR_READ 256

/*
 * The text of a str whose first len bytes (of at most PB_PY_STR_READ) are obj, into out (cap
 * bytes, NUL-terminated, non-ASCII characters as '?', cut at what was read). 0, or -EINVAL when
 * it is not a compact str.
 */
int pb_py_str(const uint8_t *obj, size_t len, const struct pb_py_offsets *o, char *out,
	      size_t cap);

/*
 * The line of code unit index lasti in a 3.11+ location table (co_linetable) of len bytes,
 * starting at firstlineno; firstlineno when the table says nothing for it or ends early.
 */
int pb_py_line(const uint8_t *table, size_t len, int firstlineno, uint32_t lasti);

#endif
