// SPDX-License-Identifier: MIT
/* Number formatting without printf: a 100k-stack graph prints a few numbers per frame. */
#include "flamegraph.h"

void fg_put_u64(FILE *f, uint64_t v)
{
	char buf[24], *p = buf + sizeof(buf);

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	fwrite_unlocked(p, 1, buf + sizeof(buf) - p, f);
}

void fg_put_i64(FILE *f, int64_t v)
{
	if (v < 0) {
		putc_unlocked('-', f);
		fg_put_u64(f, -(uint64_t)v);
	} else {
		fg_put_u64(f, v);
	}
}

void fg_put_grouped(FILE *f, uint64_t v)
{
	char buf[32], *p = buf + sizeof(buf);
	int digits = 0;

	do {
		if (digits && digits % 3 == 0)
			*--p = ',';
		*--p = '0' + v % 10;
		v /= 10;
		digits++;
	} while (v);
	fwrite_unlocked(p, 1, buf + sizeof(buf) - p, f);
}

void fg_put_fixed(FILE *f, int64_t v, int decimals)
{
	char buf[40], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	for (int i = 0; i < decimals; i++) {
		*--p = '0' + u % 10;
		u /= 10;
	}
	if (decimals)
		*--p = '.';
	do {
		*--p = '0' + u % 10;
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	fwrite_unlocked(p, 1, buf + sizeof(buf) - p, f);
}
