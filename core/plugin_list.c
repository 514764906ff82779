// SPDX-License-Identifier: MIT
/* --list-plugins: the core's settings, then every plugin found with its kind, files, settings. */
#include <errno.h>

#include "core_settings.h"
#include "log.h"
#include "plugin_loader.h"

void pb_log__set_level(int level)
{
	pb_log_verbosity = level;
}

static const char *type_name(enum pb_config_type t)
{
	static const char *const names[] = { "string", "int", "bool", "number" };

	return t <= PB_CONFIG_DOUBLE ? names[t] : "?";
}

/* "  width (int 100..1000000, default 1200): image width in pixels" */
static void print_key(FILE *out, const struct pb_config_key *k)
{
	fprintf(out, "         %-10s %s (%s", "", k->name, type_name(k->type));
	if ((k->type == PB_CONFIG_INT || k->type == PB_CONFIG_DOUBLE) && (k->min || k->max))
		fprintf(out, " %.15g..%.15g", k->min, k->max);
	if (k->type == PB_CONFIG_STRING && k->choices)
		fprintf(out, ": %s", k->choices);
	fprintf(out, ", default %s): %s\n",
		!k->default_value ? "unset" : *k->default_value ? k->default_value : "\"\"",
		k->help ? k->help : "");
}

int pb_plugin__list_all(FILE *out, const char *plugin_path)
{
	struct pb_plugin_registry *reg;
	int err = pb_plugin_registry__new(plugin_path, &reg);

	if (err)
		return err;
	/* Listing is the one use that loads every file (the broken ones are reported). */
	pb_plugin_registry__load_all(reg);
	for (const struct pb_core_section *sec = pb_core_settings_sections; sec->name; sec++) {
		fprintf(out, "%-8s %-10s %s\n", "core", sec->name, sec->help);
		for (const struct pb_config_key *k = sec->keys; k->name; k++)
			print_key(out, k);
	}
	for (int kind = PB_PLUGIN_UNWINDER; kind <= PB_PLUGIN_OUTPUT; kind++) {
		for (size_t i = 0; i < reg->n; i++) {
			const struct pb_plugin *d = reg->items[i]->desc;

			if ((int)d->kind != kind)
				continue;
			fprintf(out, "%-8s %-10s %s\n", kind == PB_PLUGIN_UNWINDER ? "unwinder" : "output",
				d->name, d->description ? d->description : "");
			fprintf(out, "         %-10s file: %s\n", "", reg->items[i]->path);
			if (d->kind == PB_PLUGIN_OUTPUT && d->claims) {
				fprintf(out, "         %-10s -o:", "");
				for (const struct pb_output_claim *c = d->claims; c->pattern; c++)
					fprintf(out, " %s", c->pattern);
				fputc('\n', out);
			}
			for (const struct pb_config_key *k = d->config_keys; k && k->name; k++)
				print_key(out, k);
		}
	}
	pb_plugin_registry__free(reg);
	return ferror(out) ? -EIO : 0;
}
