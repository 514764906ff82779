// SPDX-License-Identifier: MIT
/* What a profile counts (pb_profile_meta.event) and in which unit, by name. */
#include <errno.h>
#include <string.h>

#include <profile-bee/profile-bee.h>

static const char *const event_names[] = {
	[PB_EVENT_CPU] = "cpu", [PB_EVENT_OFF_CPU] = "off-cpu", [PB_EVENT_WALL] = "wall",
	[PB_EVENT_PROBES] = "events"};

const char *pb_profile__event_name(uint32_t event)
{
	return event < sizeof(event_names) / sizeof(*event_names) ? event_names[event] : "events";
}

int pb_profile__event_parse(const char *name, uint32_t *event)
{
	for (uint32_t i = 0; name && i < sizeof(event_names) / sizeof(*event_names); i++)
		if (!strcmp(name, event_names[i])) {
			*event = i;
			return 0;
		}
	return -EINVAL;
}

const char *pb_profile__unit(const struct pb_profile *p)
{
	switch (pb_profile__meta_const(p)->event) {
	case PB_EVENT_CPU:
		return "samples";
	case PB_EVENT_OFF_CPU:
	case PB_EVENT_WALL:
		return "microseconds";
	default:
		return "events";
	}
}
