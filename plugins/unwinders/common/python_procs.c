// SPDX-License-Identifier: MIT
/* Which profiled processes run CPython: detection fills the BPF walker's py_procs map. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "python_detect.h"
#include "python_procs.h"

/*
 * Processes looked at: pid -> state, open addressing. System-wide, every sampled process is
 * looked at once; past the bound, the oldest knowledge is dropped (the table starts over) and
 * Python processes are looked at again on their next sample.
 */
#define SLOTS	 8192 /* power of two */
#define MAX_USED (SLOTS / 2)

enum { EMPTY = 0, NOT_PYTHON, PYTHON, UNSUPPORTED };

struct slot {
	uint32_t pid;
	uint8_t state;
	bool exited;	  /* forgotten after the drain that follows (its samples still come) */
	uint64_t runtime; /* PYTHON: the _PyRuntime its py_procs entry points into */
	char comm[16];	  /* NOT_PYTHON: the name it had in the sample that had it checked */
	struct pb_pyproc_info info;
};

struct pb_pyprocs {
	const struct pb_host *host;
	const char *who;
	int procs_fd;
	uint32_t mode;
	uint32_t used;
	struct slot slots[SLOTS];
};

int pb_pyprocs__new(const struct pb_host *host, const char *who, struct bpf_map *procs,
		    uint32_t mode, struct pb_pyprocs **ret)
{
	struct pb_pyprocs *pp = calloc(1, sizeof(*pp));

	if (!pp)
		return -ENOMEM;
	pp->host = host;
	pp->who = who;
	pp->procs_fd = bpf_map__fd(procs);
	pp->mode = mode;
	*ret = pp;
	return 0;
}

void pb_pyprocs__free(struct pb_pyprocs *pp)
{
	free(pp);
}

uint32_t pb_pyprocs__mode(const struct pb_pyprocs *pp)
{
	return pp ? pp->mode : PB_PYTHON_OFF;
}

static struct slot *lookup(struct pb_pyprocs *pp, uint32_t pid, bool add)
{
	uint32_t i = (pid * 2654435761u) & (SLOTS - 1);

	for (uint32_t probes = 0; probes < SLOTS; probes++, i = (i + 1) & (SLOTS - 1)) {
		if (pp->slots[i].state == EMPTY)
			break;
		if (pp->slots[i].pid == pid)
			return &pp->slots[i];
	}
	if (!add)
		return NULL;
	if (pp->used >= MAX_USED) {
		/* Forgetting all is simple and bounded; Python entries in BPF stay valid. */
		memset(pp->slots, 0, sizeof(pp->slots));
		pp->used = 0;
		i = (pid * 2654435761u) & (SLOTS - 1);
	}
	pp->used++;
	pp->slots[i].pid = pid;
	return &pp->slots[i];
}

static void fill_bpf(struct pb_pyprocs *pp, uint32_t pid, const struct pb_py_target *t)
{
	const struct pb_py_offsets *o = &t->off;
	struct pb_py_proc v = {
		.interp_head = t->runtime + o->interp_head,
		.threads_head = o->threads_head,
		.ts_next = o->ts_next,
		.ts_native_tid = o->ts_native_tid,
		.ts_cframe = o->ts_cframe,
		.cframe_frame = o->cframe_frame,
		.fr_code = o->fr_code,
		.fr_previous = o->fr_previous,
		.fr_instr = o->fr_instr,
		.fr_owner = o->fr_owner,
		.fr_is_entry = o->fr_is_entry,
		.owner_cstack = o->owner_cstack,
	};

	if (bpf_map_update_elem(pp->procs_fd, &pid, &v, BPF_ANY))
		pp->host->log(pp->host->session, PB_LOG_WARN, pp->who,
			      "python in pid %u: no room in the walker's map, native frames only",
			      pid);
}

void pb_pyprocs__check(struct pb_pyprocs *pp, uint32_t pid)
{
	struct pb_py_target t;
	struct slot *s;
	int err;

	if (!pp || pp->mode == PB_PYTHON_OFF || !pid || lookup(pp, pid, false))
		return;
	s = lookup(pp, pid, true);
	s->state = NOT_PYTHON;
	err = pb_py_detect(pid, &t);
	if (err == -ENOTSUP) {
		s->state = UNSUPPORTED;
		pp->host->log(pp->host->session, PB_LOG_WARN, pp->who,
			      "python %d.%d in pid %u: not supported, native frames only", t.major,
			      t.minor, pid);
		return;
	}
	if (err)
		return;
	s->state = PYTHON;
	s->runtime = t.runtime;
	s->info = (struct pb_pyproc_info){
		.eval_lo = t.eval_lo,
		.eval_hi = t.eval_hi,
		.code_units = t.off.co_code_adaptive,
	};
	fill_bpf(pp, pid, &t);
	pp->host->log(pp->host->session, PB_LOG_DEBUG, pp->who,
		      "python %d.%d in pid %u: interpreter frames read in BPF%s", t.major, t.minor,
		      pid, t.debug_offsets ? " (offsets from _Py_DebugOffsets)" : "");
}

void pb_pyprocs__forget(struct pb_pyprocs *pp, uint32_t pid)
{
	struct slot *s;

	if (!pp || !(s = lookup(pp, pid, false)))
		return;
	if (s->state == PYTHON)
		bpf_map_delete_elem(pp->procs_fd, &pid);
	/* A tombstone that matches no pid keeps later probes going. */
	s->pid = 0;
	s->state = NOT_PYTHON;
	s->exited = false;
}

void pb_pyprocs__exit(struct pb_pyprocs *pp, uint32_t pid)
{
	struct slot *s = pp ? lookup(pp, pid, false) : NULL;

	if (s)
		s->exited = true;
}

void pb_pyprocs__end_drain(struct pb_pyprocs *pp)
{
	if (!pp)
		return;
	for (uint32_t i = 0; i < SLOTS; i++)
		if (pp->slots[i].state != EMPTY && pp->slots[i].exited)
			pb_pyprocs__forget(pp, pp->slots[i].pid);
}

void pb_pyprocs__on_mapping(struct pb_pyprocs *pp, uint32_t pid, const struct pb_mapping *m)
{
	struct pb_py_target t;
	struct slot *s;
	const char *b;

	if (!pp || !m->path)
		return;
	b = strrchr(m->path, '/');
	b = b ? b + 1 : m->path;
	if (strncmp(b, "libpython3", 10) && strncmp(b, "python", 6))
		return;
	s = lookup(pp, pid, false);
	/* Said once per process: the same interpreter's other mappings come in too. */
	if (s && s->state == UNSUPPORTED)
		return;
	/* Each mapping of a known interpreter: the same one, or another after an exec, whose
	 * _PyRuntime is elsewhere (the core tells unwinders of exits, not of execs). */
	if (s && s->state == PYTHON && !pb_py_detect(pid, &t) && t.runtime == s->runtime)
		return;
	pb_pyprocs__forget(pp, pid);
	pb_pyprocs__check(pp, pid);
}

void pb_pyprocs__seen(struct pb_pyprocs *pp, uint32_t pid, const char *comm)
{
	struct slot *s;

	if (!pp || pp->mode == PB_PYTHON_OFF || !pid)
		return;
	s = lookup(pp, pid, false);
	/*
	 * Not Python when looked at, under another name: it exec'd since (a shell that became
	 * python, or -p given before the interpreter was loaded). Mappings tell too, but only
	 * when the process table reads them.
	 */
	if (s && s->exited)
		return;
	if (s && s->state == NOT_PYTHON && strncmp(s->comm, comm, sizeof(s->comm)))
		pb_pyprocs__forget(pp, pid);
	else if (s)
		return;
	pb_pyprocs__check(pp, pid);
	s = lookup(pp, pid, false);
	if (s && s->state == NOT_PYTHON)
		snprintf(s->comm, sizeof(s->comm), "%s", comm);
}

const struct pb_pyproc_info *pb_pyprocs__find(struct pb_pyprocs *pp, uint32_t pid)
{
	struct slot *s = pp ? lookup(pp, pid, false) : NULL;

	return s && s->state == PYTHON ? &s->info : NULL;
}
