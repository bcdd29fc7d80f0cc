/* SPDX-License-Identifier: MIT */
/*
 * dump.c - two renderings of a compiled pattern: a canonical S-expression of
 * the AST (golden parser tests compare it, as PCRE2 compares its /B dumps),
 * and canonical filter pattern text, which compiles back to the same AST.
 */
#include <string.h>

#include "lang/ast.h"

static const char *op_name(iamw__cmp_op op)
{
	static const char *const names[] = {"eq", "ne", "lt", "le", "gt", "ge"};
	return names[op];
}

static const char *op_text(iamw__cmp_op op)
{
	static const char *const texts[] = {"=", "!=", "<", "<=", ">", ">="};
	return texts[op];
}

/* A pattern string value in double quotes with \" and \\ escaped, its
 * wildcard stars restored. */
static void add_quoted(iamw__buf *b, const iamw__value *v)
{
	iamw__buf_addc(b, '"');
	if (v->kind == IAMW__VAL_STAR) {
		iamw__buf_addc(b, '*');
	} else {
		if (v->lead_star)
			iamw__buf_addc(b, '*');
		for (size_t i = 0; i < v->len; i++) {
			if (v->text[i] == '"' || v->text[i] == '\\')
				iamw__buf_addc(b, '\\');
			iamw__buf_addc(b, v->text[i]);
		}
		if (v->trail_star)
			iamw__buf_addc(b, '*');
	}
	iamw__buf_addc(b, '"');
}

static void add_value(iamw__buf *b, const iamw__value *v)
{
	switch (v->kind) {
	case IAMW__VAL_NUMBER:
		iamw__buf_add(b, v->text, v->len);
		break;
	case IAMW__VAL_STAR:
		iamw__buf_addc(b, '*');
		break;
	case IAMW__VAL_STRING:
		add_quoted(b, v);
		break;
	case IAMW__VAL_REGEX:
		iamw__buf_addc(b, '%');
		iamw__buf_add(b, v->text, v->len);
		iamw__buf_addc(b, '%');
		break;
	}
}

static void add_text_quoted(iamw__buf *b, const char *s, size_t n)
{
	iamw__buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			iamw__buf_addc(b, '\\');
		iamw__buf_addc(b, s[i]);
	}
	iamw__buf_addc(b, '"');
}

/* ------------------------------------------------------------------ S-expression */

static void dump_node(iamw__buf *b, const iamw__node *n, const char *field)
{
	switch (n->kind) {
	case IAMW__NODE_AND:
	case IAMW__NODE_OR:
		iamw__buf_adds(b, n->kind == IAMW__NODE_AND ? "(and" : "(or");
		for (size_t i = 0; i < n->n_kids; i++) {
			iamw__buf_addc(b, ' ');
			dump_node(b, n->kids[i], field);
		}
		iamw__buf_addc(b, ')');
		return;
	case IAMW__NODE_CMP:
		iamw__buf_addf(b, "(%s %s ", op_name(n->op), field ? field : n->sel->text);
		add_value(b, &n->val);
		iamw__buf_addc(b, ')');
		return;
	case IAMW__NODE_IS_NULL: iamw__buf_addf(b, "(is-null %s)", n->sel->text); return;
	case IAMW__NODE_IS_TRUE: iamw__buf_addf(b, "(is-true %s)", n->sel->text); return;
	case IAMW__NODE_IS_FALSE: iamw__buf_addf(b, "(is-false %s)", n->sel->text); return;
	case IAMW__NODE_NOT_EXISTS: iamw__buf_addf(b, "(not-exists %s)", n->sel->text); return;
	}
}

void iamw__dump_pattern(const iamw_pattern *p, iamw__buf *b)
{
	switch (p->kind) {
	case IAMW_PATTERN_TERMS:
		if (p->n_terms == 0) {
			iamw__buf_adds(b, "(all)");
			return;
		}
		iamw__buf_adds(b, p->any_of ? "(any" : "(terms");
		for (size_t i = 0; i < p->n_terms; i++) {
			const iamw__term *t = &p->terms[i];
			static const char *const kinds[] = {"req", "opt", "not"};
			iamw__buf_addf(b, " (%s ", kinds[t->kind]);
			add_text_quoted(b, t->text, t->len);
			iamw__buf_addc(b, ')');
		}
		iamw__buf_addc(b, ')');
		return;
	case IAMW_PATTERN_REGEX: {
		const char *a = strchr(p->source, '%');
		const char *z = strrchr(p->source, '%');
		iamw__buf_adds(b, "(regex ");
		iamw__buf_add(b, a, (size_t)(z - a) + 1);
		iamw__buf_addc(b, ')');
		return;
	}
	case IAMW_PATTERN_JSON:
		iamw__buf_adds(b, "(json ");
		dump_node(b, p->root, NULL);
		iamw__buf_addc(b, ')');
		return;
	case IAMW_PATTERN_DELIMITED:
		iamw__buf_adds(b, "(delimited");
		for (size_t i = 0; i < p->n_fields; i++) {
			const iamw__field *f = &p->fields[i];
			if (f->kind == IAMW__FIELD_ELLIPSIS) {
				iamw__buf_adds(b, " (...)");
			} else if (f->kind == IAMW__FIELD_ANON) {
				iamw__buf_adds(b, " (anon)");
			} else {
				iamw__buf_addf(b, " (field %s", f->name);
				if (f->cond) {
					iamw__buf_addc(b, ' ');
					dump_node(b, f->cond, f->name);
				}
				iamw__buf_addc(b, ')');
			}
		}
		iamw__buf_addc(b, ')');
		return;
	}
}

/* ------------------------------------------------------------------ canonical text */

/* Compound children are parenthesised, conditions are not: the text is as
 * short as precedence allows and re-parses to the same tree. */
static void canon_node(iamw__buf *b, const iamw__node *n, const char *field, int top)
{
	switch (n->kind) {
	case IAMW__NODE_AND:
	case IAMW__NODE_OR:
		if (!top)
			iamw__buf_addc(b, '(');
		for (size_t i = 0; i < n->n_kids; i++) {
			if (i)
				iamw__buf_adds(b, n->kind == IAMW__NODE_AND ? " && " : " || ");
			canon_node(b, n->kids[i], field, 0);
		}
		if (!top)
			iamw__buf_addc(b, ')');
		return;
	case IAMW__NODE_CMP:
		iamw__buf_addf(b, "%s %s ", field ? field : n->sel->text, op_text(n->op));
		add_value(b, &n->val);
		return;
	case IAMW__NODE_IS_NULL: iamw__buf_addf(b, "%s IS NULL", n->sel->text); return;
	case IAMW__NODE_IS_TRUE: iamw__buf_addf(b, "%s IS TRUE", n->sel->text); return;
	case IAMW__NODE_IS_FALSE: iamw__buf_addf(b, "%s IS FALSE", n->sel->text); return;
	case IAMW__NODE_NOT_EXISTS: iamw__buf_addf(b, "%s NOT EXISTS", n->sel->text); return;
	}
}

void iamw__canonical_pattern(const iamw_pattern *p, iamw__buf *b)
{
	switch (p->kind) {
	case IAMW_PATTERN_TERMS:
		for (size_t i = 0; i < p->n_terms; i++) {
			const iamw__term *t = &p->terms[i];
			if (i)
				iamw__buf_addc(b, ' ');
			if (t->kind == IAMW__TERM_OPTIONAL)
				iamw__buf_addc(b, '?');
			else if (t->kind == IAMW__TERM_EXCLUDED)
				iamw__buf_addc(b, '-');
			add_text_quoted(b, t->text, t->len);
		}
		if (!p->n_terms)
			iamw__buf_add(b, "", 0);
		return;
	case IAMW_PATTERN_REGEX: {
		const char *a = strchr(p->source, '%');
		const char *z = strrchr(p->source, '%');
		iamw__buf_add(b, a, (size_t)(z - a) + 1);
		return;
	}
	case IAMW_PATTERN_JSON:
		iamw__buf_adds(b, "{ ");
		canon_node(b, p->root, NULL, 1);
		iamw__buf_adds(b, " }");
		return;
	case IAMW_PATTERN_DELIMITED:
		iamw__buf_addc(b, '[');
		for (size_t i = 0; i < p->n_fields; i++) {
			const iamw__field *f = &p->fields[i];
			if (i)
				iamw__buf_adds(b, ", ");
			if (f->kind == IAMW__FIELD_ELLIPSIS)
				iamw__buf_adds(b, "...");
			else if (f->kind == IAMW__FIELD_NAMED && !f->cond)
				iamw__buf_adds(b, f->name);
			else if (f->kind == IAMW__FIELD_NAMED)
				canon_node(b, f->cond, f->name, 1);
		}
		iamw__buf_addc(b, ']');
		return;
	}
}
