/* SPDX-License-Identifier: MIT */
/*
 * JIT dump files (jit-PID.dump, the format `perf inject --jit` reads): the parser, and finding
 * and opening a process's dump as root.
 */
#ifndef PB_JITDUMP_H
#define PB_JITDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "perfmap.h"

/*
 * Limits per process. A record holds its code bytes: a record larger than PB_JITDUMP_MAX_RECORD
 * is taken as corruption (the rest of the file is ignored), and past PB_JITDUMP_MAX_BYTES read
 * nothing more is parsed. Node writes ~2 MiB in its first seconds; functions are KiBs.
 */
#define PB_JITDUMP_MAX_RECORD (16u << 20)
#define PB_JITDUMP_MAX_BYTES  (512u << 20)

struct pb_jitdump;

int pb_jitdump__new(struct pb_jitdump **ret);
void pb_jitdump__free(struct pb_jitdump *jd);

/*
 * Parses the next len bytes of the file. A record may span calls (the JIT appends while we
 * read): its head is kept and its code bytes skipped as they come. JIT_CODE_LOAD adds a range,
 * JIT_CODE_MOVE adds the moved range under the old one's name; other records are skipped.
 * A header that is not jitdump version 1 in this host's byte order, or a record whose size is
 * impossible, stops the parse (counted malformed).
 */
void pb_jitdump__feed(struct pb_jitdump *jd, const void *buf, size_t len);

/* As pb_perfmap__lookup. */
const char *pb_jitdump__lookup(struct pb_jitdump *jd, uint64_t addr);
size_t pb_jitdump__mem(const struct pb_jitdump *jd);
/* Bytes fed so far (the file offset to read from next). */
uint64_t pb_jitdump__offset(const struct pb_jitdump *jd);
/* Whether nothing more will be parsed (a bad record stopped it, or the byte cap): stop reading. */
bool pb_jitdump__done(const struct pb_jitdump *jd);
/*
 * entries: code loads and moves accepted; malformed: records refused; too_long: names cut;
 * limited: as perf maps (and moves past a cap).
 */
void pb_jitdump__stats(const struct pb_jitdump *jd, struct pb_perfmap_stats *out);

/*
 * Finds pid's dump the way perf does, by the mapping the JIT makes of it (a file named
 * jit-NUMBER.dump in /proc/PID/maps), and opens it inside root_fd (an O_PATH fd of
 * /proc/PID/root) with pb_perfmap_open's care: no escape from root_fd, no final symlink, a
 * regular file owned by owner or root, and the very file mapped (its device and inode, not one
 * renamed over the path since). The fd, or -errno (-ENOENT when no dump is mapped).
 */
int pb_jitdump_open(uint32_t pid, int root_fd, uid_t owner);

#endif
