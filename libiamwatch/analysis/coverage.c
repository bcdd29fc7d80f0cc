/* SPDX-License-Identifier: MIT */
/*
 * coverage.c - the CIS coverage check (include/iamwatch/coverage.h).
 *
 * For each control of the benchmark pack:
 *  1. the metric filters that include one of the control's reference
 *     patterns (inclusion.c) are candidates; each is judged with the best
 *     alarm on its metric (alarm_sim.c, the engine's own alarm model); the
 *     choice prefers a working alarm, then a filter that does not match
 *     nearly every event, then fewer problems;
 *  2. without such a filter, the filters that name one of the reference's
 *     values are compared, and the one catching the largest share of the
 *     reference's events is reported with what it misses.
 * Candidates are visited in an order fixed by their names, origins and
 * definitions, never by the order the rules files were added, so each
 * control's result is the same whatever that order.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis/alarm_sim.h"
#include "analysis/conditions.h"
#include "analysis/coverage.h"
#include "analysis/inclusion.h"
#include "analysis/typical.h"
#include "engine/engine.h"
#include "match/eval.h"
#include "packs/packs.h"

const char *iamw_coverage_status_name(iamw_coverage_status s)
{
	switch (s) {
	case IAMW_COVERAGE_COVERED: return "covered";
	case IAMW_COVERAGE_PROBLEMS: return "covered-with-problems";
	case IAMW_COVERAGE_MISSING: return "missing";
	}
	return "unknown";
}

/* ------------------------------------------------------------ lifetime */

static void results_free(iamw_coverage *c)
{
	for (size_t i = 0; c->results && i < c->n_controls; i++) {
		iamw__strset_free(&c->results[i].reasons);
		iamw__strset_free(&c->results[i].notes);
		iamw__strset_free(&c->results[i].witnesses);
	}
	iamw__free(c->results);
	c->results = NULL;
}

void iamw_coverage_free(iamw_coverage *c)
{
	if (!c)
		return;
	results_free(c);
	for (size_t i = 0; i < c->n_sources; i++) {
		iamw__free(c->sources[i].origin);
		iamw_engine_free(c->sources[i].defs);
		cJSON_Delete(c->sources[i].doc);
	}
	iamw__free(c->sources);
	iamw_knowledge_free(c->k);
	cJSON_Delete(c->pack);
	iamw__free(c->benchmark);
	iamw__free(c->version);
	iamw__free(c);
}

static int unknown_benchmark(const char *name, iamw_error *err)
{
	iamw__buf b;
	iamw__buf_init(&b);
	for (size_t i = 0; i < iamw_pack_count(); i++)
		if (strncmp(iamw_pack_name(i), "cis@", 4) == 0)
			iamw__buf_addf(&b, "%s%s", b.len ? ", " : "", iamw_pack_name(i));
	int rc =
	    iamw__error_set(err, IAMW_ENOTFOUND, IAMW_NO_OFFSET, 0, "benchmark",
	                    "unknown benchmark '%.40s'; known: %s", name, b.data ? b.data : "none");
	iamw__buf_free(&b);
	return rc;
}

int iamw_coverage_new(iamw_coverage **out, const char *benchmark, iamw_error *err)
{
	iamw__error_clear(err);
	if (!out || !benchmark)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "benchmark",
		                       "NULL argument");
	*out = NULL;
	const char *canon = iamw_pack_resolve(benchmark);
	const char *data;
	size_t len;
	if (!canon || strncmp(canon, "cis@", 4) != 0 || !iamw_pack_get(canon, &data, &len))
		return unknown_benchmark(benchmark, err);
	iamw_coverage *c = iamw__calloc(1, sizeof *c);
	if (!c)
		return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "benchmark",
		                       "out of memory");
	int rc = iamw_knowledge_new(&c->k);
	c->benchmark = iamw__strndup(canon, strlen(canon));
	c->version = iamw__strndup(canon + 4, strlen(canon + 4));
	c->pack = cJSON_ParseWithLength(data, len);
	c->controls = cJSON_GetObjectItemCaseSensitive(c->pack, "controls");
	if (!rc && (!c->benchmark || !c->version || !c->pack))
		rc = IAMW_ENOMEM;
	if (!rc && !cJSON_IsArray(c->controls))
		rc = iamw__error_set(err, IAMW_ENOTFOUND, IAMW_NO_OFFSET, 0, "benchmark",
		                     "pack %s has no controls", canon);
	if (rc) {
		if (err && err->code == IAMW_OK)
			iamw__error_set(err, rc, IAMW_NO_OFFSET, 0, "benchmark", "%s",
			                iamw_strerror(rc));
		iamw_coverage_free(c);
		return rc;
	}
	c->n_controls = (size_t)cJSON_GetArraySize(c->controls);
	*out = c;
	return IAMW_OK;
}

int iamw_coverage_add_rules(iamw_coverage *c, const char *rules, size_t len, const char *origin,
                            iamw_error *err)
{
	iamw__error_clear(err);
	if (!c || !rules)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "rules",
		                       "NULL argument");
	if (len == IAMW_NUL_TERMINATED)
		len = strlen(rules);
	iamw__cov_source s;
	memset(&s, 0, sizeof s);
	iamw_engine_options o;
	char *doc = NULL;
	size_t doc_len = 0;
	int rc = iamw_engine_options_init(&o, IAMW_ENGINE_OPTIONS_VERSION);
	o.flags = IAMW_ENGINE_NO_PREFILTER; /* definitions only: nothing is ingested */
	if (!rc)
		rc = iamw_engine_new(&s.defs, &o);
	/* each file valid on its own, whatever else was added */
	if (!rc)
		rc = iamw_engine_load_rules(s.defs, rules, len, err);
	if (!rc)
		rc = iamw_rules_normalize(rules, len, NULL, NULL, &doc, &doc_len, err);
	if (!rc && !(s.doc = cJSON_ParseWithLength(doc, doc_len)))
		rc = IAMW_ENOMEM;
	if (!rc && !(s.origin = iamw__strndup(origin ? origin : "", origin ? strlen(origin) : 0)))
		rc = IAMW_ENOMEM;
	iamw__cov_source *v = rc ? NULL : iamw__realloc(c->sources, (c->n_sources + 1) * sizeof *v);
	if (!rc && !v)
		rc = IAMW_ENOMEM;
	iamw_free(doc);
	if (rc) {
		if (rc == IAMW_ENOMEM && err && err->code == IAMW_OK)
			iamw__error_set(err, rc, IAMW_NO_OFFSET, 0, "rules", "out of memory");
		iamw_engine_free(s.defs);
		cJSON_Delete(s.doc);
		iamw__free(s.origin);
		return rc;
	}
	c->sources = v;
	c->sources[c->n_sources++] = s;
	results_free(c);
	return IAMW_OK;
}

/* ------------------------------------------------------------ candidates */

typedef struct cand_filter {
	const iamw__cov_source *src;
	const iamw_metric_filter *f;
	char *json; /* PutMetricFilter request text */
} cand_filter;

typedef struct cand_alarm {
	const iamw__cov_source *src;
	const iamw__metric_alarm_def *def;
	char *json; /* PutMetricAlarm request text */
} cand_alarm;

typedef struct pool {
	cand_filter *f;
	size_t nf;
	cand_alarm *a;
	size_t na;
	iamw_match *m;
	const iamw_knowledge *k;
} pool;

/* The request text of the definition named `name` in a list of the
 * normalised document. */
static char *request_text(const cJSON *doc, const char *list, const char *key, const char *name)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, list))
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, key);
		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) {
			char *t = cJSON_PrintUnformatted(it);
			char *copy = t ? iamw__strndup(t, strlen(t)) : NULL;
			cJSON_free(t);
			return copy;
		}
	}
	return NULL;
}

static int cmp3(const char *a1, const char *b1, const char *a2, const char *b2, const char *a3,
                const char *b3)
{
	int r = strcmp(a1, b1);
	if (!r)
		r = strcmp(a2, b2);
	return r ? r : strcmp(a3, b3);
}

static int cmp_filter(const void *x, const void *y)
{
	const cand_filter *a = x, *b = y;
	return cmp3(a->f->filter_name, b->f->filter_name, a->src->origin, b->src->origin, a->json,
	            b->json);
}

static int cmp_alarm(const void *x, const void *y)
{
	const cand_alarm *a = x, *b = y;
	return cmp3(a->def->name, b->def->name, a->src->origin, b->src->origin, a->json, b->json);
}

static void pool_free(pool *p)
{
	for (size_t i = 0; i < p->nf; i++)
		iamw__free(p->f[i].json);
	for (size_t i = 0; i < p->na; i++)
		iamw__free(p->a[i].json);
	iamw__free(p->f);
	iamw__free(p->a);
	iamw_match_free(p->m);
}

static int pool_build(const iamw_coverage *c, pool *p)
{
	memset(p, 0, sizeof *p);
	p->k = c->k;
	size_t nf = 0, na = 0;
	for (size_t s = 0; s < c->n_sources; s++) {
		nf += iamw_engine_filter_count(c->sources[s].defs);
		na += iamw_engine_alarm_count(c->sources[s].defs);
	}
	p->f = iamw__calloc(nf + 1, sizeof *p->f);
	p->a = iamw__calloc(na + 1, sizeof *p->a);
	if (!p->f || !p->a || iamw_match_new(&p->m) != IAMW_OK)
		return IAMW_ENOMEM;
	for (size_t s = 0; s < c->n_sources; s++) {
		const iamw__cov_source *src = &c->sources[s];
		const iamw_engine *e = src->defs;
		for (size_t i = 0; i < e->n_filters; i++, p->nf++) {
			cand_filter *f = &p->f[p->nf];
			f->src = src;
			f->f = e->filters[i].f;
			f->json = request_text(src->doc, "metricFilters", "filterName",
			                       f->f->filter_name);
			if (!f->json)
				return IAMW_ENOMEM;
		}
		for (size_t i = 0; i < e->n_alarms; i++, p->na++) {
			cand_alarm *a = &p->a[p->na];
			a->src = src;
			a->def = &e->alarms[i].def;
			a->json = request_text(src->doc, "metricAlarms", "AlarmName", a->def->name);
			if (!a->json)
				return IAMW_ENOMEM;
		}
	}
	qsort(p->f, p->nf, sizeof *p->f, cmp_filter);
	qsort(p->a, p->na, sizeof *p->a, cmp_alarm);
	return IAMW_OK;
}

/* ------------------------------------------------------------ one control */

typedef struct choice {
	long filter, alarm; /* indexes into the pool, or -1 */
	iamw__strset problems;
	int broad;         /* the filter matches every typical record */
	const char *event; /* a record both the reference and the filter match */
} choice;

/* The best alarm on the filter's metric: fewest problems, first in the
 * pool's order on a tie. Without any, the problem says so. */
static int best_alarm(const pool *p, const cand_filter *f, const char *event, long *best,
                      iamw__strset *problems)
{
	iamw__strset top = {0};
	*best = -1;
	for (size_t i = 0; i < p->na; i++) {
		const iamw__metric_alarm_def *d = p->a[i].def;
		if (strcmp(d->metric_name, f->f->metric_name) != 0 ||
		    strcmp(d->metric_namespace, f->f->metric_namespace) != 0)
			continue;
		iamw__strset cur = {0};
		int rc = iamw__alarm_judge(f->json, p->a[i].json, event, &cur);
		if (!rc && (*best < 0 || cur.n < top.n)) {
			iamw__strset_free(&top);
			top = cur;
			*best = (long)i;
		} else {
			iamw__strset_free(&cur);
		}
		if (rc) {
			iamw__strset_free(&top);
			return rc;
		}
	}
	int rc = IAMW_OK;
	if (*best < 0)
		rc = iamw__strset_addf(problems, "no alarm on %s/%s", f->f->metric_namespace,
		                       f->f->metric_name);
	for (size_t i = 0; !rc && i < top.n; i++)
		rc = iamw__strset_add(problems, top.v[i], strlen(top.v[i]));
	iamw__strset_free(&top);
	return rc;
}

/* Does cand compare some field of ref with a value that covers one of ref's
 * literal values (same field; equal, or matched by cand's wildcards)? */
static int shares_literal(const iamw_pattern *ref, const iamw_pattern *cand, int *hit)
{
	iamw__cond_list lr, lc;
	*hit = 0;
	int rc = iamw__conds_collect(ref, &lr);
	if (rc)
		return rc;
	if ((rc = iamw__conds_collect(cand, &lc))) {
		iamw__conds_free(&lr);
		return rc;
	}
	for (size_t x = 0; x < lr.n && !*hit; x++) {
		const iamw__value *a = lr.v[x].value;
		if (!lr.v[x].field || lr.v[x].op != IAMW_OP_EQ || !a)
			continue;
		for (size_t y = 0; y < lc.n && !*hit; y++) {
			const iamw__value *b = lc.v[y].value;
			if (!lc.v[y].field || lc.v[y].op != IAMW_OP_EQ || !b ||
			    strcmp(lr.v[x].field, lc.v[y].field) != 0)
				continue;
			if (b->kind == IAMW__VAL_STRING && (b->lead_star || b->trail_star))
				*hit = iamw__glob_eq(b, a->text, strlen(a->text));
			else
				*hit = strcmp(a->text, b->text) == 0 &&
				       a->lead_star == b->lead_star &&
				       a->trail_star == b->trail_star;
		}
	}
	iamw__conds_free(&lr);
	iamw__conds_free(&lc);
	return IAMW_OK;
}

typedef struct control_run {
	const pool *p;
	iamw_pattern **refs;
	size_t n_refs;
	iamw__cov_result *out;
} control_run;

static void add_method(control_run *r, const iamw__inclusion *inc)
{
	r->out->pub.records += inc->records;
	r->out->pub.exhaustive &= inc->exhaustive;
}

/* Step 1: the filters that include a reference pattern. */
static int step_included(control_run *r, choice *best, char **event_out)
{
	const pool *p = r->p;
	best->filter = best->alarm = -1;
	for (size_t i = 0; i < p->nf; i++) {
		const cand_filter *f = &p->f[i];
		char *event = NULL;
		for (size_t j = 0; j < r->n_refs && !event; j++) {
			iamw__inclusion inc;
			int rc =
			    iamw__inclusion_check(p->k, r->refs[j], f->f->pattern, p->m, 1, &inc);
			if (!rc && inc.included && inc.ref_matches) {
				add_method(r, &inc);
				event = inc.both;
				inc.both = NULL;
			}
			iamw__inclusion_free(&inc);
			if (rc) {
				iamw__free(event);
				return rc;
			}
		}
		if (!event)
			continue;
		choice cur = {-1, -1, {0}, 0, NULL};
		size_t k = 0;
		int rc = best_alarm(p, f, event, &cur.alarm, &cur.problems);
		if (!rc)
			rc = iamw__typical_matches(f->f->pattern, p->m, &k);
		cur.broad = k == iamw__typical_count();
		/* prefer: a working alarm, then a filter that does not match nearly
		 * everything, then fewer problems */
		int ok = cur.problems.n == 0, best_ok = best->problems.n == 0;
		int better = best->filter < 0 || (ok && !best_ok) ||
		             (ok == best_ok &&
		              (cur.broad < best->broad ||
		               (cur.broad == best->broad && cur.problems.n < best->problems.n)));
		if (!rc && better) {
			iamw__strset_free(&best->problems);
			*best = cur;
			best->filter = (long)i;
			iamw__free(*event_out);
			*event_out = event;
		} else {
			iamw__strset_free(&cur.problems);
			iamw__free(event);
		}
		if (rc)
			return rc;
	}
	return IAMW_OK;
}

/* Step 2: the closest filter that names one of the reference's values. */
static int step_closest(control_run *r, long *best, iamw__inclusion *best_inc)
{
	const pool *p = r->p;
	double best_ratio = -1;
	*best = -1;
	memset(best_inc, 0, sizeof *best_inc);
	for (size_t i = 0; i < p->nf; i++) {
		for (size_t j = 0; j < r->n_refs; j++) {
			int hit;
			int rc = shares_literal(r->refs[j], p->f[i].f->pattern, &hit);
			if (rc)
				return rc;
			if (!hit)
				continue;
			iamw__inclusion inc;
			if ((rc = iamw__inclusion_check(p->k, r->refs[j], p->f[i].f->pattern, p->m,
			                                0, &inc))) {
				iamw__inclusion_free(&inc);
				return rc;
			}
			add_method(r, &inc);
			double ratio = inc.ref_matches
			                   ? (double)inc.both_matches / (double)inc.ref_matches
			                   : 0;
			if (ratio > best_ratio) {
				best_ratio = ratio;
				iamw__inclusion_free(best_inc);
				*best_inc = inc;
				*best = (long)i;
			} else {
				iamw__inclusion_free(&inc);
			}
		}
	}
	return IAMW_OK;
}

static int witness(iamw__cov_result *out, const char *record)
{
	return record ? iamw__strset_add(&out->witnesses, record, strlen(record)) : IAMW_OK;
}

static void set_filter(iamw__cov_result *out, const cand_filter *f)
{
	out->pub.filter = f->f->filter_name;
	out->pub.filter_origin = f->src->origin;
}

static void set_alarm(iamw__cov_result *out, const pool *p, long a)
{
	if (a < 0)
		return;
	out->pub.alarm = p->a[a].def->name;
	out->pub.alarm_origin = p->a[a].src->origin;
}

/* A record the first reference pattern matches, when no comparison gave
 * one (the reference against itself). */
static int reference_witness(control_run *r)
{
	if (!r->n_refs)
		return IAMW_OK;
	iamw__inclusion inc;
	int rc = iamw__inclusion_check(r->p->k, r->refs[0], r->refs[0], r->p->m, 1, &inc);
	if (!rc)
		rc = witness(r->out, inc.ref);
	iamw__inclusion_free(&inc);
	return rc;
}

static int decide(control_run *r)
{
	iamw__cov_result *out = r->out;
	const pool *p = r->p;
	out->pub.exhaustive = 1;
	choice best = {-1, -1, {0}, 0, NULL};
	char *event = NULL;
	int rc = step_included(r, &best, &event);
	if (!rc && best.filter >= 0) {
		const cand_filter *f = &p->f[best.filter];
		set_filter(out, f);
		set_alarm(out, p, best.alarm);
		out->pub.status = best.problems.n ? IAMW_COVERAGE_PROBLEMS : IAMW_COVERAGE_COVERED;
		out->reasons = best.problems;
		memset(&best.problems, 0, sizeof best.problems);
		rc = witness(out, event);
		if (!rc && best.broad)
			rc = iamw__strset_addf(
			    &out->notes,
			    "filter %s matches nearly every CloudTrail event: its alarm "
			    "stays in ALARM, so these events may not notify again",
			    f->f->filter_name);
		iamw__free(event);
		return rc;
	}
	iamw__strset_free(&best.problems);
	iamw__free(event);
	if (rc)
		return rc;
	long closest;
	iamw__inclusion inc;
	rc = step_closest(r, &closest, &inc);
	if (!rc && closest >= 0 && inc.both_matches > 0) {
		const cand_filter *f = &p->f[closest];
		long a;
		set_filter(out, f);
		out->pub.status = IAMW_COVERAGE_PROBLEMS;
		rc = iamw__strset_addf(&out->reasons, "%s",
		                       inc.reason ? inc.reason : "pattern misses reference events");
		if (!rc)
			rc = best_alarm(p, f, inc.both, &a, &out->reasons);
		if (!rc) {
			set_alarm(out, p, a);
			rc = witness(out, inc.missed);
		}
		if (!rc)
			rc = witness(out, inc.both);
	} else if (!rc) {
		out->pub.status = IAMW_COVERAGE_MISSING;
		if (closest >= 0)
			rc = iamw__strset_addf(
			    &out->reasons,
			    "no metric filter matches the events of the reference "
			    "pattern; the closest, %s: %s",
			    p->f[closest].f->filter_name,
			    inc.reason ? inc.reason : "matches none of them");
		else
			rc = iamw__strset_addf(&out->reasons,
			                       "no metric filter matches the events of "
			                       "the reference pattern");
		if (!rc)
			rc = inc.missed ? witness(out, inc.missed) : reference_witness(r);
	}
	iamw__inclusion_free(&inc);
	return rc;
}

static int run_control(const pool *p, const cJSON *control, iamw__cov_result *out)
{
	control_run r = {p, NULL, 0, out};
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(control, "id");
	const cJSON *title = cJSON_GetObjectItemCaseSensitive(control, "title");
	out->pub.id = cJSON_IsString(id) ? id->valuestring : "";
	out->pub.title = cJSON_IsString(title) ? title->valuestring : "";
	const cJSON *refs = cJSON_GetObjectItemCaseSensitive(control, "referencePatterns");
	size_t n = (size_t)cJSON_GetArraySize(refs);
	r.refs = iamw__calloc(n + 1, sizeof *r.refs);
	if (!r.refs)
		return IAMW_ENOMEM;
	int rc = IAMW_OK;
	const cJSON *ref;
	cJSON_ArrayForEach(ref, refs)
	{
		if (!cJSON_IsString(ref)) {
			rc = IAMW_EJSON;
			break;
		}
		/* the packs are built in and tested: a reference always compiles */
		if ((rc = iamw_pattern_compile(&r.refs[r.n_refs], ref->valuestring,
		                               IAMW_NUL_TERMINATED, 0, NULL)))
			break;
		r.n_refs++;
	}
	if (!rc)
		rc = decide(&r);
	for (size_t i = 0; i < r.n_refs; i++)
		iamw_pattern_free(r.refs[i]);
	iamw__free(r.refs);
	return rc;
}

/* Point the public view at the lists it owns. */
static void publish(iamw__cov_result *res)
{
	res->pub.reasons = (const char *const *)res->reasons.v;
	res->pub.n_reasons = res->reasons.n;
	res->pub.notes = (const char *const *)res->notes.v;
	res->pub.n_notes = res->notes.n;
	res->pub.witnesses = (const char *const *)res->witnesses.v;
	res->pub.n_witnesses = res->witnesses.n;
}

int iamw_coverage_run(iamw_coverage *c)
{
	if (!c)
		return IAMW_EINVAL;
	results_free(c);
	iamw__cov_result *res = iamw__calloc(c->n_controls + 1, sizeof *res);
	if (!res)
		return IAMW_ENOMEM;
	pool p;
	int rc = pool_build(c, &p);
	size_t i = 0;
	const cJSON *control;
	cJSON_ArrayForEach(control, c->controls)
	{
		if (rc || i >= c->n_controls)
			break;
		rc = run_control(&p, control, &res[i]);
		publish(&res[i]);
		i++;
	}
	pool_free(&p);
	c->results = res;
	if (rc)
		results_free(c);
	return rc;
}

/* ------------------------------------------------------------ queries */

const char *iamw_coverage_benchmark(const iamw_coverage *c)
{
	return c ? c->benchmark : NULL;
}

const char *iamw_coverage_benchmark_version(const iamw_coverage *c)
{
	return c ? c->version : NULL;
}

size_t iamw_coverage_rules_count(const iamw_coverage *c)
{
	return c ? c->n_sources : 0;
}

const char *iamw_coverage_rules_origin(const iamw_coverage *c, size_t i)
{
	return c && i < c->n_sources ? c->sources[i].origin : NULL;
}

size_t iamw_coverage_control_count(const iamw_coverage *c)
{
	return c ? c->n_controls : 0;
}

const iamw_coverage_control *iamw_coverage_control_at(const iamw_coverage *c, size_t i)
{
	return c && c->results && i < c->n_controls ? &c->results[i].pub : NULL;
}
