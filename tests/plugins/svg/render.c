// SPDX-License-Identifier: MIT
/* Test driver: renders a folded file to outputs with per-output settings (session API). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profile-bee/profile-bee.h>

/* Usage: svg-render SETTINGS INPUT.folded OUTPUT... (SETTINGS "key=value,..." or "") */
int main(int argc, char **argv)
{
	struct pb_session_opts opts = { .sz = sizeof(opts), .quiet = true };
	struct pb_profile *p = NULL;
	struct pb_session *s = NULL;
	FILE *in;
	int err;

	if (argc < 4) {
		fprintf(stderr, "usage: %s SETTINGS INPUT OUTPUT...\n", argv[0]);
		return 2;
	}
	in = fopen(argv[2], "r");
	if (!in) {
		perror(argv[2]);
		return 1;
	}
	err = pb_profile__new(&p);
	if (!err)
		err = pb_profile__read_folded(p, in, NULL);
	fclose(in);
	if (!err)
		err = pb_session__new(&opts, &s);
	for (int i = 3; !err && i < argc; i++)
		err = pb_session__add_output(s, argv[i], argv[1][0] ? argv[1] : NULL);
	if (!err)
		err = pb_session__write(s, p);
	if (err && s && pb_session__strerror(s)[0])
		fprintf(stderr, "svg-render: %s\n", pb_session__strerror(s));
	else if (err)
		fprintf(stderr, "svg-render: %s\n", strerror(-err));
	pb_session__free(s);
	pb_profile__free(p);
	return err ? 1 : 0;
}
