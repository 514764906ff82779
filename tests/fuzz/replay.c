// SPDX-License-Identifier: MIT
/* Replays saved inputs through a fuzz target without libFuzzer: the corpus as a TAP test. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "tap.h"

/* Weak so that a target with nothing to set up need not define it. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0, cap = 0, got;

	if (!f) {
		int err = -errno;

		ok(false, "%s: %s", path, strerror(-err));
		return err;
	}
	do {
		if (len == cap) {
			uint8_t *grown = realloc(data, cap = cap ? cap * 2 : 4096);

			if (!grown) {
				fclose(f);
				free(data);
				return -ENOMEM;
			}
			data = grown;
		}
		got = fread(data + len, 1, cap - len, f);
		len += got;
	} while (got);
	fclose(f);
	/* A crash or a sanitizer report ends the process: reaching the next line is the pass. */
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	ok(true, "%s", path);
	return 0;
}

/* A directory's files in name order, so runs compare. */
static int replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t count = 0;
	int err = 0;

	if (!d) {
		err = -errno;
		ok(false, "%s: %s", dir, strerror(-err));
		return err;
	}
	while ((de = readdir(d))) {
		char **grown;

		if (de->d_name[0] == '.')
			continue;
		grown = realloc(names, (count + 1) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		if (asprintf(&names[count], "%s/%s", dir, de->d_name) >= 0)
			count++;
	}
	closedir(d);
	if (count)
		qsort(names, count, sizeof(*names), cmp_str);
	for (size_t i = 0; i < count; i++) {
		if (!err)
			err = replay_file(names[i]);
		free(names[i]);
	}
	free(names);
	return err;
}

int main(int argc, char **argv)
{
	int err = 0, status;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc && !err; i++) {
		struct stat st;

		if (stat(argv[i], &st)) {
			err = -errno;
			ok(false, "%s: %s", argv[i], strerror(-err));
		} else {
			err = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i]);
		}
	}
	status = tap_done();
	/* An input that could not be read for want of memory failed without a check of its own. */
	return err ? 1 : status;
}
