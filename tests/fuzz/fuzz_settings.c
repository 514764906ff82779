// SPDX-License-Identifier: MIT
/* Fuzz target: settings and their ranges (--set lines, plugin limits): accepted means in range. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "settings.h"

#include "fuzz.h"

/* The svg plugin's kinds of settings: whole numbers, numbers and a list of choices. */
struct svgish {
	int64_t width;
	double min_width;
	const char *palette, *title;
};
static const struct pb_config_key keys[] = {
	PB_KEY_INT(struct svgish, width, "width", "1200", 100, 1000000, ""),
	PB_KEY_DOUBLE(struct svgish, min_width, "min-width", "0.1", 0, 1000000, ""),
	PB_KEY_STRING(struct svgish, palette, "palette", "hot", "", .choices = "hot, mem, io"),
	PB_KEY_STRING(struct svgish, title, "title", NULL, ""),
	{ 0 },
};

static void check_opts(struct pb_settings *st)
{
	struct pb_session_opts o = { .sz = sizeof(o) };
	char err[512];

	if (pb_settings_to_opts(st, &o, err, sizeof(err)))
		return;
	if ((pb_settings_get(st, "profile", "frequency") && (o.frequency < 1 || o.frequency > 100000)) ||
	    (o.window_ms && o.window_ms < PB_MIN_FLUSH_INTERVAL * 1000) ||
	    (o.one_cpu && o.cpu > pb_core_settings_cpu_max()) ||
	    (pb_settings_get(st, "profile", "stack-storage-size") &&
	     (o.stack_storage_size < 16 || o.stack_storage_size > 1 << 24))) {
		fprintf(stderr, "accepted out of range: frequency %u window %u cpu %u\n", o.frequency,
			o.window_ms, o.cpu);
		abort();
	}
}

static void check_plugin(struct pb_config *cfg, const char *line)
{
	const char *eq = strchr(line, '=');
	char key[64], err[512];
	struct svgish v;

	if (!eq || (size_t)(eq - line) >= sizeof(key))
		return;
	memcpy(key, line, eq - line);
	key[eq - line] = '\0';
	if (pb_config__set(cfg, key, eq + 1, "fuzz", err, sizeof(err))) {
		if (!memchr(err, '\0', sizeof(err)))
			__builtin_trap();
		return;
	}
	pb_config__bind(cfg, &v);
	if (v.width < 100 || v.width > 1000000 || !(v.min_width >= 0 && v.min_width <= 1000000) ||
	    (strcmp(v.palette, "hot") && strcmp(v.palette, "mem") && strcmp(v.palette, "io"))) {
		fprintf(stderr, "accepted out of range: '%s'\n", line);
		abort();
	}
}

/* One "section.key=value" (as --set) or plugin "key=value" per line. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *save = NULL, err[1024];
	struct pb_settings st = { 0 };
	struct pb_config *cfg = NULL;

	if (!text || pb_config__new(keys, "output.svg", &cfg)) {
		free(text);
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!pb_settings_set_arg(&st, line, err, sizeof(err)))
			check_opts(&st);
		check_plugin(cfg, line);
	}
	pb_config__free(cfg);
	pb_settings_clear(&st);
	free(text);
	return 0;
}
