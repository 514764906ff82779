// SPDX-License-Identifier: MIT
/* The symbolizer's debuginfod side: stripped binaries ask for their debug file and adopt it. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grow.h"
#include "symbolizer_impl.h"

int pb_symbolizer__use_debuginfod(struct pb_symbolizer *s, const char *urls)
{
	struct pb_dinfod *d = NULL;
	int err = pb_dinfod__new(urls, &d);

	if (err)
		return err;
	pthread_mutex_lock(&s->lock);
	pb_dinfod__free(s->dinfod);
	s->dinfod = d;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int pb_symbolizer__debuginfod_stats(struct pb_symbolizer *s, struct pb_dinfod_stats *out)
{
	int err = -ENOENT;

	pthread_mutex_lock(&s->lock);
	if (s->dinfod) {
		pb_dinfod__stats(s->dinfod, out);
		err = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return err;
}

/* Reads m's file again with the fetched debug file; its names replace bin's (lock held). */
static void adopt_debug_file(struct pb_symbolizer *s, const struct pb_mapping *m,
			     struct pb_binary *bin, const char *path)
{
	const char *file = m->open_path && m->open_path[0] ? m->open_path : m->path;
	struct pb_debug_search ds = {.path = m->path, .debug_file = path};
	struct pb_binary *nb = NULL;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;

	if (elf && elf_kind(elf) == ELF_K_ELF && !pb_binary__load(elf, &ds, &nb) &&
	    !nb->stripped && nb->build_id_len == bin->build_id_len &&
	    !memcmp(nb->build_id, bin->build_id, bin->build_id_len) &&
	    !PB_GROW(s->retired, s->n_retired, s->cap_retired, 8)) {
		/* Names handed out from the old tables live until the window ends. */
		pb_binary__swap_symbols(bin, nb);
		s->retired[s->n_retired++] = nb;
		nb = NULL;
	}
	pb_binary__free(nb);
	elf_end(elf);
	if (fd >= 0)
		close(fd);
}

/* A stripped binary with a build id: ask debuginfod, and take the file once it is there. */
void pb_symbolizer_fetch_debug(struct pb_symbolizer *s, const struct pb_mapping *m,
				struct pb_binary *bin)
{
	char *path = NULL;
	enum pb_dinfod_state st;

	if (!s->dinfod || !bin->stripped || bin->fetched || bin->build_id_len < 2)
		return;
	st = pb_dinfod__get(s->dinfod, bin->build_id, bin->build_id_len, &path);
	if (st == PB_DINFOD_PENDING)
		return;
	bin->fetched = true;
	if (st == PB_DINFOD_READY)
		adopt_debug_file(s, m, bin, path);
	free(path);
}
