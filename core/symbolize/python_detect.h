/* SPDX-License-Identifier: MIT */
/* Finds CPython in a process: version, _PyRuntime, the eval loop, and the offsets to read it. */
#ifndef PB_PYTHON_DETECT_H
#define PB_PYTHON_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PB_PY_NONE 0xffff /* a field this version does not have */

/* Offsets in bytes of what the BPF walker and the code-object decoder read, per version. */
struct pb_py_offsets {
	uint16_t interp_head;	/* _PyRuntimeState: interpreters.head */
	uint16_t threads_head;	/* PyInterpreterState: threads.head */
	uint16_t ts_next;	/* PyThreadState: next */
	uint16_t ts_native_tid; /* PyThreadState: native_thread_id */
	uint16_t ts_cframe;	/* PyThreadState: cframe, or current_frame (3.13) */
	uint16_t cframe_frame;	/* _PyCFrame: current_frame; PB_PY_NONE when ts_cframe is it */
	uint16_t fr_code;	/* _PyInterpreterFrame: f_code / f_executable */
	uint16_t fr_previous;
	uint16_t fr_instr;	/* prev_instr (3.11, 3.12) / instr_ptr (3.13) */
	uint16_t fr_owner;
	uint16_t fr_is_entry;	/* 3.11 only */
	uint8_t owner_cstack;	/* owner of 3.12+ shim frames; 0xff: none */
	uint16_t co_filename;
	uint16_t co_qualname;
	uint16_t co_linetable;
	uint16_t co_firstlineno;
	uint16_t co_code_adaptive; /* where the code units start in the code object */
	uint16_t ascii_data;	   /* compact ASCII str: where its characters start */
	uint16_t compact_data;	   /* compact non-ASCII str: where its characters start */
};

struct pb_py_target {
	int major, minor;
	uint64_t runtime;	   /* address of _PyRuntime in the process */
	uint64_t eval_lo, eval_hi; /* _PyEval_EvalFrameDefault's code in the process */
	bool debug_offsets;	   /* offsets read from the process's _Py_DebugOffsets */
	bool free_threaded;	   /* a free-threaded (no GIL) build: not supported */
	struct pb_py_offsets off;
};

/*
 * Looks for CPython in pid (a mapped libpython, or a python executable exporting _PyRuntime).
 * 0: supported, t filled; -ENOTSUP: CPython t->major.t->minor, which is not supported;
 * -ENOENT: no CPython (or the process is gone).
 */
int pb_py_detect(uint32_t pid, struct pb_py_target *t);

/* Reads len bytes at addr in pid: 0, or -EFAULT when any of them cannot be read. */
int pb_py_read(uint32_t pid, uint64_t addr, void *buf, size_t len);

/* The offsets of a version from the table (NULL: not supported), for tests and 3.13 fallback. */
const struct pb_py_offsets *pb_py_offsets_for(int major, int minor);

#endif
