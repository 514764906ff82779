// SPDX-License-Identifier: MIT
/* Starts the profiled command held until BPF is attached, and collects its exit status. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "session_internal.h"

static void child_run(struct pb_session *s, int release_fd, int error_fd, int output_fd)
{
	char go;
	int err;

	if (output_fd >= 0) {
		/* The terminal belongs to the viewer: the command must not read its keys. */
		int null_fd = open("/dev/null", O_RDONLY);

		if (null_fd >= 0)
			dup2(null_fd, STDIN_FILENO);
		dup2(output_fd, STDOUT_FILENO);
		dup2(output_fd, STDERR_FILENO);
	} else if (s->opts.command_stdout_to_stderr) {
		dup2(STDERR_FILENO, STDOUT_FILENO);
	}
	/* Wait until the parent has the pid in the filter and BPF attached: no lost start. */
	if (read(release_fd, &go, 1) != 1)
		_exit(127);
	execvp(s->command[0], s->command);
	err = errno;
	if (write(error_fd, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

/* An output that owns the terminal shows the command's output itself. */
static bool terminal_taken(const struct pb_session *s)
{
	for (size_t i = 0; i < s->n_outputs; i++)
		if (s->outputs[i].plugin->desc->output_flags & PB_OUTPUT_WANTS_TERMINAL)
			return true;
	return false;
}

int pb_session_spawn_command(struct pb_session *s)
{
	int release[2], error[2], output[2] = { -1, -1 };
	pid_t pid;

	if (pipe2(release, O_CLOEXEC) || pipe2(error, O_CLOEXEC) ||
	    (terminal_taken(s) && pipe2(output, O_CLOEXEC)))
		return pb_session_fail(s, errno, "cannot create a pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return pb_session_fail(s, errno, "cannot fork: %s", strerror(errno));
	if (pid == 0) {
		close(release[1]);
		close(error[0]);
		child_run(s, release[0], error[1], output[1]);
	}
	close(release[0]);
	close(error[1]);
	if (output[1] >= 0) {
		close(output[1]);
		fcntl(output[0], F_SETFL, O_NONBLOCK);
		s->child_output_fd = output[0];
	}
	s->child = pid;
	s->child_release_fd = release[1];
	s->child_error_fd = error[0];
	s->child_pidfd = syscall(SYS_pidfd_open, pid, 0);
	return 0;
}

/* Lets the command exec; reports when exec failed (the child wrote errno and exited). */
int pb_session_release_command(struct pb_session *s)
{
	int err = 0;

	if (s->child_release_fd < 0)
		return 0;
	if (write(s->child_release_fd, "g", 1) != 1)
		err = errno;
	close(s->child_release_fd);
	s->child_release_fd = -1;
	/* The error pipe closes on a successful exec (O_CLOEXEC), or carries exec's errno. */
	if (read(s->child_error_fd, &err, sizeof(err)) == sizeof(err)) {
		close(s->child_error_fd);
		s->child_error_fd = -1;
		pb_session_reap_command(s, false);
		return pb_session_fail(s, err, "cannot run '%s': %s", s->command[0],
				       strerror(err));
	}
	close(s->child_error_fd);
	s->child_error_fd = -1;
	return 0;
}

void pb_session_reap_command(struct pb_session *s, bool terminate)
{
	int status;
	pid_t got;

	if (!s->child)
		return;
	if (terminate)
		kill(s->child, SIGTERM);
	do
		got = waitpid(s->child, &status, 0);
	while (got < 0 && errno == EINTR);
	if (got == s->child) {
		if (WIFEXITED(status))
			s->child_status = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			s->child_status = 128 + WTERMSIG(status);
	}
	if (terminate)
		s->child_status = -1; /* we ended it: its status says nothing about the program */
	s->child = 0;
	if (s->child_pidfd >= 0)
		close(s->child_pidfd);
	s->child_pidfd = -1;
}
