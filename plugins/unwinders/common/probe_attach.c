// SPDX-License-Identifier: MIT
/* Attaches bpf/probes.bpf.h's programs to the probes of -e with libbpf. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_log.h"
#include "probe_attach.h"

uint32_t pb_probes_count(const struct pb_sample_params *params)
{
	return PB_HAS(params, n_probes) && params->probes ? params->n_probes : 0;
}

static bool wants(const struct pb_sample_params *params, uint32_t kind_a, uint32_t kind_b)
{
	for (uint32_t i = 0; i < pb_probes_count(params); i++)
		if (params->probes[i]->kind == kind_a || params->probes[i]->kind == kind_b)
			return true;
	return false;
}

int pb_probes_prepare(const struct pb_probe_progs *p, const struct pb_sample_params *params)
{
	bool usdt = wants(params, PB_PROBE_USDT, PB_PROBE_USDT);

	return bpf_program__set_autoload(p->kernel, wants(params, PB_PROBE_KPROBE,
							  PB_PROBE_KRETPROBE)) ?:
	       bpf_program__set_autoload(p->tracepoint, wants(params, PB_PROBE_TRACEPOINT,
							      PB_PROBE_TRACEPOINT)) ?:
	       bpf_program__set_autoload(p->user, usdt || wants(params, PB_PROBE_UPROBE,
								PB_PROBE_URETPROBE)) ?:
	       bpf_map__set_autocreate(p->usdt_maps[0], usdt) ?:
	       bpf_map__set_autocreate(p->usdt_maps[1], usdt);
}

static struct bpf_link *attach_one(const struct pb_probe_progs *p, const struct pb_probe *pr)
{
	bool ret = pr->kind == PB_PROBE_KRETPROBE || pr->kind == PB_PROBE_URETPROBE;

	switch (pr->kind) {
	case PB_PROBE_KPROBE:
	case PB_PROBE_KRETPROBE: {
		LIBBPF_OPTS(bpf_kprobe_opts, o, .retprobe = ret);
		return bpf_program__attach_kprobe_opts(p->kernel, pr->target, &o);
	}
	case PB_PROBE_UPROBE:
	case PB_PROBE_URETPROBE: {
		LIBBPF_OPTS(bpf_uprobe_opts, o, .retprobe = ret);
		/* Every process: the pid filter in BPF keeps the profiled ones. */
		return bpf_program__attach_uprobe_opts(p->user, -1, pr->target, pr->offset, &o);
	}
	case PB_PROBE_TRACEPOINT:
		return bpf_program__attach_tracepoint(p->tracepoint, pr->target, pr->name);
	case PB_PROBE_USDT:
		return bpf_program__attach_usdt(p->user, -1, pr->target, pr->provider, pr->name,
						NULL);
	}
	errno = EINVAL;
	return NULL;
}

int pb_probes_attach(struct pb_perf_links *l, const struct pb_host *host, const char *who,
		     const struct pb_probe_progs *p, const struct pb_sample_params *params)
{
	uint32_t n = pb_probes_count(params);
	libbpf_print_fn_t prev;
	struct bpf_link **links;
	int err = 0;

	if (!n)
		return 0;
	links = realloc(l->links, (l->n + n) * sizeof(*links));
	if (!links)
		return -ENOMEM;
	l->links = links;
	prev = pb_bpf_log_begin(host, who);
	for (uint32_t i = 0; i < n && !err; i++) {
		const struct pb_probe *pr = params->probes[i];

		links[l->n] = attach_one(p, pr);
		if (links[l->n]) {
			l->n++;
			continue;
		}
		err = -errno;
		host->log(host->session, PB_LOG_ERROR, who, "-e %s: cannot attach%s%s: %s",
			  pr->spec, pr->name && pr->kind != PB_PROBE_TRACEPOINT ? " to " : "",
			  pr->name && pr->kind != PB_PROBE_TRACEPOINT ? pr->name : "",
			  strerror(-err));
	}
	pb_bpf_log_end(prev);
	return err;
}
