// SPDX-License-Identifier: MIT
/* Attaches a BPF program to the session's perf events and keeps the links. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "bpf_log.h"
#include "perf_attach.h"

static int attach(struct pb_perf_links *l, struct bpf_program *prog, const int *fds, int n_fds)
{
	struct bpf_link **links = realloc(l->links, (l->n + n_fds) * sizeof(*links));

	if (!links)
		return -ENOMEM;
	l->links = links;
	for (int i = 0; i < n_fds; i++) {
		/* A link closes its perf event when destroyed; the caller keeps owning its fds. */
		int fd = fcntl(fds[i], F_DUPFD_CLOEXEC, 0);

		if (fd < 0)
			return -errno;
		links[l->n] = bpf_program__attach_perf_event(prog, fd);
		if (!links[l->n]) {
			int err = -errno;

			close(fd);
			return err;
		}
		l->n++;
	}
	return 0;
}

int pb_perf_links_attach(struct pb_perf_links *l, const struct pb_host *host, const char *who,
			 struct bpf_program *prog, const int *fds, int n_fds)
{
	libbpf_print_fn_t prev = pb_bpf_log_begin(host, who);
	int err = attach(l, prog, fds, n_fds);

	pb_bpf_log_end(prev);
	return err;
}

void pb_perf_links_destroy(struct pb_perf_links *l)
{
	for (int i = 0; i < l->n; i++)
		bpf_link__destroy(l->links[i]);
	free(l->links);
	l->links = NULL;
	l->n = 0;
}
