/* SPDX-License-Identifier: MIT */
/* Frames left unnamed, counted by cause and binary for the end-of-run summary line. */
#ifndef PB_UNNAMED_H
#define PB_UNNAMED_H

#include <stddef.h>
#include <stdint.h>

enum pb_unnamed_cause {
	PB_UNNAMED_STRIPPED,   /* the binary has no .symtab and no debug file was found */
	PB_UNNAMED_NO_SYMBOL,  /* the binary has symbols, none covers the address */
	PB_UNNAMED_UNREADABLE, /* the mapped file could not be opened or is not ELF */
	PB_UNNAMED_JIT,	       /* anonymous or memfd code that no perf map names */
	PB_UNNAMED_NO_MAPPING, /* the pc is in no mapping known for the process */
	PB_UNNAMED_N
};

/* Binaries named in the line; more are counted, not named (the table never grows). */
#define PB_UNNAMED_MAX_BINS 32

struct pb_unnamed_bin {
	uint64_t key; /* hash of cause and name */
	uint64_t n;
	uint8_t cause;
	char name[48]; /* basename, "[anon]" or "[unknown]" */
};

struct pb_unnamed {
	uint64_t by_cause[PB_UNNAMED_N];
	uint64_t named; /* frames that got a name, for the share */
	struct pb_unnamed_bin bins[PB_UNNAMED_MAX_BINS];
	size_t n_bins;
	uint64_t untracked; /* frames of binaries beyond PB_UNNAMED_MAX_BINS */
	/*
	 * NULL: frames are counted once per sample. Else what weighs them ("off-CPU time": a
	 * frame counts the microseconds of its stack), and the line gives shares, not numbers
	 * that would pass for frames.
	 */
	const char *weight;
};

/* Counts n frames of path (may be NULL) left unnamed for cause. */
void pb_unnamed_add(struct pb_unnamed *u, enum pb_unnamed_cause cause, const char *path,
		    uint64_t n);
/* The total of unnamed frames. */
uint64_t pb_unnamed_total(const struct pb_unnamed *u);
/*
 * Writes the summary of frames unnamed in binaries (those outside known mappings are counted,
 * not reported), e.g. "12 of 400 frames (3.0%) unnamed in 2 binaries: 10 in stripped
 * binaries (libx.so 10; install their -dbgsym ...), 2 JIT ..." into buf; 0 when none unnamed.
 * With a weight: "3.0% of frames (by off-CPU time) unnamed in 2 binaries: 2.5% in stripped
 * binaries (libx.so 2.5%; ...".
 */
size_t pb_unnamed_format(const struct pb_unnamed *u, char *buf, size_t sz);

#endif
