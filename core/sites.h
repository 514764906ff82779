/* SPDX-License-Identifier: MIT */
/*
 * Where a profile's frames came from: the binaries (mappings) and, per frame id, the mapping and
 * address it was first seen at. Held apart from the names so a profile without them (folded
 * input) pays nothing, and stacks stay keyed by names alone (folded output is unchanged).
 */
#ifndef PB_SITES_H
#define PB_SITES_H

#include <profile-bee/profile-bee.h>

struct pb_sites;

int pb_sites__new(struct pb_sites **ret);
void pb_sites__free(struct pb_sites *s);
/* The id (from 1) of mapping m, its strings copied on first use; or -errno. */
int64_t pb_sites__intern_mapping(struct pb_sites *s, const struct pb_profile_mapping *m);
size_t pb_sites__mapping_count(const struct pb_sites *s);
/* Mapping id (1 .. count), or NULL. */
const struct pb_profile_mapping *pb_sites__mapping(const struct pb_sites *s, uint32_t id);
/* frame's mapping and address, unless it has them already (the first seen stays). */
int pb_sites__set(struct pb_sites *s, uint32_t frame, uint32_t mapping, uint64_t address);
/* frame's mapping id (0: none) and address. */
uint32_t pb_sites__get(const struct pb_sites *s, uint32_t frame, uint64_t *address);

/* The profile's sites (profile.c), NULL until a frame has one. */
struct pb_sites *pb_profile_sites(const struct pb_profile *p);
/* ... and created when there are none yet; NULL without memory. */
struct pb_sites *pb_profile_sites_make(struct pb_profile *p);

#endif
