// SPDX-License-Identifier: MIT
/* LD_PRELOADed in sanitizer runs: dlclose() keeps the library, so leak reports can name its code. */
int dlclose(void *handle)
{
	/*
	 * LeakSanitizer reports at exit, after the core unloaded its plugins: their frames would
	 * print as "<unknown module>". Unloading is not what these runs test.
	 */
	return 0;
}
