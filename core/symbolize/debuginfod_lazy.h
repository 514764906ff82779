/* SPDX-License-Identifier: MIT */
/*
 * libdebuginfod, loaded the first time a debuginfod server is to be asked, not with
 * libprofilebee: it brings libcurl and some thirty libraries into every process that links the
 * library (an agent's application among them), whose unwind tables dwarf would then build.
 */
#ifndef PB_DEBUGINFOD_LAZY_H
#define PB_DEBUGINFOD_LAZY_H

#include <elfutils/debuginfod.h>

struct pb_debuginfod_api {
	debuginfod_client *(*begin)(void);
	void (*end)(debuginfod_client *c);
	void (*set_user_data)(debuginfod_client *c, void *data);
	void *(*get_user_data)(const debuginfod_client *c);
	void (*set_progressfn)(debuginfod_client *c, debuginfod_progressfn_t fn);
	int (*find_debuginfo)(debuginfod_client *c, const unsigned char *id, int len,
			      char **path);
};

/* The library's functions, or NULL when libdebuginfod.so.1 is not installed. */
const struct pb_debuginfod_api *pb_debuginfod_api(void);

#endif
