/* SPDX-License-Identifier: MIT */
/*
 * test-coverage.c - the CIS coverage check (iamwatch/coverage.h): every
 * built-in CIS pack covers its own benchmark version; iam-changes against
 * cis@7.0 control by control; alarms that fail in each way, judged by the
 * engine's alarm model and explained; rules documents, CloudFormation and
 * terraform inputs; witnesses that really are what they claim; results that
 * do not depend on the order rules files are given; the JSON rendering; and
 * misuse.
 *
 * Data: tests/cli/data (IAMW_CLI_DATA_DIR), tests/data/rules
 * (IAMW_RULES_DATA_DIR).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "iamw-test.h"

/* ------------------------------------------------------------ helpers */

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

static iamw_coverage *new_coverage(const char *benchmark)
{
	iamw_coverage *c = NULL;
	iamw_error err;
	ck_assert_iamw_ok(iamw_coverage_new(&c, benchmark, &err), &err);
	return c;
}

static void add_text(iamw_coverage *c, const char *text, size_t len, const char *origin)
{
	iamw_error err;
	ck_assert_iamw_ok(iamw_coverage_add_rules(c, text, len, origin, &err), &err);
}

/* A pack name or a file of tests/cli/data/check. */
static void add(iamw_coverage *c, const char *what)
{
	const char *data;
	size_t len;
	if (iamw_pack_get(what, &data, &len)) {
		add_text(c, data, len, what);
		return;
	}
	char name[256];
	snprintf(name, sizeof name, "check/%s", what);
	char *text = read_file("IAMW_CLI_DATA_DIR", "cli/data", name, &len);
	add_text(c, text, len, what);
	free(text);
}

static const iamw_coverage_control *control(const iamw_coverage *c, const char *id)
{
	for (size_t i = 0; i < iamw_coverage_control_count(c); i++) {
		const iamw_coverage_control *r = iamw_coverage_control_at(c, i);
		ck_assert_ptr_nonnull(r);
		if (strcmp(r->id, id) == 0)
			return r;
	}
	ck_abort_msg("no control %s", id);
	return NULL;
}

static size_t count_status(const iamw_coverage *c, iamw_coverage_status s)
{
	size_t k = 0;
	for (size_t i = 0; i < iamw_coverage_control_count(c); i++)
		k += iamw_coverage_control_at(c, i)->status == s;
	return k;
}

static int has_reason(const iamw_coverage_control *r, const char *part)
{
	for (size_t i = 0; i < r->n_reasons; i++)
		if (strstr(r->reasons[i], part))
			return 1;
	return 0;
}

/* ------------------------------------------------------------ packs */

START_TEST(every_pack_covers_itself)
{
	for (size_t i = 0; i < iamw_pack_count(); i++) {
		const char *name = iamw_pack_name(i);
		if (strncmp(name, "cis@", 4) != 0)
			continue;
		iamw_coverage *c = new_coverage(name);
		add(c, name);
		ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
		ck_assert_str_eq(iamw_coverage_benchmark(c), name);
		ck_assert_str_eq(iamw_coverage_benchmark_version(c), name + 4);
		ck_assert_uint_gt(iamw_coverage_control_count(c), 10);
		for (size_t j = 0; j < iamw_coverage_control_count(c); j++) {
			const iamw_coverage_control *r = iamw_coverage_control_at(c, j);
			ck_assert_msg(r->status == IAMW_COVERAGE_COVERED, "%s %s: %s (%s)", name,
			              r->id, iamw_coverage_status_name(r->status),
			              r->n_reasons ? r->reasons[0] : "");
			ck_assert_ptr_nonnull(r->filter);
			ck_assert_ptr_nonnull(r->alarm);
			ck_assert_str_eq(r->filter_origin, name);
			ck_assert_str_eq(r->alarm_origin, name);
			ck_assert_uint_ge(r->n_witnesses, 1);
			ck_assert_uint_gt(r->records, 0);
		}
		iamw_coverage_free(c);
	}
}
END_TEST

/* iam-changes (IAM configuration changes, IAM policy changes, IAM
 * credential changes) against CIS v7.0: only the IAM policy control is
 * attempted, and Organizations' CreatePolicy is what it misses. */
START_TEST(iam_changes_against_cis70)
{
	iamw_coverage *c = new_coverage("cis");
	ck_assert_str_eq(iamw_coverage_benchmark(c), "cis@7.0");
	add(c, "iam-changes");
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	ck_assert_uint_eq(iamw_coverage_control_count(c), 15);
	for (size_t i = 0; i < 15; i++) {
		const iamw_coverage_control *r = iamw_coverage_control_at(c, i);
		if (strcmp(r->id, "5.4") == 0) {
			ck_assert_int_eq(r->status, IAMW_COVERAGE_PROBLEMS);
			ck_assert_str_eq(r->filter, "IAMConfigurationChanges");
			ck_assert_str_eq(r->alarm, "IAMConfigurationChangesAlarm");
			ck_assert_str_eq(r->filter_origin, "iam-changes");
			ck_assert(has_reason(r, "organizations.amazonaws.com"));
			/* the first witness is a record it misses */
			ck_assert_uint_ge(r->n_witnesses, 2);
			ck_assert_ptr_nonnull(
			    strstr(r->witnesses[0], "organizations.amazonaws.com"));
		} else {
			ck_assert_msg(r->status == IAMW_COVERAGE_MISSING, "%s", r->id);
			ck_assert_ptr_null(r->filter);
			ck_assert_ptr_null(r->alarm);
			ck_assert_uint_ge(r->n_witnesses, 1);
		}
	}
	const iamw_coverage_control *r = control(c, "5.5");
	ck_assert(has_reason(r, "the closest, IAMConfigurationChanges"));
	ck_assert(has_reason(r, "CreateTrail"));
	iamw_coverage_free(c);
}
END_TEST

START_TEST(cis40_misses_modify_security_group_rules)
{
	iamw_coverage *c = new_coverage("cis@7.0");
	add(c, "cis@4.0");
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	const iamw_coverage_control *r = control(c, "5.10");
	ck_assert_int_eq(r->status, IAMW_COVERAGE_PROBLEMS);
	ck_assert(has_reason(r, "ModifySecurityGroupRules"));
	iamw_coverage_free(c);
}
END_TEST

/* ------------------------------------------------------------ alarms */

/* obj with the members of the JSON object `extra` merged in (null deletes). */
static void merge(cJSON *obj, const char *extra)
{
	cJSON *x = cJSON_Parse(extra);
	ck_assert_msg(x != NULL, "bad test JSON %s", extra);
	for (cJSON *it = x->child; it; it = it->next) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, it->string);
		if (!cJSON_IsNull(it))
			cJSON_AddItemToObject(obj, it->string, cJSON_Duplicate(it, 1));
	}
	cJSON_Delete(x);
}

/* The root-usage control (5.3) with one filter and one alarm, each changed
 * by a JSON object of members. */
static iamw_coverage *root_usage(const char *transform_extra, const char *alarm_extra)
{
	cJSON *doc = cJSON_Parse(
	    "{\"metricFilters\":[{\"filterName\":\"root\",\"logGroupName\":\"t\","
	    "\"filterPattern\":\"{ $.userIdentity.type = \\\"Root\\\" && "
	    "$.userIdentity.invokedBy NOT EXISTS && $.eventType != \\\"AwsServiceEvent\\\" }\","
	    "\"metricTransformations\":[{\"metricName\":\"root\",\"metricNamespace\":\"ns\","
	    "\"metricValue\":\"1\"}]}],"
	    "\"metricAlarms\":[{\"AlarmName\":\"a\",\"MetricName\":\"root\",\"Namespace\":\"ns\","
	    "\"Statistic\":\"Sum\",\"Period\":300,\"EvaluationPeriods\":1,\"Threshold\":1,"
	    "\"ComparisonOperator\":\"GreaterThanOrEqualToThreshold\",\"AlarmActions\":["
	    "\"arn:aws:sns:us-east-1:123456789012:t\"]}]}");
	ck_assert_ptr_nonnull(doc);
	cJSON *filter = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "metricFilters"), 0);
	merge(cJSON_GetArrayItem(cJSON_GetObjectItem(filter, "metricTransformations"), 0),
	      transform_extra);
	merge(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "metricAlarms"), 0), alarm_extra);
	char *text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	iamw_coverage *c = new_coverage("cis@7.0");
	add_text(c, text, strlen(text), "root.json");
	cJSON_free(text);
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	return c;
}

/* The alarm of control 5.3 fails with a reason containing want (NULL: it
 * works). */
static void alarm_case(const char *transform_extra, const char *alarm_extra, const char *want)
{
	iamw_coverage *c = root_usage(transform_extra, alarm_extra);
	const iamw_coverage_control *r = control(c, "5.3");
	ck_assert_str_eq(r->filter, "root");
	ck_assert_str_eq(r->alarm, "a");
	ck_assert_str_eq(r->alarm_origin, "root.json");
	if (!want) {
		ck_assert_msg(r->status == IAMW_COVERAGE_COVERED, "%s %s: %s", transform_extra,
		              alarm_extra, r->n_reasons ? r->reasons[0] : "");
	} else {
		ck_assert_msg(r->status == IAMW_COVERAGE_PROBLEMS, "%s %s: covered",
		              transform_extra, alarm_extra);
		ck_assert_msg(has_reason(r, want), "%s %s: '%s' not in '%s'", transform_extra,
		              alarm_extra, want, r->n_reasons ? r->reasons[0] : "");
	}
	iamw_coverage_free(c);
}

START_TEST(alarms_that_work)
{
	alarm_case("{}", "{}", NULL);
	alarm_case("{\"defaultValue\":0}", "{}", NULL);
	alarm_case("{\"defaultValue\":0}", "{\"Statistic\":\"Maximum\"}", NULL);
	alarm_case("{}", "{\"Statistic\":\"Average\"}", NULL);
	alarm_case("{}", "{\"Statistic\":\"SampleCount\"}", NULL);
	alarm_case("{}", "{\"Threshold\":0,\"ComparisonOperator\":\"GreaterThanThreshold\"}", NULL);
	alarm_case("{}", "{\"Period\":60}", NULL);
	alarm_case("{}", "{\"TreatMissingData\":\"notBreaching\"}", NULL);
	alarm_case("{}", "{\"EvaluationPeriods\":3,\"DatapointsToAlarm\":1}", NULL);
	/* with a defaultValue the data is never missing: breaching does not apply */
	alarm_case("{\"defaultValue\":0}", "{\"TreatMissingData\":\"breaching\"}", NULL);
	/* the 99th percentile of 0, 0, 0, 0 and 1 is 1 */
	alarm_case("{\"defaultValue\":0}", "{\"Statistic\":null,\"ExtendedStatistic\":\"p99\"}",
	           NULL);
	alarm_case("{\"dimensions\":{\"type\":\"$.userIdentity.type\"}}",
	           "{\"Dimensions\":[{\"Name\":\"type\",\"Value\":\"Root\"}]}", NULL);
}
END_TEST

START_TEST(alarms_that_fail)
{
	alarm_case("{}", "{\"Threshold\":2}", "alarm threshold 2 needs 2 matches");
	alarm_case("{\"metricValue\":\"2\"}", "{\"Threshold\":5}",
	           "alarm threshold 5 needs 3 matches");
	alarm_case("{}", "{\"Threshold\":5000}", "alarm threshold 5000 needs 5000 matches");
	alarm_case("{}", "{\"Threshold\":1e9}",
	           "alarm threshold 1e+09 needs more than 1024 matches");
	alarm_case("{}", "{\"Period\":900}", "Period 900 s (CIS: 300 s)");
	alarm_case("{\"defaultValue\":0}", "{\"Period\":900}",
	           "keeps the alarm in ALARM for 930 s (330 s with the benchmark's alarm)");
	alarm_case("{}", "{\"EvaluationPeriods\":2,\"DatapointsToAlarm\":2}",
	           "alarm needs 2 breaching periods (DatapointsToAlarm 2 of EvaluationPeriods 2)");
	alarm_case("{\"defaultValue\":0}", "{\"EvaluationPeriods\":3,\"DatapointsToAlarm\":1}",
	           "3 evaluation periods of 300 s");
	alarm_case("{}", "{\"TreatMissingData\":\"breaching\"}", "TreatMissingData breaching");
	alarm_case("{}", "{\"TreatMissingData\":\"ignore\"}", "TreatMissingData ignore");
	alarm_case("{}", "{\"ActionsEnabled\":false}", "ActionsEnabled false");
	alarm_case("{}", "{\"AlarmActions\":[]}", "alarm has no action (AlarmActions is empty)");
	alarm_case("{}",
	           "{\"AlarmActions\":[\"arn:aws:lambda:us-east-1:123456789012:function:f\"]}",
	           "no SNS topic");
	alarm_case("{}", "{\"Dimensions\":[{\"Name\":\"x\",\"Value\":\"y\"}]}",
	           "alarm has dimensions, but the filter publishes its metric without any");
	alarm_case("{\"dimensions\":{\"type\":\"$.userIdentity.type\"}}", "{}",
	           "does not name the same ones");
	alarm_case("{\"dimensions\":{\"type\":\"$.userIdentity.type\"}}",
	           "{\"Dimensions\":[{\"Name\":\"type\",\"Value\":\"IAMUser\"}]}",
	           "the alarm watches one dimension value only");
	alarm_case("{\"dimensions\":{\"acct\":\"@aws.account\"}}",
	           "{\"Dimensions\":[{\"Name\":\"acct\",\"Value\":\"111122223333\"}]}",
	           "the alarm watches acct=111122223333, but the filter always publishes "
	           "acct=@aws.account");
	alarm_case("{\"defaultValue\":1}", "{}",
	           "the alarm breaches without any match (defaultValue 1");
	alarm_case("{\"defaultValue\":0}", "{\"Statistic\":\"SampleCount\"}",
	           "SampleCount also counts the defaultValue data points");
	alarm_case("{\"defaultValue\":0}", "{\"Statistic\":\"Average\"}",
	           "Average with defaultValue 0: one match in a 300 s period averages 0.2");
	alarm_case("{\"metricValue\":\"0\"}", "{}",
	           "metricValue 0: a match does not raise the metric");
	alarm_case("{\"metricValue\":\"$.requestParameters.n\"}", "{}",
	           "metricValue $.requestParameters.n comes from the event");
	alarm_case("{}", "{\"ComparisonOperator\":\"LessThanThreshold\"}", "fires on low values");
	alarm_case("{\"defaultValue\":0}", "{\"ComparisonOperator\":\"LessThanThreshold\"}",
	           "fires on low values");
}
END_TEST

START_TEST(no_alarm_and_best_alarm)
{
	const char *doc =
	    "{\"metricFilters\":[{\"filterName\":\"root\",\"logGroupName\":\"t\",\"filterPattern\":"
	    "\"{ $.userIdentity.type = \\\"Root\\\" && $.userIdentity.invokedBy NOT EXISTS && "
	    "$.eventType != \\\"AwsServiceEvent\\\" }\",\"metricTransformations\":[{\"metricName\":"
	    "\"root\",\"metricNamespace\":\"ns\",\"metricValue\":\"1\"}]}]}";
	iamw_coverage *c = new_coverage("cis@7.0");
	add_text(c, doc, strlen(doc), "f.json");
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	const iamw_coverage_control *r = control(c, "5.3");
	ck_assert_int_eq(r->status, IAMW_COVERAGE_PROBLEMS);
	ck_assert(has_reason(r, "no alarm on ns/root"));
	ck_assert_ptr_null(r->alarm);
	/* a second file brings a broken and a working alarm: the working one */
	const char *alarms =
	    "{\"metricAlarms\":[{\"AlarmName\":\"a-broken\",\"MetricName\":\"root\",\"Namespace\":"
	    "\"ns\",\"Statistic\":\"Sum\",\"Period\":300,\"EvaluationPeriods\":1,\"Threshold\":3,"
	    "\"ComparisonOperator\":\"GreaterThanOrEqualToThreshold\"},{\"AlarmName\":\"b-works\","
	    "\"MetricName\":\"root\",\"Namespace\":\"ns\",\"Statistic\":\"Sum\",\"Period\":300,"
	    "\"EvaluationPeriods\":1,\"Threshold\":1,\"ComparisonOperator\":"
	    "\"GreaterThanOrEqualToThreshold\",\"AlarmActions\":[\"arn:aws:sns:us-east-1:1:t\"]}]}";
	add_text(c, alarms, strlen(alarms), "a.json");
	ck_assert_ptr_null(iamw_coverage_control_at(c, 0)); /* results are gone */
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	r = control(c, "5.3");
	ck_assert_int_eq(r->status, IAMW_COVERAGE_COVERED);
	ck_assert_str_eq(r->alarm, "b-works");
	ck_assert_str_eq(r->alarm_origin, "a.json");
	ck_assert_str_eq(r->filter_origin, "f.json");
	iamw_coverage_free(c);
}
END_TEST

/* ------------------------------------------------------------ inputs */

START_TEST(rules_files)
{
	iamw_coverage *c = new_coverage("cis@7.0");
	add(c, "all-covered.json");
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	ck_assert_uint_eq(count_status(c, IAMW_COVERAGE_COVERED), 15);
	iamw_coverage_free(c);

	c = new_coverage("cis@7.0");
	add(c, "alarm-problems.json");
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	ck_assert_uint_eq(count_status(c, IAMW_COVERAGE_PROBLEMS), 3);
	ck_assert(has_reason(control(c, "5.6"), "alarm threshold 5 needs 5 matches"));
	ck_assert(has_reason(control(c, "5.3"), "no action"));
	ck_assert(has_reason(control(c, "5.5"), "DatapointsToAlarm 3"));
	iamw_coverage_free(c);
}
END_TEST

START_TEST(cloudformation_and_terraform)
{
	iamw_coverage *c = new_coverage("cis@7.0");
	add(c, "cfn-missing-one.json");
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	ck_assert_int_eq(control(c, "5.8")->status, IAMW_COVERAGE_MISSING);
	ck_assert_uint_eq(count_status(c, IAMW_COVERAGE_COVERED), 14);
	/* CloudFormation names filters by their logical id when none is given */
	ck_assert_ptr_nonnull(control(c, "5.1")->filter);
	add(c, "s3-only.json");
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	ck_assert_str_eq(control(c, "5.8")->filter, "s3-5-8-filter");
	ck_assert_uint_eq(count_status(c, IAMW_COVERAGE_COVERED), 15);
	ck_assert_uint_eq(iamw_coverage_rules_count(c), 2);
	ck_assert_str_eq(iamw_coverage_rules_origin(c, 1), "s3-only.json");
	ck_assert_ptr_null(iamw_coverage_rules_origin(c, 2));
	iamw_coverage_free(c);

	c = new_coverage("cis@7.0");
	add(c, "cfn-syntactic.json");
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	const iamw_coverage_control *r = control(c, "5.4");
	ck_assert_int_eq(r->status, IAMW_COVERAGE_PROBLEMS);
	ck_assert(has_reason(r, "14 of the 16"));
	ck_assert_int_eq(control(c, "5.14")->status, IAMW_COVERAGE_MISSING);
	ck_assert(has_reason(control(c, "5.14"), "0 of the 11"));
	iamw_coverage_free(c);

	c = new_coverage("cis@7.0");
	add(c, "terraform-show.json");
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	ck_assert_uint_eq(count_status(c, IAMW_COVERAGE_COVERED), 15);
	iamw_coverage_free(c);

	/* the converter's fixtures: a CloudFormation template of three CIS
	 * controls, and terraform state with a module */
	size_t len;
	char *text =
	    read_file("IAMW_RULES_DATA_DIR", "data/rules", "cis-cloudformation.json", &len);
	c = new_coverage("cis@1.2");
	add_text(c, text, len, "cis-cloudformation.json");
	free(text);
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	ck_assert_uint_ge(
	    count_status(c, IAMW_COVERAGE_COVERED) + count_status(c, IAMW_COVERAGE_PROBLEMS), 2);
	iamw_coverage_free(c);
	text = read_file("IAMW_RULES_DATA_DIR", "data/rules", "terraform-state.json", &len);
	c = new_coverage("cis@1.2");
	add_text(c, text, len, "terraform-state.json");
	free(text);
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	ck_assert_uint_ge(
	    count_status(c, IAMW_COVERAGE_COVERED) + count_status(c, IAMW_COVERAGE_PROBLEMS), 1);
	iamw_coverage_free(c);
}
END_TEST

/* Witnesses are what they say: the first witness of a control covered by
 * a filter that misses events is a record the reference matches and the
 * filter does not; the witness of a missing control is a record the
 * reference matches. */
START_TEST(witnesses)
{
	const char *data;
	size_t len;
	ck_assert_int_eq(iamw_pack_get("cis@7.0", &data, &len), 1);
	cJSON *pack = cJSON_ParseWithLength(data, len);
	ck_assert_ptr_nonnull(pack);
	iamw_coverage *c = new_coverage("cis@7.0");
	add(c, "cfn-syntactic.json");
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	iamw_match *m;
	ck_assert_int_eq(iamw_match_new(&m), IAMW_OK);
	const cJSON *ctl;
	cJSON_ArrayForEach(ctl, cJSON_GetObjectItem(pack, "controls"))
	{
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(ctl, "id"));
		const char *ref = cJSON_GetStringValue(
		    cJSON_GetArrayItem(cJSON_GetObjectItem(ctl, "referencePatterns"), 0));
		const iamw_coverage_control *r = control(c, id);
		iamw_pattern *p;
		ck_assert_int_eq(iamw_pattern_compile(&p, ref, IAMW_NUL_TERMINATED, 0, NULL),
		                 IAMW_OK);
		ck_assert_uint_ge(r->n_witnesses, 1);
		/* every witness is an event of the control */
		for (size_t i = 0; i < r->n_witnesses; i++)
			ck_assert_int_eq(
			    iamw_pattern_match_text(p, r->witnesses[i], IAMW_NUL_TERMINATED, m), 1);
		iamw_pattern_free(p);
	}
	/* 5.4's filter misses its first witness */
	const iamw_coverage_control *r = control(c, "5.4");
	ck_assert_uint_ge(r->n_witnesses, 2);
	iamw_engine *e;
	ck_assert_int_eq(iamw_engine_new(&e, NULL), IAMW_OK);
	char *text = read_file("IAMW_CLI_DATA_DIR", "cli/data", "check/cfn-syntactic.json", &len);
	ck_assert_int_eq(iamw_engine_load_rules(e, text, len, NULL), IAMW_OK);
	free(text);
	ck_assert_int_eq(iamw_engine_ingest_text(e, r->witnesses[0], IAMW_NUL_TERMINATED, 0), 0);
	ck_assert_int_eq(iamw_engine_ingest_text(e, r->witnesses[1], IAMW_NUL_TERMINATED, 0), 1);
	iamw_engine_free(e);
	iamw_match_free(m);
	iamw_coverage_free(c);
	cJSON_Delete(pack);
}
END_TEST

/* ------------------------------------------------------------ order */

static char *run_json(const char *const *files, size_t n)
{
	iamw_coverage *c = new_coverage("cis@7.0");
	for (size_t i = 0; i < n; i++)
		add(c, files[i]);
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	char *json;
	ck_assert_int_eq(iamw_coverage_json(c, &json, NULL), IAMW_OK);
	/* the witnesses are not in the document: compare them too */
	cJSON *doc = cJSON_Parse(json);
	ck_assert_ptr_nonnull(doc);
	iamw_free(json);
	cJSON_DeleteItemFromObject(doc, "rules"); /* the given order, by design */
	for (size_t i = 0; i < iamw_coverage_control_count(c); i++) {
		const iamw_coverage_control *r = iamw_coverage_control_at(c, i);
		cJSON *o = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "controls"), (int)i);
		cJSON *w = cJSON_AddArrayToObject(o, "witnesses");
		for (size_t j = 0; j < r->n_witnesses; j++)
			cJSON_AddItemToArray(w, cJSON_CreateString(r->witnesses[j]));
		cJSON_AddStringToObject(o, "alarmOrigin", r->alarm_origin ? r->alarm_origin : "-");
	}
	char *out = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	iamw_coverage_free(c);
	return out;
}

START_TEST(order_does_not_matter)
{
	/* overlapping files: several filters and alarms cover the same controls */
	const char *files[] = {"cfn-missing-one.json", "s3-only.json", "cis@4.0",
	                       "alarm-problems.json", "iam-changes"};
	const size_t n = sizeof files / sizeof files[0];
	char *first = run_json(files, n);
	const char *orders[][5] = {
	    {"iam-changes", "alarm-problems.json", "cis@4.0", "s3-only.json",
	     "cfn-missing-one.json"},
	    {"s3-only.json", "cis@4.0", "cfn-missing-one.json", "iam-changes",
	     "alarm-problems.json"},
	    {"alarm-problems.json", "iam-changes", "s3-only.json", "cfn-missing-one.json",
	     "cis@4.0"},
	};
	for (size_t k = 0; k < sizeof orders / sizeof orders[0]; k++) {
		char *other = run_json(orders[k], n);
		ck_assert_msg(strcmp(first, other) == 0, "order %zu differs", k);
		cJSON_free(other);
	}
	cJSON_free(first);
}
END_TEST

/* ------------------------------------------------------------ API */

START_TEST(json_document)
{
	iamw_coverage *c = new_coverage("cis@7.0");
	add(c, "cfn-missing-one.json");
	char *json = (char *)1;
	ck_assert_int_eq(iamw_coverage_json(c, &json, NULL), IAMW_EINVAL); /* no run yet */
	ck_assert_ptr_null(json);
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	size_t len;
	ck_assert_int_eq(iamw_coverage_json(c, &json, &len), IAMW_OK);
	ck_assert_uint_eq(strlen(json), len);
	cJSON *doc = cJSON_Parse(json);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(doc, "benchmark")), "cis@7.0");
	ck_assert_str_eq(
	    cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "rules"), 0)),
	    "cfn-missing-one.json");
	const cJSON *sum = cJSON_GetObjectItem(doc, "summary");
	ck_assert_int_eq((int)cJSON_GetNumberValue(cJSON_GetObjectItem(sum, "controls")), 15);
	ck_assert_int_eq((int)cJSON_GetNumberValue(cJSON_GetObjectItem(sum, "covered")), 14);
	ck_assert_int_eq((int)cJSON_GetNumberValue(cJSON_GetObjectItem(sum, "missing")), 1);
	const cJSON *ctl = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "controls"), 7);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(ctl, "id")), "5.8");
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(ctl, "filter")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(ctl, "source")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(ctl, "alarm")));
	const char *keys[] = {"id",    "title",   "status", "filter", "source",
	                      "alarm", "reasons", "notes",  "method"};
	size_t k = 0;
	for (const cJSON *it = ctl->child; it; it = it->next, k++)
		ck_assert_str_eq(it->string, keys[k]);
	ck_assert_uint_eq(k, 9);
	ck_assert(
	    cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(ctl, "method"), "exhaustive")));
	cJSON_Delete(doc);
	iamw_free(json);
	iamw_coverage_free(c);
}
END_TEST

START_TEST(misuse)
{
	iamw_coverage *c = (iamw_coverage *)1;
	iamw_error err;
	ck_assert_int_eq(iamw_coverage_new(&c, "cis@9.9", &err), IAMW_ENOTFOUND);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err.text, "cis@1.2"));
	ck_assert_ptr_nonnull(strstr(err.text, "cis@7.0"));
	ck_assert_int_eq(iamw_coverage_new(&c, "iam-changes", &err), IAMW_ENOTFOUND);
	ck_assert_int_eq(iamw_coverage_new(&c, NULL, &err), IAMW_EINVAL);
	ck_assert_int_eq(iamw_coverage_new(NULL, "cis", &err), IAMW_EINVAL);
	c = new_coverage("cis@1.2");
	ck_assert_uint_eq(iamw_coverage_control_count(c), 14);
	ck_assert_ptr_null(iamw_coverage_control_at(c, 0));
	/* files that do not load add nothing */
	ck_assert_int_eq(iamw_coverage_add_rules(c, "{", 1, "x", &err), IAMW_EJSON);
	ck_assert_int_eq(iamw_coverage_add_rules(c,
	                                         "{\"metricFilters\":[{\"filterName\":\"x\","
	                                         "\"filterPattern\":\"{ $.a = }\"}]}",
	                                         IAMW_NUL_TERMINATED, "x", &err),
	                 IAMW_ESYNTAX);
	ck_assert_int_eq(iamw_coverage_add_rules(c, NULL, 0, "x", &err), IAMW_EINVAL);
	ck_assert_uint_eq(iamw_coverage_rules_count(c), 0);
	/* no rules: every control missing, with a witness of its events */
	ck_assert_int_eq(iamw_coverage_run(c), IAMW_OK);
	ck_assert_uint_eq(count_status(c, IAMW_COVERAGE_MISSING), 14);
	ck_assert_uint_ge(iamw_coverage_control_at(c, 0)->n_witnesses, 1);
	ck_assert_ptr_null(iamw_coverage_control_at(c, 14));
	iamw_coverage_free(c);
	iamw_coverage_free(NULL);
	ck_assert_int_eq(iamw_coverage_run(NULL), IAMW_EINVAL);
	ck_assert_uint_eq(iamw_coverage_control_count(NULL), 0);
	ck_assert_ptr_null(iamw_coverage_benchmark(NULL));
	ck_assert_str_eq(iamw_coverage_status_name(IAMW_COVERAGE_PROBLEMS),
	                 "covered-with-problems");
	ck_assert_str_eq(iamw_coverage_status_name((iamw_coverage_status)0), "unknown");
}
END_TEST

static Suite *coverage_suite(void)
{
	Suite *s = suite_create("coverage");
	TCase *tc = tcase_create("packs");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, every_pack_covers_itself);
	tcase_add_test(tc, iam_changes_against_cis70);
	tcase_add_test(tc, cis40_misses_modify_security_group_rules);
	suite_add_tcase(s, tc);
	tc = tcase_create("alarms");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, alarms_that_work);
	tcase_add_test(tc, alarms_that_fail);
	tcase_add_test(tc, no_alarm_and_best_alarm);
	suite_add_tcase(s, tc);
	tc = tcase_create("inputs");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, rules_files);
	tcase_add_test(tc, cloudformation_and_terraform);
	tcase_add_test(tc, witnesses);
	tcase_add_test(tc, order_does_not_matter);
	suite_add_tcase(s, tc);
	tc = tcase_create("api");
	tcase_add_test(tc, json_document);
	tcase_add_test(tc, misuse);
	suite_add_tcase(s, tc);
	return s;
}

IAMW_TEST_MAIN(coverage_suite)
