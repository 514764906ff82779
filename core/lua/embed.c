// SPDX-License-Identifier: MIT
/* Build tool: turns a file into a C array (the Lua prelude compiled into the binary). */
#include <stdio.h>

int main(int argc, char **argv)
{
	FILE *in, *out;
	size_t n = 0;
	int c;

	if (argc != 4) {
		fprintf(stderr, "usage: %s INPUT OUTPUT.c SYMBOL\n", argv[0]);
		return 2;
	}
	if (!(in = fopen(argv[1], "rb")) || !(out = fopen(argv[2], "w"))) {
		perror(argv[1]);
		return 1;
	}
	fprintf(out, "/* Generated from %s. */\n#include <stddef.h>\nconst char %s[] = {", argv[1],
		argv[3]);
	while ((c = getc(in)) != EOF)
		fprintf(out, "%s0x%02x,", n++ % 16 ? "" : "\n\t", c);
	fprintf(out, "\n\t0x00\n};\nconst size_t %s_len = %zu;\n", argv[3], n);
	fclose(in);
	return fclose(out) ? 1 : 0;
}
