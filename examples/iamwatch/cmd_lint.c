/* SPDX-License-Identifier: MIT */
/*
 * cmd_lint.c - `iamwatch lint`: compile errors with offsets, and warnings for
 * filter patterns that are valid but almost certainly wrong (unknown event
 * names, && and || mixed without parentheses, != on fields CloudTrail often
 * omits, clauses that make a pattern match nearly every event, per-log-group
 * quotas, values that should be quoted). Codes and examples are in
 * docs/lint-check.md.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <getopt.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "cli.h"
#include "packs.h"

static const char usage[] =
    "Usage: iamwatch lint [--json] (--pattern PATTERN | --rules NAME|FILE)\n"
    "\n"
    "Check filter patterns: errors (with the byte offset and a caret) for patterns\n"
    "that do not compile or rules that CloudWatch would refuse, and warnings for\n"
    "patterns that are valid but almost certainly wrong:\n"
    "\n"
    "  W-unknown-event-name       $.eventName / $.eventSource equal to no known name\n"
    "  W-mixed-and-or             && and || mixed at one level without parentheses\n"
    "  W-ne-often-absent          != on a field CloudTrail often omits\n"
    "  W-matches-nearly-everything  the pattern matches every typical CloudTrail record\n"
    "  W-quota                    more than 5 regex filters / 100 filters per log group\n"
    "  W-needs-quoting            bare value that should be quoted (info), or a term\n"
    "                             pattern that was meant as JSON\n"
    "\n"
    "  --pattern PATTERN  lint one pattern\n"
    "  --rules NAME|FILE  lint every metric filter of a built-in pack (iam-changes, cis,\n"
    "                     cis@1.2 ... cis@7.0), rules document, CloudFormation JSON\n"
    "                     template or `terraform show -json` output\n"
    "  --json             {\"patterns\":[{\"filter\",\"pattern\",\"errors\",\"warnings\"}]}\n"
    "\n"
    "Exit status: 0 clean (info notes only), 1 warnings, 2 errors.\n";

typedef struct finding {
	const char *severity; /* "error", "warning", "info" */
	char code[40];
	size_t offset, length;
	char *message;
	char *suggestion; /* may be NULL */
} finding;

typedef struct item {
	char *filter;
	char *pattern;
	char *log_group;
	unsigned regex_count;
	finding *f;
	size_t n, cap;
} item;

typedef struct lint {
	const char *source;
	item *items;
	size_t n, cap;
	finding *doc; /* document-level errors */
	size_t ndoc, capdoc;
	knowledge k;
	iamw_match *m;
} lint;

static void add_finding(finding **arr, size_t *n, size_t *cap, const char *sev, const char *code,
                        size_t off, size_t len, char *msg, char *sugg)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		finding *v = realloc(*arr, c * sizeof *v);
		if (!v) {
			free(msg);
			free(sugg);
			return;
		}
		*arr = v;
		*cap = c;
	}
	finding *f = &(*arr)[(*n)++];
	f->severity = sev;
	snprintf(f->code, sizeof f->code, "%s", code);
	f->offset = off;
	f->length = len;
	f->message = msg;
	f->suggestion = sugg;
}

static void add(item *it, const char *sev, const char *code, size_t off, size_t len, char *msg,
                char *sugg)
{
	add_finding(&it->f, &it->n, &it->cap, sev, code, off, len, msg, sugg);
}

static char *fmt(const char *f, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

/* --------------------------------------------------- W-unknown-event-name */

/* Does name match value written with optional leading / trailing wildcards
 * (an inner '*' is literal, as in CloudWatch)? */
static int wild_match(const char *name, const char *core, int lw, int tw)
{
	size_t ln = strlen(name), lc = strlen(core);
	if (!lw && !tw)
		return strcmp(name, core) == 0;
	if (lw && tw)
		return strstr(name, core) != NULL;
	if (lc > ln)
		return 0;
	if (tw)
		return strncmp(name, core, lc) == 0;
	return strcmp(name + ln - lc, core) == 0;
}

/* Glob reading of a value with '*' anywhere (for suggestions only). */
static int glob_match(const char *pat, const char *s)
{
	if (!*pat)
		return !*s;
	if (*pat == '*') {
		for (;; s++) {
			if (glob_match(pat + 1, s))
				return 1;
			if (!*s)
				return 0;
		}
	}
	return *s == *pat && glob_match(pat + 1, s + 1);
}

static void list_names(sbuf *b, const strset *set, const char *glob, size_t max, size_t *count)
{
	size_t k = 0;
	for (size_t i = 0; i < set->n; i++)
		if (glob_match(glob, set->v[i])) {
			if (k < max)
				sb_printf(b, "%s%s", k ? ", " : "", set->v[i]);
			k++;
		}
	if (k > max)
		sb_printf(b, ", ...");
	*count = k;
}

static void check_name(lint *L, item *it, const cond *c, const strset *set, const char *what,
                       int is_source, int iam_only)
{
	const char *core = c->value;
	size_t voff = c->offset, vlen = c->length;
	int quoted = 0;
	cond_value_span(it->pattern, c, &voff, &vlen, &quoted);
	char written[1100];
	snprintf(written, sizeof written, "%s%s%s", c->lw ? "*" : "", core, c->tw ? "*" : "");
	int inner = strchr(core, '*') != NULL;
	size_t hits = 0;
	for (size_t i = 0; i < set->n && !hits; i++)
		if (wild_match(set->v[i], core, c->lw, c->tw))
			hits++;
	if (hits)
		return;
	sbuf sug = {0};
	char *msg;
	const char *scope = iam_only ? " (the pattern restricts $.eventSource to iam.amazonaws.com)" : "";
	if (inner) {
		sbuf names = {0};
		size_t count;
		list_names(&names, set, written, 3, &count);
		msg = fmt("\"%s\" matches no CloudTrail %s%s: a '*' inside a value is literal, only a "
		          "leading or trailing '*' is a wildcard",
		          written, what, scope);
		if (count == 1)
			sb_printf(&sug, "did you mean \"%s\"?", names.s);
		else if (count)
			sb_printf(&sug, "did you mean one of %s? Give each name its own clause joined "
			          "with ||",
			          names.s);
		else
			sb_printf(&sug, "use only a leading or trailing wildcard, e.g. \"%.*s*\"",
			          (int)strcspn(core, "*"), core);
		free(names.s);
	} else if (c->lw || c->tw) {
		msg = fmt("\"%s\" matches no known CloudTrail %s%s", written, what, scope);
		sb_printf(&sug, "check the spelling (patterns are case-sensitive)");
	} else {
		msg = fmt("\"%s\" matches no CloudTrail %s%s", core, what, scope);
		size_t lc = strlen(core), count = 0;
		const char *first = NULL;
		for (size_t i = 0; lc && i < set->n; i++)
			if (strncmp(set->v[i], core, lc) == 0) {
				if (!count)
					first = set->v[i];
				count++;
			}
		char with_suffix[1200];
		snprintf(with_suffix, sizeof with_suffix, "%s.amazonaws.com", core);
		const char *ci = NULL, *close = NULL;
		size_t best = (size_t)-1, cap = lc / 4 > 2 ? lc / 4 : 2;
		for (size_t i = 0; i < set->n; i++) {
			if (!ci && strcasecmp(set->v[i], core) == 0)
				ci = set->v[i];
			size_t d = edit_distance(core, set->v[i], cap);
			if (d <= cap && d < best) {
				best = d;
				close = set->v[i];
			}
		}
		if (is_source && strset_has(set, with_suffix))
			sb_printf(&sug, "did you mean \"%s\"? (event sources end in .amazonaws.com)",
			          with_suffix);
		else if (ci)
			sb_printf(&sug, "did you mean \"%s\"? (patterns are case-sensitive)", ci);
		else if (count)
			sb_printf(&sug, "did you mean \"%s*\"? (a prefix of %zu known name%s, e.g. %s)",
			          core, count, count == 1 ? "" : "s", first);
		else if (close)
			sb_printf(&sug, "did you mean \"%s\"?", close);
		else
			sb_printf(&sug, "check the name against the service's API reference");
	}
	(void)L;
	add(it, "warning", "W-unknown-event-name", voff, vlen, msg, sb_take(&sug));
}

static void w_unknown_names(lint *L, item *it, const cond_list *cl)
{
	int iam_only = 0, other_source = 0;
	for (size_t i = 0; i < cl->n; i++) {
		const cond *c = &cl->v[i];
		if (c->field && strcmp(c->field, "$.eventSource") == 0 && c->op == IAMW_OP_EQ) {
			if (c->kind == IAMW_VALUE_STRING && !c->lw && !c->tw &&
			    strcmp(c->value, "iam.amazonaws.com") == 0)
				iam_only = 1;
			else
				other_source = 1;
		}
	}
	if (other_source)
		iam_only = 0;
	for (size_t i = 0; i < cl->n; i++) {
		const cond *c = &cl->v[i];
		if (!c->field || c->op != IAMW_OP_EQ || c->kind != IAMW_VALUE_STRING || !c->value)
			continue;
		if (strcmp(c->field, "$.eventName") == 0)
			check_name(L, it, c, iam_only ? &L->k.iam_names : &L->k.names,
			           iam_only ? "IAM event name" : "event name", 0, iam_only);
		else if (strcmp(c->field, "$.eventSource") == 0)
			check_name(L, it, c, &L->k.sources, "event source", 1, 0);
	}
}

/* ------------------------------------------------------- W-mixed-and-or */

static void w_mixed(item *it, const iamw_pattern *p)
{
	const char *s = it->pattern;
	size_t n = strlen(s);
	char ops[128];
	int reported[128];
	int depth = 0;
	ops[0] = 0;
	reported[0] = 0;
	char last = 0; /* previous non-blank character */
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\' && i + 1 < n)
					i++;
			last = '"';
			continue;
		}
		if (c == '%' && (last == 0 || strchr("=!<>(,[{", last))) {
			for (i++; i < n && s[i] != '%'; i++)
				if (s[i] == '\\' && i + 1 < n)
					i++;
			last = '%';
			continue;
		}
		if (c == '(' || c == '{' || c == '[') {
			if (depth < 127) {
				depth++;
				ops[depth] = 0;
				reported[depth] = 0;
			}
		} else if (c == ')' || c == '}' || c == ']') {
			if (depth > 0)
				depth--;
		} else if (c == ',') {
			ops[depth] = 0;
		} else if ((c == '&' || c == '|') && i + 1 < n && s[i + 1] == c) {
			if (!ops[depth]) {
				ops[depth] = c;
			} else if (ops[depth] != c && !reported[depth]) {
				reported[depth] = 1;
				char *canon = NULL;
				iamw_pattern_canonical(p, &canon, NULL);
				add(it, "warning", "W-mixed-and-or", i, 2,
				    fmt("'%c%c' follows '%c%c' at the same level without parentheses; && binds "
				        "tighter than ||, which is easy to misread",
				        c, c, ops[depth], ops[depth]),
				    fmt("add parentheses to state the grouping; the pattern is read as %s",
				        canon ? canon : "?"));
				iamw_free(canon);
			}
			i++;
			last = c;
			continue;
		}
		if (!isspace((unsigned char)c))
			last = c;
	}
}

/* -------------------------------------------------- W-ne-often-absent */

static void w_ne_absent(lint *L, item *it, const cond_list *cl)
{
	for (size_t i = 0; i < cl->n; i++) {
		const cond *c = &cl->v[i];
		if (c->op != IAMW_OP_NE || !c->field || c->field[0] != '$')
			continue;
		if (!knowledge_often_absent(&L->k, c->field))
			continue;
		int guarded = 0;
		for (size_t j = 0; j < cl->n; j++)
			if (cl->v[j].op == IAMW_OP_NOT_EXISTS && cl->v[j].field &&
			    strcmp(cl->v[j].field, c->field) == 0)
				guarded = 1;
		if (guarded)
			continue;
		size_t voff, vlen;
		int quoted;
		char value[1100] = "v";
		if (cond_value_span(it->pattern, c, &voff, &vlen, &quoted) == 0)
			snprintf(value, sizeof value, "%.*s", (int)vlen, it->pattern + voff);
		add(it, "warning", "W-ne-often-absent", c->offset, c->length,
		    fmt("%s is often absent from CloudTrail records, and a missing field makes != "
		        "false: records without it are not matched",
		        c->field),
		    fmt("write ((%s NOT EXISTS) || (%s != %s)) to also match records without it",
		        c->field, c->field, value));
	}
}

/* ------------------------------------------- W-matches-nearly-everything */

static void w_everything(lint *L, item *it, const iamw_pattern *p, const cond_list *cl)
{
	size_t matched = 0, total = typical_record_count();
	if (typical_matches(p, L->m, &matched) < 0 || matched < total)
		return;
	/* locate a clause that alone matches every typical record */
	const cond *culprit = NULL;
	if (iamw_pattern_kind_of(p) == IAMW_PATTERN_JSON) {
		for (size_t i = 0; i < cl->n && !culprit; i++) {
			const cond *c = &cl->v[i];
			char *one = fmt("{ %.*s }", (int)c->length, it->pattern + c->offset);
			iamw_pattern *q = NULL;
			size_t k = 0;
			if (one && iamw_pattern_compile(&q, one, IAMW_NUL_TERMINATED, 0, NULL) == IAMW_OK &&
			    typical_matches(q, L->m, &k) == 0 && k == total)
				culprit = c;
			iamw_pattern_free(q);
			free(one);
		}
	}
	sbuf what = {0};
	for (size_t i = 0; i < total; i++) {
		const char *label;
		typical_record(i, &label);
		sb_printf(&what, "%s%s", i ? (i + 1 == total ? " and " : ", ") : "", label);
	}
	char *whats = sb_take(&what);
	if (culprit) {
		int ne = culprit->op == IAMW_OP_NE;
		add(it, "warning", "W-matches-nearly-everything", culprit->offset, culprit->length,
		    fmt("the pattern matches every typical CloudTrail record (%s): the clause %.*s "
		        "alone is true for nearly every event%s",
		        whats, (int)culprit->length, it->pattern + culprit->offset,
		        cl->n > 1 ? " and it is not joined with && to what it should restrict" : ""),
		    ne ? xstrdup("an exclusion (!=) restricts only when joined with &&: e.g. "
		                 "{ ($.errorCode = \"*UnauthorizedOperation\") || (($.errorCode = "
		                 "\"AccessDenied*\") && ($.eventName != \"HeadBucket\")) } as CIS v4.0+ "
		                 "writes it")
		       : xstrdup("restrict the pattern, e.g. with an equality on $.eventSource or "
		                 "$.eventName"));
	} else {
		add(it, "warning", "W-matches-nearly-everything", 0, strlen(it->pattern),
		    fmt("the pattern matches every typical CloudTrail record (%s); its metric counts "
		        "nearly every event",
		        whats),
		    xstrdup("restrict the pattern, e.g. with an equality on $.eventSource or "
		            "$.eventName"));
	}
	free(whats);
}

/* ------------------------------------------------------- W-needs-quoting */

static void w_quoting(item *it, const cond_list *cl)
{
	for (size_t i = 0; i < cl->n; i++) {
		const cond *c = &cl->v[i];
		if (!c->field || c->kind != IAMW_VALUE_STRING || !c->value)
			continue;
		size_t voff, vlen;
		int quoted;
		if (cond_value_span(it->pattern, c, &voff, &vlen, &quoted) < 0 || quoted)
			continue;
		const char *v = it->pattern + voff;
		size_t a = 0, b = vlen;
		while (a < b && v[a] == '*')
			a++;
		while (b > a && v[b - 1] == '*')
			b--;
		int plain = 1;
		for (size_t j = a; j < b; j++)
			if (!isalnum((unsigned char)v[j]) && v[j] != '_')
				plain = 0;
		if (plain)
			continue;
		add(it, "info", "W-needs-quoting", voff, vlen,
		    fmt("the bare value %.*s contains characters other than letters, digits and '_'; "
		        "CloudWatch accepts it, but its documentation asks for double quotes",
		        (int)vlen, v),
		    fmt("write \"%.*s\"", (int)vlen, v));
	}
}

/* A term pattern that was meant as JSON: "eventName = CreateUser",
 * "$.eventName = X" without braces. */
static int meant_json(item *it)
{
	const char *s = it->pattern;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '{' || *s == '[' || *s == '%' || !*s)
		return 0;
	const char *p = s;
	int quoted = *p == '"';
	if (quoted)
		p++;
	const char *f = p;
	if (*p == '$')
		p++;
	if (*p == '.')
		p++;
	if (!isalpha((unsigned char)*p) && *p != '_')
		return 0;
	while (isalnum((unsigned char)*p) || strchr("_.-[]", *p))
		p++;
	const char *fe = p;
	while (*p == ' ')
		p++;
	const char *op = p;
	if (!strncmp(p, "!=", 2) || !strncmp(p, "<=", 2) || !strncmp(p, ">=", 2))
		p += 2;
	else if (*p == '=' || *p == '<' || *p == '>')
		p++;
	else
		return 0;
	size_t oplen = (size_t)(p - op);
	while (*p == ' ')
		p++;
	const char *v = p;
	while (*p && *p != ' ' && *p != '"' && *p != ')')
		p++;
	size_t vl = (size_t)(p - v);
	if (!vl)
		return 0;
	const char *name = f;
	size_t nl = (size_t)(fe - f);
	if (name[0] == '$') {
		name += 2;
		nl = nl >= 2 ? nl - 2 : 0;
	}
	add(it, "warning", "W-needs-quoting", (size_t)(s - it->pattern), strlen(s),
	    xstrdup("this is read as a term pattern (it has no braces), where '=' is no operator; "
	            "it looks like a JSON comparison"),
	    fmt("write { $.%.*s %.*s \"%.*s\" }", (int)nl, name, (int)oplen, op, (int)vl, v));
	return 1;
}

/* ------------------------------------------------------------ one pattern */

static void lint_pattern(lint *L, item *it)
{
	iamw_error err;
	iamw_pattern *p = NULL;
	if (iamw_pattern_compile(&p, it->pattern, IAMW_NUL_TERMINATED, 0, &err) != IAMW_OK) {
		add(it, "error", iamw_status_name(err.code),
		    err.offset == IAMW_NO_OFFSET ? 0 : err.offset, err.length, xstrdup(err.text), NULL);
		meant_json(it);
		return;
	}
	it->regex_count = iamw_pattern_regex_count(p);
	cond_list cl;
	if (conds_collect(p, &cl) < 0) {
		iamw_pattern_free(p);
		return;
	}
	iamw_pattern_kind kind = iamw_pattern_kind_of(p);
	if (kind == IAMW_PATTERN_TERMS) {
		for (size_t i = 0; i < cl.n; i++)
			if (cl.v[i].value && (strchr(cl.v[i].value, '=') || !strncmp(cl.v[i].value, "$.", 2))) {
				meant_json(it);
				break;
			}
	}
	if (kind == IAMW_PATTERN_JSON)
		w_unknown_names(L, it, &cl);
	if (kind == IAMW_PATTERN_JSON || kind == IAMW_PATTERN_DELIMITED)
		w_mixed(it, p);
	if (kind == IAMW_PATTERN_JSON)
		w_ne_absent(L, it, &cl);
	w_everything(L, it, p, &cl);
	if (kind == IAMW_PATTERN_JSON || kind == IAMW_PATTERN_DELIMITED)
		w_quoting(it, &cl);
	conds_free(&cl);
	iamw_pattern_free(p);
}

static item *new_item(lint *L, const char *filter, const char *pattern, const char *log_group)
{
	if (L->n == L->cap) {
		size_t c = L->cap ? L->cap * 2 : 16;
		item *v = realloc(L->items, c * sizeof *v);
		if (!v)
			return NULL;
		L->items = v;
		L->cap = c;
	}
	item *it = &L->items[L->n++];
	memset(it, 0, sizeof *it);
	it->filter = xstrdup(filter);
	it->pattern = xstrdup(pattern);
	it->log_group = xstrdup(log_group);
	return it;
}

/* W-quota: per log group, more than 5 filters with a regex, more than 100 filters. */
static void w_quota(lint *L)
{
	for (size_t i = 0; i < L->n; i++) {
		size_t before = 0, regex_before = 0;
		for (size_t j = 0; j < i; j++)
			if (strcmp(L->items[j].log_group, L->items[i].log_group) == 0) {
				before++;
				regex_before += L->items[j].regex_count > 0;
			}
		item *it = &L->items[i];
		if (it->regex_count && regex_before >= 5)
			add(it, "warning", "W-quota", 0, strlen(it->pattern),
			    fmt("filter #%zu with a regular expression on log group '%s': CloudWatch allows "
			        "5 such filter patterns per log group",
			        regex_before + 1, it->log_group),
			    xstrdup("replace the regex with wildcards or equalities, or move filters to "
			            "another log group"));
		if (before >= 100)
			add(it, "warning", "W-quota", 0, strlen(it->pattern),
			    fmt("metric filter #%zu on log group '%s': CloudWatch allows 100 metric filters "
			        "per log group",
			        before + 1, it->log_group),
			    xstrdup("merge filters (one pattern can OR several conditions)"));
	}
}

/* ------------------------------------------------------------------ output */

static void print_human(const lint *L)
{
	size_t errors = 0, warnings = 0, infos = 0;
	for (size_t d = 0; d < L->ndoc; d++) {
		const finding *f = &L->doc[d];
		printf("%s: error[%s]: %s\n", L->source, f->code, f->message);
		errors++;
	}
	for (size_t i = 0; i < L->n; i++) {
		const item *it = &L->items[i];
		for (size_t j = 0; j < it->n; j++) {
			const finding *f = &it->f[j];
			printf("%s:%s: %s[%s] at offset %zu: %s\n", L->source, it->filter, f->severity,
			       f->code, f->offset, f->message);
			iamw_error e;
			memset(&e, 0, sizeof e);
			e.offset = f->offset;
			e.length = f->length;
			snprintf(e.source, sizeof e.source, "pattern");
			size_t need = iamw_error_format(&e, it->pattern, IAMW_NUL_TERMINATED, NULL, 0);
			char *buf = malloc(need + 1);
			if (buf) {
				iamw_error_format(&e, it->pattern, IAMW_NUL_TERMINATED, buf, need + 1);
				const char *nl = strchr(buf, '\n');
				if (nl)
					printf("%s\n", nl + 1);
				free(buf);
			}
			if (f->suggestion)
				printf("  suggestion: %s\n", f->suggestion);
			if (!strcmp(f->severity, "error"))
				errors++;
			else if (!strcmp(f->severity, "warning"))
				warnings++;
			else
				infos++;
		}
	}
	printf("%zu pattern%s: %zu error%s, %zu warning%s, %zu note%s\n", L->n, L->n == 1 ? "" : "s",
	       errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s", infos,
	       infos == 1 ? "" : "s");
}

static cJSON *finding_json(const finding *f, int with_sev)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "code", f->code);
	if (with_sev)
		cJSON_AddStringToObject(o, "severity", f->severity);
	cJSON_AddNumberToObject(o, "offset", (double)f->offset);
	cJSON_AddNumberToObject(o, "length", (double)f->length);
	cJSON_AddStringToObject(o, "message", f->message ? f->message : "");
	if (with_sev) {
		if (f->suggestion)
			cJSON_AddStringToObject(o, "suggestion", f->suggestion);
		else
			cJSON_AddNullToObject(o, "suggestion");
	}
	return o;
}

static void print_json(const lint *L)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "source", L->source);
	cJSON *pats = cJSON_AddArrayToObject(root, "patterns");
	for (size_t i = 0; i < L->n; i++) {
		const item *it = &L->items[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "filter", it->filter);
		cJSON_AddStringToObject(o, "pattern", it->pattern);
		cJSON *errs = cJSON_AddArrayToObject(o, "errors");
		cJSON *warns = cJSON_AddArrayToObject(o, "warnings");
		for (size_t j = 0; j < it->n; j++) {
			const finding *f = &it->f[j];
			if (!strcmp(f->severity, "error"))
				cJSON_AddItemToArray(errs, finding_json(f, 0));
			else
				cJSON_AddItemToArray(warns, finding_json(f, 1));
		}
		cJSON_AddItemToArray(pats, o);
	}
	cJSON *errs = cJSON_AddArrayToObject(root, "errors");
	for (size_t d = 0; d < L->ndoc; d++)
		cJSON_AddItemToArray(errs, finding_json(&L->doc[d], 0));
	char *s = cJSON_Print(root);
	if (s)
		printf("%s\n", s);
	cJSON_free(s);
	cJSON_Delete(root);
}

/* ------------------------------------------------------------------ rules */

static int lint_rules(lint *L, const char *arg)
{
	char *data;
	size_t len;
	int is_static;
	char label[512], errmsg[600];
	if (rules_resolve(arg, &data, &len, &is_static, label, sizeof label, errmsg, sizeof errmsg) <
	    0) {
		fprintf(stderr, "iamwatch lint: %s\n", errmsg);
		return -1;
	}
	L->source = xstrdup(label);
	iamw_error err;
	char *doc = NULL;
	size_t dlen;
	int rc = 0;
	if (iamw_rules_normalize(data, len, NULL, NULL, &doc, &dlen, &err) != IAMW_OK) {
		print_error("iamwatch lint", &err, NULL);
		rc = -1;
		goto out;
	}
	cJSON *root = cJSON_ParseWithLength(doc, dlen);
	const cJSON *filters = cJSON_GetObjectItemCaseSensitive(root, "metricFilters");
	const cJSON *f;
	size_t idx = 0;
	cJSON_ArrayForEach(f, filters)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "filterName");
		const cJSON *pat = cJSON_GetObjectItemCaseSensitive(f, "filterPattern");
		const cJSON *lg = cJSON_GetObjectItemCaseSensitive(f, "logGroupName");
		char fallback[32];
		snprintf(fallback, sizeof fallback, "#%zu", idx++);
		item *it = new_item(L, cJSON_IsString(name) ? name->valuestring : fallback,
		                    cJSON_IsString(pat) ? pat->valuestring : "",
		                    cJSON_IsString(lg) ? lg->valuestring : "");
		if (it)
			lint_pattern(L, it);
	}
	cJSON_Delete(root);
	/* full validation, as PutMetricFilter / PutMetricAlarm would do */
	iamw_engine *eng = NULL;
	if (iamw_engine_new(&eng, NULL) == IAMW_OK &&
	    iamw_engine_load_rules(eng, data, len, &err) != IAMW_OK) {
		int dup = 0;
		if (!strcmp(err.source, "pattern"))
			for (size_t i = 0; i < L->n; i++)
				for (size_t j = 0; j < L->items[i].n; j++)
					dup |= !strcmp(L->items[i].f[j].severity, "error");
		if (!dup) {
			char *msg = fmt("%s%s%s", err.source, err.offset != IAMW_NO_OFFSET ? ":" : "",
			                err.text);
			if (err.offset != IAMW_NO_OFFSET) {
				free(msg);
				msg = fmt("%s:%zu: %s", err.source, err.offset, err.text);
			} else {
				free(msg);
				msg = fmt("%s: %s", err.source, err.text);
			}
			add_finding(&L->doc, &L->ndoc, &L->capdoc, "error", iamw_status_name(err.code),
			            err.offset == IAMW_NO_OFFSET ? 0 : err.offset, err.length, msg, NULL);
		}
	}
	iamw_engine_free(eng);
	w_quota(L);
out:
	iamw_free(doc);
	if (!is_static)
		free(data);
	return rc;
}

int cmd_lint(int argc, char **argv)
{
	static const struct option opts[] = {{"pattern", required_argument, NULL, 'p'},
	                                     {"rules", required_argument, NULL, 'r'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *pattern = NULL, *rules = NULL;
	int json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:r:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': pattern = optarg; break;
		case 'r': rules = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return EXIT_TROUBLE;
		}
	}
	if ((!pattern) == (!rules) || optind != argc) {
		fprintf(stderr, "iamwatch lint: give exactly one of --pattern or --rules\n\n%s", usage);
		return EXIT_TROUBLE;
	}
	lint L;
	memset(&L, 0, sizeof L);
	if (knowledge_load(&L.k) < 0 || iamw_match_new(&L.m) != IAMW_OK) {
		fprintf(stderr, "iamwatch lint: cannot load the knowledge files\n");
		knowledge_free(&L.k);
		return EXIT_TROUBLE;
	}
	int rc = 0;
	if (pattern) {
		L.source = xstrdup("<pattern>");
		item *it = new_item(&L, "-", pattern, "");
		if (it)
			lint_pattern(&L, it);
	} else {
		rc = lint_rules(&L, rules);
	}
	int status = EXIT_TROUBLE;
	if (rc == 0) {
		if (json)
			print_json(&L);
		else
			print_human(&L);
		int errors = L.ndoc > 0, warnings = 0;
		for (size_t i = 0; i < L.n; i++)
			for (size_t j = 0; j < L.items[i].n; j++) {
				errors |= !strcmp(L.items[i].f[j].severity, "error");
				warnings |= !strcmp(L.items[i].f[j].severity, "warning");
			}
		status = errors ? 2 : warnings ? 1 : 0;
	}
	for (size_t i = 0; i < L.n; i++) {
		for (size_t j = 0; j < L.items[i].n; j++) {
			free(L.items[i].f[j].message);
			free(L.items[i].f[j].suggestion);
		}
		free(L.items[i].f);
		free(L.items[i].filter);
		free(L.items[i].pattern);
		free(L.items[i].log_group);
	}
	for (size_t d = 0; d < L.ndoc; d++) {
		free(L.doc[d].message);
		free(L.doc[d].suggestion);
	}
	free(L.doc);
	free(L.items);
	free((char *)L.source);
	iamw_match_free(L.m);
	knowledge_free(&L.k);
	return status;
}
