/* SPDX-License-Identifier: MIT */
/* TAP output for every C test program: checks, comments, skips and the plan. */
#ifndef PB_TEST_TAP_H
#define PB_TEST_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Use:  ok(cond, fmt, ...)         one check; a failure also prints file:line and cond
 *       is_str(got, want, fmt, ...) one check that two strings are equal (NULL never is)
 *       diag(fmt, ...)            a comment
 *       skip(why)                 one check that cannot run here, always a skip
 *       skip_or_fail(why)         the same, but a failure when PB_TEST_NO_SKIP is set (CI)
 *       tap_plan(n)               the plan up front, for a test with a fixed count (optional)
 *       return tap_done();        the plan (unless given up front); 1 if a check failed
 *       return tap_skip_all(why); a whole test that cannot run here (no root, no BPF)
 * Messages may hold newlines (a log, a folded profile): each further line becomes a "# " line.
 */

static int tap_n __attribute__((unused)), tap_failed __attribute__((unused));
static bool tap_planned __attribute__((unused));

/* Prints head, then the formatted text; each of its newlines starts a "# " line. */
static inline void tap_vprint(const char *head, const char *fmt, va_list ap)
{
	va_list again;
	char *text;
	int len;

	va_copy(again, ap);
	len = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	text = len < 0 ? NULL : malloc((size_t)len + 1);
	fputs(head, stdout);
	if (!text) {
		puts("(cannot format the message)");
		return;
	}
	vsnprintf(text, (size_t)len + 1, fmt, ap);
	for (const char *p = text; *p; p++) {
		putchar(*p);
		if (*p == '\n')
			fputs("# ", stdout);
	}
	putchar('\n');
	fflush(stdout);
	free(text);
}

__attribute__((format(printf, 2, 3))) static inline void tap_print(const char *head,
								   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vprint(head, fmt, ap);
	va_end(ap);
}

/* Reports one check whose outcome is known; what names the condition for a failure. */
__attribute__((format(printf, 5, 6))) static inline void
tap_check(bool pass, const char *file, int line, const char *what, const char *fmt, ...)
{
	char head[32];
	va_list ap;

	snprintf(head, sizeof(head), "%sok %d - ", pass ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	tap_vprint(head, fmt, ap);
	va_end(ap);
	if (!pass) {
		tap_failed++;
		tap_print("#   failed at ", "%s:%d: %s", file, line, what);
	}
}

/* The condition is evaluated before the message's arguments, which may read what it changed. */
#define ok(cond, ...)                                                                              \
	do {                                                                                       \
		bool tap_ok_ = (cond);                                                             \
		tap_check(tap_ok_, __FILE__, __LINE__, #cond, __VA_ARGS__);                        \
	} while (0)

#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *tap_g_ = (got), *tap_w_ = (want);                                      \
		bool tap_ok_ = tap_g_ && tap_w_ && !strcmp(tap_g_, tap_w_);                        \
		tap_check(tap_ok_, __FILE__, __LINE__, #got " is " #want, __VA_ARGS__);            \
		if (!tap_ok_)                                                                      \
			tap_print("#   ", "got '%s'\nwant '%s'", tap_g_ ? tap_g_ : "(null)",       \
				  tap_w_ ? tap_w_ : "(null)");                                     \
	} while (0)

#define diag(...) tap_print("# ", __VA_ARGS__)

static inline bool tap_no_skip(void)
{
	const char *v = getenv("PB_TEST_NO_SKIP");

	return v && v[0] && strcmp(v, "0");
}

static inline void skip(const char *why)
{
	printf("ok %d # SKIP %s\n", ++tap_n, why);
	fflush(stdout);
}

/* CI has root, BPF and every tool: there a skip would hide a broken environment. */
static inline void tap_skip_or_fail(const char *why, const char *file, int line)
{
	if (tap_no_skip())
		tap_check(false, file, line, "PB_TEST_NO_SKIP is set",
			  "cannot run: %s (PB_TEST_NO_SKIP=1 forbids skipping)", why);
	else
		skip(why);
}

#define skip_or_fail(why) tap_skip_or_fail(why, __FILE__, __LINE__)

static inline void tap_plan(int n)
{
	printf("1..%d\n", n);
	fflush(stdout);
	tap_planned = true;
}

/* Ends the test: the plan, then 0 when every check passed. */
static inline int tap_done(void)
{
	if (!tap_planned)
		printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

/*
 * A test that cannot run here at all: a skip plan and 0 (meson's TAP reader takes the plan's
 * SKIP; exit 77 would read as an error), or under PB_TEST_NO_SKIP one failed check (as
 * tests/tap_skip.sh does for scripts).
 */
static inline int tap_skip_all(const char *why)
{
	if (tap_no_skip()) {
		printf("1..1\nnot ok 1 - cannot run: %s (PB_TEST_NO_SKIP=1 forbids skipping)\n",
		       why);
		fflush(stdout);
		return 1;
	}
	printf("1..0 # SKIP %s\n", why);
	fflush(stdout);
	return 0;
}

#endif
