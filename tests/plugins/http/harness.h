/* SPDX-License-Identifier: MIT */
/* What the http plugin tests share: the standalone host with its messages, a plugin's ops. */
#ifndef PB_TEST_HTTP_HARNESS_H
#define PB_TEST_HTTP_HARNESS_H

#include <profile-bee/plugin.h>

/*
 * Loads output-http.so (path from argv), finds the plugin called name in it ("serve", "push")
 * and makes the host: the library's standalone one (pb_host__new), whose encode finds the svg
 * and folded plugins of the build tree, as a session does.
 */
const struct pb_plugin *harness_load(const char *so_path, const char *name);
extern struct pb_host *harness_host;
/* As after Ctrl-C: host->stop_requested answers true from now on. */
void harness_request_stop(void);

/* Settings for one open: "key=value,..." over the plugin's defaults, checked as --set does. */
struct pb_config *harness_config(const char *settings);
void harness_config_free(struct pb_config *cfg);

/* Everything logged so far, and how often needle occurs in it. */
const char *harness_log(void);
int harness_log_count(const char *needle);
void harness_log_clear(void);

/* A profile from folded text ("a;b;c 3\n..."), with the given window meta. */
struct pb_profile *harness_profile(const char *folded, uint64_t start_ns, uint64_t end_ns);

#endif
