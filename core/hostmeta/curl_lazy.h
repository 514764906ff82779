/* SPDX-License-Identifier: MIT */
/* libcurl, loaded the first time a metadata endpoint is asked, not with libprofilebee. */
#ifndef PB_HOSTMETA_CURL_LAZY_H
#define PB_HOSTMETA_CURL_LAZY_H

#include <curl/curl.h>

/*
 * The libcurl functions metadata detection calls. libcurl and its ~30 libraries (TLS, Kerberos,
 * LDAP, SSH...) add about 6 MiB to every process that maps them; most runs never ask for host
 * metadata, so the core maps them only then (an output that needs libcurl links it itself;
 * pb_imds__get, which the s3 output calls, then finds that copy already mapped).
 */
struct pb_curl {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *c);
	struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
	void (*slist_free_all)(struct curl_slist *list);
};

/* libcurl's functions, loaded and initialised once; NULL when libcurl cannot be loaded. */
const struct pb_curl *pb_curl(void);

#endif
