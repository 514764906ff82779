/* SPDX-License-Identifier: MIT */
/* Checks on a plugin file made before it is dlopen()ed: who can replace it, and is it whole. */
#ifndef PB_PLUGIN_FILE_H
#define PB_PLUGIN_FILE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Resolves path into real (no links left) and refuses it unless only root (or we) can replace
 * the file or anything on the way to it: the file, each directory and each symlink. A
 * group/other-writable directory is accepted only when sticky (/tmp) and the entry below it is
 * root's (or ours). 0 or -errno, with err naming the path and the reason.
 */
int pb_plugin_trust(const char *path, char *real, size_t real_len, char *err, size_t len);

/* 0 when path is a complete ELF shared object for this machine; -ENOEXEC with err saying why. */
int pb_plugin_elf_check(const char *path, char *err, size_t len);

/* Whether the file holds s as a whole C string ("\0s\0"). */
bool pb_plugin_file_has(const char *path, const char *s);

#endif
