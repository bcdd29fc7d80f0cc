/* SPDX-License-Identifier: MIT */
/*
 * conditions.c - flattens a compiled pattern into its conditions
 * (conditions.h) with the shared AST walk of lang/walk.c, plus the terms of a
 * term pattern and the body of a standalone regex.
 */
#include <string.h>

#include "analysis/conditions.h"
#include "lang/walk.h"

static iamw__cond *push(iamw__cond_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		iamw__cond *v = iamw__realloc(l->v, cap * sizeof *v);
		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	iamw__cond *c = &l->v[l->n++];
	memset(c, 0, sizeof *c);
	return c;
}

static iamw_condition_op op_of(const iamw__node *n)
{
	static const iamw_condition_op cmp[] = {IAMW_OP_EQ, IAMW_OP_NE, IAMW_OP_LT,
	                                        IAMW_OP_LE, IAMW_OP_GT, IAMW_OP_GE};
	switch (n->kind) {
	case IAMW__NODE_CMP: return cmp[n->op];
	case IAMW__NODE_IS_NULL: return IAMW_OP_IS_NULL;
	case IAMW__NODE_IS_TRUE: return IAMW_OP_IS_TRUE;
	case IAMW__NODE_IS_FALSE: return IAMW_OP_IS_FALSE;
	default: return IAMW_OP_NOT_EXISTS;
	}
}

static int add_leaf(const iamw__leaf *leaf, void *payload)
{
	iamw__cond *c = push(payload);
	if (!c)
		return IAMW_ENOMEM;
	const iamw__node *n = leaf->node;
	c->field = leaf->field;
	c->sel = n->sel;
	c->op = op_of(n);
	c->value = n->kind == IAMW__NODE_CMP ? &n->val : NULL;
	c->offset = n->offset;
	c->length = n->length;
	c->depth = leaf->depth;
	return 0;
}

int iamw__conds_collect(const iamw_pattern *p, iamw__cond_list *out)
{
	memset(out, 0, sizeof *out);
	int rc = IAMW_OK;
	if (p->kind == IAMW_PATTERN_TERMS) {
		static const iamw_condition_op ops[] = {
		    IAMW_OP_TERM_REQUIRED, IAMW_OP_TERM_OPTIONAL, IAMW_OP_TERM_EXCLUDED};
		for (size_t i = 0; i < p->n_terms && !rc; i++) {
			iamw__cond *c = push(out);
			if (!c) {
				rc = IAMW_ENOMEM;
				break;
			}
			c->op = ops[p->terms[i].kind];
			c->text = p->terms[i].text;
			c->offset = p->terms[i].offset;
			c->length = p->terms[i].length;
		}
	} else if (p->kind == IAMW_PATTERN_REGEX) {
		iamw__cond *c = push(out);
		if (!c) {
			rc = IAMW_ENOMEM;
		} else {
			const char *a = strchr(p->source, '%'), *z = strrchr(p->source, '%');
			c->op = IAMW_OP_REGEX_SEARCH;
			c->offset = a ? (size_t)(a - p->source) : 0;
			c->length = a && z ? (size_t)(z - a) + 1 : 0;
		}
	} else {
		rc = iamw__walk_leaves(p, add_leaf, out);
	}
	if (rc)
		iamw__conds_free(out);
	return rc;
}

void iamw__conds_free(iamw__cond_list *l)
{
	iamw__free(l->v);
	memset(l, 0, sizeof *l);
}

int iamw__cond_is_string(const iamw__cond *c)
{
	return c->value && c->value->kind == IAMW__VAL_STRING &&
	       (c->op == IAMW_OP_EQ || c->op == IAMW_OP_NE);
}
