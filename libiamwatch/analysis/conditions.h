/* SPDX-License-Identifier: MIT */
/*
 * conditions.h - the conditions of a compiled pattern as one flat list that
 * the analyses can search and index, each pointing into the pattern's AST
 * (borrowed: the list lives no longer than the pattern).
 */
#ifndef IAMW_ANALYSIS_CONDITIONS_H
#define IAMW_ANALYSIS_CONDITIONS_H

#include "lang/ast.h"

typedef struct iamw__cond {
	const char *field;         /* "$.a.b", a delimited field name, or NULL (terms, regex) */
	const iamw__selector *sel; /* JSON conditions: the compiled selector; else NULL */
	iamw_condition_op op;
	const iamw__value *value; /* comparisons: the value (kind, text, stars, span) */
	const char *text;         /* terms: the term text; else NULL */
	size_t offset, length;    /* the condition in the pattern source */
	unsigned depth;
} iamw__cond;

typedef struct iamw__cond_list {
	iamw__cond *v;
	size_t n, cap;
} iamw__cond_list;

/* Collect the conditions of p in source order. Returns IAMW_OK or
 * IAMW_ENOMEM (then the list is empty). */
int iamw__conds_collect(const iamw_pattern *p, iamw__cond_list *out);
void iamw__conds_free(iamw__cond_list *l);

/* A comparison with a string value: EQ / NE against a STRING value. */
int iamw__cond_is_string(const iamw__cond *c);

#endif /* IAMW_ANALYSIS_CONDITIONS_H */
