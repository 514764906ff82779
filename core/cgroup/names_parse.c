// SPDX-License-Identifier: MIT
/*
 * Container, pod and namespace names out of what the node keeps about a container: its
 * runtime's JSON (Docker's config.v2.json, Podman's containers.json, the OCI config.json that
 * containerd and CRI-O write with the kubelet's annotations), the process's environment
 * (downward API POD_NAME / POD_NAMESPACE, HOSTNAME in a pod) and the kubelet's etc-hosts.
 * All of it is outside input: JSON goes through json-c with a depth limit, every text is read
 * only within len, and a name is taken only whole and printable (never cut).
 */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "cgroup.h"

#define JSON_DEPTH 16 /* the files nest 4 deep; a deeper one is not a runtime's */

/* A name worth a label: 1 to cap-1 bytes of printable ASCII without spaces. */
static bool name_ok(const char *s, size_t n, size_t cap)
{
	if (!n || n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* Fills dst (empty so far) with s[0..n) when it is a good name. */
static void take(char *dst, size_t cap, const char *s, size_t n)
{
	if (dst[0] || !name_ok(s, n, cap))
		return;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static void take_json(char *dst, size_t cap, json_object *obj, const char *key)
{
	json_object *v;

	if (obj && json_object_object_get_ex(obj, key, &v) &&
	    json_object_is_type(v, json_type_string))
		take(dst, cap, json_object_get_string(v), json_object_get_string_len(v));
}

#define TAKE_JSON(dst, obj, key) take_json((dst), sizeof(dst), (obj), (key))

static json_object *parse(const char *text, size_t len)
{
	json_tokener *tok;
	json_object *doc;

	if (len > PB_NAMES_JSON_MAX || !(tok = json_tokener_new_ex(JSON_DEPTH)))
		return NULL;
	doc = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(doc);
		doc = NULL;
	}
	json_tokener_free(tok);
	return doc;
}

static json_object *member(json_object *obj, const char *key, enum json_type type)
{
	json_object *v;

	if (obj && json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, type))
		return v;
	return NULL;
}

/* The kubelet's names, as containerd's CRI plugin or CRI-O / cri-dockerd annotate them. */
static void kubelet_annotations(json_object *a, struct pb_container_names *out)
{
	TAKE_JSON(out->container, a, "io.kubernetes.cri.container-name");
	TAKE_JSON(out->container, a, "io.kubernetes.container.name");
	TAKE_JSON(out->pod, a, "io.kubernetes.cri.sandbox-name");
	TAKE_JSON(out->pod, a, "io.kubernetes.pod.name");
	TAKE_JSON(out->namespace_, a, "io.kubernetes.cri.sandbox-namespace");
	TAKE_JSON(out->namespace_, a, "io.kubernetes.pod.namespace");
}

/* containers.json: [{"id": ID, "names": [NAME, ...], ...}, ...]; id's first name. */
static void podman_list(json_object *doc, const char *id, struct pb_container_names *out)
{
	size_t n = json_object_is_type(doc, json_type_array) ? json_object_array_length(doc) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(doc, i);
		json_object *v = member(c, "id", json_type_string), *names;

		if (!v || strcmp(json_object_get_string(v), id))
			continue;
		names = member(c, "names", json_type_array);
		if (names && json_object_array_length(names) > 0) {
			v = json_object_array_get_idx(names, 0);
			if (json_object_is_type(v, json_type_string))
				take(out->container, sizeof(out->container),
				     json_object_get_string(v), json_object_get_string_len(v));
		}
		return;
	}
}

int pb_container_names_json(enum pb_names_format format, const char *text, size_t len,
			    const char *id, struct pb_container_names *out)
{
	json_object *doc = parse(text, len), *v;

	if (!doc)
		return -EINVAL;
	switch (format) {
	case PB_NAMES_DOCKER:
		/* Under the kubelet (cri-dockerd) its labels name the pod; "Name" is "/k8s_...". */
		kubelet_annotations(member(member(doc, "Config", json_type_object), "Labels",
					   json_type_object), out);
		v = member(doc, "Name", json_type_string);
		if (v && json_object_get_string(v)[0] == '/')
			take(out->container, sizeof(out->container), json_object_get_string(v) + 1,
			     json_object_get_string_len(v) - 1);
		break;
	case PB_NAMES_PODMAN_LIST:
		podman_list(doc, id ? id : "", out);
		break;
	case PB_NAMES_OCI:
		kubelet_annotations(member(doc, "annotations", json_type_object), out);
		break;
	}
	json_object_put(doc);
	return 0;
}

/* The value of NAME=value among env's NUL-separated entries, its length in *n; or NULL. */
static const char *env_get(const char *env, size_t len, const char *name, size_t *n)
{
	size_t k = strlen(name);

	for (const char *e = env, *end = env + len; e < end;) {
		const char *nul = memchr(e, '\0', end - e);
		size_t m = (nul ? nul : end) - e;

		if (m > k && !memcmp(e, name, k) && e[k] == '=') {
			*n = m - k - 1;
			return e + k + 1;
		}
		e += m + 1;
	}
	return NULL;
}

void pb_container_names_environ(const char *env, size_t len, bool in_pod,
				struct pb_container_names *out)
{
	const char *v;
	size_t n;

	/* The downward API's usual names, set by the pod's spec. */
	if ((v = env_get(env, len, "POD_NAME", &n)))
		take(out->pod, sizeof(out->pod), v, n);
	if ((v = env_get(env, len, "POD_NAMESPACE", &n)))
		take(out->namespace_, sizeof(out->namespace_), v, n);
	/* In a pod the kubelet sets HOSTNAME to the pod's name (unless the spec names a host). */
	if (in_pod && env_get(env, len, "KUBERNETES_SERVICE_HOST", &n) &&
	    (v = env_get(env, len, "HOSTNAME", &n)))
		take(out->pod, sizeof(out->pod), v, n);
}

static bool loopback(const char *ip, size_t n)
{
	return (n >= 4 && !memcmp(ip, "127.", 4)) || (n == 3 && !memcmp(ip, "::1", 3)) ||
	       (n >= 4 && (!memcmp(ip, "fe00", 4) || !memcmp(ip, "ff0", 3)));
}

void pb_container_names_etc_hosts(const char *text, size_t len, struct pb_container_names *out)
{
	/*
	 * The kubelet writes a header comment, localhost lines, "POD_IP\tHOSTNAME..." (the pod's
	 * own), then the pod's hostAliases after this comment: those name other hosts.
	 */
	static const char aliases[] = "# Entries added by HostAliases.";

	for (const char *l = text, *end = text + len; l < end && !out->pod[0];) {
		const char *nl = memchr(l, '\n', end - l), *f[8];
		size_t n = (nl ? nl : end) - l, fl[8], nf = 0;

		if (n >= sizeof(aliases) - 1 && !memcmp(l, aliases, sizeof(aliases) - 1))
			return;
		for (const char *p = l, *e = l + n; p < e && nf < 8;) {
			while (p < e && (*p == ' ' || *p == '\t'))
				p++;
			if (p == e)
				break;
			f[nf] = p;
			while (p < e && *p != ' ' && *p != '\t')
				p++;
			fl[nf] = p - f[nf];
			nf++;
		}
		/* The short name comes last: "IP\tname.sub.ns.svc.cluster.local\tname". */
		if (nf >= 2 && f[0][0] != '#' && !loopback(f[0], fl[0]))
			take(out->pod, sizeof(out->pod), f[nf - 1], fl[nf - 1]);
		l += n + 1;
	}
}

void pb_container_names_namespace_file(const char *text, size_t len,
				       struct pb_container_names *out)
{
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	take(out->namespace_, sizeof(out->namespace_), text, len);
}
