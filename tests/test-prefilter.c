/* SPDX-License-Identifier: MIT */
/*
 * test-prefilter.c - the required-literal prefilter (libiamwatch/prefilter.c):
 * derived CNFs, JSON escapes that must bypass it, the multi-pattern set, and
 * a differential test: the conformance cases and the real CloudTrail corpus
 * (IAMW_CORPUS_DIR) against CloudTrail patterns with the prefilter on and
 * off must give identical results.
 */
#define _GNU_SOURCE
#include <check.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lang/ast.h"
#include "iamw-test.h"
#include "match/eval.h"
#include "match/prefilter.h"

/* The source tree: $IAMW_SOURCE_ROOT, else three levels above
 * $IAMW_RULES_DATA_DIR (tests/data/rules, set by tests/meson.build), else the
 * directory above this file as the compiler saw it. */
static const char *source_root(void)
{
	static char root[4096];
	if (root[0])
		return root;
	const char *env = getenv("IAMW_SOURCE_ROOT");
	const char *rules = getenv("IAMW_RULES_DATA_DIR");
	if (env) {
		snprintf(root, sizeof root, "%s", env);
	} else if (rules) {
		snprintf(root, sizeof root, "%s/../../..", rules);
	} else {
		snprintf(root, sizeof root, "%s", __FILE__);
		char *slash = strrchr(root, '/');
		if (slash)
			*slash = '\0';
		slash = strrchr(root, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(root, sizeof root, "..");
	}
	return root;
}
#define IAMW_SOURCE_ROOT source_root()

#define P1_IAM_CHANGES                                                                             \
	"{ ($.eventSource = \"iam.amazonaws.com\") && (($.eventName = \"Create*\") || "           \
	"($.eventName = \"Delete*\") || ($.eventName = \"Put*\") || ($.eventName = \"Attach*\") " \
	"|| ($.eventName = \"Detach*\") || ($.eventName = \"Update*\") || ($.eventName = "       \
	"\"Add*\") || ($.eventName = \"Remove*\")) }"

/* ------------------------------------------------------------------ helpers */

static char *describe(const char *pattern)
{
	iamw_pattern *p = NULL;
	iamw_error err;
	ck_assert_iamw_ok(iamw_pattern_compile(&p, pattern, IAMW_NUL_TERMINATED, 0, &err), &err);
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__prefilter_describe(iamw__pattern_prefilter(p), &b);
	char *out = NULL;
	ck_assert_int_eq(iamw__buf_steal(&b, &out, NULL), IAMW_OK);
	iamw_pattern_free(p);
	return out;
}

#define CHECK_CNF(pattern, expected)                                                               \
	do {                                                                                       \
		char *got_ = describe(pattern);                                                    \
		ck_assert_msg(strcmp(got_, expected) == 0, "pattern %s\n  got      %s\n  expected %s", \
		              pattern, got_, expected);                                            \
		iamw_free(got_);                                                                   \
	} while (0)

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	size_t r;
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static char *gz_slurp(const char *path, size_t *len)
{
	gzFile g = gzopen(path, "rb");
	if (!g)
		return NULL;
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap + 1);
	int r;
	while ((r = gzread(g, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)r;
		if (n == cap)
			buf = realloc(buf, (cap *= 2) + 1);
	}
	gzclose(g);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* ------------------------------------------------------------------ CNF derivation */

START_TEST(cnf_json)
{
	/* a value that cannot be a number lexeme is a JSON string: quotes included */
	CHECK_CNF("{ $.eventSource = \"iam.amazonaws.com\" }",
	          "json (and (or \"\\\"iam.amazonaws.com\\\"\") (or \"\\\"eventSource\\\"\"))");
	CHECK_CNF(P1_IAM_CHANGES,
	          "json (and (or \"\\\"iam.amazonaws.com\\\"\") (or \"\\\"Create\" \"\\\"Delete\" "
	          "\"\\\"Put\" \"\\\"Attach\" \"\\\"Detach\" \"\\\"Update\" \"\\\"Add\" \"\\\"Remove\") "
	          "(or \"\\\"eventSource\\\"\"))");
	/* numbers: 400 also equals 400.0 and "4E2": only the key */
	CHECK_CNF("{ $.status = 400 }", "json (and (or \"\\\"status\\\"\"))");
	CHECK_CNF("{ $.latency > 50 }", "json (and (or \"\\\"latency\\\"\"))");
	/* a string value that may be a number's lexeme gets no quote on that side */
	CHECK_CNF("{ $.a = \"4*\" }", "json (and (or \"4\") (or \"\\\"a\\\"\"))");
	CHECK_CNF("{ $.a = \"-x\" }", "json (and (or \"-x\\\"\") (or \"\\\"a\\\"\"))");
	CHECK_CNF("{ $.a = \"x1\" }", "json (and (or \"\\\"x1\") (or \"\\\"a\\\"\"))");
	CHECK_CNF("{ $.a != \"x\" }", "json (and (or \"\\\"a\\\"\"))");
	CHECK_CNF("{ $.a = * }", "json (and (or \"\\\"a\\\"\"))");
	CHECK_CNF("{ $.a NOT EXISTS }", "none");
	CHECK_CNF("{ $.a IS NULL }", "json (and (or \"null\") (or \"\\\"a\\\"\"))");
	CHECK_CNF("{ $.a IS TRUE }", "json (and (or \"true\") (or \"\\\"a\\\"\"))");
	/* the last property name of the selector; wildcards and indexes */
	CHECK_CNF("{ $.userIdentity.type = \"Root\" }",
	          "json (and (or \"\\\"Root\\\"\") (or \"\\\"type\\\"\"))");
	CHECK_CNF("{ $.resources[0].ARN = \"*:role/*\" }",
	          "json (and (or \":role/\") (or \"\\\"ARN\\\"\"))");
	CHECK_CNF("{ $.a.* = \"xyz\" }", "json (and (or \"\\\"xyz\\\"\") (or \"\\\"a\\\"\"))");
	/* wildcards: the literal part */
	CHECK_CNF("{ $.errorCode = \"*UnauthorizedOperation\" }",
	          "json (and (or \"UnauthorizedOperation\\\"\") (or \"\\\"errorCode\\\"\"))");
	/* bytes JSON must escape cut the literal to its longest safe run */
	CHECK_CNF("{ $.a = \"ab\\\"cdef\" }", "json (and (or \"cdef\") (or \"\\\"a\\\"\"))");
	/* OR: one clause from each side; a side without literals kills it */
	CHECK_CNF("{ $.a = \"xx\" || $.b = \"yy\" }", "json (and (or \"\\\"xx\\\"\" \"\\\"yy\\\"\"))");
	CHECK_CNF("{ $.a = \"xx\" || $.b NOT EXISTS }", "none");
	CHECK_CNF("{ $.a = \"xx\" || $.b = 5 }", "json (and (or \"\\\"xx\\\"\" \"\\\"b\\\"\"))");
	/* within a clause the shorter literal subsumes the longer */
	CHECK_CNF("{ $.e = \"CreatePolicy*\" || $.e = \"CreatePolicyVersion*\" }",
	          "json (and (or \"\\\"CreatePolicy\"))");
	/* AND over OR: implied clauses are dropped */
	CHECK_CNF("{ $.a = \"xx\" && ($.a = \"xx\" || $.b = \"yy\") }",
	          "json (and (or \"\\\"xx\\\"\") (or \"\\\"a\\\"\"))");
	/* CIS 3.1 style */
	CHECK_CNF("{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") }",
	          "json (and (or \"UnauthorizedOperation\\\"\" \"\\\"AccessDenied\"))");
	/* regex values: the regex's required literals */
	CHECK_CNF("{ $.eventName = %^Delete% }", "json (and (or \"Delete\") (or \"\\\"eventName\\\"\"))");
}
END_TEST

START_TEST(cnf_other_families)
{
	CHECK_CNF("ERROR", "raw (and (or \"ERROR\"))");
	CHECK_CNF("ERROR ARGUMENTS", "raw (and (or \"ARGUMENTS\") (or \"ERROR\"))");
	CHECK_CNF("ERROR -DEBUG", "raw (and (or \"ERROR\"))");
	CHECK_CNF("-DEBUG", "none");
	CHECK_CNF("?ERROR ?WARN", "raw (and (or \"ERROR\" \"WARN\"))");
	CHECK_CNF("\"quoted \\\"phrase\\\"\"", "raw (and (or \"quoted \\\"phrase\\\"\"))");
	CHECK_CNF("", "none");
	CHECK_CNF("%iam\\.amazonaws\\.com%", "raw (and (or \"iam.amazonaws.com\"))");
	CHECK_CNF("%.*%", "none");
	CHECK_CNF("[ip, user, ts, request = \"*GET*\", status = 404, size]", "raw (and (or \"GET\"))");
	CHECK_CNF("[ip, user = \"root\" || user = \"admin\", ...]", "raw (and (or \"root\" \"admin\"))");
	CHECK_CNF("[ip, user != \"root\", ...]", "none");
	CHECK_CNF("[]", "none");
}
END_TEST

START_TEST(no_prefilter_flag)
{
	iamw_pattern *p = NULL;
	iamw_error err;
	ck_assert_iamw_ok(iamw_pattern_compile(&p, P1_IAM_CHANGES, IAMW_NUL_TERMINATED,
	                                       IAMW_COMPILE_NO_PREFILTER, &err),
	                  &err);
	ck_assert_ptr_null(iamw__pattern_prefilter(p));
	ck_assert_int_eq(iamw_pattern_match_text(p, "{\"eventSource\":\"iam.amazonaws.com\","
	                                            "\"eventName\":\"CreateUser\"}",
	                                         IAMW_NUL_TERMINATED, NULL),
	                 1);
	iamw_pattern_free(p);
	ck_assert_iamw_ok(iamw_pattern_compile(&p, "x", 1,
	                                       IAMW_COMPILE_NO_PREFILTER | IAMW_COMPILE_JSON_EXTRACT,
	                                       &err),
	                  &err);
	iamw_pattern_free(p);
	ck_assert_int_eq(iamw_pattern_compile(&p, "x", 1, 1u << 20, &err), IAMW_EINVAL);
}
END_TEST

/* ------------------------------------------------------------------ escapes */

static int match_both(const char *pattern, const char *event)
{
	iamw_pattern *on = NULL, *off = NULL;
	iamw_error err;
	ck_assert_iamw_ok(iamw_pattern_compile(&on, pattern, IAMW_NUL_TERMINATED, 0, &err), &err);
	ck_assert_iamw_ok(iamw_pattern_compile(&off, pattern, IAMW_NUL_TERMINATED,
	                                       IAMW_COMPILE_NO_PREFILTER, &err),
	                  &err);
	int a = iamw_pattern_match_text(on, event, IAMW_NUL_TERMINATED, NULL);
	int b = iamw_pattern_match_text(off, event, IAMW_NUL_TERMINATED, NULL);
	ck_assert_msg(a == b, "%s on %s: prefilter %d, full %d", pattern, event, a, b);
	/* the set agrees with the single-pattern prefilter */
	iamw__prefilter_set *set = NULL;
	const iamw_pattern *pp[2] = {on, off};
	ck_assert_int_eq(iamw__prefilter_set_build(&set, pp, 2), IAMW_OK);
	uint8_t mm[2];
	iamw__prefilter_set_scan(set, event, strlen(event), mm);
	ck_assert_int_eq(mm[0], iamw__prefilter_may_match(iamw__pattern_prefilter(on), event,
	                                                  strlen(event)));
	ck_assert_int_eq(mm[1], 1);
	ck_assert_int_ge(mm[0], a == 1);
	iamw__prefilter_set_free(set);
	iamw_pattern_free(on);
	iamw_pattern_free(off);
	return a;
}

START_TEST(json_escapes)
{
	const char *p = "{ $.eventSource = \"iam.amazonaws.com\" }";
	ck_assert_int_eq(match_both(p, "{\"eventSource\":\"iam.amazonaws.com\"}"), 1);
	ck_assert_int_eq(match_both(p, "{\"eventSource\":\"\\u0069am.amazonaws.com\"}"), 1);
	ck_assert_int_eq(match_both(p, "{\"event\\u0053ource\":\"iam.amazonaws.com\"}"), 1);
	ck_assert_int_eq(match_both(p, "{\"eventSource\":\"s3.amazonaws.com\"}"), 0);
	ck_assert_int_eq(match_both(p, "{\"eventSource\":\"iam.amazonaws.co\"}"), 0);
	ck_assert_int_eq(match_both(p, "not json iam.amazonaws.com \"eventSource\""), 0);
	ck_assert_int_eq(match_both(P1_IAM_CHANGES, "{\"eventSource\":\"iam.amazonaws.com\","
	                                            "\"eventName\":\"\\u0041ddUserToGroup\"}"),
	                 1);
	ck_assert_int_eq(match_both(P1_IAM_CHANGES, "{\"eventSource\":\"iam.amazonaws.com\","
	                                            "\"eventName\":\"AddUserToGroup\"}"),
	                 1);
	ck_assert_int_eq(match_both(P1_IAM_CHANGES, "{\"eventSource\":\"iam.amazonaws.com\","
	                                            "\"eventName\":\"GetUser\",\"sourceIPAddress\":\"x\"}"),
	                 0);
	ck_assert_int_eq(match_both("{ $.a = \"x1\" }", "{\"a\":\"x1\"}"), 1);
	ck_assert_int_eq(match_both("{ $.a = \"1*\" }", "{\"a\":1.5}"), 1);
	ck_assert_int_eq(match_both("{ $.a = \"*5\" }", "{\"a\":1.5}"), 1);
	/* "\/" hides a '/' */
	const char *q = "{ $.requestParameters.policyArn = \"arn:aws:iam::aws:policy/AdministratorAccess\" }";
	ck_assert_int_eq(
	    match_both(q, "{\"requestParameters\":{\"policyArn\":\"arn:aws:iam::aws:policy\\/"
	                  "AdministratorAccess\"}}"),
	    1);
	ck_assert_int_eq(match_both(q, "{\"requestParameters\":{\"policyArn\":\"arn:aws:iam::aws:"
	                               "policy/AdministratorAccess\"}}"),
	                 1);
	ck_assert_int_eq(match_both(q, "{\"requestParameters\":{\"policyArn\":\"x\"}}"), 0);
	/* quotes and backslashes in the value: only the safe run is required */
	ck_assert_int_eq(match_both("{ $.a = \"say \\\"hi\\\" now\" }", "{\"a\":\"say \\\"hi\\\" now\"}"),
	                 1);
	ck_assert_int_eq(match_both("{ $.a = \"C:\\\\dir\" }", "{\"a\":\"C:\\\\dir\"}"), 1);
	/* numbers as written */
	ck_assert_int_eq(match_both("{ $.a = 400 }", "{\"a\":400.0}"), 1);
	ck_assert_int_eq(match_both("{ $.a = 400 }", "{\"a\":4E2}"), 1);
	ck_assert_int_eq(match_both("{ $.a = \"4*\" }", "{\"a\":400}"), 1);
	ck_assert_int_eq(match_both("{ $.a IS NULL }", "{\"a\":null}"), 1);
	ck_assert_int_eq(match_both("{ $.a IS NULL }", "{\"a\":1}"), 0);
	/* case-sensitive */
	ck_assert_int_eq(match_both(p, "{\"eventSource\":\"IAM.amazonaws.com\"}"), 0);
	/* terms are searched in the raw text: escapes are not decoded */
	ck_assert_int_eq(match_both("\"iam.amazonaws.com\"", "{\"s\":\"\\u0069am.amazonaws.com\"}"), 0);
	/* size limits still win */
	ck_assert_int_eq(match_both("%needle%", "haystack without it"), 0);
}
END_TEST

START_TEST(size_limit_first)
{
	iamw_pattern *p = NULL;
	iamw_match *m = NULL;
	ck_assert_int_eq(iamw_pattern_compile(&p, "needle", 6, 0, NULL), IAMW_OK);
	ck_assert_int_eq(iamw_match_new(&m), IAMW_OK);
	iamw_match_set_max_event_size(m, 4);
	ck_assert_int_eq(iamw_pattern_match_text(p, "haystack", 8, m), IAMW_ELIMIT);
	iamw_match_free(m);
	iamw_pattern_free(p);
}
END_TEST

/* ------------------------------------------------------------------ differential */

typedef struct pair {
	iamw_pattern *on, *off;
	uint64_t matches, refused;
} pair;

typedef struct pattern_list {
	pair *v;
	size_t n, cap;
} pattern_list;

static void add_pattern(pattern_list *l, const char *text, uint32_t flags)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(iamw_pattern_source(l->v[i].on), text) == 0 &&
		    (l->v[i].on->flags & ~IAMW_COMPILE_NO_PREFILTER) == flags)
			return;
	pair pr = {0};
	iamw_error err;
	ck_assert_iamw_ok(iamw_pattern_compile(&pr.on, text, IAMW_NUL_TERMINATED, flags, &err), &err);
	ck_assert_iamw_ok(iamw_pattern_compile(&pr.off, text, IAMW_NUL_TERMINATED,
	                                       flags | IAMW_COMPILE_NO_PREFILTER, &err),
	                  &err);
	if (l->n == l->cap)
		l->v = realloc(l->v, (l->cap = l->cap ? l->cap * 2 : 64) * sizeof *l->v);
	l->v[l->n++] = pr;
}

static void add_rule_file_patterns(pattern_list *l, const char *path)
{
	size_t len;
	char *text = slurp(path, &len);
	ck_assert_msg(text != NULL, "cannot read %s", path);
	cJSON *doc = cJSON_Parse(text);
	ck_assert_ptr_nonnull(doc);
	const cJSON *fs = cJSON_GetObjectItemCaseSensitive(doc, "metricFilters");
	const cJSON *f;
	cJSON_ArrayForEach(f, fs)
	{
		const cJSON *fp = cJSON_GetObjectItemCaseSensitive(f, "filterPattern");
		if (cJSON_IsString(fp))
			add_pattern(l, fp->valuestring, 0);
	}
	cJSON_Delete(doc);
	free(text);
}

static const char *const extra_patterns[] = {
    P1_IAM_CHANGES,
    "{ $.eventSource = \"iam.amazonaws.com\" }",
    "{ $.eventSource = \"sts.amazonaws.com\" && $.eventName = \"AssumeRole\" }",
    "{ $.requestParameters.policyArn = \"arn:aws:iam::aws:policy/AdministratorAccess\" }",
    "{ $.userAgent = \"*aws-cli/*\" }",
    "{ $.userIdentity.type = \"Root\" }",
    "{ $.userIdentity.arn = \"*:assumed-role/*\" }",
    "{ $.resources[0].type = \"AWS::*\" }",
    "{ $.resources[*].ARN = \"*bucket*\" }",
    "{ $.*.type = \"IAMUser\" }",
    "{ $.errorCode NOT EXISTS && $.eventName = \"Get*\" }",
    "{ $.responseElements IS NULL }",
    "{ $.readOnly IS FALSE }",
    "{ $.managementEvent IS TRUE && $.eventType = \"AwsApiCall\" }",
    "{ $.eventVersion = \"1.08\" }",
    "{ $.eventVersion = 1.08 }",
    "{ $.requestParameters.durationSeconds = 3600 }",
    "{ $.requestParameters.maxResults >= 100 }",
    "{ $.recipientAccountId = 123456789012 }",
    "{ $.eventName = %^Delete[A-Za-z]*Policy$% }",
    "{ $.userAgent = %aws-sdk-go/1\\.% }",
    "{ $.sourceIPAddress = %^10\\.% || $.sourceIPAddress = \"*.amazonaws.com\" }",
    "{ ($.errorCode = \"AccessDenied\") || ($.errorMessage = \"*not authorized*\") }",
    "{ $.eventName != \"ConsoleLogin\" && $.eventSource = \"signin.amazonaws.com\" }",
    "AccessDenied",
    "\"iam.amazonaws.com\" -GetUser",
    "?ConsoleLogin ?AssumeRole ?GetPasswordData",
    "UnauthorizedOperation Client",
    "\"\\\"eventName\\\":\\\"CreateUser\\\"\"",
    "%iam\\.amazonaws\\.com%",
    "%arn:aws:iam::[0-9]+:role/%",
    "%eventName\\x22:\\x22PutBucket[A-Z]%",
    "[w1 = \"{\\\"eventVersion\\\"*\", ...]",
    "[first, ..., last = \"*}\"]",
    "[a = %eventSource%, ...]",
    "[a, b = \"*iam*\" || b = \"*sts*\", ...]",
    "[x = *]",
};

typedef struct corpus_stats {
    size_t lines, variants, events;
} corpus_stats;

/* Compare on and off for one event; returns the number of mismatches. */
static void check_event(pattern_list *l, const iamw__prefilter_set *set, uint8_t *mm,
                        iamw_match *m_on, iamw_match *m_off, const char *ev, size_t n,
                        int full_off, const char *where)
{
	cJSON *tree = NULL;
	int parsed = 0;
	if (set)
		iamw__prefilter_set_scan(set, ev, n, mm);
	for (size_t i = 0; i < l->n; i++) {
		pair *pr = &l->v[i];
		int a = iamw_pattern_match_text(pr->on, ev, n, m_on);
		int b;
		if (full_off || pr->off->kind != IAMW_PATTERN_JSON) {
			b = iamw_pattern_match_text(pr->off, ev, n, m_off);
		} else {
			/* one parse per event serves every JSON pattern (the same
			 * evaluation as match_text without the prefilter) */
			if (!parsed) {
				tree = iamw__parse_event_json(ev, n);
				parsed = 1;
			}
			b = tree ? iamw_pattern_match_json(pr->off, tree, ev, n, m_off) : 0;
		}
		if (a != b)
			ck_abort_msg("%s: pattern %s: prefilter %d, full %d on: %.*s", where,
			             iamw_pattern_source(pr->on), a, b, (int)(n > 600 ? 600 : n), ev);
		if (a == 1) {
			pr->matches++;
			ck_assert_uint_eq(iamw_match_value_count(m_on), iamw_match_value_count(m_off));
		}
		int may = iamw__prefilter_may_match(iamw__pattern_prefilter(pr->on), ev, n);
		if (!may)
			pr->refused++;
		if (set) {
			/* The set scans only the selective clauses (key names are
			 * left to the projection): it may let more through than the
			 * single prefilter, never less, and never refuses a match. */
			ck_assert_msg(mm[i] >= may, "%s: the set refuses what the single prefilter lets through for %s",
			              where, iamw_pattern_source(pr->on));
			ck_assert_msg(mm[i] || b != 1, "%s: the set refuses a match of %s", where,
			              iamw_pattern_source(pr->on));
		}
	}
	cJSON_Delete(tree);
}

static void load_patterns(pattern_list *l)
{
	for (size_t i = 0; i < sizeof extra_patterns / sizeof *extra_patterns; i++)
		add_pattern(l, extra_patterns[i], 0);
	add_pattern(l, "{ $.eventSource = \"iam.amazonaws.com\" }", IAMW_COMPILE_JSON_EXTRACT);
	char rules_dir[8192];
	snprintf(rules_dir, sizeof rules_dir, "%s/libiamwatch/packs/rules", IAMW_SOURCE_ROOT);
	DIR *d = opendir(rules_dir);
	ck_assert_msg(d != NULL, "no rules dir under %s", IAMW_SOURCE_ROOT);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".json") &&
		    (strncmp(de->d_name, "cis-", 4) == 0 || strcmp(de->d_name, "iam-changes.json") == 0)) {
			char path[8192];
			snprintf(path, sizeof path, "%s/libiamwatch/packs/rules/%s", IAMW_SOURCE_ROOT,
			         de->d_name);
			add_rule_file_patterns(l, path);
		}
	}
	closedir(d);
}

static void free_patterns(pattern_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		iamw_pattern_free(l->v[i].on);
		iamw_pattern_free(l->v[i].off);
	}
	free(l->v);
}

START_TEST(differential_conformance)
{
	iamw_match *m_on, *m_off;
	ck_assert_int_eq(iamw_match_new(&m_on), IAMW_OK);
	ck_assert_int_eq(iamw_match_new(&m_off), IAMW_OK);
	size_t cases = 0, matched = 0;
	const char *names[] = {"spec.json", "extra.json"};
	for (size_t fi = 0; fi < 2; fi++) {
		char files[2][8192];
		snprintf(files[fi], sizeof files[fi], "%s/tests/conformance/%s", IAMW_SOURCE_ROOT,
		         names[fi]);
		char *text = slurp(files[fi], NULL);
		ck_assert_msg(text != NULL, "cannot read %s", files[fi]);
		cJSON *doc = cJSON_Parse(text);
		ck_assert_ptr_nonnull(doc);
		const cJSON *c;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(doc, "cases"))
		{
			const cJSON *pat = cJSON_GetObjectItemCaseSensitive(c, "pattern");
			const cJSON *ev = cJSON_GetObjectItemCaseSensitive(c, "event");
			if (!cJSON_IsString(pat) || !cJSON_IsString(ev))
				continue;
			for (uint32_t flags = 0; flags <= IAMW_COMPILE_JSON_EXTRACT; flags++) {
				iamw_pattern *on = NULL, *off = NULL;
				int r1 = iamw_pattern_compile(&on, pat->valuestring, IAMW_NUL_TERMINATED,
				                              flags, NULL);
				int r2 = iamw_pattern_compile(&off, pat->valuestring, IAMW_NUL_TERMINATED,
				                              flags | IAMW_COMPILE_NO_PREFILTER, NULL);
				ck_assert_int_eq(r1, r2);
				if (r1 == IAMW_OK) {
					const char *e = ev->valuestring;
					int a = iamw_pattern_match_text(on, e, strlen(e), m_on);
					int b = iamw_pattern_match_text(off, e, strlen(e), m_off);
					ck_assert_msg(a == b, "case %s: prefilter %d, full %d",
					              cJSON_GetStringValue(cJSON_GetObjectItem(c, "id")), a, b);
					ck_assert_uint_eq(iamw_match_value_count(m_on),
					                  iamw_match_value_count(m_off));
					for (size_t k = 0; k < iamw_match_value_count(m_on); k++) {
						const char *n1, *v1, *n2, *v2;
						iamw_match_value(m_on, k, &n1, &v1, NULL);
						iamw_match_value(m_off, k, &n2, &v2, NULL);
						ck_assert_str_eq(n1, n2);
						ck_assert_str_eq(v1, v2);
					}
					cases++;
					matched += a == 1;
				}
				iamw_pattern_free(on);
				iamw_pattern_free(off);
			}
		}
		cJSON_Delete(doc);
		free(text);
	}
	ck_assert_uint_gt(cases, 300);
	ck_assert_uint_gt(matched, 100);
	iamw_match_free(m_on);
	iamw_match_free(m_off);
}
END_TEST

/* Replace every occurrence of `from` by `to` (for escape variants). */
static char *replace_all(const char *s, size_t n, const char *from, const char *to, size_t *out_n)
{
	size_t fl = strlen(from), tl = strlen(to), count = 0;
	for (const char *p = s; (p = memmem(p, (size_t)(s + n - p), from, fl)) != NULL; p += fl)
		count++;
	char *out = malloc(n + count * (tl > fl ? tl - fl : 0) + 1);
	size_t o = 0;
	const char *p = s, *end = s + n;
	const char *q;
	while ((q = memmem(p, (size_t)(end - p), from, fl)) != NULL) {
		memcpy(out + o, p, (size_t)(q - p));
		o += (size_t)(q - p);
		memcpy(out + o, to, tl);
		o += tl;
		p = q + fl;
	}
	memcpy(out + o, p, (size_t)(end - p));
	o += (size_t)(end - p);
	out[o] = '\0';
	*out_n = o;
	return out;
}

START_TEST(differential_corpus)
{
	const char *dir = getenv("IAMW_CORPUS_DIR");
	DIR *d = dir ? opendir(dir) : NULL;
	if (!d) {
		fprintf(stderr, "differential_corpus: IAMW_CORPUS_DIR unset or unreadable: skipped\n");
		return;
	}
	/* Every line is checked; the biggest file is sampled (every 8th line)
	 * unless IAMW_PREFILTER_FULL is set, to keep the test fast under ASan. */
	size_t stride_big = getenv("IAMW_PREFILTER_FULL") ? 1 : 8;
	pattern_list l = {0};
	load_patterns(&l);
	ck_assert_uint_gt(l.n, 40);
	const iamw_pattern **pp = malloc(l.n * sizeof *pp);
	for (size_t i = 0; i < l.n; i++)
		pp[i] = l.v[i].on;
	iamw__prefilter_set *set = NULL;
	ck_assert_int_eq(iamw__prefilter_set_build(&set, pp, l.n), IAMW_OK);
	uint8_t *mm = malloc(l.n);
	iamw_match *m_on, *m_off;
	ck_assert_int_eq(iamw_match_new(&m_on), IAMW_OK);
	ck_assert_int_eq(iamw_match_new(&m_off), IAMW_OK);
	corpus_stats st = {0};
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!strstr(de->d_name, ".ndjson.gz"))
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		size_t len;
		char *buf = gz_slurp(path, &len);
		ck_assert_ptr_nonnull(buf);
		size_t stride = len > (16u << 20) ? stride_big : 1;
		size_t pos = 0, line = 0;
		while (pos < len) {
			const char *nl = memchr(buf + pos, '\n', len - pos);
			size_t end = nl ? (size_t)(nl - buf) : len;
			const char *ev = buf + pos;
			size_t n = end - pos;
			pos = end + 1;
			if (line++ % stride)
				continue;
			st.lines++;
			check_event(&l, set, mm, m_on, m_off, ev, n, st.lines % 128 == 1, de->d_name);
			if (st.lines % 16 == 1) {
				/* escape variants: "\/" for every '/', \u escapes in a value and a key */
				size_t n1, n2, n3;
				char *v1 = replace_all(ev, n, "/", "\\/", &n1);
				char *v2 = replace_all(ev, n, "iam.amazonaws.com", "\\u0069am.amazonaws.com", &n2);
				char *v3 = replace_all(v2, n2, "\"eventName\"", "\"event\\u004eame\"", &n3);
				check_event(&l, set, mm, m_on, m_off, v1, n1, 0, "variant \\/");
				check_event(&l, set, mm, m_on, m_off, v3, n3, 0, "variant \\u");
				st.variants += 2;
				free(v1);
				free(v2);
				free(v3);
			}
		}
		free(buf);
	}
	closedir(d);
	uint64_t total_matches = 0, total_refused = 0;
	for (size_t i = 0; i < l.n; i++) {
		total_matches += l.v[i].matches;
		total_refused += l.v[i].refused;
	}
	fprintf(stderr,
	        "differential_corpus: %zu lines + %zu variants x %zu patterns: %llu matches, %llu "
	        "refused by the prefilter\n",
	        st.lines, st.variants, l.n, (unsigned long long)total_matches,
	        (unsigned long long)total_refused);
	ck_assert_uint_gt(st.lines, 1000);
	ck_assert_uint_gt(total_matches, 100);
	ck_assert_uint_gt(total_refused, st.lines);
	iamw_match_free(m_on);
	iamw_match_free(m_off);
	iamw__prefilter_set_free(set);
	free(mm);
	free(pp);
	free_patterns(&l);
}
END_TEST

static Suite *prefilter_suite(void)
{
	Suite *s = suite_create("prefilter");
	TCase *tc = tcase_create("cnf");
	tcase_add_test(tc, cnf_json);
	tcase_add_test(tc, cnf_other_families);
	tcase_add_test(tc, no_prefilter_flag);
	tcase_add_test(tc, json_escapes);
	tcase_add_test(tc, size_limit_first);
	suite_add_tcase(s, tc);
	TCase *td = tcase_create("differential");
	tcase_set_timeout(td, 300);
	tcase_add_test(td, differential_conformance);
	tcase_add_test(td, differential_corpus);
	suite_add_tcase(s, td);
	return s;
}

IAMW_TEST_MAIN(prefilter_suite)
