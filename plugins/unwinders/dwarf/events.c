// SPDX-License-Identifier: MIT
/* The dwarf plugin's events: walks ask for a pid's mappings again or for a table to come first. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include <bpf/libbpf.h>

#include "dwarf.skel.h"
#include "dwarf_internal.h"

static int on_event(void *ctx, void *data, size_t size)
{
	struct dw_state *st = ctx;
	const struct pb_dwarf_event *e = data;

	if (size < sizeof(*e))
		return 0;
	if (e->kind == PB_DWARF_EV_PROC)
		dw_procs__refresh(st->procs, e->pid);
	else if (e->kind == PB_DWARF_EV_TABLE)
		dw_binaries__prioritize(st->bins, e->table);
	return 0;
}

int dw_events_init(struct dw_state *st)
{
	st->events = ring_buffer__new(bpf_map__fd(st->skel->maps.events), on_event, st, NULL);
	return st->events ? 0 : -errno;
}

int dw_events_fd(void *state)
{
	struct dw_state *st = state;

	return ring_buffer__epoll_fd(st->events);
}

int dw_events_consume(void *state)
{
	struct dw_state *st = state;
	int n = ring_buffer__consume(st->events);

	return n < 0 ? n : 0;
}

/*
 * The process table tells us of mappings when it reads its side-band records, which can be up
 * to a drain later; a walk that needs them sooner makes us read /proc/PID/maps ourselves.
 */
int dw_procs__refresh(struct dw_procs *p, uint32_t pid)
{
	char name[64], line[4096 + 128], root[64];
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%" PRIu32 "/maps", pid);
	snprintf(root, sizeof(root), "/proc/%" PRIu32 "/root", pid);
	f = fopen(name, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char perms[8], open_path[4096 + 64];
		unsigned int maj, min;
		int pos = 0;
		struct pb_mapping m = {0};
		char *path;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
			   &m.start, &m.end, perms, &m.pgoff, &maj, &min, &m.inode, &pos) < 7 ||
		    !pos || perms[2] != 'x')
			continue;
		path = line + pos;
		path[strcspn(path, "\n")] = '\0';
		/* Deleted files and anonymous code have no CFI we can open here. */
		if (strstr(path, " (deleted)") || (path[0] != '/' && strcmp(path, "[vdso]")))
			continue;
		m.dev = makedev(maj, min);
		m.path = path;
		snprintf(open_path, sizeof(open_path), "%s%s", path[0] == '/' ? root : "", path);
		m.open_path = open_path;
		dw_procs__add_mapping(p, pid, &m);
	}
	fclose(f);
	return 0;
}
