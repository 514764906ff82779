// SPDX-License-Identifier: MIT
/* Plugin settings given for a whole session (INI sections, --set), checked against key tables. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

const struct pb_config *pb_session_section(const struct pb_session *s, const char *section)
{
	for (size_t i = 0; i < s->n_sections; i++)
		if (!strcmp(s->sections[i].section, section))
			return s->sections[i].cfg;
	return NULL;
}

void pb_session_free_sections(struct pb_session *s)
{
	for (size_t i = 0; i < s->n_sections; i++) {
		free(s->sections[i].section);
		pb_config__free(s->sections[i].cfg);
	}
	free(s->sections);
	s->sections = NULL;
	s->n_sections = 0;
}

/* "output.svg" -> the svg output plugin; the kind's word and the plugin name must both exist. */
static const struct pb_loaded_plugin *section_plugin(struct pb_session *s, const char *section)
{
	enum pb_plugin_kind kind;
	const struct pb_loaded_plugin *lp;
	const char *name;
	char names[256];

	if (!strncmp(section, "output.", 7)) {
		kind = PB_PLUGIN_OUTPUT;
		name = section + 7;
	} else if (!strncmp(section, "unwinder.", 9)) {
		kind = PB_PLUGIN_UNWINDER;
		name = section + 9;
	} else {
		pb_session_fail(s, ENOENT, "unknown section '%s' (want output.NAME or unwinder.NAME)",
				section);
		return NULL;
	}
	lp = pb_plugin_registry__find(s->registry, kind, name);
	if (!lp) {
		pb_plugin_registry__names(s->registry, kind, false, names, sizeof(names));
		pb_session_fail(s, ENOENT, "no %s plugin '%s' (available: %s)",
				kind == PB_PLUGIN_OUTPUT ? "output" : "unwinder", name, names);
	}
	return lp;
}

static struct pb_config *section_config(struct pb_session *s, const char *section,
					const struct pb_loaded_plugin *lp)
{
	struct pb_section_config *grown, *sc;
	struct pb_config *cfg = (struct pb_config *)pb_session_section(s, section);

	if (cfg)
		return cfg;
	grown = realloc(s->sections, (s->n_sections + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	s->sections = grown;
	sc = &s->sections[s->n_sections];
	if (!(sc->section = strdup(section)))
		return NULL;
	if (pb_config__new_for(lp->desc, &sc->cfg)) {
		free(sc->section);
		return NULL;
	}
	s->n_sections++;
	return sc->cfg;
}

int pb_session__set(struct pb_session *s, const char *section, const char *key, const char *value)
{
	const struct pb_loaded_plugin *lp = section_plugin(s, section);
	struct pb_config *cfg;
	char why[512];
	int err;

	if (!lp)
		return -ENOENT;
	if (!(cfg = section_config(s, section, lp)))
		return -ENOMEM;
	err = pb_config__set(cfg, key, value ? value : "", NULL, why, sizeof(why));
	if (err && err != -ENOMEM)
		pb_session_fail(s, err, "%s", why);
	return err;
}
