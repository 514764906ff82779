// SPDX-License-Identifier: MIT
/*
 * Addresses symbolized per second, cold and warm, plain and with --inline --lines, against
 * addr2line -i -f on the same addresses: symbols-bench ELF [N]. Rounds alternate; medians.
 */
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "symbolize/binary.h"
#include "symbolize/srcinfo.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct pb_binary *load(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
	const char *dirs[] = {"/usr/lib/debug", NULL};
	struct pb_debug_search ds = {.dirs = dirs, .root = "", .path = path};
	struct pb_binary *b = NULL;

	if (elf)
		pb_binary__load(elf, &ds, &b);
	elf_end(elf);
	if (fd >= 0)
		close(fd);
	return b;
}

#define COLD_ROUNDS 3
#define WARM_ROUNDS 15

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *t, int n)
{
	qsort(t, n, sizeof(*t), cmp_double);
	return t[n / 2];
}

/* One pass over addrs: plain names, or names expanded with inline frames and lines. */
static double pass(const char *path, const uint64_t *addrs, size_t n, bool src, bool cold,
		   struct pb_binary **b, struct pb_srcinfo **si)
{
	double t0 = now();

	if (cold) {
		pb_srcinfo__free(*si);
		pb_binary__free(*b);
		*si = NULL;
		*b = load(path);
		if (src)
			pb_srcinfo__new((*b)->debug_path ? (*b)->debug_path : path, si);
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = pb_binary__lookup(*b, addrs[i]);

		if (src && *si && name)
			pb_srcinfo__lookup(*si, addrs[i], name, true, true);
	}
	return now() - t0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/proc/self/exe";
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 0) : 20000;
	struct pb_binary *b = NULL;
	struct pb_srcinfo *si = NULL;
	uint64_t *addrs = calloc(n, sizeof(*addrs));
	char cmd[4096];

	elf_version(EV_CURRENT);
	b = load(path);
	if (!b || !b->n_syms || !addrs) {
		fprintf(stderr, "symbols-bench: cannot read symbols of %s\n", path);
		return 1;
	}
	/* Addresses inside functions, spread over the table (the same set for every contender). */
	srand(1);
	for (size_t i = 0; i < n; i++) {
		const struct pb_binary_sym *s = &b->syms[rand() % b->n_syms];

		addrs[i] = s->start + (s->end > s->start ? rand() % (s->end - s->start) : 0);
	}
	/*
	 * The machine is shared: contenders alternate round by round and each reports its
	 * median, so a burst of load lands on both rather than on one.
	 */
	double t_cold[COLD_ROUNDS], t_cold_src[COLD_ROUNDS], t_warm[WARM_ROUNDS],
		t_warm_src[WARM_ROUNDS];

	for (int r = 0; r < COLD_ROUNDS; r++) {
		t_cold[r] = pass(path, addrs, n, false, true, &b, &si);
		t_cold_src[r] = pass(path, addrs, n, true, true, &b, &si);
	}
	for (int r = 0; r < WARM_ROUNDS; r++) {
		t_warm[r] = pass(path, addrs, n, false, false, &b, &si);
		t_warm_src[r] = pass(path, addrs, n, true, false, &b, &si);
	}
	double cold = median(t_cold, COLD_ROUNDS), cold_src = median(t_cold_src, COLD_ROUNDS);
	double warm = median(t_warm, WARM_ROUNDS), warm_src = median(t_warm_src, WARM_ROUNDS);

	printf("%s: %zu symbols, %zu addresses (medians of %d cold, %d warm rounds)\n", path,
	       b->n_syms, n, COLD_ROUNDS, WARM_ROUNDS);
	printf("plain    cold %10.0f/s  warm %10.0f/s\n", n / cold, n / warm);
	printf("--inline --lines cold %10.0f/s  warm %10.0f/s  (cache %zu KiB)\n", n / cold_src,
	       n / warm_src, si ? pb_srcinfo__mem(si) >> 10 : 0);

	/* addr2line -i -f on the same addresses, fed through one pipe. */
	char list[] = "/tmp/symbols-bench-XXXXXX";
	int fd = mkstemp(list);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	for (size_t i = 0; f && i < n; i++)
		fprintf(f, "0x%" PRIx64 "\n", addrs[i]);
	if (f)
		fclose(f);
	const char *tool = access("/usr/bin/eu-addr2line", X_OK) ? "addr2line" : "eu-addr2line";

	snprintf(cmd, sizeof(cmd), "%s -i -f -e '%s' <%s >/dev/null", tool,
		 b->debug_path ? b->debug_path : path, list);
	double t0 = now();
	int st = system(cmd);
	double a2l = now() - t0;

	unlink(list);
	printf("%s -i -f: %10.0f/s%s\n", tool, n / a2l, st ? " (failed)" : "");
	printf("warm plain / %s: %.0fx; --inline --lines warm / plain warm: %.1fx the cost\n", tool,
	       (n / warm) / (n / a2l), warm_src / warm);
	pb_srcinfo__free(si);
	pb_binary__free(b);
	free(addrs);
	return 0;
}
