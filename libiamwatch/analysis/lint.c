/* SPDX-License-Identifier: MIT */
/*
 * lint.c - the linter's entry points (include/iamwatch/lint.h): one pattern,
 * or every metric filter of a rules file. Each pattern is compiled with the
 * library's parser; one that does not compile gives its compile error as a
 * finding, one that does is handed to the checks of lint_names.c and
 * lint_checks.c. For a rules file, filters are then counted per log group
 * against CloudWatch's quotas, and every definition is put into a scratch
 * engine as PutMetricFilter / PutMetricAlarm / PutCompositeAlarm would take
 * it, so that what CloudWatch would refuse is reported with the definition's
 * name and location; the definitions that passed are finally loaded as one
 * document, which catches what only the whole file shows (duplicates,
 * composite alarms naming unknown alarms, cycles).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "analysis/lint.h"
#include "formats/rules_convert.h"
#include "common/json_parse.h"

/* CloudWatch quotas per log group: filters with a regular expression, and
 * metric filters in all. */
#define QUOTA_REGEX_FILTERS 5
#define QUOTA_FILTERS       100

const char *iamw_lint_severity_name(iamw_lint_severity s)
{
	switch (s) {
	case IAMW_LINT_ERROR: return "error";
	case IAMW_LINT_WARNING: return "warning";
	case IAMW_LINT_INFO: return "info";
	}
	return "unknown";
}

int iamw_lint_options_init(iamw_lint_options *opts, unsigned version)
{
	if (!opts || version != IAMW_LINT_OPTIONS_VERSION)
		return IAMW_EINVAL;
	memset(opts, 0, sizeof *opts);
	opts->version = version;
	return IAMW_OK;
}

/* A term whose text reads like a comparison ("a=b", "$.a"). */
static int term_looks_json(const iamw__cond_list *cl)
{
	for (size_t i = 0; i < cl->n; i++)
		if (cl->v[i].text &&
		    (strchr(cl->v[i].text, '=') || !strncmp(cl->v[i].text, "$.", 2)))
			return 1;
	return 0;
}

/* Lint L->target: its compile error, or the checks. */
static void lint_one(iamw__linter *L)
{
	L->regex_count = 0;
	L->compile_failed = 0;
	if (L->opts->on_target) {
		int r = L->opts->on_target(&L->target, L->opts->payload);
		if (r) {
			L->stop = r;
			return;
		}
	}
	iamw_error e;
	iamw_pattern *p = NULL;
	int rc = iamw_pattern_compile(&p, L->target.pattern, L->target.pattern_len, 0, &e);
	if (rc == IAMW_ENOMEM) {
		L->stop = rc;
		return;
	}
	if (rc) {
		L->compile_failed = 1;
		iamw__buf msg;
		iamw__buf_init(&msg);
		iamw__buf_adds(&msg, e.text);
		iamw__lint_emit(L, IAMW_LINT_ERROR, iamw_status_name(e.code), e.code, e.offset,
		                e.length, &msg, NULL);
		iamw__buf_free(&msg);
		iamw__lint_meant_json(L);
		return;
	}
	L->regex_count = iamw_pattern_regex_count(p);
	iamw__cond_list cl;
	if ((rc = iamw__conds_collect(p, &cl))) {
		L->stop = rc;
		iamw_pattern_free(p);
		return;
	}
	iamw_pattern_kind kind = iamw_pattern_kind_of(p);
	int structured = kind == IAMW_PATTERN_JSON || kind == IAMW_PATTERN_DELIMITED;
	if (kind == IAMW_PATTERN_TERMS && term_looks_json(&cl))
		iamw__lint_meant_json(L);
	if (kind == IAMW_PATTERN_TERMS)
		iamw__lint_hyphenated_terms(L, p);
	if (kind == IAMW_PATTERN_JSON)
		iamw__lint_unknown_names(L, &cl);
	if (structured)
		iamw__lint_mixed_and_or(L, p);
	if (kind == IAMW_PATTERN_JSON)
		iamw__lint_ne_often_absent(L, &cl);
	if (!L->stop)
		iamw__lint_nearly_everything(L, p, &cl);
	if (structured)
		iamw__lint_needs_quoting(L, &cl);
	iamw__conds_free(&cl);
	iamw_pattern_free(p);
}

/* Set up a linter: validate the options, find or build the knowledge. */
static int linter_init(iamw__linter *L, const iamw_knowledge *k, iamw_knowledge **own,
                       const iamw_lint_options *opts)
{
	memset(L, 0, sizeof *L);
	*own = NULL;
	if (!opts || opts->version != IAMW_LINT_OPTIONS_VERSION || !opts->on_finding)
		return IAMW_EINVAL;
	int rc = IAMW_OK;
	if (!k && (rc = iamw_knowledge_new(own)))
		return rc;
	L->k = k ? k : *own;
	L->opts = opts;
	L->target.origin = opts->origin;
	return iamw_match_new(&L->m);
}

static void linter_done(iamw__linter *L, iamw_knowledge *own)
{
	iamw_match_free(L->m);
	iamw_knowledge_free(own);
}

/* Misuse and exhaustion get a message in err too, unless it has one. */
static int note_failure(iamw_error *err, int rc, const char *source)
{
	if ((rc == IAMW_EINVAL || rc == IAMW_ENOMEM) && err && err->code == IAMW_OK)
		iamw__error_set(err, rc, IAMW_NO_OFFSET, 0, source, "%s", iamw_strerror(rc));
	return rc;
}

int iamw_lint_pattern(const iamw_knowledge *k, const char *pattern, size_t len,
                      const iamw_lint_options *opts, iamw_error *err)
{
	iamw__error_clear(err);
	if (!pattern)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "pattern",
		                       "NULL pattern");
	if (len == IAMW_NUL_TERMINATED)
		len = strlen(pattern);
	iamw__linter L;
	iamw_knowledge *own;
	char *copy = NULL;
	int rc = linter_init(&L, k, &own, opts);
	if (!rc && !(copy = iamw__strndup(pattern, len)))
		rc = IAMW_ENOMEM;
	if (!rc) {
		L.target.pattern = copy;
		L.target.pattern_len = len;
		lint_one(&L);
		rc = L.stop;
	}
	iamw__free(copy);
	linter_done(&L, own);
	return note_failure(err, rc, "pattern");
}

/* ------------------------------------------------------------------ rules */

typedef struct rules_run {
	iamw__linter *L;
	cJSON *doc;  /* the normalised rules document (definitions that fail are removed) */
	cJSON *locs; /* where each definition came from */
	iamw__rules_format format;
	char **groups;      /* per filter: its log group ("" when not given) */
	unsigned *regexes;  /* per filter: regular expressions in its pattern */
	int *pattern_error; /* per filter: its pattern did not compile */
	size_t n_filters;
} rules_run;

static const char *string_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

static const char *location_of(const rules_run *R, const char *list, size_t i)
{
	const cJSON *l =
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(R->locs, list), (int)i);
	return cJSON_IsString(l) ? l->valuestring : NULL;
}

/* W-quota for filter i, counted against the filters before it. */
static void quota(rules_run *R, size_t i)
{
	iamw__linter *L = R->L;
	size_t before = 0, regex_before = 0;
	for (size_t j = 0; j < i; j++)
		if (strcmp(R->groups[j], R->groups[i]) == 0) {
			before++;
			regex_before += R->regexes[j] > 0;
		}
	iamw__buf msg, sug;
	iamw__buf_init(&msg);
	iamw__buf_init(&sug);
	if (R->regexes[i] && regex_before >= QUOTA_REGEX_FILTERS) {
		iamw__buf_addf(
		    &msg,
		    "filter #%zu with a regular expression on log group '%s': CloudWatch "
		    "allows %d such filter patterns per log group",
		    regex_before + 1, R->groups[i], QUOTA_REGEX_FILTERS);
		iamw__buf_adds(&sug, "replace the regex with wildcards or equalities, or move "
		                     "filters to another log group");
		iamw__lint_emit(L, IAMW_LINT_WARNING, "W-quota", 0, 0, L->target.pattern_len, &msg,
		                &sug);
	}
	if (before >= QUOTA_FILTERS) {
		iamw__buf_reset(&msg);
		iamw__buf_reset(&sug);
		iamw__buf_addf(&msg,
		               "metric filter #%zu on log group '%s': CloudWatch allows %d metric "
		               "filters per log group",
		               before + 1, R->groups[i], QUOTA_FILTERS);
		iamw__buf_adds(&sug, "merge filters (one pattern can OR several conditions)");
		iamw__lint_emit(L, IAMW_LINT_WARNING, "W-quota", 0, 0, L->target.pattern_len, &msg,
		                &sug);
	}
	iamw__buf_free(&msg);
	iamw__buf_free(&sug);
}

static int lint_filters(rules_run *R)
{
	iamw__linter *L = R->L;
	static const char *const suffix[] = {[IAMW__RULES_NATIVE] = ".filterPattern",
	                                     [IAMW__RULES_CLOUDFORMATION] =
	                                         ".Properties.FilterPattern",
	                                     [IAMW__RULES_TERRAFORM] = ".pattern"};
	const cJSON *filters = cJSON_GetObjectItemCaseSensitive(R->doc, "metricFilters");
	size_t n = (size_t)cJSON_GetArraySize(filters);
	R->groups = iamw__calloc(n + 1, sizeof *R->groups);
	R->regexes = iamw__calloc(n + 1, sizeof *R->regexes);
	R->pattern_error = iamw__calloc(n + 1, sizeof *R->pattern_error);
	if (!R->groups || !R->regexes || !R->pattern_error)
		return IAMW_ENOMEM;
	iamw__buf name, loc;
	iamw__buf_init(&name);
	iamw__buf_init(&loc);
	size_t i = 0;
	for (const cJSON *f = filters ? filters->child : NULL; f && !L->stop; f = f->next, i++) {
		const char *pattern = string_of(f, "filterPattern");
		const char *group = string_of(f, "logGroupName");
		const char *fname = string_of(f, "filterName");
		const char *where = location_of(R, "metricFilters", i);
		iamw__buf_reset(&name);
		iamw__buf_reset(&loc);
		if (!fname)
			iamw__buf_addf(&name, "#%zu", i);
		if (where)
			iamw__buf_addf(&loc, "%s%s", where, suffix[R->format]);
		R->groups[i] = iamw__strndup(group ? group : "", group ? strlen(group) : 0);
		R->n_filters = i + 1;
		if (name.oom || loc.oom || !R->groups[i]) {
			L->stop = IAMW_ENOMEM;
			break;
		}
		L->target.index = i;
		L->target.pattern = pattern ? pattern : "";
		L->target.pattern_len = strlen(L->target.pattern);
		L->target.filter = fname ? fname : name.data;
		L->target.location = where ? loc.data : NULL;
		L->target.log_group = group;
		lint_one(L);
		R->regexes[i] = L->regex_count;
		/* a pattern error is reported here; validation need not repeat it */
		R->pattern_error[i] = L->compile_failed;
		quota(R, i);
	}
	iamw__buf_free(&name);
	iamw__buf_free(&loc);
	return L->stop;
}

/* A rules-level error: a definition CloudWatch would refuse (name and
 * location given), or the document as a whole. */
static void emit_doc_error(iamw__linter *L, const iamw_error *e, const char *name,
                           const char *location)
{
	iamw__buf msg;
	iamw__buf_init(&msg);
	if (e->offset != IAMW_NO_OFFSET)
		iamw__buf_addf(&msg, "%s:%zu: %s", e->source, e->offset, e->text);
	else
		iamw__buf_addf(&msg, "%s: %s", e->source, e->text);
	iamw_lint_target saved = L->target;
	L->target.index = IAMW_LINT_NO_PATTERN;
	L->target.pattern = NULL;
	L->target.filter = name;
	L->target.location = location;
	iamw__lint_emit(L, IAMW_LINT_ERROR, iamw_status_name(e->code), e->code, IAMW_NO_OFFSET, 0,
	                &msg, NULL);
	L->target = saved;
	iamw__buf_free(&msg);
}

typedef int (*put_fn)(iamw_engine *, const char *, size_t, iamw_error *);

/* Put each definition of one list alone, in order, and remove those refused
 * from the document; a refusal is reported unless its pattern error was
 * already, or it is a composite alarm naming an alarm defined later (left to
 * the load of the whole document). */
static int validate_list(rules_run *R, iamw_engine *e, const char *list, const char *name_key,
                         put_fn put)
{
	iamw__linter *L = R->L;
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(R->doc, list);
	cJSON *locs = cJSON_GetObjectItemCaseSensitive(R->locs, list);
	int is_filter = put == iamw_engine_put_metric_filter;
	int is_composite = put == iamw_engine_put_composite_alarm;
	size_t orig = 0; /* index in the file; pos: in the list as it is now */
	int pos = 0;
	cJSON *next;
	for (cJSON *d = arr ? arr->child : NULL; d && !L->stop; d = next, orig++) {
		next = d->next;
		char *text = cJSON_PrintUnformatted(d);
		if (!text)
			return IAMW_ENOMEM;
		iamw_error pe;
		int rc = put(e, text, strlen(text), &pe);
		cJSON_free(text);
		if (rc == IAMW_ENOMEM)
			return rc;
		if (rc == IAMW_OK || (is_composite && rc == IAMW_ENOTFOUND)) {
			pos++;
			continue;
		}
		cJSON *loc = cJSON_GetArrayItem(locs, pos);
		int known = is_filter && orig < R->n_filters && R->pattern_error[orig] &&
		            strcmp(pe.source, "pattern") == 0;
		if (!known) {
			char fallback[32];
			snprintf(fallback, sizeof fallback, "#%zu", orig);
			const char *nm = string_of(d, name_key);
			emit_doc_error(L, &pe, nm ? nm : fallback,
			               cJSON_IsString(loc) ? loc->valuestring : NULL);
		}
		cJSON_Delete(cJSON_DetachItemViaPointer(arr, d));
		if (loc)
			cJSON_Delete(cJSON_DetachItemViaPointer(locs, loc));
	}
	return L->stop;
}

static int validate(rules_run *R)
{
	iamw__linter *L = R->L;
	iamw_engine_options o;
	iamw_engine *e = NULL;
	int rc = iamw_engine_options_init(&o, IAMW_ENGINE_OPTIONS_VERSION);
	if (!rc) {
		o.account_id = L->opts->account_id;
		o.region = L->opts->region;
		/* validation only: no literal prefilter to rebuild on every put */
		o.flags = IAMW_ENGINE_NO_PREFILTER;
		rc = iamw_engine_new(&e, &o);
	}
	if (!rc)
		rc = validate_list(R, e, "metricFilters", "filterName",
		                   iamw_engine_put_metric_filter);
	if (!rc)
		rc = validate_list(R, e, "metricAlarms", "AlarmName", iamw_engine_put_metric_alarm);
	if (!rc)
		rc = validate_list(R, e, "compositeAlarms", "AlarmName",
		                   iamw_engine_put_composite_alarm);
	iamw_engine_free(e);
	e = NULL;
	if (rc)
		return rc;
	/* what only the whole document shows */
	char *text = cJSON_PrintUnformatted(R->doc);
	if (!text)
		return IAMW_ENOMEM;
	iamw_error de;
	rc = iamw_engine_new(&e, &o);
	if (!rc) {
		rc = iamw_engine_load_rules(e, text, strlen(text), &de);
		if (rc && rc != IAMW_ENOMEM) {
			emit_doc_error(L, &de, NULL, NULL);
			rc = L->stop;
		}
	}
	cJSON_free(text);
	iamw_engine_free(e);
	return rc;
}

int iamw_lint_rules(const iamw_knowledge *k, const char *rules, size_t len,
                    const iamw_lint_options *opts, iamw_error *err)
{
	iamw__error_clear(err);
	if (!rules)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "rules", "NULL rules");
	if (len == IAMW_NUL_TERMINATED)
		len = strlen(rules);
	iamw__linter L;
	iamw_knowledge *own;
	rules_run R;
	memset(&R, 0, sizeof R);
	R.L = &L;
	int rc = linter_init(&L, k, &own, opts);
	cJSON *src = NULL;
	if (!rc) {
		size_t off;
		rc = iamw__json_parse(rules, len, &src, &off);
		if (rc)
			rc = iamw__error_set(err, rc, rc == IAMW_EJSON ? off : IAMW_NO_OFFSET, 0, "rules",
			                     "%s", rc == IAMW_EJSON ? "invalid JSON" : "out of memory");
	}
	if (!rc) {
		iamw__rules_context ctx = {opts->account_id, opts->region};
		rc = iamw__rules_normalize_located(src, &ctx, &R.doc, &R.locs, err);
	}
	if (!rc && iamw__rules_detect(src, &R.format) != IAMW_OK)
		rc = IAMW_EJSON; /* normalisation accepted it, so this cannot happen */
	if (!rc)
		rc = lint_filters(&R);
	if (!rc)
		rc = validate(&R);
	if (!rc)
		rc = L.stop;
	for (size_t i = 0; i < R.n_filters; i++)
		iamw__free(R.groups[i]);
	iamw__free(R.groups);
	iamw__free(R.regexes);
	iamw__free(R.pattern_error);
	cJSON_Delete(R.doc);
	cJSON_Delete(R.locs);
	cJSON_Delete(src);
	linter_done(&L, own);
	return note_failure(err, rc, "rules");
}
