// SPDX-License-Identifier: MIT
/* The session's targets: -p processes and the command, in the filter and the process table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "session_internal.h"

int pb_session_watch_fd(struct pb_session *s, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (fd >= 0 && epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	return 0;
}

/* Adds a process to the filter and the process table; pidfd tells us when it exits. */
static int filter_target(struct pb_session *s, uint32_t pid)
{
	int err = s->unwinder->desc->unwinder->add_pid(s->unwinder_state, pid);

	return err ? pb_session_fail(s, err, "cannot filter on pid %u: %s", pid, strerror(-err)) : 0;
}

int pb_session_track_target(struct pb_session *s, uint32_t pid)
{
	int err = pb_proctab__track(s->proctab, pid);

	if (err && err != -ESRCH)
		return pb_session_fail(s, err, "cannot follow pid %u: %s", pid, strerror(-err));
	return 0;
}

/*
 * The thread that runs the session is the profiler's, not the application's: when it is not a
 * process's first thread (the agent's), it is never sampled, so the profile shows only what the
 * application does and the unwinder never works for the profiler's own libraries.
 */
int pb_session_skip_own_thread(struct pb_session *s)
{
	const struct pb_unwinder_ops *ops = s->unwinder->desc->unwinder;
	uint32_t tid = (uint32_t)syscall(SYS_gettid);
	int err;

	if (tid == (uint32_t)getpid() || !PB_OPTIONAL_OP(ops, skip_thread))
		return 0;
	err = ops->skip_thread(s->unwinder_state, tid);
	return err ? pb_session_fail(s, err, "cannot leave out thread %u: %s", tid,
				     strerror(-err))
		   : 0;
}

int pb_session_open_targets(struct pb_session *s)
{
	int err;

	s->pidfds = malloc((s->opts.n_pids + 1) * sizeof(*s->pidfds));
	if (!s->pidfds)
		return -ENOMEM;
	for (size_t i = 0; i < s->opts.n_pids; i++) {
		uint32_t pid = s->pids[i];

		s->pidfds[i] = syscall(SYS_pidfd_open, pid, 0);
		if (s->pidfds[i] < 0)
			return pb_session_fail(s, ESRCH, "no process with pid %u", pid);
		s->live_targets++;
		if ((err = filter_target(s, pid)) || (err = pb_session_track_target(s, pid)) ||
		    (err = pb_session_watch_fd(s, s->pidfds[i])))
			return err;
	}
	if (!s->command)
		return 0;
	if ((err = pb_session_spawn_command(s)))
		return err;
	s->live_targets++;
	/* In the filter before it runs a single instruction of its own: no lost start. */
	if ((err = filter_target(s, s->child)))
		return err;
	return pb_session_watch_fd(s, s->child_pidfd);
}

void pb_session_target_exited(struct pb_session *s, int fd)
{
	if (fd == s->child_pidfd) {
		pb_session_reap_command(s, false);
		s->live_targets--;
		return;
	}
	for (size_t i = 0; i < s->opts.n_pids; i++) {
		if (s->pidfds[i] == fd) {
			epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
			close(fd);
			s->pidfds[i] = -1;
			s->live_targets--;
		}
	}
}

bool pb_session_is_target_fd(struct pb_session *s, int fd)
{
	if (fd >= 0 && fd == s->child_pidfd)
		return true;
	for (size_t i = 0; i < s->opts.n_pids; i++)
		if (s->pidfds[i] == fd)
			return true;
	return false;
}
