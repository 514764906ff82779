// SPDX-License-Identifier: MIT
/* Parses /proc/kallsyms (kernel and modules) into a sorted array of text symbols. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
#include "kallsyms.h"

#define MAX_FUNC_SIZE (1u << 20)

static int add(struct pb_kallsyms *k, size_t *cap, uint64_t addr, const char *name, size_t len)
{
	if (PB_GROW(k->syms, k->n, *cap, 65536))
		return -ENOMEM;
	size_t need = len + 1;

	if (k->names_len + need > k->names_cap) {
		size_t c = k->names_cap ? k->names_cap * 2 : 1 << 20;
		char *p;

		while (c < k->names_len + need)
			c *= 2;
		p = realloc(k->names, c);
		if (!p)
			return -ENOMEM;
		k->names = p;
		k->names_cap = c;
	}
	k->syms[k->n++] = (struct pb_kallsyms_sym){.addr = addr, .name_off = k->names_len};
	memcpy(k->names + k->names_len, name, len);
	k->names[k->names_len + len] = '\0';
	k->names_len += need;
	return 0;
}

/* The growth slack back: the tables live as long as the session. */
static void shrink_to_fit(struct pb_kallsyms *k)
{
	void *p = realloc(k->syms, k->n * sizeof(*k->syms));

	if (p)
		k->syms = p;
	p = realloc(k->names, k->names_len);
	if (p) {
		k->names = p;
		k->names_cap = k->names_len;
	}
}

static int cmp_sym(const void *a, const void *b)
{
	const struct pb_kallsyms_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int pb_kallsyms__load(const char *path, struct pb_kallsyms **ret)
{
	FILE *f = fopen(path ? path : "/proc/kallsyms", "re");
	struct pb_kallsyms *k;
	char *line = NULL;
	size_t line_cap = 0, cap = 0;
	bool any_addr = false;
	int err = 0;

	if (!f)
		return -errno;
	k = calloc(1, sizeof(*k));
	if (!k) {
		fclose(f);
		return -ENOMEM;
	}
	/* "ffffffff81000000 T _stext" or "ffffffffc0a01000 t foo\t[module]" */
	while (getline(&line, &line_cap, f) > 0) {
		char *end, *name;
		uint64_t addr = strtoull(line, &end, 16);

		if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
			continue;
		/* Only code can appear in a stack: text and weak symbols. */
		if (!strchr("tTwW", end[1]))
			continue;
		name = end + 3;
		size_t len = strcspn(name, "\t\n ");

		if (!len)
			continue;
		any_addr |= addr != 0;
		err = add(k, &cap, addr, name, len);
		if (err)
			break;
	}
	free(line);
	fclose(f);
	if (!err && !any_addr)
		err = -ENODATA; /* kptr_restrict hides addresses from this user */
	if (err) {
		pb_kallsyms__free(k);
		return err;
	}
	/* Mostly sorted already (kernel first, then modules); qsort copes either way. */
	qsort(k->syms, k->n, sizeof(*k->syms), cmp_sym);
	shrink_to_fit(k);
	*ret = k;
	return 0;
}

void pb_kallsyms__free(struct pb_kallsyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->names);
	free(k);
}

const char *pb_kallsyms__lookup(const struct pb_kallsyms *k, uint64_t addr)
{
	size_t lo = 0, hi = k->n;

	if (!k->n || addr < k->syms[0].addr)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* kallsyms has no sizes; a symbol runs to the next one. Far past the last symbol of a
	 * region (the end of a module, say) is not a function of it. */
	if (addr - k->syms[lo - 1].addr > MAX_FUNC_SIZE)
		return NULL;
	return k->names + k->syms[lo - 1].name_off;
}
