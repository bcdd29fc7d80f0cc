/* SPDX-License-Identifier: MIT */
/*
 * walk.h - a read-only walk over the conditions of a compiled JSON or
 * space-delimited pattern, in source order: the one traversal that the public
 * condition view (match/inspect.c) and the analyses (analysis/) share.
 */
#ifndef IAMW_WALK_H
#define IAMW_WALK_H

#include "lang/ast.h"

/* One condition: a comparison, IS NULL / TRUE / FALSE or NOT EXISTS. */
typedef struct iamw__leaf {
	const char *field;      /* selector text ("$.a.b[0]") or delimited field name */
	const iamw__node *node; /* the condition node (never AND / OR) */
	unsigned depth;         /* nesting depth of && / || groups (0 = top) */
} iamw__leaf;

/* Called for each condition; a nonzero return stops the walk. */
typedef int (*iamw__leaf_cb)(const iamw__leaf *leaf, void *payload);

/* Visit every condition of a JSON or delimited pattern (other kinds have
 * none). Returns 0, or the callback's nonzero value when it stopped. */
int iamw__walk_leaves(const iamw_pattern *p, iamw__leaf_cb cb, void *payload);

#endif /* IAMW_WALK_H */
