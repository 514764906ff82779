// SPDX-License-Identifier: MIT
/* A tiny binary for the ELF and CFI fuzz seeds: a few functions, no libc. */
volatile int sink;

__attribute__((noinline)) static void seed_leaf(int n)
{
	sink += n;
}

__attribute__((noinline)) void seed_middle(int n)
{
	char pad[64];

	pad[n & 63] = (char)n;
	seed_leaf(pad[n & 63]);
	sink += pad[(n + 1) & 63];
}

void _start(void)
{
	for (;;)
		seed_middle(sink);
}
