// SPDX-License-Identifier: MIT
/*
 * -e SPEC: a perf event by name (page-faults, cycles, ...), or a probe: kprobe:FUNC,
 * kretprobe:FUNC, uprobe:PATH:GLOB, uretprobe:PATH:GLOB, tracepoint:CATEGORY:NAME,
 * usdt:PATH:PROVIDER:NAME. Everything is checked here, before any BPF loads, so a typo is one
 * message naming the spec (exit 2) rather than a libbpf error after seconds of loading.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"

#define HW PERF_TYPE_HARDWARE
#define SW PERF_TYPE_SOFTWARE

static const struct pb_perf_event_kind perf_kinds[] = {
	{ "cpu-clock", SW, PERF_COUNT_SW_CPU_CLOCK, false, "a timer on each CPU (at -F)" },
	{ "task-clock", SW, PERF_COUNT_SW_TASK_CLOCK, false, "a timer of running tasks (at -F)" },
	{ "page-faults", SW, PERF_COUNT_SW_PAGE_FAULTS, true, "page faults (alias: faults)" },
	{ "faults", SW, PERF_COUNT_SW_PAGE_FAULTS, true, NULL },
	{ "minor-faults", SW, PERF_COUNT_SW_PAGE_FAULTS_MIN, true, "faults served from memory" },
	{ "major-faults", SW, PERF_COUNT_SW_PAGE_FAULTS_MAJ, true, "faults that read from disk" },
	{ "context-switches", SW, PERF_COUNT_SW_CONTEXT_SWITCHES, true,
	  "a task leaving the CPU (alias: cs)" },
	{ "cs", SW, PERF_COUNT_SW_CONTEXT_SWITCHES, true, NULL },
	{ "cpu-migrations", SW, PERF_COUNT_SW_CPU_MIGRATIONS, true,
	  "a task moved to another CPU (alias: migrations)" },
	{ "migrations", SW, PERF_COUNT_SW_CPU_MIGRATIONS, true, NULL },
	{ "cycles", HW, PERF_COUNT_HW_CPU_CYCLES, false, "CPU cycles (alias: cpu-cycles)" },
	{ "cpu-cycles", HW, PERF_COUNT_HW_CPU_CYCLES, false, NULL },
	{ "instructions", HW, PERF_COUNT_HW_INSTRUCTIONS, false, "instructions retired" },
	{ "cache-references", HW, PERF_COUNT_HW_CACHE_REFERENCES, false, "last-level cache accesses" },
	{ "cache-misses", HW, PERF_COUNT_HW_CACHE_MISSES, false, "last-level cache misses" },
	{ "branches", HW, PERF_COUNT_HW_BRANCH_INSTRUCTIONS, false,
	  "branch instructions (alias: branch-instructions)" },
	{ "branch-instructions", HW, PERF_COUNT_HW_BRANCH_INSTRUCTIONS, false, NULL },
	{ "branch-misses", HW, PERF_COUNT_HW_BRANCH_MISSES, false, "mispredicted branches" },
	{ "bus-cycles", HW, PERF_COUNT_HW_BUS_CYCLES, false, "bus cycles" },
	{ "ref-cycles", HW, PERF_COUNT_HW_REF_CPU_CYCLES, false, "cycles at the reference clock" },
	{ 0 },
};

static int fail(char *err, size_t len, int code, const char *spec, const char *why)
{
	snprintf(err, len, "-e %s: %s", spec, why);
	return code;
}

int pb_event_set__add(struct pb_event_set *set, uint32_t kind, const char *spec,
		      const char *target, const char *name, const char *provider, uint64_t offset)
{
	struct pb_probe **grown, *p;

	grown = realloc(set->probes, (set->n_probes + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	set->probes = grown;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = (struct pb_probe){ .sz = sizeof(*p), .kind = kind, .offset = offset,
				.spec = strdup(spec), .target = strdup(target),
				.name = name ? strdup(name) : NULL,
				.provider = provider ? strdup(provider) : NULL };
	set->probes[set->n_probes++] = p;
	if (!p->spec || !p->target || (name && !p->name) || (provider && !p->provider))
		return -ENOMEM;
	return 0;
}

/* Where tracefs is mounted, or NULL. */
static const char *tracefs(void)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[64];

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/events", roots[i]);
		if (!access(path, F_OK))
			return roots[i];
	}
	return NULL;
}

/*
 * A text symbol of the running kernel named func (kprobes attach to those), on a kernel with
 * kprobes: a kprobe PMU (4.17) or tracefs' kprobe_events (what libbpf falls back to).
 */
static int kernel_function(const char *spec, const char *func, char *err, size_t len)
{
	const char *root = tracefs();
	char line[512], type, name[256];
	bool found = false;
	FILE *f;

	snprintf(line, sizeof(line), "%s/kprobe_events", root ? root : "/");
	if (access("/sys/bus/event_source/devices/kprobe/type", F_OK) && (!root || access(line, F_OK)))
		return fail(err, len, -EINVAL, spec, "this kernel has no kprobes (CONFIG_KPROBES, "
			    "CONFIG_KPROBE_EVENTS)");
	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return 0; /* cannot tell: libbpf will say at attach */
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %c %255s", &type, name) == 2 &&
			(type == 't' || type == 'T') && !strcmp(name, func);
	fclose(f);
	return found ? 0 : fail(err, len, -EINVAL, spec, "no such kernel function");
}

/* A tracepoint has a directory under tracefs' events/ (libbpf reads its id there). */
static int tracepoint(const char *spec, const char *category, const char *name, char *err,
		      size_t len)
{
	const char *root = tracefs();
	char path[512];

	if (!root)
		return fail(err, len, -EINVAL, spec, "tracefs is not mounted (mount -t tracefs "
			    "nodev /sys/kernel/tracing)");
	snprintf(path, sizeof(path), "%s/events/%s/%s", root, category, name);
	return access(path, F_OK) ? fail(err, len, -EINVAL, spec, "no such tracepoint") : 0;
}

/* Splits "a:b:c" at its colons into at most max fields; the last field keeps later colons. */
static int split(char *s, char **fields, int max)
{
	int n = 0;

	while (n < max - 1) {
		char *colon = strchr(s, ':');

		if (!colon)
			break;
		*colon = '\0';
		fields[n++] = s;
		s = colon + 1;
	}
	fields[n++] = s;
	return n;
}

/* PATH:GLOB / PATH:PROVIDER:NAME: the path is what comes before the last one or two colons. */
static char *path_before(char *rest, int fields_after, char **after)
{
	for (int i = fields_after - 1; i >= 0; i--) {
		char *colon = strrchr(rest, ':');

		if (!colon)
			return NULL;
		*colon = '\0';
		after[i] = colon + 1;
	}
	return rest;
}

static int parse_probe(struct pb_event_set *set, const char *spec, char *err, size_t len)
{
	char *copy = strdup(spec), *kind, *rest, *f[2];
	int ret = -EINVAL;

	if (!copy)
		return -ENOMEM;
	kind = copy;
	rest = strchr(copy, ':');
	*rest++ = '\0';
	if (!strcmp(kind, "kprobe") || !strcmp(kind, "kretprobe")) {
		uint32_t k = kind[1] == 'p' ? PB_PROBE_KPROBE : PB_PROBE_KRETPROBE;

		ret = !*rest || strchr(rest, ':') ? fail(err, len, -EINVAL, spec, "want "
					"kprobe:FUNCTION (e.g. kprobe:vfs_read)")
				 : kernel_function(spec, rest, err, len) ?:
					pb_event_set__add(set, k, spec, rest, NULL, NULL, 0);
	} else if (!strcmp(kind, "tracepoint") || !strcmp(kind, "t")) {
		if (split(rest, f, 2) != 2 || !*f[0] || !*f[1] || strchr(f[1], ':'))
			ret = fail(err, len, -EINVAL, spec, "want tracepoint:CATEGORY:NAME (e.g. "
				   "tracepoint:syscalls:sys_enter_openat)");
		else
			ret = tracepoint(spec, f[0], f[1], err, len) ?:
			      pb_event_set__add(set, PB_PROBE_TRACEPOINT, spec, f[0], f[1], NULL, 0);
	} else if (!strcmp(kind, "uprobe") || !strcmp(kind, "uretprobe")) {
		char *path = path_before(rest, 1, f);

		if (!path || !*path || !*f[0])
			ret = fail(err, len, -EINVAL, spec, "want uprobe:PATH:FUNCTION, FUNCTION a "
				   "glob (e.g. uprobe:/usr/lib/x86_64-linux-gnu/libc.so.6:mem*)");
		else
			ret = pb_probe_elf__uprobes(set, kind[1] == 'p' ? PB_PROBE_UPROBE
								       : PB_PROBE_URETPROBE,
						    spec, path, f[0], err, len);
	} else if (!strcmp(kind, "usdt")) {
		char *path = path_before(rest, 2, f);

		if (!path || !*path || !*f[0] || !*f[1])
			ret = fail(err, len, -EINVAL, spec, "want usdt:PATH:PROVIDER:NAME");
		else
			ret = pb_probe_elf__usdt(spec, path, f[0], f[1], err, len) ?:
			      pb_event_set__add(set, PB_PROBE_USDT, spec, path, f[1], f[0], 0);
	} else {
		ret = fail(err, len, -EINVAL, spec, "unknown probe kind (want kprobe, kretprobe, "
			   "uprobe, uretprobe, tracepoint, usdt; --list-events)");
	}
	free(copy);
	return ret;
}

static int parse_one(struct pb_event_set *set, const char *spec, char *err, size_t len)
{
	if (strchr(spec, ':'))
		return parse_probe(set, spec, err, len);
	for (const struct pb_perf_event_kind *k = perf_kinds; k->name; k++) {
		if (strcmp(k->name, spec))
			continue;
		if (set->perf && set->perf->config != k->config)
			return fail(err, len, -EINVAL, spec, "one perf event per run (with probes "
				    "beside it if wanted)");
		set->perf = k;
		return 0;
	}
	return fail(err, len, -EINVAL, spec, "unknown event (--list-events shows them)");
}

int pb_event_set__parse(const char *specs, struct pb_event_set **ret, char *err, size_t len)
{
	struct pb_event_set *set = calloc(1, sizeof(*set));
	char *copy = strdup(specs), *save = NULL;
	int err_ = set && copy ? 0 : -ENOMEM;

	for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && !err_;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (*tok)
			err_ = parse_one(set, tok, err, len);
	}
	free(copy);
	if (err_ == -ENOMEM)
		snprintf(err, len, "out of memory");
	if (err_) {
		pb_event_set__free(set);
		return err_;
	}
	*ret = set;
	return 0;
}

void pb_event_set__free(struct pb_event_set *set)
{
	if (!set)
		return;
	for (uint32_t i = 0; i < set->n_probes; i++) {
		struct pb_probe *p = set->probes[i];

		if (!p)
			continue;
		free((char *)p->spec);
		free((char *)p->target);
		free((char *)p->name);
		free((char *)p->provider);
		free(p);
	}
	free(set->probes);
	free(set);
}

void pb_events__list(FILE *out)
{
	fputs("Perf events (-e NAME; one per run; clocks and counters sampled at -F HZ, the others\n"
	      "count every event unless --period N (-c N) samples every Nth):\n", out);
	for (const struct pb_perf_event_kind *k = perf_kinds; k->name; k++)
		if (k->help)
			fprintf(out, "  %-20s %s%s\n", k->name, k->help,
				k->each ? " (each one)" : "");
	fputs("\nProbes (-e SPEC, repeatable; each hit counts the stack of the task that hit it;\n"
	      "unwinders fp and dwarf):\n"
	      "  kprobe:FUNC                   a kernel function's entry (kprobe:vfs_read)\n"
	      "  kretprobe:FUNC                a kernel function's return\n"
	      "  uprobe:PATH:GLOB              functions of a binary whose names match the glob\n"
	      "                                (uprobe:/usr/lib/x86_64-linux-gnu/libc.so.6:mem*)\n"
	      "  uretprobe:PATH:GLOB           their returns\n"
	      "  tracepoint:CATEGORY:NAME      a kernel tracepoint "
	      "(tracepoint:syscalls:sys_enter_openat)\n"
	      "  usdt:PATH:PROVIDER:NAME       a USDT probe without a semaphore (usdt:/usr/lib/"
	      "x86_64-linux-gnu/\n"
	      "                                libstdc++.so.6:libstdcxx:throw)\n"
	      "\nSeveral -e count into one profile; a spec that names nothing is an error.\n", out);
}

bool pb_events__form_ok(const char *specs)
{
	static const char *const kinds[] = { "kprobe:", "kretprobe:", "uprobe:", "uretprobe:",
					     "tracepoint:", "t:", "usdt:" };
	char *copy = strdup(specs), *save = NULL;
	bool ok = copy != NULL;

	for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && ok;
	     tok = strtok_r(NULL, ",", &save)) {
		bool known = false;

		while (*tok == ' ')
			tok++;
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && !known; i++)
			known = !strncmp(tok, kinds[i], strlen(kinds[i]));
		for (const struct pb_perf_event_kind *k = perf_kinds; k->name && !known; k++)
			known = !strcmp(tok, k->name);
		ok = known || !*tok;
	}
	free(copy);
	return ok;
}
