// SPDX-License-Identifier: MIT
/* The converter's fixture: known functions, built here with .eh_frame and with .debug_frame only. */
volatile unsigned long cfi_sink;

__attribute__((noinline)) void cfi_leaf(unsigned long i)
{
	cfi_sink += i;
}

/* Saves registers and grows its frame: several rows, then a gap (alignment padding) after it. */
__attribute__((noinline)) unsigned long cfi_saver(unsigned long n)
{
	volatile unsigned long buf[16];
	unsigned long s = 0;

	for (unsigned long i = 0; i < n; i++) {
		buf[i & 15] = i;
		cfi_leaf(buf[(i * 7) & 15]);
		s += buf[i & 15];
	}
	return s;
}

int main(int argc, char **argv)
{
	(void)argv;
	return (int)cfi_saver((unsigned long)argc * 100);
}
