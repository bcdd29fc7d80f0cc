/* SPDX-License-Identifier: MIT */
/*
 * inspect.c - read-only views of a compiled pattern for tools: the walk over
 * its conditions (linters, coverage checks) and the batch line scanner that
 * lets bindings match a whole buffer in one call.
 */
#include <string.h>

#include "lang/walk.h"
#include "match/eval.h"

static iamw_condition_op op_of(iamw__cmp_op op)
{
	static const iamw_condition_op map[] = {IAMW_OP_EQ, IAMW_OP_NE, IAMW_OP_LT,
	                                        IAMW_OP_LE, IAMW_OP_GT, IAMW_OP_GE};
	return map[op];
}

static void set_value(iamw_condition *c, const iamw__value *v)
{
	static const iamw_value_kind kinds[] = {IAMW_VALUE_NUMBER, IAMW_VALUE_STRING,
	                                        IAMW_VALUE_ANY, IAMW_VALUE_REGEX};
	c->value_kind = kinds[v->kind];
	c->value = v->text;
	c->leading_wildcard = v->lead_star;
	c->trailing_wildcard = v->trail_star;
}

typedef struct adapter {
	iamw_condition_cb cb;
	void *payload;
} adapter;

/* One leaf of the shared walk (lang/walk.c) as a public condition. */
static int visit(const iamw__leaf *leaf, void *payload)
{
	const adapter *a = payload;
	const iamw__node *n = leaf->node;
	iamw_condition c;
	memset(&c, 0, sizeof c);
	c.field = leaf->field;
	c.offset = n->offset;
	c.length = n->length;
	c.depth = leaf->depth;
	switch (n->kind) {
	case IAMW__NODE_CMP:
		c.op = op_of(n->op);
		set_value(&c, &n->val);
		break;
	case IAMW__NODE_IS_NULL: c.op = IAMW_OP_IS_NULL; break;
	case IAMW__NODE_IS_TRUE: c.op = IAMW_OP_IS_TRUE; break;
	case IAMW__NODE_IS_FALSE: c.op = IAMW_OP_IS_FALSE; break;
	case IAMW__NODE_NOT_EXISTS: c.op = IAMW_OP_NOT_EXISTS; break;
	default: return 0;
	}
	return a->cb(&c, a->payload);
}

int iamw_pattern_foreach_condition(const iamw_pattern *p, iamw_condition_cb cb, void *payload)
{
	if (!p || !cb)
		return IAMW_EINVAL;
	switch (p->kind) {
	case IAMW_PATTERN_TERMS:
		for (size_t i = 0; i < p->n_terms; i++) {
			const iamw__term *t = &p->terms[i];
			static const iamw_condition_op ops[] = {IAMW_OP_TERM_REQUIRED, IAMW_OP_TERM_OPTIONAL,
			                                        IAMW_OP_TERM_EXCLUDED};
			iamw_condition c;
			memset(&c, 0, sizeof c);
			c.op = ops[t->kind];
			c.value_kind = IAMW_VALUE_STRING;
			c.value = t->text;
			c.offset = t->offset;
			c.length = t->length;
			int r = cb(&c, payload);
			if (r)
				return r;
		}
		return IAMW_OK;
	case IAMW_PATTERN_REGEX: {
		iamw_condition c;
		memset(&c, 0, sizeof c);
		const char *a = strchr(p->source, '%');
		const char *z = strrchr(p->source, '%');
		/* The body is not NUL-terminated in the source: point at the
		 * arena-free source span through offset/length, and give the value
		 * from a copy on the stack. */
		char body[IAMW_MAX_PATTERN_LEN + 1];
		size_t n = (size_t)(z - a) - 1;
		memcpy(body, a + 1, n);
		body[n] = '\0';
		c.op = IAMW_OP_REGEX_SEARCH;
		c.value_kind = IAMW_VALUE_REGEX;
		c.value = body;
		c.offset = (size_t)(a - p->source);
		c.length = (size_t)(z - a) + 1;
		return cb(&c, payload);
	}
	case IAMW_PATTERN_JSON:
	case IAMW_PATTERN_DELIMITED: {
		adapter a = {cb, payload};
		return iamw__walk_leaves(p, visit, &a);
	}
	}
	return IAMW_OK;
}

int iamw_pattern_scan_lines(const iamw_pattern *p, const char *buf, size_t len, iamw_match *m,
                            size_t *line_numbers, size_t capacity, size_t *n_matches,
                            size_t *n_lines)
{
	if (!p || (!buf && len) || (capacity && !line_numbers))
		return IAMW_EINVAL;
	size_t matches = 0, line = 0, pos = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t n = end - pos;
		if (n && buf[pos + n - 1] == '\r')
			n--;
		int r = iamw_pattern_match_text(p, buf + pos, n, m);
		if (r == 1) {
			if (matches < capacity)
				line_numbers[matches] = line;
			matches++;
		} else if (r < 0 && r != IAMW_ELIMIT) {
			return r;
		}
		line++;
		pos = end + 1;
	}
	if (n_matches)
		*n_matches = matches;
	if (n_lines)
		*n_lines = line;
	return IAMW_OK;
}
