// SPDX-License-Identifier: MIT
/* The unwinder ops fp and dwarf share, on the struct pb_counting their state starts with: pids,
 * attach, drain and peek through pb_counted, CPython processes, and release. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "counted.h"
#include "filter.h"
#include "python_procs.h"
#include "unwinder.h"

int pb_counting_peek(void *state, pb_raw_stack_fn fn, void *ctx)
{
	struct pb_counting *c = state;

	if (!c->counted)
		return 0;
	pb_counted__set_python(c->counted, c->py);
	return pb_counted__peek(c->counted, fn, ctx);
}

int pb_counting_new(const struct pb_host *host, const struct pb_sample_params *params,
		    const char *who, size_t size, void **ret)
{
	struct pb_counting *c;

	if (!pb_unwinder_open_ok(host, params) || size < sizeof(*c))
		return -EINVAL;
	c = calloc(1, size);
	if (!c)
		return -ENOMEM;
	c->host = host;
	c->who = who;
	*ret = c;
	return 0;
}

int pb_counting_attach(void *state, const int *perf_fds, int n_fds)
{
	struct pb_counting *c = state;

	pb_counted__set_ns(c->counted, c->event != PB_EVENT_CPU);
	return pb_counting_offcpu_attach(c) ?:
	       pb_perf_links_attach(&c->links, c->host, c->who, c->sample, perf_fds, n_fds) ?:
	       (c->params ? pb_probes_attach(&c->links, c->host, c->who, &c->probes, c->params)
			  : 0);
}

int pb_counting_add_pid(void *state, uint32_t pid)
{
	struct pb_counting *c = state;

	int err = pb_filter_add_pid(c->pids, pid);

	/* The profiler profiling itself (an agent): its own threads are skip_thread's. */
	if (!err && c->self_tgid && pid == (uint32_t)getpid())
		*c->self_tgid = 0;

	if (!err)
		pb_pyprocs__check(c->py, pid);
	return err;
}

void pb_counting_on_mapping(void *state, uint32_t pid, const struct pb_mapping *m)
{
	struct pb_counting *c = state;

	pb_pyprocs__on_mapping(c->py, pid, m);
}

void pb_counting_on_exit(void *state, uint32_t pid)
{
	struct pb_counting *c = state;

	pb_pyprocs__exit(c->py, pid);
}

int pb_counting_python(struct pb_counting *c, const struct pb_sample_params *params,
		       const struct pb_counted_maps *maps)
{
	uint32_t mode = pb_counted_python_mode(params);

	if (mode == PB_PYTHON_OFF || !params->user)
		return 0;
	return pb_pyprocs__new(c->host, c->who, maps->py_procs, mode, &c->py);
}

int pb_counting_skip_thread(void *state, uint32_t tid)
{
	struct pb_counting *c = state;

	return pb_filter_skip_thread(c->pids, c->skipped_threads, tid);
}

int pb_counting_drain(void *state, pb_raw_stack_fn fn, void *ctx)
{
	struct pb_counting *c = state;

	pb_counted__set_python(c->counted, c->py); /* both made in open, in either order */
	return pb_counted__drain(c->counted, fn, ctx);
}

void pb_counting_release(struct pb_counting *c)
{
	bpf_link__destroy(c->offcpu_link);
	c->offcpu_link = NULL;
	pb_perf_links_destroy(&c->links);
	pb_filter_detach(&c->filter_links);
	pb_counted__free(c->counted);
	c->counted = NULL;
	pb_pyprocs__free(c->py);
	c->py = NULL;
}
