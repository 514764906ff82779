// SPDX-License-Identifier: MIT
/* Mixed-mode stacks: each eval-loop native frame replaced by the interpreter frames it ran. */
#include "python_procs.h"

static uint64_t py_word(const struct pb_pyproc_info *pi, const struct pb_py_frame *f)
{
	uint64_t code = f->code & ~PB_PY_ENTRY, base = code + pi->code_units, idx;

	idx = f->instr >= base ? (f->instr - base) / 2 : PB_RAW_PY_INSTR_MAX;
	if (idx > PB_RAW_PY_INSTR_MAX)
		idx = PB_RAW_PY_INSTR_MAX;
	return PB_RAW_PY_FRAME | idx << PB_RAW_PY_INSTR_SHIFT | (code & PB_RAW_PY_CODE_MASK);
}

#define TRUNCATED_WORD (PB_RAW_PY_FRAME | (uint64_t)PB_RAW_PY_INSTR_MAX << PB_RAW_PY_INSTR_SHIFT)

struct splice {
	const struct pb_pyproc_info *pi;
	const struct pb_py_stack *py;
	uint32_t next, n; /* next interpreter frame to place, how many there are */
	uint64_t *out;
	uint32_t len, cap;
};

static void put(struct splice *s, uint64_t w)
{
	if (s->len < s->cap)
		s->out[s->len++] = w;
}

/* The frames one eval call ran: up to and with the first it ran (its entry frame). */
static void put_group(struct splice *s, bool all)
{
	while (s->next < s->n) {
		const struct pb_py_frame *f = &s->py->frames[s->next++];

		put(s, py_word(s->pi, f));
		if (!all && (f->code & PB_PY_ENTRY))
			break;
	}
	if (s->next == s->n && (s->py->flags & PB_PY_TRUNCATED)) {
		put(s, TRUNCATED_WORD);
		s->next++; /* said once */
	}
}

static bool in_eval(const struct pb_pyproc_info *pi, const uint64_t *ips, uint32_t i)
{
	/* Past the leaf, a return address: the call is the byte before it. */
	uint64_t at = ips[i] - (i > 0);

	return at >= pi->eval_lo && at < pi->eval_hi;
}

/*
 * Eval calls of the native stack that run no interpreter frame: a sample taken as a call
 * starts, before it made its frame the thread's current one, or as it ends, after it gave the
 * current frame back. Such a call is the newest, at the leaf end; each group of interpreter
 * frames belongs to the calls below it. Counted only when the chain was read whole: a chain cut
 * short lacks groups at the root end instead.
 */
static uint32_t idle_eval_calls(const struct pb_pyproc_info *pi, const uint64_t *ips, uint32_t n,
				const struct pb_py_stack *py, uint32_t frames)
{
	uint32_t calls = 0, groups = 0;

	if (py->flags & PB_PY_TRUNCATED)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		calls += in_eval(pi, ips, i);
	for (uint32_t i = 0; i < frames; i++)
		groups += (py->frames[i].code & PB_PY_ENTRY) || i == frames - 1;
	return calls > groups ? calls - groups : 0;
}

uint32_t pb_py_splice(const struct pb_pyproc_info *pi, uint32_t mode, const uint64_t *ips,
		      uint32_t n, const struct pb_py_stack *py, uint64_t *out, uint32_t cap)
{
	struct splice s = { .pi = pi, .py = py, .out = out, .cap = cap };
	uint32_t idle;

	s.n = py->n < PB_PY_MAX_FRAMES ? py->n : PB_PY_MAX_FRAMES;
	if (mode == PB_PYTHON_ONLY) {
		put_group(&s, true);
		return s.len;
	}
	idle = idle_eval_calls(pi, ips, n, py, s.n);
	for (uint32_t i = 0; i < n; i++) {
		bool eval = in_eval(pi, ips, i);

		if (eval && idle)
			idle--; /* keeps its native frame */
		else if (eval && s.next < s.n) {
			put_group(&s, false);
			continue;
		}
		put(&s, ips[i]);
	}
	/*
	 * Eval calls the native walk did not reach (it stopped in a library without frame
	 * pointers or CFI): their frames are still the callers of everything above.
	 */
	if (s.next < s.n)
		put_group(&s, true);
	return s.len;
}

void pb_py_splice_raw(const struct pb_pyproc_info *pi, uint32_t mode, const struct pb_py_stack *py,
		      struct pb_raw_stack *raw, uint64_t *buf, uint32_t cap)
{
	raw->n_user = pb_py_splice(pi, mode, raw->user_ips, raw->n_user, py, buf, cap);
	raw->user_ips = buf;
	/* Python frames alone: where the native walk stopped does not matter. */
	if (mode == PB_PYTHON_ONLY)
		raw->flags &= ~PB_RAW_USER_TRUNCATED;
}
