// SPDX-License-Identifier: MIT
/* Kernel frames' names: kallsyms, read on first use and again after a miss a reload may fix. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "kallsyms.h"
#include "symbolizer_impl.h"

/* A digest of /proc/modules: which modules are loaded, and where. */
static uint64_t modules_digest(void)
{
	char buf[4096];
	uint64_t h = 1469598103934665603ull;
	ssize_t n;
	int fd = open("/proc/modules", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ (unsigned char)buf[i]) * 1099511628211ull;
	close(fd);
	return h;
}

/*
 * After a miss, whether reading kallsyms again (60-70 ms of kernel time) can help: a module
 * came or went, or, for new BPF programs and the like, a long while passed. A miss that no
 * reload fixes (an address in no symbol) otherwise cost a reload every few seconds forever.
 */
static bool kallsyms_reload_due(struct pb_symbolizer *s, uint64_t now)
{
	uint64_t since = now - s->kallsyms_ns;

	if (since < KALLSYMS_RELOAD_NS)
		return false;
	return since >= KALLSYMS_RELOAD_MAX_NS || modules_digest() != s->modules_digest;
}

static void kallsyms_load(struct pb_symbolizer *s, uint64_t now)
{
	struct pb_kallsyms *k = NULL;

	s->kallsyms_ns = now;
	s->modules_digest = modules_digest();
	s->kallsyms_err = pb_kallsyms__load(NULL, &k);
	if (!s->kallsyms_err) {
		pb_kallsyms__free(s->kallsyms);
		s->kallsyms = k;
	}
}

const char *pb_symbolizer__kernel(struct pb_symbolizer *s, uint64_t addr)
{
	const char *name = NULL;
	uint64_t now = pb_symbolizer_now_ns();
	char framed[KSYM_NAME_MAX + sizeof("_[k]")];

	pthread_mutex_lock(&s->lock);
	for (int attempt = 0; attempt < 2 && !name; attempt++) {
		/* Loaded on first use; after a miss, again when that can help. */
		if (!s->kallsyms_ns)
			kallsyms_load(s, now);
		else if (attempt && kallsyms_reload_due(s, now))
			kallsyms_load(s, now);
		else if (attempt)
			break;
		if (s->kallsyms)
			name = pb_kallsyms__lookup(s->kallsyms, addr);
	}
	/* Interned: a reload frees the old table, but names handed out must stay valid. */
	if (name) {
		snprintf(framed, sizeof(framed), "%s_[k]", name);
		name = pb_strpool_intern(&s->pool, framed);
	}
	pthread_mutex_unlock(&s->lock);
	return name ? name : "[unknown]_[k]";
}
