/* SPDX-License-Identifier: MIT */
/* Interned label sets of a profile: a stack holds the id of one (0 is the empty set). */
#ifndef PB_LABELS_H
#define PB_LABELS_H

#include <profile-bee/profile-bee.h>

struct pb_labelsets;

int pb_labelsets__new(struct pb_labelsets **ret);
void pb_labelsets__free(struct pb_labelsets *ls);
/* The id of labels[0..n) (any order; a later duplicate key wins), interning it; or -errno. */
int64_t pb_labelsets__intern(struct pb_labelsets *ls, const struct pb_label *labels, size_t n);
/* The labels of id, sorted by key (byte order); their number (0 for an unknown id). */
size_t pb_labelsets__get(const struct pb_labelsets *ls, uint32_t id, const struct pb_label **ret);
size_t pb_labelsets__count(const struct pb_labelsets *ls);
/* Orders sets by their labels (key, then value, then number): deterministic output order. */
int pb_labelsets__cmp(const struct pb_labelsets *ls, uint32_t a, uint32_t b);
/* l[0..n) and their strings in one allocation (free() it); NULL without memory. */
struct pb_label *pb_labels_copy(const struct pb_label *l, size_t n);

#endif
