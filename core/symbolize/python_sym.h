/* SPDX-License-Identifier: MIT */
/* Names the interpreter frames unwinders put in user stacks (PB_RAW_PY_FRAME words). */
#ifndef PB_PYTHON_SYM_H
#define PB_PYTHON_SYM_H

#include <stdbool.h>
#include <stdint.h>

#include "strpool.h"
#include "u64map.h"

/* Per process: its CPython's offsets and the code objects named so far. */
struct pb_pysym {
	struct pb_u64map procs; /* pid -> struct py_proc */
};

/*
 * "qualname (file.py:line)" for word (a PB_RAW_PY_FRAME) in pid, interned in pool;
 * "[python]" when the code object cannot be read, "[truncated]" for the truncation mark; NULL
 * when pid is not a Python process (the word is then no interpreter frame at all).
 */
const char *pb_pysym_name(struct pb_pysym *ps, struct pb_strpool *pool, uint32_t pid,
			  uint64_t word);
/*
 * pid exited or exec'd: its code objects are dropped at the next pb_pysym_end_window, after
 * the window's stacks (sampled before the exit) were named.
 */
void pb_pysym_forget(struct pb_pysym *ps, uint32_t pid);
void pb_pysym_end_window(struct pb_pysym *ps);
void pb_pysym_clear(struct pb_pysym *ps);

#endif
