// SPDX-License-Identifier: MIT
/* ECS identity from the task metadata endpoint v4 (task ARN, cluster, container name). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hostmeta_internal.h"

/* A task document lists every container with its labels and networks: it can be large. */
#define ECS_BODY_MAX (256 * 1024)

static void copy_field(json_object *doc, const char *key, char *dst, size_t dst_len)
{
	json_object *v;

	if (json_object_object_get_ex(doc, key, &v) && json_object_is_type(v, json_type_string))
		pb_hostmeta_copy_trimmed(dst, dst_len, json_object_get_string(v));
}

static json_object *get_json(const char *url, uint64_t deadline_ms, char *body, size_t len)
{
	json_object *doc;

	if (pb_hostmeta_fetch("GET", url, NULL, deadline_ms, body, len))
		return NULL;
	doc = json_tokener_parse(body);
	if (doc && !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		doc = NULL;
	}
	return doc;
}

bool pb_hostmeta_ecs_wanted(void)
{
	const char *uri = getenv("ECS_CONTAINER_METADATA_URI_V4");

	return uri && uri[0];
}

void pb_hostmeta_detect_ecs(struct pb_host_metadata *m, uint64_t deadline_ms)
{
	const char *uri = getenv("ECS_CONTAINER_METADATA_URI_V4");
	char *body, url[1024];
	json_object *doc;

	if (!uri || !uri[0] || !(body = malloc(ECS_BODY_MAX)))
		return;
	snprintf(url, sizeof(url), "%s/task", uri);
	if ((doc = get_json(url, deadline_ms, body, ECS_BODY_MAX))) {
		copy_field(doc, "TaskARN", m->ecs_task_arn, sizeof(m->ecs_task_arn));
		copy_field(doc, "Cluster", m->ecs_cluster, sizeof(m->ecs_cluster));
		json_object_put(doc);
	}
	if ((doc = get_json(uri, deadline_ms, body, ECS_BODY_MAX))) {
		copy_field(doc, "Name", m->ecs_container_name, sizeof(m->ecs_container_name));
		json_object_put(doc);
	}
	free(body);
}
