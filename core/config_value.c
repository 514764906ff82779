// SPDX-License-Identifier: MIT
/* One setting's value: checked against its key (type, range, choices) and stored in its field. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

bool pb_config_parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return *out = true, true;
		if (!strcasecmp(v, no[i]))
			return *out = false, true;
	}
	return false;
}

const char *pb_config_type_name(enum pb_config_type type)
{
	static const char *const names[] = { "a string", "an integer", "a boolean", "a number" };

	return type <= PB_CONFIG_DOUBLE ? names[type] : "?";
}

static bool one_of(const char *choices, const char *value)
{
	size_t n = strlen(value);

	for (const char *c = choices; *c; c += strspn(c, ", ")) {
		size_t len = strcspn(c, ",");

		if (len == n && !strncmp(c, value, n))
			return true;
		c += len;
	}
	return false;
}

/* The number value holds, when it is one of type's; false otherwise. */
static bool parse_number(enum pb_config_type type, const char *value, double *out)
{
	char *end;

	errno = 0;
	if (type == PB_CONFIG_INT)
		*out = (double)strtoll(value, &end, 0);
	else
		*out = strtod(value, &end);
	return *value && !*end && !errno;
}

int pb_config_check_value(const struct pb_config_key *k, const char *owner, const char *value,
			  char *err, size_t err_len)
{
	double v;
	bool b;

	switch (k->type) {
	case PB_CONFIG_STRING:
		if (!k->choices || one_of(k->choices, value))
			return 0;
		snprintf(err, err_len, "%s: '%s' must be one of %s, not '%s'", owner, k->name,
			 k->choices, value);
		return -EINVAL;
	case PB_CONFIG_BOOL:
		if (pb_config_parse_bool(value, &b))
			return 0;
		break;
	case PB_CONFIG_INT:
	case PB_CONFIG_DOUBLE:
		if (!parse_number(k->type, value, &v))
			break;
		if ((k->min == 0 && k->max == 0) || (v >= k->min && v <= k->max))
			return 0;
		snprintf(err, err_len, "%s: '%s' must be from %.15g to %.15g, not '%s'", owner,
			 k->name, k->min, k->max, value);
		return -EINVAL;
	}
	snprintf(err, err_len, "%s: '%s' must be %s, not '%s'", owner, k->name,
		 pb_config_type_name(k->type), value);
	return -EINVAL;
}

void pb_config_bind_value(const struct pb_config_key *k, const char *value, void *settings)
{
	char *field = (char *)settings + k->offset;
	int64_t i = value ? strtoll(value, NULL, 0) : 0;
	double d = value ? strtod(value, NULL) : 0;
	bool b = false;

	switch (k->type) {
	case PB_CONFIG_STRING:
		memcpy(field, &value, sizeof(value));
		break;
	case PB_CONFIG_INT:
		memcpy(field, &i, sizeof(i));
		break;
	case PB_CONFIG_DOUBLE:
		memcpy(field, &d, sizeof(d));
		break;
	case PB_CONFIG_BOOL:
		if (value)
			pb_config_parse_bool(value, &b);
		memcpy(field, &b, sizeof(b));
		break;
	}
}
