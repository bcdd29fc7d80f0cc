/* SPDX-License-Identifier: MIT */
/*
 * cmd_check.c - `iamwatch check`: for each monitoring control of a CIS AWS
 * Foundations Benchmark version, decide semantically whether the given rules
 * cover it: some metric filter matches every event the control's reference
 * pattern matches (inclusion over a generated corpus, analysis.c), and an
 * alarm on that filter's metric goes to ALARM on a single match within 300 s
 * and notifies an SNS topic. docs/lint-check.md describes the method and its
 * limits.
 */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "cli.h"
#include "packs.h"

static const char usage[] =
    "Usage: iamwatch check [--benchmark cis@VERSION] [--json] RULES...\n"
    "\n"
    "Decide, for each CIS AWS Foundations Benchmark monitoring control, whether the\n"
    "rules cover it semantically: a metric filter whose pattern matches every event\n"
    "the control's reference pattern matches (a broader filter covers), and an alarm\n"
    "on its metric that fires on a single match within 300 s with an SNS action.\n"
    "\n"
    "RULES are rules documents, CloudFormation JSON templates, `terraform show -json`\n"
    "output or built-in pack names (iam-changes, cis, cis@1.2 ... cis@7.0); several\n"
    "combine.\n"
    "\n"
    "  --benchmark cis@VERSION  the benchmark version (default cis@" CIS_DEFAULT_VERSION ")\n"
    "  --json                   one JSON document instead of the table\n"
    "\n"
    "Exit status: 0 every control covered, 1 otherwise, 2 unreadable or invalid rules.\n";

typedef struct filt {
	char *name, *source, *pattern_text;
	iamw_pattern *pattern;
	const cJSON *def;   /* the filter's JSON in the combined document */
	const cJSON *xform; /* metricTransformations[0] */
} filt;

typedef struct alarm_ref {
	const cJSON *def;
	char *source;
} alarm_ref;

typedef struct checker {
	filt *f;
	size_t nf;
	alarm_ref *a;
	size_t na;
	iamw_match *m;
} checker;

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A number that may be written as a JSON number or a numeric string. */
static int jnum(const cJSON *o, const char *k, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (cJSON_IsNumber(v)) {
		*out = v->valuedouble;
		return 1;
	}
	if (cJSON_IsString(v) && *v->valuestring) {
		char *end;
		double d = strtod(v->valuestring, &end);
		if (*end == '\0') {
			*out = d;
			return 1;
		}
	}
	return 0;
}

static int jbool(const cJSON *o, const char *k, int dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v);
	if (cJSON_IsString(v))
		return strcmp(v->valuestring, "false") != 0;
	return dflt;
}

/* -------------------------------------------------------------- alarms */

typedef struct problems {
	char *v[16];
	size_t n;
} problems;

static void prob(problems *p, const char *f, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void prob(problems *p, const char *f, ...)
{
	if (p->n >= 16)
		return;
	char buf[4096];
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, sizeof buf, f, ap);
	va_end(ap);
	p->v[p->n++] = xstrdup(buf);
}

static void probs_free(problems *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	p->n = 0;
}

/* floor / ceil for the small non-negative values used here (no libm). */
static double dfloor(double x)
{
	double t = (double)(long long)x;
	return t > x ? t - 1 : t;
}

static double dceil(double x)
{
	double t = (double)(long long)x;
	return t < x ? t + 1 : t;
}

static int breaches(const char *op, double v, double t)
{
	if (!strcmp(op, "GreaterThanOrEqualToThreshold"))
		return v >= t;
	if (!strcmp(op, "GreaterThanThreshold"))
		return v > t;
	if (!strcmp(op, "LessThanThreshold"))
		return v < t;
	if (!strcmp(op, "LessThanOrEqualToThreshold"))
		return v <= t;
	return 0;
}

/* What stops this alarm from going to ALARM (and notifying) on one match of
 * the filter? */
static void alarm_problems(const filt *f, const cJSON *a, problems *p)
{
	const char *mv_text = jstr(f->xform, "metricValue");
	double mv = 1, dv = 0;
	int has_default = jnum(f->xform, "defaultValue", &dv);
	if (mv_text) {
		char *end;
		double d = strtod(mv_text, &end);
		if (*end == '\0' && end != mv_text) {
			mv = d;
			if (mv <= 0)
				prob(p, "metricValue %s: a match does not raise the metric", mv_text);
		} else {
			prob(p, "metricValue %s comes from the event, so one match may publish 0 or less",
			     mv_text);
		}
	}
	/* dimensions */
	const cJSON *fd = cJSON_GetObjectItemCaseSensitive(f->xform, "dimensions");
	const cJSON *ad = cJSON_GetObjectItemCaseSensitive(a, "Dimensions");
	int nfd = cJSON_IsObject(fd) ? cJSON_GetArraySize(fd) : 0;
	int nad = cJSON_IsArray(ad) ? cJSON_GetArraySize(ad) : 0;
	if (nfd == 0 && nad > 0) {
		prob(p, "alarm has dimensions, but the filter publishes its metric without any, so the "
		        "alarm sees no data");
	} else if (nfd > 0) {
		int same = nfd == nad;
		const cJSON *d;
		cJSON_ArrayForEach(d, ad)
		{
			const char *dn = jstr(d, "Name");
			if (!dn || !cJSON_GetObjectItemCaseSensitive(fd, dn))
				same = 0;
		}
		if (!same)
			prob(p, "the filter publishes its metric with %d dimension(s) and the alarm does not "
			        "name the same ones, so the alarm sees no data",
			     nfd);
		else
			prob(p, "the alarm watches one dimension value only; matches with other values of "
			        "the filter's dimensions do not reach it");
	}
	/* statistic and threshold */
	const char *stat = jstr(a, "Statistic");
	const char *ext = jstr(a, "ExtendedStatistic");
	const char *op = jstr(a, "ComparisonOperator");
	double period = 300, threshold = 0, n_eval = 1, m_alarm;
	jnum(a, "Period", &period);
	int has_threshold = jnum(a, "Threshold", &threshold);
	jnum(a, "EvaluationPeriods", &n_eval);
	if (!jnum(a, "DatapointsToAlarm", &m_alarm))
		m_alarm = n_eval;
	double k = period >= 60 ? dfloor(period / 60) : 1; /* per-minute data points per period */
	double v = mv, v0 = 0;
	int v0_defined = has_default;
	const char *sname = stat ? stat : ext ? ext : "?";
	if (stat && !strcmp(stat, "Sum")) {
		v = mv + (has_default ? (k - 1) * dv : 0);
		v0 = k * dv;
	} else if (stat && !strcmp(stat, "SampleCount")) {
		v = has_default ? k : 1;
		v0 = k;
		if (has_default)
			prob(p, "SampleCount also counts the defaultValue data points: the value is %g with "
			        "or without a match",
			     k);
	} else if (stat && !strcmp(stat, "Maximum")) {
		v = has_default && dv > mv ? dv : mv;
		v0 = dv;
	} else if (stat && !strcmp(stat, "Minimum")) {
		v = has_default && dv < mv ? dv : mv;
		v0 = dv;
	} else if (stat && !strcmp(stat, "Average")) {
		v = has_default ? (mv + (k - 1) * dv) / k : mv;
		v0 = dv;
	} else if (ext) {
		v = mv;
		v0 = dv;
		if (has_default)
			prob(p, "extended statistic %s over a metric with a defaultValue: one match may not "
			        "move it",
			     ext);
	} else {
		prob(p, "alarm has no Statistic");
	}
	if (!op || !has_threshold) {
		prob(p, "alarm has no static threshold (ComparisonOperator / Threshold)");
	} else if (strcmp(op, "GreaterThanOrEqualToThreshold") && strcmp(op, "GreaterThanThreshold")) {
		prob(p, "ComparisonOperator %s fires on low values, not on a match", op);
	} else if (!breaches(op, v, threshold)) {
		if (stat && !strcmp(stat, "Sum") && mv > 0 && !has_default) {
			double need = dceil(threshold / mv);
			if (!strcmp(op, "GreaterThanThreshold") && need * mv <= threshold)
				need += 1;
			prob(p, "alarm threshold %g needs %g matches", threshold, need);
		} else if (stat && !strcmp(stat, "Average") && has_default) {
			prob(p, "Average with defaultValue %g: one match in a %g s period averages %g, below "
			        "the threshold %g",
			     dv, period, v, threshold);
		} else {
			prob(p, "%s of one match is %g, which does not breach %s %g", sname, v, op,
			     threshold);
		}
	} else if (v0_defined && breaches(op, v0, threshold)) {
		prob(p, "the alarm breaches without any match (defaultValue %g gives %s %g)", dv, sname,
		     v0);
	}
	if (period > 300)
		prob(p, "Period %g s: a match alarms only after up to %g s (CIS: 300 s)", period, period);
	if (m_alarm > 1)
		prob(p, "alarm needs %g breaching periods (DatapointsToAlarm %g of EvaluationPeriods %g)",
		     m_alarm, m_alarm, n_eval);
	const char *tmd = jstr(a, "TreatMissingData");
	if (tmd && !strcmp(tmd, "breaching"))
		prob(p, "TreatMissingData breaching keeps the alarm in ALARM without matches, so a match "
		        "sends no notification");
	if (!jbool(a, "ActionsEnabled", 1))
		prob(p, "alarm actions are disabled (ActionsEnabled false)");
	const cJSON *acts = cJSON_GetObjectItemCaseSensitive(a, "AlarmActions");
	int nacts = 0, sns = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, acts)
	{
		nacts++;
		if (cJSON_IsString(it) && !strncmp(it->valuestring, "arn:aws:sns:", 12))
			sns = 1;
	}
	if (!nacts)
		prob(p, "alarm has no action (AlarmActions is empty)");
	else if (!sns)
		prob(p, "alarm actions name no SNS topic (arn:aws:sns:...)");
}

/* The best alarm on the filter's metric: fewest problems. Returns its index
 * or -1 (then p says why). */
static long best_alarm(const checker *C, const filt *f, problems *p)
{
	const char *mn = jstr(f->xform, "metricName");
	const char *ns = jstr(f->xform, "metricNamespace");
	long best = -1;
	problems bp = {{0}, 0};
	for (size_t i = 0; i < C->na; i++) {
		const cJSON *a = C->a[i].def;
		const char *amn = jstr(a, "MetricName"), *ans = jstr(a, "Namespace");
		if (!mn || !ns || !amn || !ans || strcmp(mn, amn) || strcmp(ns, ans))
			continue;
		problems cur = {{0}, 0};
		alarm_problems(f, a, &cur);
		if (best < 0 || cur.n < bp.n) {
			probs_free(&bp);
			bp = cur;
			best = (long)i;
		} else {
			probs_free(&cur);
		}
	}
	if (best < 0)
		prob(p, "no alarm on %s/%s", ns ? ns : "?", mn ? mn : "?");
	else
		*p = bp;
	return best;
}

/* ------------------------------------------------------------- controls */

typedef struct verdict {
	const char *status; /* covered, covered-with-problems, missing */
	const filt *filter;
	const cJSON *alarm;
	problems reasons;
	problems notes;
	size_t records, combinations;
	int exhaustive;
} verdict;

/* Does cand compare some field of ref with a value that covers one of ref's
 * literal values (same field; equal, or matched by cand's wildcards)? */
static int shares_literal(const iamw_pattern *ref, const iamw_pattern *cand)
{
	cond_list lr, lc;
	int hit = 0;
	if (conds_collect(ref, &lr) < 0)
		return 0;
	if (conds_collect(cand, &lc) < 0) {
		conds_free(&lr);
		return 0;
	}
	for (size_t x = 0; x < lr.n && !hit; x++) {
		const cond *a = &lr.v[x];
		if (!a->field || !a->value || a->op != IAMW_OP_EQ)
			continue;
		for (size_t y = 0; y < lc.n && !hit; y++) {
			const cond *b = &lc.v[y];
			if (!b->field || !b->value || b->op != IAMW_OP_EQ || strcmp(a->field, b->field))
				continue;
			size_t la = strlen(a->value), lb = strlen(b->value);
			if (b->lw && b->tw)
				hit = strstr(a->value, b->value) != NULL;
			else if (b->tw)
				hit = !strncmp(a->value, b->value, lb);
			else if (b->lw)
				hit = la >= lb && !strcmp(a->value + la - lb, b->value);
			else
				hit = !strcmp(a->value, b->value) && a->lw == b->lw && a->tw == b->tw;
		}
	}
	conds_free(&lr);
	conds_free(&lc);
	return hit;
}

static void check_control(checker *C, const cJSON *control, verdict *out)
{
	memset(out, 0, sizeof *out);
	out->exhaustive = 1;
	const cJSON *refs = cJSON_GetObjectItemCaseSensitive(control, "referencePatterns");
	size_t nref = (size_t)cJSON_GetArraySize(refs);
	iamw_pattern **rp = calloc(nref + 1, sizeof *rp);
	size_t ri = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, refs)
	{
		if (cJSON_IsString(r))
			iamw_pattern_compile(&rp[ri], r->valuestring, IAMW_NUL_TERMINATED, 0, NULL);
		ri++;
	}
	/* 1. filters that include some reference pattern */
	long best_f = -1, best_a = -1;
	int best_broad = 0;
	problems best_p = {{0}, 0};
	for (size_t i = 0; i < C->nf; i++) {
		filt *f = &C->f[i];
		if (!f->pattern)
			continue;
		int covers = 0;
		for (size_t j = 0; j < nref && !covers; j++) {
			inclusion inc;
			if (!rp[j] || inclusion_check(rp[j], f->pattern, C->m, 1, &inc) < 0)
				continue;
			if (inc.included && inc.ref_matches) {
				covers = 1;
				out->records += inc.records;
				if (inc.combinations > out->combinations)
					out->combinations = inc.combinations;
				out->exhaustive &= inc.exhaustive;
			}
			inclusion_free(&inc);
		}
		if (!covers)
			continue;
		problems p = {{0}, 0};
		long a = best_alarm(C, f, &p);
		size_t k = 0;
		int broad = typical_matches(f->pattern, C->m, &k) == 0 && k == typical_record_count();
		/* prefer: a working alarm, then a filter that does not match nearly
		 * everything, then fewer problems */
		int better = best_f < 0 || (p.n == 0 && best_p.n > 0) ||
		             ((p.n == 0) == (best_p.n == 0) &&
		              (broad < best_broad || (broad == best_broad && p.n < best_p.n)));
		if (better) {
			probs_free(&best_p);
			best_p = p;
			best_f = (long)i;
			best_a = a;
			best_broad = broad;
		} else {
			probs_free(&p);
		}
	}
	if (best_f >= 0) {
		out->filter = &C->f[best_f];
		out->alarm = best_a >= 0 ? C->a[best_a].def : NULL;
		out->reasons = best_p;
		out->status = best_p.n ? "covered-with-problems" : "covered";
		if (best_broad)
			prob(&out->notes,
			     "filter %s matches nearly every CloudTrail event: its alarm stays in ALARM, so "
			     "these events may not notify again",
			     out->filter->name);
		goto done;
	}
	/* 2. no filter includes a reference: the closest one (largest share of
	 *    the reference's events matched), with witnesses */
	double best_ratio = -1;
	char *best_reason = NULL;
	size_t best_both = 0;
	for (size_t i = 0; i < C->nf; i++) {
		filt *f = &C->f[i];
		if (!f->pattern)
			continue;
		for (size_t j = 0; j < nref; j++) {
			/* only filters that name some of the reference's values (an
			 * event name, a source...) count as attempts at this control */
			inclusion inc;
			if (!rp[j] || !shares_literal(rp[j], f->pattern) ||
			    inclusion_check(rp[j], f->pattern, C->m, 0, &inc) < 0)
				continue;
			out->records += inc.records;
			if (inc.combinations > out->combinations)
				out->combinations = inc.combinations;
			out->exhaustive &= inc.exhaustive;
			double ratio = inc.ref_matches ? (double)inc.both_matches / (double)inc.ref_matches : 0;
			if ((ratio > best_ratio || (ratio == best_ratio && !best_reason))) {
				best_ratio = ratio;
				best_both = inc.both_matches;
				free(best_reason);
				best_reason = inc.reason;
				inc.reason = NULL;
				best_f = (long)i;
			}
			inclusion_free(&inc);
		}
	}
	if (best_f >= 0 && best_both > 0) {
		out->filter = &C->f[best_f];
		out->status = "covered-with-problems";
		prob(&out->reasons, "%s", best_reason ? best_reason : "pattern misses reference events");
		problems p = {{0}, 0};
		long a = best_alarm(C, out->filter, &p);
		out->alarm = a >= 0 ? C->a[a].def : NULL;
		for (size_t i = 0; i < p.n; i++)
			prob(&out->reasons, "%s", p.v[i]);
		probs_free(&p);
	} else {
		out->status = "missing";
		if (best_f >= 0) {
			out->filter = &C->f[best_f];
			prob(&out->reasons, "no metric filter matches the events of the reference pattern; "
			                    "the closest, %s: %s",
			     out->filter->name, best_reason ? best_reason : "matches none of them");
			out->filter = NULL;
		} else {
			prob(&out->reasons, "no metric filter matches the events of the reference pattern");
		}
	}
	free(best_reason);
done:
	for (size_t j = 0; j < nref; j++)
		iamw_pattern_free(rp[j]);
	free(rp);
}

/* --------------------------------------------------------------- loading */

static int load_rules(checker *C, const char *arg, cJSON *combined, iamw_engine *eng)
{
	char *data;
	size_t len;
	int is_static;
	char label[512], errmsg[600];
	if (rules_resolve(arg, &data, &len, &is_static, label, sizeof label, errmsg, sizeof errmsg) <
	    0) {
		fprintf(stderr, "iamwatch check: %s\n", errmsg);
		return -1;
	}
	iamw_error err;
	int rc = 0;
	char *doc = NULL;
	size_t dlen;
	if (iamw_engine_load_rules(eng, data, len, &err) != IAMW_OK) {
		fprintf(stderr, "iamwatch check: %s: %s: %s\n", label, iamw_status_name(err.code),
		        err.text);
		rc = -1;
		goto out;
	}
	if (iamw_rules_normalize(data, len, NULL, NULL, &doc, &dlen, &err) != IAMW_OK) {
		fprintf(stderr, "iamwatch check: %s: %s\n", label, err.text);
		rc = -1;
		goto out;
	}
	cJSON *root = cJSON_ParseWithLength(doc, dlen);
	if (!root) {
		fprintf(stderr, "iamwatch check: %s: cannot read the converted rules\n", label);
		rc = -1;
		goto out;
	}
	cJSON *srcs = cJSON_GetObjectItemCaseSensitive(combined, "sources");
	cJSON_AddItemToArray(srcs, cJSON_CreateString(label));
	static const char *const keys[] = {"metricFilters", "metricAlarms"};
	for (int k = 0; k < 2; k++) {
		cJSON *dst = cJSON_GetObjectItemCaseSensitive(combined, keys[k]);
		cJSON *src = cJSON_GetObjectItemCaseSensitive(root, keys[k]);
		cJSON *it;
		while (src && (it = src->child) != NULL) {
			cJSON_DetachItemViaPointer(src, it);
			cJSON_AddItemToObject(it, "iamwSource", cJSON_CreateString(label));
			cJSON_AddItemToArray(dst, it);
		}
	}
	cJSON_Delete(root);
	(void)C;
out:
	iamw_free(doc);
	if (!is_static)
		free(data);
	return rc;
}

/* ---------------------------------------------------------------- output */

static const char *verdict_alarm_name(const verdict *v)
{
	return v->alarm ? jstr(v->alarm, "AlarmName") : NULL;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {{"benchmark", required_argument, NULL, 'b'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *bench = "cis@" CIS_DEFAULT_VERSION;
	int json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "b:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'b': bench = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return EXIT_TROUBLE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "iamwatch check: no RULES given\n\n%s", usage);
		return EXIT_TROUBLE;
	}
	if (strcmp(bench, "cis") == 0)
		bench = "cis@" CIS_DEFAULT_VERSION;
	/* the benchmark: a built-in CIS pack with its controls */
	char *bdata;
	size_t blen;
	int bstatic;
	char blabel[128], errmsg[600];
	if (strncmp(bench, "cis@", 4) != 0 ||
	    rules_resolve(bench, &bdata, &blen, &bstatic, blabel, sizeof blabel, errmsg,
	                  sizeof errmsg) < 0 ||
	    !bstatic) {
		fprintf(stderr, "iamwatch check: unknown benchmark '%s' (use cis@1.2 ... cis@7.0)\n",
		        bench);
		return EXIT_TROUBLE;
	}
	cJSON *bpack = cJSON_ParseWithLength(bdata, blen);
	const cJSON *controls = cJSON_GetObjectItemCaseSensitive(bpack, "controls");
	if (!cJSON_IsArray(controls)) {
		fprintf(stderr, "iamwatch check: pack %s has no controls\n", blabel);
		cJSON_Delete(bpack);
		return EXIT_TROUBLE;
	}
	const char *bversion = jstr(bpack, "version");

	checker C;
	memset(&C, 0, sizeof C);
	cJSON *combined = cJSON_CreateObject();
	cJSON_AddArrayToObject(combined, "sources");
	cJSON_AddArrayToObject(combined, "metricFilters");
	cJSON_AddArrayToObject(combined, "metricAlarms");
	iamw_engine *eng = NULL;
	int status = EXIT_TROUBLE;
	knowledge k;
	if (knowledge_load(&k) < 0) {
		fprintf(stderr, "iamwatch check: cannot load the knowledge files\n");
		knowledge_free(&k);
		cJSON_Delete(bpack);
		cJSON_Delete(combined);
		return EXIT_TROUBLE;
	}
	inclusion_set_knowledge(&k);
	if (iamw_engine_new(&eng, NULL) != IAMW_OK || iamw_match_new(&C.m) != IAMW_OK)
		goto out;
	for (int i = optind; i < argc; i++)
		if (load_rules(&C, argv[i], combined, eng) < 0)
			goto out;
	const cJSON *fl = cJSON_GetObjectItemCaseSensitive(combined, "metricFilters");
	const cJSON *al = cJSON_GetObjectItemCaseSensitive(combined, "metricAlarms");
	C.f = calloc((size_t)cJSON_GetArraySize(fl) + 1, sizeof *C.f);
	C.a = calloc((size_t)cJSON_GetArraySize(al) + 1, sizeof *C.a);
	const cJSON *it;
	cJSON_ArrayForEach(it, fl)
	{
		filt *f = &C.f[C.nf++];
		const char *n = jstr(it, "filterName");
		const char *p = jstr(it, "filterPattern");
		f->name = xstrdup(n ? n : "?");
		f->source = xstrdup(jstr(it, "iamwSource"));
		f->pattern_text = xstrdup(p ? p : "");
		f->def = it;
		const cJSON *xf = cJSON_GetObjectItemCaseSensitive(it, "metricTransformations");
		f->xform = cJSON_GetArrayItem(xf, 0);
		iamw_error err;
		if (iamw_pattern_compile(&f->pattern, f->pattern_text, IAMW_NUL_TERMINATED, 0, &err) !=
		    IAMW_OK) {
			fprintf(stderr, "iamwatch check: %s: filter %s: ", f->source, f->name);
			print_error("iamwatch check", &err, f->pattern_text);
			goto out;
		}
	}
	cJSON_ArrayForEach(it, al)
	{
		C.a[C.na].def = it;
		C.a[C.na++].source = NULL;
	}

	size_t nc = (size_t)cJSON_GetArraySize(controls);
	verdict *vs = calloc(nc + 1, sizeof *vs);
	size_t ci = 0, n_cov = 0, n_prob = 0, n_miss = 0;
	const cJSON *ctl;
	cJSON_ArrayForEach(ctl, controls)
	{
		check_control(&C, ctl, &vs[ci]);
		if (!strcmp(vs[ci].status, "covered"))
			n_cov++;
		else if (!strcmp(vs[ci].status, "missing"))
			n_miss++;
		else
			n_prob++;
		ci++;
	}
	const cJSON *srcs = cJSON_GetObjectItemCaseSensitive(combined, "sources");
	if (json) {
		cJSON *root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "benchmark", blabel);
		cJSON_AddItemToObject(root, "rules", cJSON_Duplicate(srcs, 1));
		cJSON *arr = cJSON_AddArrayToObject(root, "controls");
		ci = 0;
		cJSON_ArrayForEach(ctl, controls)
		{
			const verdict *v = &vs[ci++];
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "id", jstr(ctl, "id"));
			cJSON_AddStringToObject(o, "title", jstr(ctl, "title"));
			cJSON_AddStringToObject(o, "status", v->status);
			if (v->filter) {
				cJSON_AddStringToObject(o, "filter", v->filter->name);
				cJSON_AddStringToObject(o, "source", v->filter->source);
			} else {
				cJSON_AddNullToObject(o, "filter");
				cJSON_AddNullToObject(o, "source");
			}
			if (verdict_alarm_name(v))
				cJSON_AddStringToObject(o, "alarm", verdict_alarm_name(v));
			else
				cJSON_AddNullToObject(o, "alarm");
			cJSON *rs = cJSON_AddArrayToObject(o, "reasons");
			for (size_t i = 0; i < v->reasons.n; i++)
				cJSON_AddItemToArray(rs, cJSON_CreateString(v->reasons.v[i]));
			cJSON *ns = cJSON_AddArrayToObject(o, "notes");
			for (size_t i = 0; i < v->notes.n; i++)
				cJSON_AddItemToArray(ns, cJSON_CreateString(v->notes.v[i]));
			cJSON *meth = cJSON_AddObjectToObject(o, "method");
			cJSON_AddNumberToObject(meth, "records", (double)v->records);
			cJSON_AddBoolToObject(meth, "exhaustive", v->exhaustive);
			cJSON_AddItemToArray(arr, o);
		}
		cJSON *sum = cJSON_AddObjectToObject(root, "summary");
		cJSON_AddNumberToObject(sum, "controls", (double)nc);
		cJSON_AddNumberToObject(sum, "covered", (double)n_cov);
		cJSON_AddNumberToObject(sum, "coveredWithProblems", (double)n_prob);
		cJSON_AddNumberToObject(sum, "missing", (double)n_miss);
		char *s = cJSON_Print(root);
		if (s)
			printf("%s\n", s);
		cJSON_free(s);
		cJSON_Delete(root);
	} else {
		printf("CIS AWS Foundations Benchmark v%s: %zu controls; rules:", bversion ? bversion : "?",
		       nc);
		const cJSON *s;
		cJSON_ArrayForEach(s, srcs) printf(" %s", s->valuestring);
		printf("\n\n%-8s %-22s %s\n", "CONTROL", "STATUS", "FILTER -> ALARM");
		ci = 0;
		int sampled = 0;
		cJSON_ArrayForEach(ctl, controls)
		{
			const verdict *v = &vs[ci++];
			const char *an = verdict_alarm_name(v);
			printf("%-8s %-22s %s%s%s\n", jstr(ctl, "id"), v->status,
			       v->filter ? v->filter->name : "-", v->filter ? " -> " : "",
			       v->filter ? (an ? an : "(no alarm)") : "");
			for (size_t i = 0; i < v->reasons.n; i++)
				printf("%-8s   - %s\n", "", v->reasons.v[i]);
			for (size_t i = 0; i < v->notes.n; i++)
				printf("%-8s   note: %s\n", "", v->notes.v[i]);
			sampled |= !v->exhaustive;
		}
		printf("\n%zu covered, %zu covered with problems, %zu missing (of %zu)\n", n_cov, n_prob,
		       n_miss, nc);
		if (sampled)
			printf("note: some pattern comparisons sampled the generated records (pairwise "
			       "and random, fixed seed) instead of enumerating them all\n");
	}
	status = n_cov == nc ? 0 : 1;
	for (size_t i = 0; i < nc; i++) {
		probs_free(&vs[i].reasons);
		probs_free(&vs[i].notes);
	}
	free(vs);
out:
	for (size_t i = 0; i < C.nf; i++) {
		free(C.f[i].name);
		free(C.f[i].source);
		free(C.f[i].pattern_text);
		iamw_pattern_free(C.f[i].pattern);
	}
	free(C.f);
	free(C.a);
	iamw_match_free(C.m);
	iamw_engine_free(eng);
	cJSON_Delete(combined);
	cJSON_Delete(bpack);
	inclusion_set_knowledge(NULL);
	knowledge_free(&k);
	return status;
}
