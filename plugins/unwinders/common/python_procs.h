/* SPDX-License-Identifier: MIT */
/* Which profiled processes run CPython: detection fills the BPF walker's py_procs map. */
#ifndef PB_UNWINDER_PYTHON_PROCS_H
#define PB_UNWINDER_PYTHON_PROCS_H

#include <stdint.h>
#include <bpf/libbpf.h>
#include <profile-bee/plugin.h>

#include "python.h"

struct pb_pyprocs;

/* What splicing needs of one CPython process. */
struct pb_pyproc_info {
	uint64_t eval_lo, eval_hi; /* _PyEval_EvalFrameDefault */
	uint16_t code_units;	   /* offset of the code units in a code object */
};

/* mode: PB_PYTHON_*; procs: the program's py_procs map (after load). */
int pb_pyprocs__new(const struct pb_host *host, const char *who, struct bpf_map *procs,
		    uint32_t mode, struct pb_pyprocs **ret);
void pb_pyprocs__free(struct pb_pyprocs *pp);

/* Looks at pid once (again after forget): a supported CPython gets its py_procs entry. */
void pb_pyprocs__check(struct pb_pyprocs *pp, uint32_t pid);
/* pid mapped a new interpreter (exec): forget what was found. */
void pb_pyprocs__forget(struct pb_pyprocs *pp, uint32_t pid);
/*
 * pid exited: forgotten at the end of the next drain, which still hands out its last samples
 * (the core learns of exits before it drains).
 */
void pb_pyprocs__exit(struct pb_pyprocs *pp, uint32_t pid);
void pb_pyprocs__end_drain(struct pb_pyprocs *pp);
/* A mapping of pid: a libpython or python executable makes pid checked again. */
void pb_pyprocs__on_mapping(struct pb_pyprocs *pp, uint32_t pid, const struct pb_mapping *m);
/* A sample of pid named comm: pid is checked when new, or when it was not Python under
 * another name (it exec'd). */
void pb_pyprocs__seen(struct pb_pyprocs *pp, uint32_t pid, const char *comm);
/* pid's CPython, or NULL when it has none the walker reads. */
const struct pb_pyproc_info *pb_pyprocs__find(struct pb_pyprocs *pp, uint32_t pid);
uint32_t pb_pyprocs__mode(const struct pb_pyprocs *pp);

/*
 * The user frames of one sample into out (cap words, leaf first): native ips (n of them) with
 * each _PyEval_EvalFrameDefault frame replaced by the interpreter frames that call ran, as
 * PB_RAW_PY_FRAME words; frames the native walk did not reach go at the root end. With
 * PB_PYTHON_ONLY, the interpreter frames alone. Returns the count written.
 */
uint32_t pb_py_splice(const struct pb_pyproc_info *pi, uint32_t mode, const uint64_t *ips,
		      uint32_t n, const struct pb_py_stack *py, uint64_t *out, uint32_t cap);

/*
 * A sample of a CPython process (pi) with the interpreter frames py: raw's user frames become
 * the spliced ones, written to buf (cap words; raw->user_ips points there after), as every
 * unwinder hands them to the core.
 */
void pb_py_splice_raw(const struct pb_pyproc_info *pi, uint32_t mode, const struct pb_py_stack *py,
		      struct pb_raw_stack *raw, uint64_t *buf, uint32_t cap);

#endif
