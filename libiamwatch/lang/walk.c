/* SPDX-License-Identifier: MIT */
/*
 * walk.c - the walk over the conditions of a compiled pattern (walk.h): the
 * AND / OR tree of a JSON pattern, and the condition trees of the fields of a
 * space-delimited pattern, each leaf with the field it tests.
 */
#include "lang/walk.h"

static int walk(const iamw__node *n, const char *field, unsigned depth, iamw__leaf_cb cb,
                void *payload)
{
	if (n->kind == IAMW__NODE_AND || n->kind == IAMW__NODE_OR) {
		for (size_t i = 0; i < n->n_kids; i++) {
			int r = walk(n->kids[i], field, depth + 1, cb, payload);
			if (r)
				return r;
		}
		return 0;
	}
	iamw__leaf leaf;
	leaf.field = field ? field : n->sel->text;
	leaf.node = n;
	leaf.depth = depth;
	return cb(&leaf, payload);
}

int iamw__walk_leaves(const iamw_pattern *p, iamw__leaf_cb cb, void *payload)
{
	if (p->kind == IAMW_PATTERN_JSON)
		return p->root ? walk(p->root, NULL, 0, cb, payload) : 0;
	if (p->kind != IAMW_PATTERN_DELIMITED)
		return 0;
	for (size_t i = 0; i < p->n_fields; i++) {
		const iamw__field *f = &p->fields[i];
		if (f->kind == IAMW__FIELD_NAMED && f->cond) {
			int r = walk(f->cond, f->name, 0, cb, payload);
			if (r)
				return r;
		}
	}
	return 0;
}
