// SPDX-License-Identifier: MIT
/* Opens the sampling perf events: one per CPU, cpu-cycles where available, else cpu-clock. */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "events.h"
#include "perf_events.h"

/* period 0: frequency samples a second; else every period-th event. */
static int event_open(uint32_t type, uint64_t config, uint64_t period, uint32_t frequency,
		      int cpu)
{
	struct perf_event_attr attr = {
	    .size = sizeof(attr),
	    .type = type,
	    .config = config,
	    .freq = !period,
	    .sample_freq = period ? period : frequency,
	};
	int fd;

	/* pid -1, one cpu: every task on that CPU, which is what a system profiler samples. */
	fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Parses a sysfs CPU list ("0-3,6,8-9") into cpus[]; returns how many, or -errno. */
static int online_cpus(int **ret)
{
	char buf[4096], *p, *end;
	int *cpus = NULL, n = 0, cap = 0, err = 0;
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");

	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f))
		err = -EIO;
	fclose(f);
	if (err)
		return err;

	for (p = buf; *p && *p != '\n';) {
		long lo = strtol(p, &end, 10), hi = lo;

		if (end == p)
			goto bad;
		if (*end == '-') {
			p = end + 1;
			hi = strtol(p, &end, 10);
			if (end == p || hi < lo)
				goto bad;
		}
		for (; lo <= hi; lo++) {
			if (n == cap) {
				int *tmp =
				    realloc(cpus, (cap = cap ? cap * 2 : 16) * sizeof(*cpus));

				if (!tmp) {
					free(cpus);
					return -ENOMEM;
				}
				cpus = tmp;
			}
			cpus[n++] = (int)lo;
		}
		p = *end == ',' ? end + 1 : end;
	}
	if (!n)
		goto bad;
	*ret = cpus;
	return n;
bad:
	free(cpus);
	return -EINVAL;
}

static int open_events(const struct pb_perf_event_kind *kind, uint64_t period, uint32_t frequency,
		       int cpu, struct pb_perf_events **ret)
{
	struct pb_perf_events *ev;
	uint32_t type = kind ? kind->type : PERF_TYPE_HARDWARE;
	uint64_t config = kind ? kind->config : PERF_COUNT_HW_CPU_CYCLES;
	int i, n, fd, err;

	if (!frequency && !period)
		return -EINVAL;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	if (cpu >= 0) {
		ev->cpus = malloc(sizeof(*ev->cpus));
		if (!ev->cpus) {
			err = -ENOMEM;
			goto fail;
		}
		ev->cpus[0] = cpu;
		n = 1;
	} else {
		n = online_cpus(&ev->cpus);
		if (n < 0) {
			err = n;
			goto fail;
		}
	}
	ev->fds = malloc(n * sizeof(*ev->fds));
	if (!ev->fds) {
		err = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < n; i++)
		ev->fds[i] = -1;
	ev->n = n;
	ev->event_name = kind ? kind->name : "cpu-cycles";

	for (i = 0; i < ev->n; i++) {
		fd = event_open(type, config, period, frequency, ev->cpus[i]);
		/*
		 * VMs and some CPUs have no cycle counter (ENOENT/EOPNOTSUPP/ENODEV...): the
		 * hrtimer-driven cpu-clock samples at the same rate. Permission and range errors
		 * are the same for both, so the fallback reports those too.
		 */
		if (fd < 0 && i == 0 && !kind && type == PERF_TYPE_HARDWARE) {
			type = PERF_TYPE_SOFTWARE;
			config = PERF_COUNT_SW_CPU_CLOCK;
			ev->event_name = "cpu-clock";
			fd = event_open(type, config, period, frequency, ev->cpus[i]);
		}
		if (fd < 0) {
			err = fd;
			goto fail;
		}
		ev->fds[i] = fd;
	}
	*ret = ev;
	return 0;
fail:
	pb_perf_events__free(ev);
	return err;
}

int pb_perf_events__open(uint32_t frequency, int cpu, struct pb_perf_events **ret)
{
	return open_events(NULL, 0, frequency, cpu, ret);
}

int pb_perf_events__open_kind(const struct pb_perf_event_kind *kind, uint64_t period,
			      uint32_t frequency, int cpu, struct pb_perf_events **ret)
{
	return open_events(kind, period ? period : kind->each ? 1 : 0, frequency, cpu, ret);
}

void pb_perf_events__free(struct pb_perf_events *ev)
{
	int i;

	if (!ev)
		return;
	for (i = 0; ev->fds && i < ev->n; i++)
		if (ev->fds[i] >= 0)
			close(ev->fds[i]);
	free(ev->fds);
	free(ev->cpus);
	free(ev);
}
