/* SPDX-License-Identifier: MIT */
/*
 * test-lint.c - the CloudTrail knowledge and the linter (iamwatch/lint.h):
 * each warning code triggered by a minimal pattern and not by its fixed
 * version, the patterns of the seed article (empty eventSource, names
 * without wildcards), the built-in packs, rules documents, CloudFormation and
 * terraform inputs with the locations of their findings, validation errors
 * naming their definition, quotas, callbacks that stop the lint, misuse, and
 * knowledge shared by threads.
 *
 * Data: tests/cli/data (IAMW_CLI_DATA_DIR) and the seed article
 * (IAMW_SEED_DIR, shared/seed).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamw-test.h"

/* ------------------------------------------------------------ helpers */

typedef struct got {
	size_t n;
	char code[64][48];
	iamw_lint_severity sev[64];
	size_t index[64], offset[64], length[64];
	char message[64][512];
	char suggestion[64][512];
	char filter[64][96];
	char location[64][128];
	size_t targets;
	char target_location[128][128];
	char target_filter[128][96];
	int stop_after; /* stop after this many findings (0: never) */
} got;

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static int on_finding(const iamw_lint_finding *f, void *payload)
{
	got *g = payload;
	ck_assert_ptr_nonnull(f->message);
	ck_assert_ptr_nonnull(f->code);
	if (f->index != IAMW_LINT_NO_PATTERN) {
		ck_assert_ptr_nonnull(f->pattern);
		if (f->offset != IAMW_NO_OFFSET)
			ck_assert_uint_le(f->offset + f->length, f->pattern_len);
	} else {
		ck_assert_ptr_null(f->pattern);
		ck_assert_uint_eq(f->pattern_len, 0);
	}
	if (g->n < 64) {
		copy(g->code[g->n], sizeof g->code[0], f->code);
		g->sev[g->n] = f->severity;
		g->index[g->n] = f->index;
		g->offset[g->n] = f->offset;
		g->length[g->n] = f->length;
		copy(g->message[g->n], sizeof g->message[0], f->message);
		copy(g->suggestion[g->n], sizeof g->suggestion[0], f->suggestion);
		copy(g->filter[g->n], sizeof g->filter[0], f->filter);
		copy(g->location[g->n], sizeof g->location[0], f->location);
	}
	g->n++;
	return g->stop_after && g->n >= (size_t)g->stop_after ? 42 : 0;
}

static int on_target(const iamw_lint_target *t, void *payload)
{
	got *g = payload;
	ck_assert_uint_eq(t->index, g->targets);
	if (g->targets < 128) {
		copy(g->target_location[g->targets], sizeof g->target_location[0], t->location);
		copy(g->target_filter[g->targets], sizeof g->target_filter[0], t->filter);
	}
	g->targets++;
	return 0;
}

static iamw_lint_options options(got *g)
{
	iamw_lint_options o;
	ck_assert_int_eq(iamw_lint_options_init(&o, IAMW_LINT_OPTIONS_VERSION), IAMW_OK);
	o.origin = "test";
	o.on_finding = on_finding;
	o.on_target = on_target;
	o.payload = g;
	return o;
}

static got *lint(const char *pattern)
{
	got *g = calloc(1, sizeof *g);
	ck_assert_ptr_nonnull(g);
	iamw_lint_options o = options(g);
	iamw_error err;
	ck_assert_iamw_ok(iamw_lint_pattern(NULL, pattern, IAMW_NUL_TERMINATED, &o, &err), &err);
	ck_assert_uint_eq(g->targets, 1);
	return g;
}

static got *lint_rules_text(const char *text, size_t len)
{
	got *g = calloc(1, sizeof *g);
	ck_assert_ptr_nonnull(g);
	iamw_lint_options o = options(g);
	iamw_error err;
	ck_assert_iamw_ok(iamw_lint_rules(NULL, text, len, &o, &err), &err);
	return g;
}

static int find(const got *g, const char *code)
{
	for (size_t i = 0; i < g->n && i < 64; i++)
		if (strcmp(g->code[i], code) == 0)
			return (int)i;
	return -1;
}

static size_t count(const got *g, const char *code)
{
	size_t k = 0;
	for (size_t i = 0; i < g->n && i < 64; i++)
		k += strcmp(g->code[i], code) == 0;
	return k;
}

/* code is reported for bad and not for good */
static void triggers(const char *code, const char *bad, const char *good)
{
	got *g = lint(bad);
	ck_assert_msg(find(g, code) >= 0, "%s not reported for %s", code, bad);
	free(g);
	g = lint(good);
	ck_assert_msg(find(g, code) < 0, "%s reported for %s", code, good);
	free(g);
}

static char *read_file(const char *env, const char *sub, const char *name, size_t *len)
{
	char path[4096];
	const char *dir = getenv(env);
	if (dir && dir[0]) {
		snprintf(path, sizeof path, "%s/%s", dir, name);
	} else {
		const char *f = __FILE__, *slash = strrchr(f, '/');
		int n = slash ? (int)(slash - f + 1) : 0;
		snprintf(path, sizeof path, "%.*s%s/%s", n, f, sub, name);
	}
	FILE *fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	long n = ftell(fp);
	ck_assert(n >= 0);
	ck_assert_int_eq(fseek(fp, 0, SEEK_SET), 0);
	char *text = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, fp), (size_t)n);
	text[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return text;
}

static got *lint_file(const char *sub, const char *name)
{
	size_t len;
	char path[256];
	snprintf(path, sizeof path, "%s/%s", sub, name);
	char *text = read_file("IAMW_CLI_DATA_DIR", "cli/data", path, &len);
	got *g = lint_rules_text(text, len);
	free(text);
	return g;
}

static got *lint_pack(const char *name)
{
	const char *data;
	size_t len;
	ck_assert_int_eq(iamw_pack_get(name, &data, &len), 1);
	return lint_rules_text(data, len);
}

/* ------------------------------------------------------------ knowledge */

START_TEST(knowledge_lists)
{
	iamw_knowledge *k = NULL;
	ck_assert_int_eq(iamw_knowledge_new(&k), IAMW_OK);
	ck_assert_int_eq(iamw_knowledge_event_known(k, "iam.amazonaws.com", "CreateUser"), 1);
	ck_assert_int_eq(iamw_knowledge_event_known(k, "iam.amazonaws.com", "RunInstances"), 0);
	ck_assert_int_eq(iamw_knowledge_event_known(k, "ec2.amazonaws.com", "RunInstances"), 1);
	ck_assert_int_eq(iamw_knowledge_event_known(k, NULL, "ConsoleLogin"), 1);
	ck_assert_int_eq(iamw_knowledge_event_known(k, NULL, "CreateUsr"), 0);
	ck_assert_int_eq(iamw_knowledge_event_known(k, "kms.amazonaws.com", NULL), 1);
	ck_assert_int_eq(iamw_knowledge_event_known(k, "kms", NULL), 0);
	ck_assert_int_eq(iamw_knowledge_event_known(k, NULL, NULL), IAMW_EINVAL);
	ck_assert_int_eq(iamw_knowledge_event_known(NULL, NULL, "x"), IAMW_EINVAL);
	ck_assert_int_eq(iamw_knowledge_new(NULL), IAMW_EINVAL);
	iamw_knowledge_free(k);
	iamw_knowledge_free(NULL);
}
END_TEST

/* ------------------------------------------------------------ warning codes */

START_TEST(unknown_event_name)
{
	triggers("W-unknown-event-name", "{ $.eventName = \"CreateUsr\" }",
	         "{ $.eventName = \"CreateUser\" }");
	triggers("W-unknown-event-name", "{ $.eventName = \"Frobnicate*\" }",
	         "{ $.eventName = \"Delete*\" }");
	triggers("W-unknown-event-name", "{ $.eventName = \"Creat*User\" }",
	         "{ $.eventName = \"Creat*\" }");
	/* restricted to IAM, names are IAM's */
	triggers("W-unknown-event-name",
	         "{ ($.eventSource = \"iam.amazonaws.com\") && ($.eventName = \"RunInstances\") }",
	         "{ ($.eventSource = \"iam.amazonaws.com\") && ($.eventName = \"CreateUser\") }");
	triggers("W-unknown-event-name", "{ $.eventSource = \"kms\" }",
	         "{ $.eventSource = \"kms.amazonaws.com\" }");
	/* != is not checked */
	got *g = lint("{ $.errorCode = \"AccessDenied\" && $.eventName != \"Nope\" }");
	ck_assert_int_lt(find(g, "W-unknown-event-name"), 0);
	free(g);

	g = lint("{ $.eventName = \"Add\" }");
	int i = find(g, "W-unknown-event-name");
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(g->sev[i], IAMW_LINT_WARNING);
	ck_assert_uint_eq(g->offset[i], 16);
	ck_assert_uint_eq(g->length[i], 5);
	ck_assert_ptr_nonnull(strstr(g->suggestion[i], "did you mean \"Add*\"?"));
	free(g);

	g = lint("{ $.eventName = \"Creat*User\" }");
	i = find(g, "W-unknown-event-name");
	ck_assert_ptr_nonnull(strstr(g->message[i], "literal"));
	ck_assert_str_eq(g->suggestion[i], "did you mean \"CreateUser\"?");
	free(g);

	g = lint("{ $.eventName = \"De*Us*\" }"); /* glob reading: several names */
	i = find(g, "W-unknown-event-name");
	ck_assert_ptr_nonnull(strstr(g->suggestion[i], "did you mean one of DeleteUser"));
	free(g);

	g = lint("{ $.eventSource = \"kms\" }");
	ck_assert_ptr_nonnull(strstr(g->suggestion[0], "\"kms.amazonaws.com\""));
	free(g);

	g = lint("{ $.eventName = \"createuser\" }");
	ck_assert_ptr_nonnull(strstr(g->suggestion[0], "\"CreateUser\"? (patterns are case"));
	free(g);

	g = lint("{ $.eventName = \"DeleteUsre\" }");
	ck_assert_str_eq(g->suggestion[0], "did you mean \"DeleteUser\"?");
	free(g);
}
END_TEST

START_TEST(mixed_and_or)
{
	const char *bad = "{ $.eventName = \"CreateUser\" || $.eventName = \"DeleteUser\" && "
	                  "$.awsRegion = \"us-east-1\" }";
	triggers("W-mixed-and-or", bad,
	         "{ ($.eventName = \"CreateUser\" || $.eventName = \"DeleteUser\") && $.awsRegion "
	         "= \"us-east-1\" }");
	got *g = lint(bad);
	int i = find(g, "W-mixed-and-or");
	ck_assert_int_eq(strncmp(bad + g->offset[i], "&&", 2), 0);
	ck_assert_ptr_nonnull(strstr(g->message[i], "'&&' follows '||'"));
	ck_assert_ptr_nonnull(strstr(g->suggestion[i], "the pattern is read as {"));
	free(g);
	/* && first: the || is the operator that follows */
	const char *bad2 = "{ $.a = 1 && $.b = 2 || $.c = 3 }";
	g = lint(bad2);
	i = find(g, "W-mixed-and-or");
	ck_assert_int_eq(strncmp(bad2 + g->offset[i], "||", 2), 0);
	free(g);
	/* one report per chain, inside parentheses too, delimited fields too */
	g = lint("{ ($.a = 1 || $.b = 2 && $.c = 3) && ($.d = 1 && $.e = 2 || $.f = 3) }");
	ck_assert_uint_eq(count(g, "W-mixed-and-or"), 2);
	free(g);
	g = lint("[ip, status = 404 || status = 5* && size = 3, size2]");
	ck_assert_uint_eq(count(g, "W-mixed-and-or"), 0); /* one field: the name differs */
	free(g);
	g = lint("[ip, st = 404 || st = 500 && st = 3, size]");
	ck_assert_uint_eq(count(g, "W-mixed-and-or"), 1);
	free(g);
	g = lint("{ $.a = \"x && y\" || $.b = \"z\" }");
	ck_assert_int_lt(find(g, "W-mixed-and-or"), 0);
	free(g);
}
END_TEST

START_TEST(ne_often_absent)
{
	triggers("W-ne-often-absent", "{ $.errorCode != \"AccessDenied\" }",
	         "{ ($.errorCode NOT EXISTS) || ($.errorCode != \"AccessDenied\") }");
	triggers("W-ne-often-absent", "{ $.requestParameters.bucketName != \"logs\" }",
	         "{ $.requestParameters.bucketName = \"logs\" }");
	got *g = lint("{ $.eventType != \"AwsServiceEvent\" && $.userIdentity.type = \"Root\" }");
	ck_assert_int_lt(find(g, "W-ne-often-absent"), 0);
	free(g);
	g = lint("{ $.errorCode != \"AccessDenied\" }");
	ck_assert_uint_eq(g->offset[0], 2);
	ck_assert_uint_eq(g->length[0], strlen("$.errorCode != \"AccessDenied\""));
	ck_assert_str_eq(g->suggestion[0], "write (($.errorCode NOT EXISTS) || ($.errorCode != "
	                                   "\"AccessDenied\")) to also match records without it");
	free(g);
}
END_TEST

START_TEST(matches_nearly_everything)
{
	const char *bad =
	    "{ ($.errorCode = \"AccessDenied*\") || ($.eventName != \"HeadBucket\") }";
	triggers("W-matches-nearly-everything", bad,
	         "{ ($.errorCode = \"AccessDenied*\") && ($.eventName != \"HeadBucket\") }");
	got *g = lint(bad);
	int i = find(g, "W-matches-nearly-everything");
	ck_assert_int_eq(strncmp(bad + g->offset[i], "$.eventName != \"HeadBucket\"", 27), 0);
	ck_assert_ptr_nonnull(strstr(g->suggestion[i], "an exclusion (!=)"));
	free(g);
	/* no single culprit: the whole pattern */
	g = lint("ERROR -NOPE");
	ck_assert_int_lt(find(g, "W-matches-nearly-everything"), 0);
	free(g);
	g = lint("");
	i = find(g, "W-matches-nearly-everything");
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(g->offset[i], 0);
	free(g);
}
END_TEST

START_TEST(needs_quoting)
{
	got *g = lint("{ $.eventSource = kms.amazonaws.com }");
	int i = find(g, "W-needs-quoting");
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(g->sev[i], IAMW_LINT_INFO);
	ck_assert_uint_eq(g->offset[i], 18);
	ck_assert_uint_eq(g->length[i], strlen("kms.amazonaws.com"));
	free(g);
	g = lint("{ $.eventName = CreateUser }");
	ck_assert_int_lt(find(g, "W-needs-quoting"), 0);
	free(g);
	/* a term pattern meant as JSON: a compile error and a warning */
	g = lint("eventName = CreateUser");
	ck_assert_int_eq(g->sev[0], IAMW_LINT_ERROR);
	ck_assert_str_eq(g->code[0], "ESYNTAX");
	i = find(g, "W-needs-quoting");
	ck_assert_int_eq(g->sev[i], IAMW_LINT_WARNING);
	ck_assert_str_eq(g->suggestion[i], "write { $.eventName = \"CreateUser\" }");
	free(g);
	g = lint("\"eventName = CreateUser\"");
	ck_assert_int_ge(find(g, "W-needs-quoting"), 0);
	free(g);
	g = lint("  $.eventName != X");
	i = find(g, "W-needs-quoting");
	ck_assert_uint_eq(g->offset[i], 2);
	ck_assert_str_eq(g->suggestion[i], "write { $.eventName != \"X\" }");
	free(g);
	g = lint("{ $.eventName = \"CreateUser\" }");
	ck_assert_uint_eq(g->n, 0);
	free(g);
}
END_TEST

/* "ORDER-ITEM-1" compiles as ORDER -ITEM -1 and never finds itself;
 * lint says so with the quoted form, once per glued run. */
START_TEST(hyphenated_term)
{
	got *g = lint("ok ORDER-ITEM-1 x-y");
	ck_assert_uint_eq(g->n, 2);
	ck_assert_str_eq(g->code[0], "W-hyphenated-term");
	ck_assert_int_eq(g->sev[0], IAMW_LINT_WARNING);
	ck_assert_uint_eq(g->offset[0], 3);
	ck_assert_uint_eq(g->length[0], strlen("ORDER-ITEM-1"));
	ck_assert_str_eq(g->suggestion[0], "write \"ORDER-ITEM-1\" to search for it");
	ck_assert_str_eq(g->code[1], "W-hyphenated-term");
	ck_assert_uint_eq(g->offset[1], 16);
	free(g);
	/* exclusions written apart, and quoted text, are what was meant */
	g = lint("ORDER -ITEM \"ORDER-ITEM-1\"");
	ck_assert_int_lt(find(g, "W-hyphenated-term"), 0);
	free(g);
}
END_TEST

START_TEST(syntax_error)
{
	got *g = lint("{ $.eventName = }");
	ck_assert_uint_eq(g->n, 1);
	ck_assert_str_eq(g->code[0], "ESYNTAX");
	ck_assert_int_eq(g->sev[0], IAMW_LINT_ERROR);
	ck_assert_uint_eq(g->offset[0], 16);
	free(g);
	/* errors of every kind of limit come with their code */
	g = lint("{ $.a = %a% || $.b = %b% || $.c = %c% }");
	ck_assert_str_eq(g->code[0], "EREGEXCOUNT");
	free(g);
}
END_TEST

/* ------------------------------------------------------------ the seed article */

/* The three patterns of "Track IAM Changes Using Cloudtrail & Cloudwatch":
 * an empty eventSource, and event names without wildcards ("Add", "Create")
 * that match no event. */
START_TEST(seed_article)
{
	size_t len;
	char *text =
	    read_file("IAMW_SEED_DIR", "../../shared/seed", "track-iam-changes-article.txt", &len);
	size_t patterns = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] != '{')
			continue;
		got *g = lint(line);
		patterns++;
		size_t unknown = count(g, "W-unknown-event-name");
		int src = find(g, "W-unknown-event-name");
		/* the first finding is the empty eventSource */
		ck_assert_int_eq(src, 0);
		ck_assert_ptr_nonnull(
		    strstr(g->message[0], "\"\" matches no CloudTrail event source"));
		ck_assert_int_eq(strncmp(line + g->offset[0], "\"\"", 2), 0);
		if (patterns == 1) {
			/* 12 names without a wildcard, "Upload*" is fine */
			ck_assert_uint_eq(unknown, 13);
			ck_assert_ptr_nonnull(strstr(g->suggestion[1], "did you mean \"Add*\"?"));
			ck_assert_ptr_nonnull(
			    strstr(g->suggestion[4], "did you mean \"Create*\"?"));
		} else if (patterns == 2) {
			ck_assert_uint_eq(unknown, 1);
			ck_assert_uint_eq(g->n, 1);
		} else {
			/* PutPolicy is no event (PutUserPolicy, ...); "Set*" is fine */
			ck_assert_uint_eq(unknown, 9);
			ck_assert_ptr_nonnull(strstr(g->message[1], "\"PutPolicy\""));
			ck_assert_ptr_nonnull(
			    strstr(g->suggestion[6], "did you mean \"Upload*\"?"));
		}
		free(g);
	}
	ck_assert_uint_eq(patterns, 3);
	free(text);
}
END_TEST

/* ------------------------------------------------------------ rules */

START_TEST(packs)
{
	for (size_t p = 0; p < iamw_pack_count(); p++) {
		got *g = lint_pack(iamw_pack_name(p));
		for (size_t i = 0; i < g->n && i < 64; i++)
			ck_assert_msg(g->sev[i] != IAMW_LINT_ERROR, "%s: %s", iamw_pack_name(p),
			              g->message[i]);
		ck_assert_uint_gt(g->targets, 0);
		ck_assert_str_eq(g->target_location[0], "metricFilters[0].filterPattern");
		free(g);
	}
	got *g = lint_pack("cis@3.0");
	ck_assert_uint_eq(count(g, "W-matches-nearly-everything"), 1);
	ck_assert_str_eq(g->filter[find(g, "W-matches-nearly-everything")],
	                 "unauthorized_api_calls_metric");
	free(g);
	g = lint_pack("cis@7.0");
	ck_assert_uint_eq(count(g, "W-matches-nearly-everything"), 0);
	ck_assert_uint_eq(g->targets, 15);
	free(g);
}
END_TEST

START_TEST(cloudformation_and_terraform)
{
	got *g = lint_file("check", "cfn-syntactic.json");
	ck_assert_str_eq(g->target_location[0], "Resources.Cfn51Filter.Properties.FilterPattern");
	ck_assert_str_eq(g->target_filter[0], "Cfn51Filter");
	int i = find(g, "W-mixed-and-or");
	ck_assert_int_ge(i, 0);
	ck_assert_str_eq(g->location[i], "Resources.Cfn51Filter.Properties.FilterPattern");
	free(g);
	g = lint_file("check", "terraform-show.json");
	ck_assert_str_eq(g->target_location[0],
	                 "aws_cloudwatch_log_metric_filter.tf_5_1_filter.pattern");
	ck_assert_str_eq(g->target_filter[0], "tf-5-1-filter");
	ck_assert_uint_eq(g->targets, 15);
	free(g);
	size_t len;
	char *text = read_file("IAMW_RULES_DATA_DIR", "data/rules", "terraform-state.json", &len);
	g = lint_rules_text(text, len);
	ck_assert_str_eq(
	    g->target_location[1],
	    "module.cis.aws_cloudwatch_log_metric_filter.this[\"console_signin_failures\"]"
	    ".pattern");
	free(g);
	free(text);
}
END_TEST

START_TEST(validation_errors)
{
	got *g = lint_file("lint", "bad-alarm.json");
	ck_assert_uint_eq(g->n, 1);
	ck_assert_str_eq(g->code[0], "EVALIDATION");
	ck_assert_uint_eq(g->index[0], IAMW_LINT_NO_PATTERN);
	ck_assert_str_eq(g->filter[0], "a");
	ck_assert_str_eq(g->location[0], "metricAlarms[0]");
	ck_assert_ptr_nonnull(strstr(g->message[0], "Period"));
	free(g);
	/* a pattern error is reported once, on its pattern */
	g = lint_file("lint", "bad-pattern.json");
	ck_assert_uint_eq(g->n, 1);
	ck_assert_str_eq(g->code[0], "ESYNTAX");
	ck_assert_str_eq(g->filter[0], "f001");
	free(g);
	/* every refused definition, then what only the whole file shows */
	const char *doc =
	    "{\"metricFilters\":[{\"filterName\":\"f\",\"logGroupName\":\"g\",\"filterPattern\":"
	    "\"x\",\"metricTransformations\":[{\"metricName\":\"m\",\"metricNamespace\":\"n\","
	    "\"metricValue\":\"1\"}]},{\"filterName\":\"f\",\"logGroupName\":\"g\","
	    "\"filterPattern\":\"y\",\"metricTransformations\":[{\"metricName\":\"m\","
	    "\"metricNamespace\":\"n\",\"metricValue\":\"1\"}]}],"
	    "\"metricAlarms\":[{\"AlarmName\":\"a1\",\"MetricName\":\"m\",\"Namespace\":\"n\","
	    "\"Statistic\":\"Sum\",\"Period\":60,\"EvaluationPeriods\":0,\"Threshold\":1,"
	    "\"ComparisonOperator\":\"GreaterThanThreshold\"},{\"AlarmName\":\"a2\",\"MetricName\":"
	    "\"m\",\"Namespace\":\"n\",\"Statistic\":\"Sum\",\"Period\":60,\"EvaluationPeriods\":1,"
	    "\"Threshold\":1,\"ComparisonOperator\":\"GreaterThanThreshold\"}],"
	    "\"compositeAlarms\":[{\"AlarmName\":\"c1\",\"AlarmRule\":\"ALARM(c2)\"},"
	    "{\"AlarmName\":\"c2\",\"AlarmRule\":\"ALARM(a2) AND ALARM(nope)\"}]}";
	g = lint_rules_text(doc, strlen(doc));
	size_t doc_errors = 0;
	for (size_t i = 0; i < g->n; i++) {
		if (g->index[i] != IAMW_LINT_NO_PATTERN)
			continue;
		doc_errors++;
		if (doc_errors == 1) {
			ck_assert_str_eq(g->filter[i], "a1");
			ck_assert_str_eq(g->location[i], "metricAlarms[0]");
		} else if (doc_errors == 2) {
			/* after a1 was taken out: the whole file */
			ck_assert_ptr_nonnull(strstr(g->message[i], "defined twice"));
		}
	}
	ck_assert_uint_eq(doc_errors, 2);
	free(g);
	/* composite alarms may name those defined after them */
	const char *ok =
	    "{\"metricAlarms\":[{\"AlarmName\":\"a\",\"MetricName\":\"m\",\"Namespace\":"
	    "\"n\",\"Statistic\":\"Sum\",\"Period\":60,\"EvaluationPeriods\":1,"
	    "\"Threshold\":1,\"ComparisonOperator\":\"GreaterThanThreshold\"}],"
	    "\"compositeAlarms\":[{\"AlarmName\":\"c1\",\"AlarmRule\":\"ALARM(c2)\"},"
	    "{\"AlarmName\":\"c2\",\"AlarmRule\":\"ALARM(a)\"}]}";
	g = lint_rules_text(ok, strlen(ok));
	ck_assert_uint_eq(g->n, 0);
	free(g);
	const char *missing = "{\"compositeAlarms\":[{\"AlarmName\":\"c1\",\"AlarmRule\":"
	                      "\"ALARM(nope)\"}]}";
	g = lint_rules_text(missing, strlen(missing));
	ck_assert_uint_eq(g->n, 1);
	ck_assert_str_eq(g->code[0], "ENOTFOUND");
	ck_assert_ptr_nonnull(strstr(g->message[0], "'nope'"));
	free(g);
}
END_TEST

START_TEST(quota)
{
	got *g = lint_file("lint", "regex-quota.json");
	ck_assert_uint_eq(count(g, "W-quota"), 1);
	ck_assert_str_eq(g->filter[find(g, "W-quota")], "f005");
	free(g);
	g = lint_file("lint", "regex-quota-ok.json");
	ck_assert_uint_eq(count(g, "W-quota"), 0);
	free(g);
	g = lint_file("lint", "too-many-filters.json");
	ck_assert_uint_eq(count(g, "W-quota"), 1);
	ck_assert_str_eq(g->filter[find(g, "W-quota")], "f100");
	ck_assert_uint_eq(g->targets, 101);
	free(g);
}
END_TEST

/* ------------------------------------------------------------ API */

START_TEST(stop_and_misuse)
{
	got g;
	memset(&g, 0, sizeof g);
	g.stop_after = 1;
	iamw_lint_options o = options(&g);
	iamw_error err;
	const char *data;
	size_t len;
	ck_assert_int_eq(iamw_pack_get("cis@3.0", &data, &len), 1);
	ck_assert_int_eq(iamw_lint_rules(NULL, data, len, &o, &err), 42);
	ck_assert_uint_eq(g.n, 1);

	memset(&g, 0, sizeof g);
	o = options(&g);
	o.on_target = NULL;
	ck_assert_int_eq(
	    iamw_lint_rules(NULL, "{\"metricFilters\": [", IAMW_NUL_TERMINATED, &o, &err),
	    IAMW_EJSON);
	ck_assert_str_eq(err.source, "rules");
	ck_assert_int_eq(iamw_lint_rules(NULL, "{\"x\": 1}", IAMW_NUL_TERMINATED, &o, &err),
	                 IAMW_EJSON);
	ck_assert_int_eq(iamw_lint_rules(NULL, "[1]", IAMW_NUL_TERMINATED, &o, &err), IAMW_EJSON);
	ck_assert_uint_eq(g.n, 0);
	ck_assert_int_eq(iamw_lint_pattern(NULL, NULL, 0, &o, &err), IAMW_EINVAL);
	ck_assert_int_eq(iamw_lint_pattern(NULL, "x", 1, NULL, &err), IAMW_EINVAL);
	o.on_finding = NULL;
	ck_assert_int_eq(iamw_lint_pattern(NULL, "x", 1, &o, &err), IAMW_EINVAL);
	o = options(&g);
	o.version = 99;
	ck_assert_int_eq(iamw_lint_rules(NULL, "{}", 2, &o, NULL), IAMW_EINVAL);
	ck_assert_int_eq(iamw_lint_options_init(NULL, IAMW_LINT_OPTIONS_VERSION), IAMW_EINVAL);
	ck_assert_int_eq(iamw_lint_options_init(&o, 2), IAMW_EINVAL);
	ck_assert_str_eq(iamw_lint_severity_name(IAMW_LINT_INFO), "info");
	ck_assert_str_eq(iamw_lint_severity_name((iamw_lint_severity)9), "unknown");

	/* a pattern with bytes the lexer refuses, longer than allowed, or
	 * holding a NUL: findings, never a crash */
	o = options(&g);
	o.on_target = NULL;
	char big[2000];
	memset(big, 'a', sizeof big);
	ck_assert_int_eq(iamw_lint_pattern(NULL, big, sizeof big, &o, &err), IAMW_OK);
	ck_assert_str_eq(g.code[0], "ETOOLONG");
	ck_assert_int_eq(iamw_lint_pattern(NULL, "{ $.a = \"x\0\" }", 14, &o, &err), IAMW_OK);
	ck_assert_int_eq(iamw_lint_pattern(NULL, "\"\xff\xfe = 1", IAMW_NUL_TERMINATED, &o, &err),
	                 IAMW_OK);
}
END_TEST

typedef struct thread_arg {
	const iamw_knowledge *k;
	size_t findings;
} thread_arg;

static int count_cb(const iamw_lint_finding *f, void *payload)
{
	(void)f;
	((thread_arg *)payload)->findings++;
	return 0;
}

static void *lint_thread(void *p)
{
	thread_arg *a = p;
	iamw_lint_options o;
	iamw_lint_options_init(&o, IAMW_LINT_OPTIONS_VERSION);
	o.on_finding = count_cb;
	o.payload = a;
	const char *data;
	size_t len;
	for (int round = 0; round < 3; round++) {
		if (iamw_pack_get("cis@3.0", &data, &len) != 1 ||
		    iamw_lint_rules(a->k, data, len, &o, NULL) != IAMW_OK)
			return p;
	}
	return NULL;
}

START_TEST(knowledge_shared_by_threads)
{
	iamw_knowledge *k;
	ck_assert_int_eq(iamw_knowledge_new(&k), IAMW_OK);
	pthread_t t[4];
	thread_arg a[4];
	for (int i = 0; i < 4; i++) {
		a[i].k = k;
		a[i].findings = 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, lint_thread, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		void *r;
		ck_assert_int_eq(pthread_join(t[i], &r), 0);
		ck_assert_ptr_null(r);
		ck_assert_uint_eq(a[i].findings, a[0].findings);
	}
	ck_assert_uint_gt(a[0].findings, 0);
	iamw_knowledge_free(k);
}
END_TEST

static Suite *lint_suite(void)
{
	Suite *s = suite_create("lint");
	TCase *tc = tcase_create("knowledge");
	tcase_add_test(tc, knowledge_lists);
	tcase_add_test(tc, knowledge_shared_by_threads);
	suite_add_tcase(s, tc);
	tc = tcase_create("patterns");
	tcase_add_test(tc, unknown_event_name);
	tcase_add_test(tc, mixed_and_or);
	tcase_add_test(tc, ne_often_absent);
	tcase_add_test(tc, matches_nearly_everything);
	tcase_add_test(tc, needs_quoting);
	tcase_add_test(tc, hyphenated_term);
	tcase_add_test(tc, syntax_error);
	tcase_add_test(tc, seed_article);
	suite_add_tcase(s, tc);
	tc = tcase_create("rules");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, packs);
	tcase_add_test(tc, cloudformation_and_terraform);
	tcase_add_test(tc, validation_errors);
	tcase_add_test(tc, quota);
	tcase_add_test(tc, stop_and_misuse);
	suite_add_tcase(s, tc);
	return s;
}

IAMW_TEST_MAIN(lint_suite)
