// SPDX-License-Identifier: MIT
/* The terminal's lifecycle: checks, raw mode, and giving the terminal back on every way out. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ui.h"

/* Last: term.h defines macros with everyday names (lines, columns). */
#include <curses.h>
#include <term.h>

/*
 * What a signal handler needs to give the terminal back without ncurses (which is not
 * async-signal-safe): the tty modes from before, and the terminfo strings that leave the
 * alternate screen and show the cursor again.
 */
static struct {
	volatile sig_atomic_t active;
	int fd;
	struct termios saved;
	char restore[256];
	size_t n_restore;
} term;

static SCREEN *screen;
static bool atexit_done;

/* Crashes always restore; ending signals only when nobody else (the core's handler) owns them. */
static const int crash_signals[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL };
static const int end_signals[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT };
#define N_SIGNALS (sizeof(crash_signals) / sizeof(int) + sizeof(end_signals) / sizeof(int))
static struct sigaction old_actions[N_SIGNALS];
static bool installed[N_SIGNALS];

static void emergency_restore(void)
{
	ssize_t unused;

	if (!term.active)
		return;
	term.active = 0;
	tcsetattr(term.fd, TCSANOW, &term.saved);
	unused = write(term.fd, term.restore, term.n_restore);
	(void)unused;
	tui_logcap_restore_fd();
}

static void on_fatal(int sig)
{
	emergency_restore();
	/* SA_RESETHAND put the default action back: the signal now does what it would have. */
	raise(sig);
}

static int signal_at(size_t i)
{
	size_t n_crash = sizeof(crash_signals) / sizeof(int);

	return i < n_crash ? crash_signals[i] : end_signals[i - n_crash];
}

static void install_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_fatal, .sa_flags = SA_RESETHAND };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < N_SIGNALS; i++) {
		bool crash = i < sizeof(crash_signals) / sizeof(int);

		if (sigaction(signal_at(i), NULL, &old_actions[i]))
			continue;
		if (!crash && old_actions[i].sa_handler != SIG_DFL)
			continue;
		installed[i] = !sigaction(signal_at(i), &sa, NULL);
	}
}

static void remove_handlers(void)
{
	for (size_t i = 0; i < N_SIGNALS; i++) {
		if (installed[i])
			sigaction(signal_at(i), &old_actions[i], NULL);
		installed[i] = false;
	}
}

static void add_restore(const char *cap)
{
	const char *s = tigetstr(cap);
	size_t len;

	if (!s || s == (const char *)-1)
		return;
	len = strlen(s);
	if (term.n_restore + len < sizeof(term.restore)) {
		memcpy(term.restore + term.n_restore, s, len);
		term.n_restore += len;
	}
}

int tui_term_check(char *msg, size_t len)
{
	const char *name = getenv("TERM");
	int err;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(msg, len, "--tui needs a terminal: stdin and stdout must both be a tty "
				   "(use -o FILE to save a profile instead)");
		return -ENOTTY;
	}
	if (!name || !*name || !strcmp(name, "dumb")) {
		snprintf(msg, len, "--tui needs a terminal type: TERM is %s", name && *name ?
			 "'dumb'" : "not set");
		return -ENOTTY;
	}
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
		snprintf(msg, len, "--tui cannot drive terminal type '%s': no terminfo entry "
				   "(try TERM=xterm-256color)", name);
		return -ENOTTY;
	}
	del_curterm(cur_term);
	return 0;
}

int tui_term_open(char *msg, size_t len)
{
	term.fd = STDOUT_FILENO;
	if (tcgetattr(term.fd, &term.saved)) {
		snprintf(msg, len, "--tui cannot read the terminal's settings: %s", strerror(errno));
		return -ENOTTY;
	}
	/* Before newterm, whose own handlers would otherwise exit(1) instead of re-raising. */
	install_handlers();
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		remove_handlers();
		snprintf(msg, len, "--tui cannot set the terminal up (TERM=%s)", getenv("TERM"));
		return -ENOTTY;
	}
	set_term(screen);
	/* Raw, so Ctrl-C is a key the viewer handles instead of a SIGINT that skips it. */
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	tui_draw_colors();
	term.n_restore = 0;
	add_restore("sgr0");
	add_restore("cnorm");
	add_restore("rmkx");
	add_restore("rmcup");
	term.active = 1;
	if (!atexit_done)
		atexit_done = !atexit(emergency_restore);
	return 0;
}

void tui_term_close(void)
{
	if (!screen)
		return;
	endwin();
	delscreen(screen);
	screen = NULL;
	term.active = 0;
	remove_handlers();
}
