/* SPDX-License-Identifier: MIT */
/* Public API of libprofilebee: the profile type every front end and output plugin shares. */
#ifndef PROFILE_BEE_H
#define PROFILE_BEE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PB_VERSION "0.1.0"

/*
 * A profile: interned frame names and stacks of frame ids with counts.
 * frames[0] of every stack is the process name (comm); then user frames root to leaf, then
 * kernel frames root to leaf, whose names end in "_[k]". The folded text format
 * ("comm;root;...;leaf count") is its canonical serialization.
 */
struct pb_profile;

struct pb_stack {
	uint32_t pid;		/* 0 when unknown (e.g. read from a folded file) */
	uint32_t depth;		/* number of frame ids, comm included */
	uint64_t count;
	const uint32_t *frames; /* root first; frames[0] is the comm */
};

struct pb_profile_meta {
	uint64_t start_ns;  /* CLOCK_REALTIME of the window start, 0 when unknown */
	uint64_t end_ns;    /* CLOCK_REALTIME of the window end, 0 when unknown */
	uint32_t frequency; /* sampling frequency in Hz, 0 when unknown */
	int32_t target_pid; /* the one profiled process, 0 for system-wide or several */
	char unwinder[32];
	char hostname[64];
	char comm[32];	    /* the target's name when target_pid != 0 */
};

int pb_profile__new(struct pb_profile **ret);
void pb_profile__free(struct pb_profile *p);

/* Returns the id of name (interning it on first use), or -errno. */
int64_t pb_profile__intern(struct pb_profile *p, const char *name, size_t len);
/* Adds count samples of the stack frames[0..depth) (ids from pb_profile__intern). */
int pb_profile__add(struct pb_profile *p, uint32_t pid, const uint32_t *frames, uint32_t depth,
		    uint64_t count);
/* Same as pb_profile__add with names instead of ids. */
int pb_profile__add_names(struct pb_profile *p, uint32_t pid, const char *const *names,
			  uint32_t depth, uint64_t count);
/* Adds every stack of src to p (frame ids are re-interned). */
int pb_profile__merge(struct pb_profile *p, const struct pb_profile *src);
/* Removes every stack. Interned names and meta are kept. */
void pb_profile__clear(struct pb_profile *p);

size_t pb_profile__stack_count(const struct pb_profile *p);
const struct pb_stack *pb_profile__stack(const struct pb_profile *p, size_t i);
size_t pb_profile__frame_count(const struct pb_profile *p);
const char *pb_profile__frame_name(const struct pb_profile *p, uint32_t id);
uint64_t pb_profile__total(const struct pb_profile *p);
struct pb_profile_meta *pb_profile__meta(struct pb_profile *p);
const struct pb_profile_meta *pb_profile__meta_const(const struct pb_profile *p);

/*
 * Stack indices in folded order: sorted by frame names (byte order), stacks that print the
 * same (same names, different pids) adjacent. Caller frees the array.
 */
int pb_profile__sorted(const struct pb_profile *p, size_t **ret_order);

/* Writes the folded text: one line per distinct name sequence, sorted, deterministic. */
int pb_profile__write_folded(const struct pb_profile *p, FILE *f);

struct pb_folded_report {
	uint64_t lines;	      /* lines read */
	uint64_t malformed;   /* lines skipped */
	uint64_t first_bad[5]; /* line numbers of the first malformed lines */
};
/* Reads folded text into p. Malformed lines are skipped and counted in rep (may be NULL). */
int pb_profile__read_folded(struct pb_profile *p, FILE *f, struct pb_folded_report *rep);

#ifdef __cplusplus
}
#endif
#endif
