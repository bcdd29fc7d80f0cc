/* SPDX-License-Identifier: MIT */
/*
 * lint_names.c - W-unknown-event-name: a JSON equality on $.eventName or
 * $.eventSource whose value matches no name CloudTrail is known to record.
 * The comparison is the matcher's own (iamw__glob_eq: only a leading or
 * trailing '*' is a wildcard); the suggestions read an inner '*' as a glob
 * (what the author probably meant) with the library's regex engine, and
 * otherwise look for a missing ".amazonaws.com", a case slip, a prefix of
 * known names or the closest name by edit distance.
 */
#include <string.h>

#include "analysis/lint.h"
#include "lang/regex.h"
#include "match/eval.h"

/* Suggestions list at most this many names. */
#define MAX_LISTED 3

/* Levenshtein distance, capped at cap + 1. */
static size_t edit_distance(const char *a, const char *b, size_t cap, size_t *row)
{
	size_t la = strlen(a), lb = strlen(b);
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0], best = i;
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t v = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < v)
				v = row[j] + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			prev = cur;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return cap + 1;
	}
	return row[lb] > cap ? cap + 1 : row[lb];
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int ascii_case_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
			return 0;
	return *a == *b;
}

static int known(const iamw__strset *set, const iamw__value *v)
{
	for (size_t i = 0; i < set->n; i++)
		if (iamw__glob_eq(v, set->v[i], strlen(set->v[i])))
			return 1;
	return 0;
}

/* The glob reading of a written value (every '*' a wildcard) as a regex
 * anchored at both ends, every other byte escaped. */
static int glob_regex(const char *written, iamw__regex **out)
{
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__buf_addc(&b, '^');
	for (const char *p = written; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '*')
			iamw__buf_adds(&b, ".*");
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			iamw__buf_addc(&b, (char)c);
		else
			iamw__buf_addf(&b, "\\x%02X", (unsigned)c);
	}
	iamw__buf_addc(&b, '$');
	int rc = b.oom ? IAMW_ENOMEM : iamw__regex_compile(out, b.data, b.len, 0, NULL);
	iamw__buf_free(&b);
	return rc;
}

/* The names of set the glob reading matches: up to MAX_LISTED listed in
 * names, all counted. */
static int glob_names(const iamw__strset *set, const char *written, iamw__buf *names, size_t *count)
{
	iamw__regex *re = NULL;
	*count = 0;
	int rc = glob_regex(written, &re);
	if (rc == IAMW_ENOMEM)
		return rc;
	if (rc)
		return IAMW_OK; /* too long a glob to read: nothing to suggest */
	for (size_t i = 0; i < set->n && !rc; i++) {
		int hit = iamw__regex_search(re, set->v[i], strlen(set->v[i]));
		if (hit < 0) {
			rc = hit;
		} else if (hit) {
			if (*count < MAX_LISTED)
				iamw__buf_addf(names, "%s%s", *count ? ", " : "", set->v[i]);
			(*count)++;
		}
	}
	if (*count > MAX_LISTED)
		iamw__buf_adds(names, ", ...");
	iamw__regex_free(re);
	return rc;
}

/* Suggestion for a plain value (no wildcard) that is no known name. */
static int plain_suggestion(const iamw__strset *set, const char *core, int is_source,
                            iamw__buf *sug)
{
	size_t lc = strlen(core), count = 0, maxlen = 0;
	const char *first = NULL, *ci = NULL, *close = NULL;
	iamw__value prefix;
	memset(&prefix, 0, sizeof prefix);
	prefix.kind = IAMW__VAL_STRING;
	prefix.text = core;
	prefix.len = lc;
	prefix.trail_star = 1;
	for (size_t i = 0; i < set->n; i++) {
		size_t l = strlen(set->v[i]);
		if (l > maxlen)
			maxlen = l;
		if (lc && iamw__glob_eq(&prefix, set->v[i], l)) {
			if (!count)
				first = set->v[i];
			count++;
		}
		if (!ci && ascii_case_equal(set->v[i], core))
			ci = set->v[i];
	}
	size_t cap = lc / 4 > 2 ? lc / 4 : 2, best = (size_t)-1;
	size_t *row = iamw__malloc((maxlen + 1) * sizeof *row);
	if (!row)
		return IAMW_ENOMEM;
	for (size_t i = 0; i < set->n; i++) {
		size_t d = edit_distance(core, set->v[i], cap, row);
		if (d <= cap && d < best) {
			best = d;
			close = set->v[i];
		}
	}
	iamw__free(row);
	iamw__buf with_suffix;
	iamw__buf_init(&with_suffix);
	iamw__buf_addf(&with_suffix, "%s.amazonaws.com", core);
	if (with_suffix.oom)
		return IAMW_ENOMEM;
	if (is_source && iamw__strset_has(set, with_suffix.data))
		iamw__buf_addf(sug, "did you mean \"%s\"? (event sources end in .amazonaws.com)",
		               with_suffix.data);
	else if (ci)
		iamw__buf_addf(sug, "did you mean \"%s\"? (patterns are case-sensitive)", ci);
	else if (count)
		iamw__buf_addf(sug, "did you mean \"%s*\"? (a prefix of %zu known name%s, e.g. %s)",
		               core, count, count == 1 ? "" : "s", first);
	else if (close)
		iamw__buf_addf(sug, "did you mean \"%s\"?", close);
	else
		iamw__buf_adds(sug, "check the name against the service's API reference");
	iamw__buf_free(&with_suffix);
	return IAMW_OK;
}

static void check_name(iamw__linter *L, const iamw__cond *c, const iamw__strset *set,
                       const char *what, int is_source, int iam_only)
{
	const iamw__value *v = c->value;
	if (known(set, v))
		return;
	iamw__buf msg, sug, written;
	iamw__buf_init(&msg);
	iamw__buf_init(&sug);
	iamw__buf_init(&written);
	iamw__buf_addf(&written, "%s%s%s", v->lead_star ? "*" : "", v->text,
	               v->trail_star ? "*" : "");
	const char *scope =
	    iam_only ? " (the pattern restricts $.eventSource to iam.amazonaws.com)" : "";
	int rc = written.oom ? IAMW_ENOMEM : IAMW_OK;
	if (rc) {
		/* reported below */
	} else if (strchr(v->text, '*')) {
		iamw__buf names;
		iamw__buf_init(&names);
		size_t count;
		rc = glob_names(set, written.data, &names, &count);
		iamw__buf_addf(
		    &msg,
		    "\"%s\" matches no CloudTrail %s%s: a '*' inside a value is literal, "
		    "only a leading or trailing '*' is a wildcard",
		    written.data, what, scope);
		if (count == 1)
			iamw__buf_addf(&sug, "did you mean \"%s\"?", names.data);
		else if (count)
			iamw__buf_addf(
			    &sug,
			    "did you mean one of %s? Give each name its own clause joined "
			    "with ||",
			    names.data);
		else
			iamw__buf_addf(&sug,
			               "use only a leading or trailing wildcard, e.g. \"%.*s*\"",
			               (int)strcspn(v->text, "*"), v->text);
		if (names.oom)
			rc = IAMW_ENOMEM;
		iamw__buf_free(&names);
	} else if (v->lead_star || v->trail_star) {
		iamw__buf_addf(&msg, "\"%s\" matches no known CloudTrail %s%s", written.data, what,
		               scope);
		iamw__buf_adds(&sug, "check the spelling (patterns are case-sensitive)");
	} else {
		iamw__buf_addf(&msg, "\"%s\" matches no CloudTrail %s%s", v->text, what, scope);
		rc = plain_suggestion(set, v->text, is_source, &sug);
	}
	if (rc)
		L->stop = rc;
	else
		iamw__lint_emit(L, IAMW_LINT_WARNING, "W-unknown-event-name", 0, v->offset,
		                v->length, &msg, &sug);
	iamw__buf_free(&msg);
	iamw__buf_free(&sug);
	iamw__buf_free(&written);
}

static int is_eq_string(const iamw__cond *c)
{
	return c->field && c->op == IAMW_OP_EQ && c->value && c->value->kind == IAMW__VAL_STRING;
}

void iamw__lint_unknown_names(iamw__linter *L, const iamw__cond_list *cl)
{
	/* Restricted to IAM: names are checked against IAM's alone. */
	int iam_only = 0, other_source = 0;
	for (size_t i = 0; i < cl->n; i++) {
		const iamw__cond *c = &cl->v[i];
		if (!c->field || strcmp(c->field, "$.eventSource") != 0 || c->op != IAMW_OP_EQ)
			continue;
		if (is_eq_string(c) && !c->value->lead_star && !c->value->trail_star &&
		    strcmp(c->value->text, "iam.amazonaws.com") == 0)
			iam_only = 1;
		else
			other_source = 1;
	}
	if (other_source)
		iam_only = 0;
	for (size_t i = 0; i < cl->n && !L->stop; i++) {
		const iamw__cond *c = &cl->v[i];
		if (!is_eq_string(c))
			continue;
		if (strcmp(c->field, "$.eventName") == 0)
			check_name(L, c, iam_only ? &L->k->iam_names : &L->k->names,
			           iam_only ? "IAM event name" : "event name", 0, iam_only);
		else if (strcmp(c->field, "$.eventSource") == 0)
			check_name(L, c, &L->k->sources, "event source", 1, 0);
	}
}
