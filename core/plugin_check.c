// SPDX-License-Identifier: MIT
/* Is a plugin descriptor one the core can use: its ABI, its required ops, its settings table. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "plugin_loader.h"

/* The size of the field a key of this type binds. */
static size_t field_size(enum pb_config_type type)
{
	switch (type) {
	case PB_CONFIG_STRING:
		return sizeof(const char *);
	case PB_CONFIG_INT:
		return sizeof(int64_t);
	case PB_CONFIG_BOOL:
		return sizeof(bool);
	case PB_CONFIG_DOUBLE:
		return sizeof(double);
	}
	return 0;
}

/* Every key binds inside the settings struct and its default is a value it accepts. */
static int check_keys(const struct pb_plugin *d, char *why, size_t len)
{
	char owner[80];

	snprintf(owner, sizeof(owner), "%s", d->name);
	for (const struct pb_config_key *k = d->config_keys; k && k->name; k++) {
		size_t size = field_size(k->type);

		if (!size || k->offset + size > d->settings_size) {
			snprintf(why, len, "setting '%s' does not fit its settings struct (%zu bytes)",
				 k->name, d->settings_size);
			return -EINVAL;
		}
		if (k->default_value &&
		    pb_config_check_value(k, owner, k->default_value, why, len))
			return -EINVAL; /* why: "name: 'key' must be ..., not 'default'" */
		for (const struct pb_config_key *o = d->config_keys; o < k; o++)
			if (!strcmp(o->name, k->name)) {
				snprintf(why, len, "setting '%s' is declared twice", k->name);
				return -EINVAL;
			}
	}
	return 0;
}

const struct pb_encoder *pb_plugin_encoder(const struct pb_plugin *d, const char *format)
{
	for (const struct pb_encoder *e = d->encoders; e && e->format; e++)
		if (!strcmp(e->format, format) && PB_HAS(e, encode) && e->encode)
			return e;
	return NULL;
}

static int check_output(const struct pb_plugin *d, char *why, size_t len)
{
	const struct pb_output_ops *o = d->output;

	if (!d->claims || !d->claims[0].pattern) {
		snprintf(why, len, "an output without claims (-o patterns)");
		return -EINVAL;
	}
	if (o && (!PB_HAS(o, close) || !o->open || !o->write || !o->close)) {
		snprintf(why, len, "output ops without open, write or close");
		return -EINVAL;
	}
	/* Without ops the core writes files itself: every claimed format needs its encoder. */
	for (const struct pb_output_claim *c = d->claims; !o && c->pattern; c++)
		if (!c->format || !pb_plugin_encoder(d, c->format)) {
			snprintf(why, len, "no ops, and no encoder for its format '%s'",
				 c->format ? c->format : "(null)");
			return -EINVAL;
		}
	return 0;
}

static int check_unwinder(const struct pb_plugin *d, char *why, size_t len)
{
	const struct pb_unwinder_ops *u = d->unwinder;

	if (u && PB_HAS(u, close) && u->open && u->attach && u->add_pid && u->drain && u->close)
		return 0;
	snprintf(why, len, "unwinder ops without open, attach, add_pid, drain or close");
	return -EINVAL;
}

int pb_plugin_check(const struct pb_plugin *d, char *why, size_t len)
{
	if (d->abi_major != PB_PLUGIN_ABI_MAJOR || d->abi_minor > PB_PLUGIN_ABI_MINOR) {
		snprintf(why, len, "built for plugin ABI %u.%u, this profile-bee loads %u.0 to %u.%u",
			 d->abi_major, d->abi_minor, PB_PLUGIN_ABI_MAJOR, PB_PLUGIN_ABI_MAJOR,
			 PB_PLUGIN_ABI_MINOR);
		return -EPROTO;
	}
	/* 2.0 is the smallest descriptor this core reads: every field up to output_flags. */
	if (d->sz < offsetof(struct pb_plugin, output_flags) + sizeof(d->output_flags) ||
	    !d->name || !d->name[0]) {
		snprintf(why, len, "malformed plugin descriptor");
		return -EINVAL;
	}
	if (d->kind == PB_PLUGIN_OUTPUT)
		return check_output(d, why, len) ?: check_keys(d, why, len);
	if (d->kind == PB_PLUGIN_UNWINDER)
		return check_unwinder(d, why, len) ?: check_keys(d, why, len);
	snprintf(why, len, "unknown plugin kind %d", (int)d->kind);
	return -EINVAL;
}
