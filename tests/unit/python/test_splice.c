// SPDX-License-Identifier: MIT
/* The mixed-mode splice: eval-loop frames replaced by the interpreter frames each call ran. */
#include <stdint.h>
#include <string.h>

#include "python_procs.h"
#include "tap.h"

/* A made-up process: the eval loop at 0x1000-0x2000, code units 0x80 into a code object. */
static const struct pb_pyproc_info pi = {.eval_lo = 0x1000, .eval_hi = 0x2000, .code_units = 0x80};

#define EVAL   0x1500 /* a pc (or return address) in the eval loop */
#define C_FUNC 0x5000 /* any other native frame */
#define ROOT   0x6000

/* Interpreter frame i: code object 0x10000 * (i + 1), at its first code unit. */
static struct pb_py_frame frame(int i, bool entry)
{
	uint64_t code = 0x10000ull * (i + 1);

	return (struct pb_py_frame){.code = code | (entry ? PB_PY_ENTRY : 0), .instr = code + 0x80};
}

/* The splice of ips with py as text: "C" native, "E" eval kept, "P<i>" frame i, "T" truncated. */
static const char *splice(uint32_t mode, const uint64_t *ips, uint32_t n,
			  const struct pb_py_stack *py)
{
	static char text[256];
	uint64_t out[64];
	uint32_t len = pb_py_splice(&pi, mode, ips, n, py, out, 64);

	text[0] = '\0';
	for (uint32_t i = 0; i < len; i++) {
		char one[16];
		uint64_t code = out[i] & PB_RAW_PY_CODE_MASK;

		if (!(out[i] & PB_RAW_PY_FRAME))
			snprintf(one, sizeof(one), "%s", out[i] == EVAL || out[i] == EVAL + 1 ? "E" : "C");
		else if (!code)
			snprintf(one, sizeof(one), "T");
		else
			snprintf(one, sizeof(one), "P%llu", (unsigned long long)(code / 0x10000 - 1));
		strcat(text, i ? " " : "");
		strcat(text, one);
	}
	return text;
}

int main(void)
{
	/* Leaf first: Python (frames 0-1, one eval call) -> C -> Python (frames 2-3). */
	struct pb_py_stack py = {.n = 4, .frames = {frame(0, false), frame(1, true), frame(2, false),
						    frame(3, true)}};
	const uint64_t mixed[] = {EVAL, C_FUNC, EVAL + 1, ROOT};
	/* The same, sampled as a third eval call starts (before it pushed its frame) at the leaf. */
	const uint64_t starting[] = {EVAL, C_FUNC, EVAL + 1, C_FUNC, EVAL + 1, ROOT};
	/* The native walk stopped in the C frame: the outer call was not reached. */
	const uint64_t short_walk[] = {EVAL, C_FUNC};

	is_str(splice(PB_PYTHON_AUTO, mixed, 4, &py), "P0 P1 C P2 P3 C",
	       "each eval call gives way to its own frames, in order");
	is_str(splice(PB_PYTHON_AUTO, starting, 6, &py), "E C P0 P1 C P2 P3 C",
	       "an eval call that has not pushed its frame yet keeps its native frame, the others get theirs");
	is_str(splice(PB_PYTHON_AUTO, short_walk, 2, &py), "P0 P1 C P2 P3",
	       "frames of calls the native walk did not reach go at the root end");
	is_str(splice(PB_PYTHON_ONLY, mixed, 4, &py), "P0 P1 P2 P3", "--python=only: frames alone");

	/* A chain cut short: the groups missing are the root's; no call is taken as idle. */
	py.flags = PB_PY_TRUNCATED;
	py.n = 3;
	is_str(splice(PB_PYTHON_AUTO, starting, 6, &py), "P0 P1 C P2 T C E C",
	       "a truncated chain fills calls from the leaf and says where it was cut");
	return tap_done();
}
