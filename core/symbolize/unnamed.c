// SPDX-License-Identifier: MIT
/* Frames left unnamed, counted by cause and binary, and the summary line that says why. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "u64map.h"
#include "unnamed.h"

/* What each cause is called in the line, and what a user can do about it. */
static const struct {
	const char *what;
	const char *hint;
} causes[PB_UNNAMED_N] = {
	[PB_UNNAMED_STRIPPED] = {"in stripped binaries",
				 "install their debug symbols (-dbgsym/-debuginfo packages) "
				 "into /usr/lib/debug"},
	[PB_UNNAMED_NO_SYMBOL] = {"at addresses no symbol covers", "hand-written or local code "
								   "whose symbols were stripped"},
	[PB_UNNAMED_UNREADABLE] = {"in files that could not be read",
				   "deleted or replaced since they were mapped, or not ELF"},
	[PB_UNNAMED_JIT] = {"in JIT code without a perf map",
			    "let the JIT write /tmp/perf-PID.map: node --perf-basic-prof, "
			    "jcmd PID Compiler.perfmap, python3.12 -X perf"},
	[PB_UNNAMED_NO_MAPPING] = {"outside known mappings", ""}, /* not in the line */
};

static void name_of(enum pb_unnamed_cause cause, const char *path, char *buf, size_t sz)
{
	const char *base = path ? strrchr(path, '/') : NULL;

	if (!path || !path[0])
		snprintf(buf, sz, "%s", cause == PB_UNNAMED_JIT ? "[anon]" : "[unknown]");
	else
		snprintf(buf, sz, "%s", base && base[1] ? base + 1 : path);
}

void pb_unnamed_add(struct pb_unnamed *u, enum pb_unnamed_cause cause, const char *path,
		    uint64_t n)
{
	char name[sizeof(u->bins[0].name)];
	uint64_t key;

	if (!n || (unsigned)cause >= PB_UNNAMED_N)
		return;
	u->by_cause[cause] += n;
	name_of(cause, path, name, sizeof(name));
	key = pb_hash64(name, strlen(name), 16 + cause);
	for (size_t i = 0; i < u->n_bins; i++)
		if (u->bins[i].key == key && u->bins[i].cause == cause &&
		    !strcmp(u->bins[i].name, name)) {
			u->bins[i].n += n;
			return;
		}
	if (u->n_bins == PB_UNNAMED_MAX_BINS) {
		u->untracked += n;
		return;
	}
	struct pb_unnamed_bin *b = &u->bins[u->n_bins++];

	*b = (struct pb_unnamed_bin){.key = key, .n = n, .cause = cause};
	memcpy(b->name, name, sizeof(name));
}

uint64_t pb_unnamed_total(const struct pb_unnamed *u)
{
	uint64_t t = 0;

	for (int c = 0; c < PB_UNNAMED_N; c++)
		t += u->by_cause[c];
	return t;
}

static int by_count(const void *a, const void *b)
{
	const struct pb_unnamed_bin *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->name, y->name);
}

#define PUT(...)                                                                           \
	do {                                                                               \
		if (used < sz)                                                             \
			used += snprintf(buf + used, sz - used, __VA_ARGS__);              \
	} while (0)

/* n frames: the number, or with a weight their share of all. */
static void put_weight(const struct pb_unnamed *u, uint64_t n, uint64_t all, char *buf,
		       size_t sz, size_t *at)
{
	size_t used = *at;

	if (u->weight)
		PUT("%.1f%%", 100.0 * n / all);
	else
		PUT("%llu", (unsigned long long)n);
	*at = used;
}

size_t pb_unnamed_format(const struct pb_unnamed *u, char *buf, size_t sz)
{
	struct pb_unnamed_bin sorted[PB_UNNAMED_MAX_BINS];
	uint64_t all = pb_unnamed_total(u) + u->named;
	/*
	 * Frames outside known mappings are left out: no binary to name, nothing to install, and
	 * the lost-stacks line already counts dropped mapping records. Short runs have a few.
	 */
	uint64_t total = all - u->named - u->by_cause[PB_UNNAMED_NO_MAPPING];
	size_t used = 0, n_bins = 0;
	bool first_cause = true;

	if (sz)
		buf[0] = 0;
	if (!total || !sz)
		return 0;
	memcpy(sorted, u->bins, u->n_bins * sizeof(*sorted));
	qsort(sorted, u->n_bins, sizeof(*sorted), by_count);
	for (size_t i = 0; i < u->n_bins; i++)
		n_bins += sorted[i].cause != PB_UNNAMED_NO_MAPPING;
	if (u->weight)
		PUT("%.1f%% of frames (by %s) unnamed in %zu%s binar%s: ", 100.0 * total / all,
		    u->weight, n_bins, u->untracked ? "+" : "",
		    n_bins == 1 && !u->untracked ? "y" : "ies");
	else
		PUT("%llu of %llu frames (%.1f%%) unnamed in %zu%s binar%s: ",
		    (unsigned long long)total, (unsigned long long)all, 100.0 * total / all, n_bins,
		    u->untracked ? "+" : "", n_bins == 1 && !u->untracked ? "y" : "ies");
	uint64_t left[PB_UNNAMED_N];

	/* Causes by weight; within each the top three binaries by frames. */
	memcpy(left, u->by_cause, sizeof(left));
	left[PB_UNNAMED_NO_MAPPING] = 0;
	for (;;) {
		int c = -1, shown = 0;

		for (int k = 0; k < PB_UNNAMED_N; k++)
			if (left[k] && (c < 0 || left[k] > left[c]))
				c = k;
		if (c < 0)
			break;
		PUT("%s", first_cause ? "" : ", ");
		put_weight(u, left[c], all, buf, sz, &used);
		PUT(" %s (", causes[c].what);
		first_cause = false;
		left[c] = 0;
		for (size_t i = 0; i < u->n_bins && shown < 3; i++)
			if (sorted[i].cause == c && c != PB_UNNAMED_NO_MAPPING)
			{
				PUT("%s%s ", shown++ ? ", " : "", sorted[i].name);
				put_weight(u, sorted[i].n, all, buf, sz, &used);
			}
		PUT("%s%s)", shown ? "; " : "", causes[c].hint);
	}
	return used < sz ? used : sz - 1;
}
