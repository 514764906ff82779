// SPDX-License-Identifier: MIT
/* Names the interpreter frames unwinders put in user stacks, reading code objects once each. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profile-bee/plugin.h>

#include "python_code.h"
#include "python_detect.h"
#include "python_sym.h"

/* Bounds on what one code object may cost: a bigger line table is read up to here. */
#define LINETABLE_MAX 16384
#define CODE_READ     256 /* the code object's header and fields */
/* Code objects named per process at most; past it, the cache starts over. */
#define CODES_MAX 65536

struct py_code {
	char *label;	  /* "qualname (file" */
	uint8_t *table;	  /* co_linetable's bytes */
	uint32_t table_len;
	int firstlineno;
};

struct py_proc {
	bool ok;    /* detection found a supported CPython */
	bool stale; /* exited or exec'd: dropped at the end of the window */
	struct pb_py_target t;
	struct pb_u64map codes; /* code address -> struct py_code */
};

static void free_codes(struct py_proc *p)
{
	for (size_t i = 0; i < p->codes.cap; i++) {
		struct py_code *c = p->codes.slots[i].val;

		if (c) {
			free(c->label);
			free(c->table);
			free(c);
		}
	}
	pb_u64map_clear(&p->codes);
}

static struct py_proc *proc_for(struct pb_pysym *ps, uint32_t pid)
{
	struct py_proc *p = pb_u64map_get(&ps->procs, pid);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ok = !pb_py_detect(pid, &p->t);
	if (pb_u64map_put(&ps->procs, pid, p)) {
		free(p);
		return NULL;
	}
	return p;
}

static int read_str(uint32_t pid, uint64_t addr, const struct pb_py_offsets *o, char *out,
		    size_t cap)
{
	uint8_t buf[PB_PY_STR_READ];
	size_t len = sizeof(buf);

	/* A str near the end of a mapping: retry shorter before giving up. */
	while (pb_py_read(pid, addr, buf, len))
		if ((len /= 2) < 64)
			return -EFAULT;
	return pb_py_str(buf, len, o, out, cap);
}

/* Reads the code object at addr once: its label and line table. NULL when it cannot be. */
static struct py_code *load_code(uint32_t pid, struct py_proc *p, uint64_t addr)
{
	const struct pb_py_offsets *o = &p->t.off;
	uint8_t co[CODE_READ], hdr[PB_PY_STR_READ];
	uint64_t filename, qualname, table, n = 0;
	char file[200], qual[200];
	struct py_code *c;
	int32_t first;

	if (o->co_linetable + 8 > CODE_READ || o->co_firstlineno + 4 > CODE_READ ||
	    o->co_filename + 8 > CODE_READ || o->co_qualname + 8 > CODE_READ ||
	    pb_py_read(pid, addr, co, sizeof(co)))
		return NULL;
	memcpy(&filename, co + o->co_filename, 8);
	memcpy(&qualname, co + o->co_qualname, 8);
	memcpy(&table, co + o->co_linetable, 8);
	memcpy(&first, co + o->co_firstlineno, 4);
	if (read_str(pid, qualname, o, qual, sizeof(qual)) ||
	    read_str(pid, filename, o, file, sizeof(file)))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->firstlineno = first;
	/* co_linetable is a bytes object: ob_size at 16, the bytes from 32. */
	if (table && !pb_py_read(pid, table, hdr, 32)) {
		memcpy(&n, hdr + 16, 8);
		n = n > LINETABLE_MAX ? LINETABLE_MAX : n;
		c->table = n ? malloc(n) : NULL;
		if (c->table && !pb_py_read(pid, table + 32, c->table, n))
			c->table_len = n;
	}
	if (asprintf(&c->label, "%s (%s", qual, file) < 0) {
		free(c->table);
		free(c);
		return NULL;
	}
	return c;
}

const char *pb_pysym_name(struct pb_pysym *ps, struct pb_strpool *pool, uint32_t pid,
			  uint64_t word)
{
	uint64_t addr = word & PB_RAW_PY_CODE_MASK;
	uint32_t lasti = (word >> PB_RAW_PY_INSTR_SHIFT) & PB_RAW_PY_INSTR_MAX;
	struct py_proc *p;
	struct py_code *c;
	char name[512];

	if (!addr)
		return "[truncated]";
	p = proc_for(ps, pid);
	/*
	 * It was not Python when first looked at, and has exec'd since (stale): its new program
	 * may be. The old one had no interpreter frames to name, so nothing is mixed up.
	 */
	if (p && !p->ok && p->stale && !pb_py_detect(pid, &p->t)) {
		p->ok = true;
		p->stale = false;
	}
	/* Not a Python process: the word is no interpreter frame but garbage a walk read. */
	if (!p || !p->ok)
		return NULL;
	c = pb_u64map_get(&p->codes, addr);
	if (!c) {
		c = load_code(pid, p, addr);
		if (!c)
			return "[python]";
		if (p->codes.len >= CODES_MAX)
			free_codes(p);
		if (pb_u64map_put(&p->codes, addr, c)) {
			free(c->label);
			free(c->table);
			free(c);
			return "[python]";
		}
	}
	snprintf(name, sizeof(name), "%s:%d)", c->label,
		 lasti == PB_RAW_PY_INSTR_MAX
			 ? c->firstlineno
			 : pb_py_line(c->table, c->table_len, c->firstlineno, lasti));
	return pb_strpool_intern(pool, name) ?: "[python]";
}

void pb_pysym_forget(struct pb_pysym *ps, uint32_t pid)
{
	struct py_proc *p = pb_u64map_get(&ps->procs, pid);

	if (p)
		p->stale = true;
}

void pb_pysym_end_window(struct pb_pysym *ps)
{
	for (size_t i = 0; i < ps->procs.cap; i++) {
		struct py_proc *p = ps->procs.slots[i].val;

		if (p && p->stale) {
			pb_u64map_del(&ps->procs, ps->procs.slots[i].key);
			free_codes(p);
			free(p);
			i = (size_t)-1; /* deleting moves slots: start over (few processes end) */
		}
	}
}

void pb_pysym_clear(struct pb_pysym *ps)
{
	for (size_t i = 0; i < ps->procs.cap; i++) {
		struct py_proc *p = ps->procs.slots[i].val;

		if (p) {
			free_codes(p);
			free(p);
		}
	}
	pb_u64map_clear(&ps->procs);
}
