/* SPDX-License-Identifier: MIT */
/*
 * lint_checks.c - the pattern checks besides event names, each read from
 * what the library's own lexer and parser produced:
 *
 *  W-mixed-and-or     an && / || chain whose operand is an unparenthesised
 *                     chain of the other operator (the AST records which
 *                     groups were written in parentheses);
 *  W-ne-often-absent  != on a field CloudTrail often omits, without a NOT
 *                     EXISTS on the same field;
 *  W-matches-nearly-everything  the pattern matches every typical record;
 *                     the caret goes to the first condition that alone does;
 *  W-needs-quoting    a bare value with characters other than letters,
 *                     digits and '_' (info), or a term pattern that reads as
 *                     a JSON comparison (warning; its tokens come from the
 *                     expression lexer);
 *  W-hyphenated-term  an unquoted term with a '-' inside (ORDER-ITEM-1),
 *                     which reads as a term and exclusions and so never
 *                     matches the text it spells.
 */
#include <string.h>

#include "analysis/lint.h"
#include "analysis/typical.h"
#include "lang/ast.h"
#include "lang/lexer.h"

/* ------------------------------------------------------- W-mixed-and-or */

/* The first operand of an || chain that is an unparenthesised && chain. */
static const iamw__node *first_mixed(const iamw__node *n)
{
	for (size_t i = 0; i < n->n_kids; i++)
		if (!n->kids[i]->grouped && n->kids[i]->kind == IAMW__NODE_AND)
			return n->kids[i];
	return NULL;
}

static void mixed_report(iamw__linter *L, const iamw_pattern *p, size_t at, const char *op,
                         const char *first)
{
	char *canon = NULL;
	int rc = iamw_pattern_canonical(p, &canon, NULL);
	if (rc) {
		L->stop = rc;
		return;
	}
	iamw__buf msg, sug;
	iamw__buf_init(&msg);
	iamw__buf_init(&sug);
	iamw__buf_addf(&msg,
	               "'%s' follows '%s' at the same level without parentheses; && binds tighter "
	               "than ||, which is easy to misread",
	               op, first);
	iamw__buf_addf(&sug, "add parentheses to state the grouping; the pattern is read as %s",
	               canon);
	iamw__lint_emit(L, IAMW_LINT_WARNING, "W-mixed-and-or", 0, at, 2, &msg, &sug);
	iamw__buf_free(&msg);
	iamw__buf_free(&sug);
	iamw_free(canon);
}

/* Only an || chain can hold an unparenthesised && chain (&& binds tighter):
 * when its first operand is one, the first '||' is the operator that follows
 * '&&'; otherwise the first '&&' of the first such operand follows '||'. */
static void mixed_walk(iamw__linter *L, const iamw_pattern *p, const iamw__node *n)
{
	if (!n || L->stop || (n->kind != IAMW__NODE_AND && n->kind != IAMW__NODE_OR))
		return;
	if (n->kind == IAMW__NODE_OR) {
		const iamw__node *and0 = first_mixed(n);
		if (and0 && and0 == n->kids[0])
			mixed_report(L, p, n->op_offset, "||", "&&");
		else if (and0)
			mixed_report(L, p, and0->op_offset, "&&", "||");
	}
	for (size_t i = 0; i < n->n_kids; i++)
		mixed_walk(L, p, n->kids[i]);
}

void iamw__lint_mixed_and_or(iamw__linter *L, const iamw_pattern *p)
{
	if (p->kind == IAMW_PATTERN_JSON)
		mixed_walk(L, p, p->root);
	for (size_t i = 0; p->kind == IAMW_PATTERN_DELIMITED && i < p->n_fields; i++)
		mixed_walk(L, p, p->fields[i].cond);
}

/* -------------------------------------------------- W-ne-often-absent */

void iamw__lint_ne_often_absent(iamw__linter *L, const iamw__cond_list *cl)
{
	const char *src = L->target.pattern;
	for (size_t i = 0; i < cl->n && !L->stop; i++) {
		const iamw__cond *c = &cl->v[i];
		if (c->op != IAMW_OP_NE || !c->sel || !iamw__knowledge_often_absent(L->k, c->field))
			continue;
		int guarded = 0;
		for (size_t j = 0; j < cl->n; j++)
			guarded |= cl->v[j].op == IAMW_OP_NOT_EXISTS && cl->v[j].field &&
			           strcmp(cl->v[j].field, c->field) == 0;
		if (guarded)
			continue;
		iamw__buf msg, sug;
		iamw__buf_init(&msg);
		iamw__buf_init(&sug);
		iamw__buf_addf(
		    &msg,
		    "%s is often absent from CloudTrail records, and a missing field makes "
		    "!= false: records without it are not matched",
		    c->field);
		iamw__buf_addf(&sug,
		               "write ((%s NOT EXISTS) || (%s != %.*s)) to also match records "
		               "without it",
		               c->field, c->field, (int)c->value->length, src + c->value->offset);
		iamw__lint_emit(L, IAMW_LINT_WARNING, "W-ne-often-absent", 0, c->offset, c->length,
		                &msg, &sug);
		iamw__buf_free(&msg);
		iamw__buf_free(&sug);
	}
}

/* ------------------------------------------- W-matches-nearly-everything */

/* Does the condition alone ({ <its text> }) match every typical record? */
static int alone_everything(iamw__linter *L, const iamw__cond *c, int *yes)
{
	iamw__buf one;
	iamw__buf_init(&one);
	iamw__buf_addf(&one, "{ %.*s }", (int)c->length, L->target.pattern + c->offset);
	*yes = 0;
	if (one.oom)
		return IAMW_ENOMEM;
	iamw_pattern *q = NULL;
	size_t k = 0;
	int rc = iamw_pattern_compile(&q, one.data, one.len, 0, NULL);
	if (rc == IAMW_OK) {
		rc = iamw__typical_matches(q, L->m, &k);
		*yes = rc == IAMW_OK && k == iamw__typical_count();
	} else if (rc != IAMW_ENOMEM) {
		rc = IAMW_OK; /* not a pattern on its own (e.g. too long): no culprit */
	}
	iamw_pattern_free(q);
	iamw__buf_free(&one);
	return rc;
}

void iamw__lint_nearly_everything(iamw__linter *L, const iamw_pattern *p, const iamw__cond_list *cl)
{
	size_t matched = 0, total = iamw__typical_count();
	int rc = iamw__typical_matches(p, L->m, &matched);
	if (rc || matched < total) {
		if (rc)
			L->stop = rc;
		return;
	}
	/* locate a clause that alone matches every typical record */
	const iamw__cond *culprit = NULL;
	for (size_t i = 0; p->kind == IAMW_PATTERN_JSON && i < cl->n && !culprit; i++) {
		int yes;
		if ((rc = alone_everything(L, &cl->v[i], &yes))) {
			L->stop = rc;
			return;
		}
		if (yes)
			culprit = &cl->v[i];
	}
	iamw__buf what, msg, sug;
	iamw__buf_init(&what);
	iamw__buf_init(&msg);
	iamw__buf_init(&sug);
	for (size_t i = 0; i < total; i++) {
		const char *label;
		iamw__typical_record(i, &label);
		iamw__buf_addf(&what, "%s%s", i ? (i + 1 == total ? " and " : ", ") : "", label);
	}
	const char *restrict_hint =
	    "restrict the pattern, e.g. with an equality on $.eventSource or $.eventName";
	if (culprit) {
		iamw__buf_addf(
		    &msg,
		    "the pattern matches every typical CloudTrail record (%s): the clause "
		    "%.*s alone is true for nearly every event%s",
		    what.data ? what.data : "", (int)culprit->length,
		    L->target.pattern + culprit->offset,
		    cl->n > 1 ? " and it is not joined with && to what it should restrict" : "");
		if (culprit->op == IAMW_OP_NE)
			iamw__buf_adds(
			    &sug, "an exclusion (!=) restricts only when joined with &&: e.g. "
			          "{ ($.errorCode = \"*UnauthorizedOperation\") || (($.errorCode = "
			          "\"AccessDenied*\") && ($.eventName != \"HeadBucket\")) } as CIS "
			          "v4.0+ writes it");
		else
			iamw__buf_adds(&sug, restrict_hint);
		iamw__lint_emit(L, IAMW_LINT_WARNING, "W-matches-nearly-everything", 0,
		                culprit->offset, culprit->length, &msg, &sug);
	} else {
		iamw__buf_addf(
		    &msg,
		    "the pattern matches every typical CloudTrail record (%s); its metric "
		    "counts nearly every event",
		    what.data ? what.data : "");
		iamw__buf_adds(&sug, restrict_hint);
		iamw__lint_emit(L, IAMW_LINT_WARNING, "W-matches-nearly-everything", 0, 0,
		                L->target.pattern_len, &msg, &sug);
	}
	if (what.oom)
		L->stop = IAMW_ENOMEM;
	iamw__buf_free(&what);
	iamw__buf_free(&msg);
	iamw__buf_free(&sug);
}

/* ------------------------------------------------------- W-needs-quoting */

static int plain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

void iamw__lint_needs_quoting(iamw__linter *L, const iamw__cond_list *cl)
{
	for (size_t i = 0; i < cl->n && !L->stop; i++) {
		const iamw__cond *c = &cl->v[i];
		if (!c->field || !c->value || c->value->kind != IAMW__VAL_STRING ||
		    c->value->quoted)
			continue;
		const char *v = L->target.pattern + c->value->offset;
		size_t a = 0, b = c->value->length;
		while (a < b && v[a] == '*')
			a++;
		while (b > a && v[b - 1] == '*')
			b--;
		int plain = 1;
		for (size_t j = a; j < b; j++)
			plain &= plain_char((unsigned char)v[j]);
		if (plain)
			continue;
		int vl = (int)c->value->length;
		iamw__buf msg, sug;
		iamw__buf_init(&msg);
		iamw__buf_init(&sug);
		iamw__buf_addf(
		    &msg,
		    "the bare value %.*s contains characters other than letters, digits "
		    "and '_'; CloudWatch accepts it, but its documentation asks for double "
		    "quotes",
		    vl, v);
		iamw__buf_addf(&sug, "write \"%.*s\"", vl, v);
		iamw__lint_emit(L, IAMW_LINT_INFO, "W-needs-quoting", 0, c->value->offset,
		                c->value->length, &msg, &sug);
		iamw__buf_free(&msg);
		iamw__buf_free(&sug);
	}
}

/* ----------------------------------------------------- W-hyphenated-term */

void iamw__lint_hyphenated_terms(iamw__linter *L, const iamw_pattern *p)
{
	const char *src = L->target.pattern;
	for (size_t i = 0; i < p->n_terms && !L->stop;) {
		/* a run of items written without blanks between them: the parser
		 * reads each '-' inside it as the start of an exclusion */
		size_t j = i + 1;
		while (j < p->n_terms && p->terms[j].kind == IAMW__TERM_EXCLUDED &&
		       p->terms[j].offset == p->terms[j - 1].offset + p->terms[j - 1].length)
			j++;
		if (j == i + 1) {
			i = j;
			continue;
		}
		size_t at = p->terms[i].offset;
		size_t len = p->terms[j - 1].offset + p->terms[j - 1].length - at;
		iamw__buf msg, sug;
		iamw__buf_init(&msg);
		iamw__buf_init(&sug);
		iamw__buf_addf(&msg, "%.*s is read as", (int)len, src + at);
		for (size_t k = i; k < j; k++)
			iamw__buf_addf(&msg, " %.*s", (int)p->terms[k].length, src + p->terms[k].offset);
		iamw__buf_adds(&msg, ": the event must hold the first term and none of the others, so "
		                     "the text itself never matches");
		iamw__buf_addf(&sug, "write \"%.*s\" to search for it", (int)len, src + at);
		iamw__lint_emit(L, IAMW_LINT_WARNING, "W-hyphenated-term", 0, at, len, &msg, &sug);
		iamw__buf_free(&msg);
		iamw__buf_free(&sug);
		i = j;
	}
}

/* The next token of the expression grammar that is not blank. */
static iamw__token next_token(iamw__lexer *lx)
{
	iamw__token t;
	do
		t = iamw__lex_expr(lx);
	while (t.kind == IAMW_TOK_WS);
	return t;
}

static int is_comparison(iamw__tok_kind k)
{
	return k == IAMW_TOK_EQ || k == IAMW_TOK_NE || k == IAMW_TOK_LT || k == IAMW_TOK_LE ||
	       k == IAMW_TOK_GT || k == IAMW_TOK_GE;
}

static int is_word(iamw__tok_kind k)
{
	return k == IAMW_TOK_BARE || k == IAMW_TOK_NUMBER ||
	       (k >= IAMW_TOK_KW_IS && k <= IAMW_TOK_KW_EXISTS);
}

int iamw__lint_meant_json(iamw__linter *L)
{
	const char *s = L->target.pattern;
	size_t start = 0;
	while (start < L->target.pattern_len && (s[start] == ' ' || s[start] == '\t'))
		start++;
	if (start == L->target.pattern_len || strchr("{[%", s[start]))
		return 0;
	/* A quoted phrase is read from inside its quotes. */
	iamw__lexer lx = {s, L->target.pattern_len, start + (s[start] == '"')};
	iamw__token field = next_token(&lx);
	iamw__token op = next_token(&lx);
	iamw__token value = next_token(&lx);
	const char *name = s + field.offset;
	size_t name_len = field.length;
	if (field.kind == IAMW_TOK_SELECTOR && name_len > 2 && name[1] == '.') {
		name += 2;
		name_len -= 2;
	} else if (field.kind != IAMW_TOK_BARE ||
	           !((*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') ||
	             *name == '_')) {
		return 0;
	}
	if (!is_comparison(op.kind) || !is_word(value.kind))
		return 0;
	iamw__buf msg, sug;
	iamw__buf_init(&msg);
	iamw__buf_init(&sug);
	iamw__buf_adds(&msg, "this is read as a term pattern (it has no braces), where '=' is no "
	                     "operator; it looks like a JSON comparison");
	iamw__buf_addf(&sug, "write { $.%.*s %.*s \"%.*s\" }", (int)name_len, name, (int)op.length,
	               s + op.offset, (int)value.length, s + value.offset);
	iamw__lint_emit(L, IAMW_LINT_WARNING, "W-needs-quoting", 0, start,
	                L->target.pattern_len - start, &msg, &sug);
	iamw__buf_free(&msg);
	iamw__buf_free(&sug);
	return 1;
}
