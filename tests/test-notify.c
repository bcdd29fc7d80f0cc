/* SPDX-License-Identifier: MIT */
/*
 * test-notify.c - Check tests for notify.c and regions.c: the SNS message,
 * subject, EventBridge and Lambda renderings are compared byte for byte with
 * the real payloads quoted in spec metrics-alarms.md §4 and the AWS user
 * guide samples, and every rendering is parsed back with cJSON so that a
 * hand-written JSON mistake cannot hide behind a string comparison.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alarms/alarm_eval.h"
#include "alarms/notify.h"

/* ------------------------------------------------------------ fixtures */

static int64_t ms(const char *iso)
{
	int64_t v = 0;
	ck_assert_msg(iamw__parse_time_iso(iso, strlen(iso), &v), "bad time %s", iso);
	return v;
}

static char *sns_actions[] = {"arn:aws:sns:ca-central-1:017790921725:test-sre-bot"};

/* The alarm behind the 2022 capture quoted in spec §4.1. */
static iamw__metric_alarm_def test_alarm_def(void)
{
	iamw__metric_alarm_def d;
	memset(&d, 0, sizeof d);
	d.name = "Test alarm";
	d.actions_enabled = 1;
	d.alarm_actions.items = sns_actions;
	d.alarm_actions.n = 1;
	d.metric_name = "ConcurrentExecutions";
	d.metric_namespace = "AWS/Lambda";
	d.statistic = IAMW_STAT_SUM;
	d.period_s = 60;
	d.evaluation_periods = 1;
	d.datapoints_to_alarm = 1;
	d.has_datapoints_to_alarm = 1;
	d.threshold = 5.0;
	d.comparison = IAMW_CMP_GT;
	d.treat_missing_data = IAMW_MISSING_MISSING;
	d.has_treat_missing_data = 1;
	d.configuration_updated_ms = ms("2022-09-25T18:48:56.505+0000");
	return d;
}

static iamw__state_change test_alarm_change(void)
{
	iamw__state_change c;
	memset(&c, 0, sizeof c);
	c.old_state = IAMW_STATE_INSUFFICIENT_DATA;
	c.new_state = IAMW_STATE_ALARM;
	c.time_ms = ms("2022-09-25T18:50:37.811+0000");
	c.reason =
	    "Threshold Crossed: 1 out of the last 1 datapoints [6.0 (25/09/22 18:49:00)] was "
	    "greater than the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition).";
	return c;
}

static const iamw__account test_acct = {"017790921725", "ca-central-1"};

static const char sns_expected[] =
    "{\"AlarmName\":\"Test alarm\",\"AlarmDescription\":null,\"AWSAccountId\":\"017790921725\""
    ",\"AlarmConfigurationUpdatedTimestamp\":\"2022-09-25T18:48:56.505+0000\",\"NewStateValue"
    "\":\"ALARM\",\"NewStateReason\":\"Threshold Crossed: 1 out of the last 1 datapoints [6.0"
    " (25/09/22 18:49:00)] was greater than the threshold (5.0) (minimum 1 datapoint for OK -"
    "> ALARM transition).\",\"StateChangeTime\":\"2022-09-25T18:50:37.811+0000\",\"Region\":\""
    "Canada (Central)\",\"AlarmArn\":\"arn:aws:cloudwatch:ca-central-1:017790921725:alarm:Tes"
    "t alarm\",\"OldStateValue\":\"INSUFFICIENT_DATA\",\"OKActions\":[],\"AlarmActions\":[\"a"
    "rn:aws:sns:ca-central-1:017790921725:test-sre-bot\"],\"InsufficientDataActions\":[],\"Tr"
    "igger\":{\"MetricName\":\"ConcurrentExecutions\",\"Namespace\":\"AWS/Lambda\",\"Statisti"
    "cType\":\"Statistic\",\"Statistic\":\"SUM\",\"Unit\":null,\"Dimensions\":[],\"Period\":6"
    "0,\"EvaluationPeriods\":1,\"DatapointsToAlarm\":1,\"ComparisonOperator\":\"GreaterThanTh"
    "reshold\",\"Threshold\":5.0,\"TreatMissingData\":\"missing\",\"EvaluateLowSampleCountPer"
    "centile\":\"\"}}";

/* Parse, fail the test if the text is not one JSON value. */
static cJSON *parse(const char *text)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithOpts(text, &end, 1);
	ck_assert_msg(j != NULL, "not JSON: %s", text);
	return j;
}

/* Assert the exact key sequence of an object. */
static void check_keys(const cJSON *obj, const char *const *keys, size_t n)
{
	ck_assert(cJSON_IsObject(obj));
	size_t i = 0;
	for (const cJSON *c = obj->child; c; c = c->next, i++) {
		ck_assert_msg(i < n, "extra key %s", c->string);
		ck_assert_str_eq(c->string, keys[i]);
	}
	ck_assert_uint_eq(i, n);
}

#define CHECK_KEYS(obj, ...)                                                                       \
	do {                                                                                       \
		static const char *const k_[] = {__VA_ARGS__};                                     \
		check_keys((obj), k_, sizeof k_ / sizeof k_[0]);                                   \
	} while (0)

static const char *str_at(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	ck_assert_msg(cJSON_IsString(v), "%s not a string", k);
	return v->valuestring;
}

static char *sns_metric(const iamw__metric_alarm_def *d, const iamw__state_change *c)
{
	iamw__buf b;
	iamw__buf_init(&b);
	ck_assert_int_eq(iamw__render_sns_metric(d, c, &test_acct, &b), IAMW_OK);
	cJSON_Delete(parse(b.data));
	return b.data;
}

/* ------------------------------------------------------------ SNS metric */

START_TEST(sns_metric_real_example)
{
	iamw__metric_alarm_def d = test_alarm_def();
	iamw__state_change c = test_alarm_change();
	char *s = sns_metric(&d, &c);
	ck_assert_str_eq(s, sns_expected);
	iamw__free(s);
}
END_TEST

START_TEST(sns_metric_appends)
{
	iamw__metric_alarm_def d = test_alarm_def();
	iamw__state_change c = test_alarm_change();
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__buf_adds(&b, "X");
	ck_assert_int_eq(iamw__render_sns_metric(&d, &c, &test_acct, &b), IAMW_OK);
	ck_assert_int_eq(b.data[0], 'X');
	ck_assert_str_eq(b.data + 1, sns_expected);
	iamw__buf_free(&b);
}
END_TEST

START_TEST(sns_metric_description_null_vs_empty)
{
	iamw__metric_alarm_def d = test_alarm_def();
	iamw__state_change c = test_alarm_change();
	char *s = sns_metric(&d, &c);
	ck_assert_ptr_nonnull(strstr(s, "\"AlarmDescription\":null,"));
	iamw__free(s);
	d.description = "";
	s = sns_metric(&d, &c);
	ck_assert_ptr_nonnull(strstr(s, "\"AlarmDescription\":\"\","));
	iamw__free(s);
	d.description = "CIS 4.4";
	s = sns_metric(&d, &c);
	ck_assert_ptr_nonnull(strstr(s, "\"AlarmDescription\":\"CIS 4.4\","));
	iamw__free(s);
}
END_TEST

START_TEST(sns_metric_unit)
{
	iamw__metric_alarm_def d = test_alarm_def();
	iamw__state_change c = test_alarm_change();
	char *s = sns_metric(&d, &c);
	ck_assert_ptr_nonnull(strstr(s, "\"Unit\":null,"));
	iamw__free(s);
	d.unit = "Bytes";
	s = sns_metric(&d, &c);
	ck_assert_ptr_nonnull(strstr(s, "\"Statistic\":\"SUM\",\"Unit\":\"Bytes\",\"Dimensions\""));
	iamw__free(s);
}
END_TEST

START_TEST(sns_metric_optional_trigger_fields)
{
	iamw__metric_alarm_def d = test_alarm_def();
	iamw__state_change c = test_alarm_change();
	d.has_datapoints_to_alarm = 0;
	d.has_treat_missing_data = 0;
	char *s = sns_metric(&d, &c);
	ck_assert_ptr_null(strstr(s, "DatapointsToAlarm"));
	ck_assert_ptr_nonnull(strstr(s, "\"EvaluationPeriods\":1,\"ComparisonOperator\""));
	ck_assert_ptr_nonnull(
	    strstr(s, "\"TreatMissingData\":\"\",\"EvaluateLowSampleCountPercentile\":\"\"}}"));
	iamw__free(s);

	d.has_treat_missing_data = 1;
	d.treat_missing_data = IAMW_MISSING_NOT_BREACHING;
	d.evaluate_low_sample_count_percentile = "ignore";
	d.statistic = IAMW_STAT_EXTENDED;
	d.extended_statistic = "p99";
	d.threshold = 0.0666851903306472;
	d.comparison = IAMW_CMP_LE;
	d.has_datapoints_to_alarm = 1;
	d.evaluation_periods = 5;
	d.datapoints_to_alarm = 3;
	s = sns_metric(&d, &c);
	ck_assert_ptr_nonnull(strstr(
	    s, "\"StatisticType\":\"ExtendedStatistic\",\"ExtendedStatistic\":\"p99\",\"Unit\""));
	ck_assert_ptr_nonnull(strstr(s, "\"EvaluationPeriods\":5,\"DatapointsToAlarm\":3,"));
	ck_assert_ptr_nonnull(strstr(s, "\"ComparisonOperator\":\"LessThanOrEqualToThreshold\","
	                                "\"Threshold\":0.0666851903306472,"));
	ck_assert_ptr_nonnull(strstr(s, "\"TreatMissingData\":\"notBreaching\","
	                                "\"EvaluateLowSampleCountPercentile\":\"ignore\"}}"));
	iamw__free(s);

	d.statistic = IAMW_STAT_SAMPLE_COUNT;
	d.threshold = 1e7;
	s = sns_metric(&d, &c);
	ck_assert_ptr_nonnull(strstr(s, "\"Statistic\":\"SAMPLE_COUNT\""));
	ck_assert_ptr_nonnull(strstr(s, "\"Threshold\":1.0E7,"));
	iamw__free(s);
}
END_TEST

START_TEST(sns_metric_dimensions)
{
	iamw__metric_alarm_def d = test_alarm_def();
	iamw__state_change c = test_alarm_change();
	iamw__dimension dims[] = {{"FunctionName", "my-fn"}, {"Resource", "my-fn:\"prod\""}};
	d.dimensions = dims;
	d.n_dimensions = 2;
	char *s = sns_metric(&d, &c);
	ck_assert_ptr_nonnull(
	    strstr(s, "\"Dimensions\":[{\"value\":\"my-fn\",\"name\":\"FunctionName\"},"
	              "{\"value\":\"my-fn:\\\"prod\\\"\",\"name\":\"Resource\"}],"));
	iamw__free(s);
}
END_TEST

START_TEST(sns_metric_escaping)
{
	iamw__metric_alarm_def d = test_alarm_def();
	iamw__state_change c = test_alarm_change();
	const char *name = "Quote \" back\\slash\nnew\ttab \xc3\xa9t\xc3\xa9 \xf0\x9f\x94\xa5 \x01";
	d.name = (char *)name;
	d.description = "line1\nline2 \"q\"";
	c.reason = "r\r\n\"x\"";
	char *s = sns_metric(&d, &c);
	/* Non-ASCII stays raw UTF-8, controls are escaped. */
	ck_assert_ptr_nonnull(strstr(s, "\"AlarmName\":\"Quote \\\" back\\\\slash\\nnew\\ttab "
	                                "\xc3\xa9t\xc3\xa9 \xf0\x9f\x94\xa5 \\u0001\""));
	cJSON *j = parse(s);
	ck_assert_str_eq(str_at(j, "AlarmName"), name);
	ck_assert_str_eq(str_at(j, "AlarmDescription"), "line1\nline2 \"q\"");
	ck_assert_str_eq(str_at(j, "NewStateReason"), "r\r\n\"x\"");
	char *arn = iamw__alarm_arn("ca-central-1", "017790921725", name);
	ck_assert_str_eq(str_at(j, "AlarmArn"), arn);
	iamw__free(arn);
	cJSON_Delete(j);
	iamw__free(s);
}
END_TEST

START_TEST(sns_metric_key_order)
{
	iamw__metric_alarm_def d = test_alarm_def();
	iamw__state_change c = test_alarm_change();
	d.has_datapoints_to_alarm = 0;
	char *s = sns_metric(&d, &c);
	cJSON *j = parse(s);
	CHECK_KEYS(j, "AlarmName", "AlarmDescription", "AWSAccountId",
	           "AlarmConfigurationUpdatedTimestamp", "NewStateValue", "NewStateReason",
	           "StateChangeTime", "Region", "AlarmArn", "OldStateValue", "OKActions",
	           "AlarmActions", "InsufficientDataActions", "Trigger");
	CHECK_KEYS(cJSON_GetObjectItemCaseSensitive(j, "Trigger"), "MetricName", "Namespace",
	           "StatisticType", "Statistic", "Unit", "Dimensions", "Period",
	           "EvaluationPeriods", "ComparisonOperator", "Threshold", "TreatMissingData",
	           "EvaluateLowSampleCountPercentile");
	cJSON_Delete(j);
	iamw__free(s);
}
END_TEST

START_TEST(sns_invalid)
{
	iamw__metric_alarm_def d = test_alarm_def();
	iamw__state_change c = test_alarm_change();
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__buf_adds(&b, "keep");
	ck_assert_int_eq(iamw__render_sns_metric(NULL, &c, &test_acct, &b), IAMW_EINVAL);
	ck_assert_int_eq(iamw__render_sns_metric(&d, NULL, &test_acct, &b), IAMW_EINVAL);
	ck_assert_int_eq(iamw__render_sns_metric(&d, &c, &test_acct, NULL), IAMW_EINVAL);
	c.new_state = (iamw_alarm_state)7;
	ck_assert_int_eq(iamw__render_sns_metric(&d, &c, &test_acct, &b), IAMW_EINVAL);
	c = test_alarm_change();
	d.statistic = IAMW_STAT_EXTENDED; /* without extended_statistic */
	ck_assert_int_eq(iamw__render_sns_metric(&d, &c, &test_acct, &b), IAMW_EINVAL);
	d = test_alarm_def();
	d.comparison = (iamw_comparison)0;
	ck_assert_int_eq(iamw__render_sns_metric(&d, &c, &test_acct, &b), IAMW_EINVAL);
	d = test_alarm_def();
	d.n_dimensions = 1; /* dimensions NULL */
	ck_assert_int_eq(iamw__render_sns_metric(&d, &c, &test_acct, &b), IAMW_EINVAL);
	ck_assert_str_eq(b.data, "keep");
	/* Allocation failure is sticky in iamw__buf and reported at the end. */
	d = test_alarm_def();
	b.oom = 1;
	ck_assert_int_eq(iamw__render_sns_metric(&d, &c, &test_acct, &b), IAMW_ENOMEM);
	iamw__buf_free(&b);
}
END_TEST

START_TEST(sns_default_account)
{
	iamw__metric_alarm_def d = test_alarm_def();
	iamw__state_change c = test_alarm_change();
	iamw__buf b;
	iamw__buf_init(&b);
	ck_assert_int_eq(iamw__render_sns_metric(&d, &c, NULL, &b), IAMW_OK);
	cJSON *j = parse(b.data);
	ck_assert_str_eq(str_at(j, "AWSAccountId"), "123456789012");
	ck_assert_str_eq(str_at(j, "Region"), "US East (N. Virginia)");
	ck_assert_str_eq(str_at(j, "AlarmArn"),
	                 "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Test alarm");
	cJSON_Delete(j);
	iamw__buf_free(&b);
}
END_TEST

/* ------------------------------------------------------------ SNS composite */

static char *comp_actions[] = {"arn:aws:sns:us-east-1:123456789012:ops"};
static const iamw__account us_acct = {"123456789012", "us-east-1"};

static iamw__composite_alarm_def comp_def(void)
{
	iamw__composite_alarm_def d;
	memset(&d, 0, sizeof d);
	d.name = "my-composite";
	d.actions_enabled = 1;
	d.alarm_actions.items = comp_actions;
	d.alarm_actions.n = 1;
	d.alarm_rule = "ALARM(\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu-high\") AND "
	               "ALARM(mem-high)";
	d.configuration_updated_ms = ms("2021-11-10T02:40:00.000Z");
	return d;
}

static iamw__state_change comp_change(void)
{
	iamw__state_change c;
	memset(&c, 0, sizeof c);
	c.old_state = IAMW_STATE_OK;
	c.new_state = IAMW_STATE_ALARM;
	c.time_ms = ms("2021-11-10T02:45:55.800Z");
	c.reason =
	    "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu-high transitioned to ALARM at "
	    "Wednesday 10 November, 2021 02:45:55 UTC";
	return c;
}

START_TEST(sns_composite_body)
{
	iamw__composite_alarm_def d = comp_def();
	iamw__state_change c = comp_change();
	iamw__triggering_child kids[] = {
	    {"arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu-high", IAMW_STATE_ALARM,
	     ms("2021-11-10T02:45:55.640Z")},
	    {"mem-high", IAMW_STATE_ALARM, ms("2021-11-10T02:40:12.001Z")},
	};
	iamw__buf b;
	iamw__buf_init(&b);
	ck_assert_int_eq(iamw__render_sns_composite(&d, &c, &us_acct, kids, 2, &b), IAMW_OK);
	ck_assert_str_eq(
	    b.data,
	    "{\"AlarmName\":\"my-composite\",\"AlarmDescription\":null,\"AWSAccountId\":"
	    "\"123456789012\",\"AlarmConfigurationUpdatedTimestamp\":\"2021-11-10T02:40:00.000+"
	    "0000\","
	    "\"NewStateValue\":\"ALARM\",\"NewStateReason\":\"arn:aws:cloudwatch:us-east-1:"
	    "123456789012:alarm:cpu-high transitioned to ALARM at Wednesday 10 November, 2021 "
	    "02:45:55 UTC\",\"StateChangeTime\":\"2021-11-10T02:45:55.800+0000\",\"Region\":\"US "
	    "East (N. Virginia)\",\"AlarmArn\":\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:"
	    "my-composite\",\"OldStateValue\":\"OK\",\"OKActions\":[],\"AlarmActions\":[\"arn:aws:"
	    "sns:us-east-1:123456789012:ops\"],\"InsufficientDataActions\":[],\"AlarmRule\":"
	    "\"ALARM(\\\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu-high\\\") AND "
	    "ALARM(mem-high)\",\"TriggeringChildren\":[{\"Arn\":\"arn:aws:cloudwatch:us-east-1:"
	    "123456789012:alarm:cpu-high\",\"State\":{\"Value\":\"ALARM\",\"Timestamp\":"
	    "\"2021-11-10T02:45:55.640+0000\"}},{\"Arn\":\"arn:aws:cloudwatch:us-east-1:"
	    "123456789012:alarm:mem-high\",\"State\":{\"Value\":\"ALARM\",\"Timestamp\":"
	    "\"2021-11-10T02:40:12.001+0000\"}}]}");
	cJSON *j = parse(b.data);
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(j, "Trigger"));
	ck_assert_str_eq(str_at(j, "AlarmRule"), d.alarm_rule);
	cJSON_Delete(j);

	/* No children, a description, and a second rendering appended. */
	d.description = "";
	iamw__buf_reset(&b);
	ck_assert_int_eq(iamw__render_sns_composite(&d, &c, &us_acct, NULL, 0, &b), IAMW_OK);
	j = parse(b.data);
	ck_assert_str_eq(str_at(j, "AlarmDescription"), "");
	ck_assert_int_eq(
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "TriggeringChildren")), 0);
	cJSON_Delete(j);

	d.alarm_rule = NULL;
	ck_assert_int_eq(iamw__render_sns_composite(&d, &c, &us_acct, NULL, 0, &b), IAMW_EINVAL);
	d = comp_def();
	kids[1].state = (iamw_alarm_state)9;
	ck_assert_int_eq(iamw__render_sns_composite(&d, &c, &us_acct, kids, 2, &b), IAMW_EINVAL);
	ck_assert_int_eq(iamw__render_sns_composite(&d, &c, &us_acct, NULL, 1, &b), IAMW_EINVAL);
	iamw__buf_free(&b);
}
END_TEST

/* ------------------------------------------------------------ subject */

static char *subject(iamw_alarm_state st, const char *name, const char *region)
{
	iamw__buf b;
	iamw__buf_init(&b);
	ck_assert_int_eq(iamw__render_sns_subject(st, name, region, &b), IAMW_OK);
	return b.data;
}

/* Java String.length() of UTF-8 text. */
static size_t java_len(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p & 0xc0) != 0x80)
			n++;
		if (*p >= 0xf0)
			n++;
	}
	return n;
}

START_TEST(subject_plain)
{
	char *s = subject(IAMW_STATE_ALARM, "Test alarm", "ca-central-1");
	ck_assert_str_eq(s, "ALARM: \"Test alarm\" in Canada (Central)");
	iamw__free(s);
	s = subject(IAMW_STATE_OK, "my-alarm", "ap-southeast-1");
	ck_assert_str_eq(s, "OK: \"my-alarm\" in Asia Pacific (Singapore)");
	iamw__free(s);
	s = subject(IAMW_STATE_INSUFFICIENT_DATA, "x", "zz-test-9");
	ck_assert_str_eq(s, "INSUFFICIENT_DATA: \"x\" in zz-test-9");
	iamw__free(s);
	iamw__buf b;
	iamw__buf_init(&b);
	ck_assert_int_eq(iamw__render_sns_subject((iamw_alarm_state)5, "x", NULL, &b), IAMW_EINVAL);
	ck_assert_int_eq(iamw__render_sns_subject(IAMW_STATE_OK, NULL, NULL, &b), IAMW_EINVAL);
	ck_assert_uint_eq(b.len, 0);
	iamw__buf_free(&b);
}
END_TEST

START_TEST(subject_cut_ascii)
{
	/* ALARM: "" in US East (N. Virginia) is 34 characters: 66 fit. */
	char name[300];
	memset(name, 'a', sizeof name);
	name[66] = '\0';
	char *s = subject(IAMW_STATE_ALARM, name, "us-east-1");
	ck_assert_uint_eq(strlen(s), 100);
	ck_assert_ptr_null(strstr(s, "..."));
	iamw__free(s);

	name[66] = 'b';
	name[67] = '\0';
	s = subject(IAMW_STATE_ALARM, name, "us-east-1");
	ck_assert_uint_eq(strlen(s), 100);
	char want[128];
	memset(want, 'a', 63);
	want[63] = '\0';
	char full[200];
	snprintf(full, sizeof full, "ALARM: \"%s...\" in US East (N. Virginia)", want);
	ck_assert_str_eq(s, full);
	iamw__free(s);

	name[299] = '\0';
	s = subject(IAMW_STATE_INSUFFICIENT_DATA, name, "ap-southeast-2");
	ck_assert_uint_eq(strlen(s), 100);
	ck_assert_ptr_nonnull(strstr(s, "...\" in Asia Pacific (Sydney)"));
	ck_assert(strncmp(s, "INSUFFICIENT_DATA: \"aaa", 23) == 0);
	iamw__free(s);
}
END_TEST

START_TEST(subject_cut_utf8)
{
	/* 100 x U+00E9 (2 bytes, 1 character each). */
	char name[512];
	size_t k = 0;
	for (int i = 0; i < 100; i++) {
		name[k++] = '\xc3';
		name[k++] = '\xa9';
	}
	name[k] = '\0';
	char *s = subject(IAMW_STATE_ALARM, name, "us-east-1");
	ck_assert_uint_eq(java_len(s), 100);
	ck_assert_uint_eq(strlen(s), 100 + 63);
	ck_assert_ptr_nonnull(strstr(s, "\xc3\xa9...\" in US East (N. Virginia)"));
	iamw__free(s);

	/* 'a' + 50 x U+1F525 (4 bytes, 2 UTF-16 units): 'a' + 31 fire = 63. */
	k = 0;
	name[k++] = 'a';
	for (int i = 0; i < 50; i++) {
		memcpy(name + k, "\xf0\x9f\x94\xa5", 4);
		k += 4;
	}
	name[k] = '\0';
	s = subject(IAMW_STATE_ALARM, name, "us-east-1");
	ck_assert_uint_eq(java_len(s), 100);
	ck_assert_uint_eq(strlen(s), 34 + 1 + 31 * 4 + 3);
	iamw__free(s);

	/* Without the 'a' a surrogate pair cannot be split: 99 characters. */
	s = subject(IAMW_STATE_ALARM, name + 1, "us-east-1");
	ck_assert_uint_eq(java_len(s), 99);
	ck_assert_ptr_nonnull(strstr(s, "\xf0\x9f\x94\xa5...\""));
	iamw__free(s);

	/* Three-byte characters (U+20AC) and a name that just fits. */
	k = 0;
	for (int i = 0; i < 66; i++) {
		memcpy(name + k, "\xe2\x82\xac", 3);
		k += 3;
	}
	name[k] = '\0';
	s = subject(IAMW_STATE_ALARM, name, "us-east-1");
	ck_assert_uint_eq(java_len(s), 100);
	ck_assert_ptr_null(strstr(s, "..."));
	iamw__free(s);
}
END_TEST

/* ------------------------------------------------------------ EventBridge */

static const char eb_metric_expected[] =
    "{\"version\":\"0\",\"id\":\"c4c1c1c9-6542-e61b-6ef0-8c4d36933a92\",\"detail-type\":\"Clo"
    "udWatch Alarm State Change\",\"source\":\"aws.cloudwatch\",\"account\":\"123456789012\","
    "\"time\":\"2019-10-02T17:04:40Z\",\"region\":\"us-east-1\",\"resources\":[\"arn:aws:clou"
    "dwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh\"],\"detail\":{\"alarmName\":\"Serv"
    "erCpuTooHigh\",\"configuration\":{\"description\":\"Goes into alarm when server CPU util"
    "ization is too high!\",\"metrics\":[{\"id\":\"30b6c6b2-a864-43a2-4877-c09a1afc3b87\",\"m"
    "etricStat\":{\"metric\":{\"dimensions\":{\"InstanceId\":\"i-12345678901234567\"},\"name\""
    ":\"CPUUtilization\",\"namespace\":\"AWS/EC2\"},\"period\":300,\"stat\":\"Average\"},\"re"
    "turnData\":true}]},\"previousState\":{\"reason\":\"Threshold Crossed: 1 out of the last "
    "1 datapoints [0.0666851903306472 (01/10/19 13:46:00)] was not greater than the threshold"
    " (50.0) (minimum 1 datapoint for ALARM -> OK transition).\",\"reasonData\":\"{\\\"versio"
    "n\\\":\\\"1.0\\\",\\\"queryDate\\\":\\\"2019-10-01T13:56:40.985+0000\\\",\\\"startDate\\"
    "\":\\\"2019-10-01T13:46:00.000+0000\\\",\\\"statistic\\\":\\\"Average\\\",\\\"period\\\""
    ":300,\\\"recentDatapoints\\\":[0.0666851903306472],\\\"threshold\\\":50.0}\",\"timestamp"
    "\":\"2019-10-01T13:56:40.987+0000\",\"value\":\"OK\"},\"state\":{\"reason\":\"Threshold "
    "Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was grea"
    "ter than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).\",\"reas"
    "onData\":\"{\\\"version\\\":\\\"1.0\\\",\\\"queryDate\\\":\\\"2019-10-02T17:04:40.985+00"
    "00\\\",\\\"startDate\\\":\\\"2019-10-02T16:59:00.000+0000\\\",\\\"statistic\\\":\\\"Aver"
    "age\\\",\\\"period\\\":300,\\\"recentDatapoints\\\":[99.50160229693434],\\\"threshold\\\""
    ":50.0}\",\"timestamp\":\"2019-10-02T17:04:40.989+0000\",\"value\":\"ALARM\"}}}";

static const char eb_composite_expected[] =
    "{\"version\":\"0\",\"id\":\"d3dfc86d-384d-24c8-0345-9f7986db0b80\",\"detail-type\":\"Clo"
    "udWatch Alarm State Change\",\"source\":\"aws.cloudwatch\",\"account\":\"123456789012\","
    "\"time\":\"2022-07-22T15:57:45Z\",\"region\":\"us-east-1\",\"resources\":[\"arn:aws:clou"
    "dwatch:us-east-1:123456789012:alarm:ServiceAggregatedAlarm\"],\"detail\":{\"alarmName\":"
    "\"ServiceAggregatedAlarm\",\"state\":{\"actionsSuppressedBy\":\"WaitPeriod\",\"actionsSu"
    "ppressedReason\":\"Actions suppressed by WaitPeriod\",\"value\":\"ALARM\",\"reason\":\"a"
    "rn:aws:cloudwatch:us-east-1:123456789012:alarm:SuppressionDemo.EventBridge.FirstChild tr"
    "ansitioned to ALARM at Friday 22 July, 2022 15:57:45 UTC\",\"reasonData\":\"{\\\"trigger"
    "ingAlarms\\\":[{\\\"arn\\\":\\\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCp"
    "uTooHigh\\\",\\\"state\\\":{\\\"value\\\":\\\"ALARM\\\",\\\"timestamp\\\":\\\"2022-07-22"
    "T15:57:45.394+0000\\\"}}]}\",\"timestamp\":\"2022-07-22T15:57:45.394+0000\"},\"previousS"
    "tate\":{\"value\":\"OK\",\"reason\":\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:Su"
    "ppressionDemo.EventBridge.Main was created and its alarm rule evaluates to OK\",\"reason"
    "Data\":\"{\\\"triggeringAlarms\\\":[{\\\"arn\\\":\\\"arn:aws:cloudwatch:us-east-1:123456"
    "789012:alarm:TotalNetworkTrafficTooHigh\\\",\\\"state\\\":{\\\"value\\\":\\\"OK\\\",\\\""
    "timestamp\\\":\\\"2022-07-14T16:28:57.770+0000\\\"}},{\\\"arn\\\":\\\"arn:aws:cloudwatch"
    ":us-east-1:123456789012:alarm:ServerCpuTooHigh\\\",\\\"state\\\":{\\\"value\\\":\\\"OK\\"
    "\",\\\"timestamp\\\":\\\"2022-07-14T16:28:54.191+0000\\\"}}]}\",\"timestamp\":\"2022-07-"
    "22T15:56:14.552+0000\"},\"configuration\":{\"alarmRule\":\"ALARM(ServerCpuTooHigh) OR AL"
    "ARM(TotalNetworkTrafficTooHigh)\",\"actionsSuppressor\":\"ServiceMaintenanceAlarm\",\"ac"
    "tionsSuppressorWaitPeriod\":120,\"actionsSuppressorExtensionPeriod\":180}}}";

static const char lambda_metric_expected[] =
    "{\"source\":\"aws.cloudwatch\",\"alarmArn\":\"arn:aws:cloudwatch:us-east-1:444455556666:"
    "alarm:lambda-demo-metric-alarm\",\"accountId\":\"444455556666\",\"time\":\"2023-08-04T12"
    ":36:15.490+0000\",\"region\":\"us-east-1\",\"alarmData\":{\"alarmName\":\"lambda-demo-me"
    "tric-alarm\",\"state\":{\"value\":\"ALARM\",\"reason\":\"test\",\"timestamp\":\"2023-08-"
    "04T12:36:15.490+0000\"},\"previousState\":{\"value\":\"INSUFFICIENT_DATA\",\"reason\":\""
    "Insufficient Data: 5 datapoints were unknown.\",\"reasonData\":\"{\\\"version\\\":\\\"1."
    "0\\\",\\\"queryDate\\\":\\\"2023-08-04T12:31:29.591+0000\\\",\\\"statistic\\\":\\\"Avera"
    "ge\\\",\\\"period\\\":60,\\\"recentDatapoints\\\":[],\\\"threshold\\\":5.0,\\\"evaluated"
    "Datapoints\\\":[{\\\"timestamp\\\":\\\"2023-08-04T12:30:00.000+0000\\\"},{\\\"timestamp\\"
    "\":\\\"2023-08-04T12:29:00.000+0000\\\"},{\\\"timestamp\\\":\\\"2023-08-04T12:28:00.000+"
    "0000\\\"},{\\\"timestamp\\\":\\\"2023-08-04T12:27:00.000+0000\\\"},{\\\"timestamp\\\":\\"
    "\"2023-08-04T12:26:00.000+0000\\\"}]}\",\"timestamp\":\"2023-08-04T12:31:29.595+0000\"},"
    "\"configuration\":{\"description\":\"Metric Alarm to test Lambda actions\",\"metrics\":["
    "{\"id\":\"1234e046-06f0-a3da-9534-EXAMPLEe4c\",\"metricStat\":{\"metric\":{\"namespace\""
    ":\"AWS/Logs\",\"name\":\"CallCount\",\"dimensions\":{\"InstanceId\":\"i-12345678\"}},\"p"
    "eriod\":60,\"stat\":\"Average\",\"unit\":\"Percent\"},\"returnData\":true}]}}}";

static iamw__dimension cpu_dims[] = {{"InstanceId", "i-12345678901234567"}};

static iamw__metric_alarm_def cpu_def(void)
{
	iamw__metric_alarm_def d;
	memset(&d, 0, sizeof d);
	d.name = "ServerCpuTooHigh";
	d.description = "Goes into alarm when server CPU utilization is too high!";
	d.actions_enabled = 1;
	d.metric_name = "CPUUtilization";
	d.metric_namespace = "AWS/EC2";
	d.dimensions = cpu_dims;
	d.n_dimensions = 1;
	d.statistic = IAMW_STAT_AVERAGE;
	d.period_s = 300;
	d.evaluation_periods = 1;
	d.datapoints_to_alarm = 1;
	d.has_datapoints_to_alarm = 1;
	d.threshold = 50.0;
	d.comparison = IAMW_CMP_GT;
	d.configuration_updated_ms = ms("2019-09-30T10:00:00.000Z");
	return d;
}

static iamw__state_change cpu_change(void)
{
	iamw__state_change c;
	memset(&c, 0, sizeof c);
	c.old_state = IAMW_STATE_OK;
	c.new_state = IAMW_STATE_ALARM;
	c.time_ms = ms("2019-10-02T17:04:40.989+0000");
	c.reason =
	    "Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 "
	    "16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> "
	    "ALARM transition).";
	c.reason_data =
	    "{\"version\":\"1.0\",\"queryDate\":\"2019-10-02T17:04:40.985+0000\","
	    "\"startDate\":\"2019-10-02T16:59:00.000+0000\",\"statistic\":\"Average\","
	    "\"period\":300,\"recentDatapoints\":[99.50160229693434],\"threshold\":50.0}";
	c.old_state_time_ms = ms("2019-10-01T13:56:40.987+0000");
	c.old_reason = "Threshold Crossed: 1 out of the last 1 datapoints [0.0666851903306472 "
	               "(01/10/19 13:46:00)] was not greater than the threshold (50.0) (minimum 1 "
	               "datapoint for ALARM -> OK transition).";
	c.old_reason_data = "{\"version\":\"1.0\",\"queryDate\":\"2019-10-01T13:56:40.985+0000\","
	                    "\"startDate\":\"2019-10-01T13:46:00.000+0000\",\"statistic\":"
	                    "\"Average\",\"period\":300,\"recentDatapoints\":[0.0666851903306472],"
	                    "\"threshold\":50.0}";
	return c;
}

static char *eb_metric(const iamw__metric_alarm_def *d, const iamw__state_change *c,
                       const iamw__event_options *o)
{
	iamw__buf b;
	iamw__buf_init(&b);
	ck_assert_int_eq(iamw__render_eventbridge_metric(d, c, &us_acct, o, &b), IAMW_OK);
	cJSON_Delete(parse(b.data));
	return b.data;
}

START_TEST(eventbridge_metric_sample)
{
	iamw__metric_alarm_def d = cpu_def();
	iamw__state_change c = cpu_change();
	iamw__event_options o;
	memset(&o, 0, sizeof o);
	o.event_id = "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92";
	o.metric_id = "30b6c6b2-a864-43a2-4877-c09a1afc3b87";
	char *s = eb_metric(&d, &c, &o);
	ck_assert_str_eq(s, eb_metric_expected);

	cJSON *j = parse(s);
	CHECK_KEYS(j, "version", "id", "detail-type", "source", "account", "time", "region",
	           "resources", "detail");
	const cJSON *det = cJSON_GetObjectItemCaseSensitive(j, "detail");
	CHECK_KEYS(det, "alarmName", "configuration", "previousState", "state");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(det, "state");
	CHECK_KEYS(st, "reason", "reasonData", "timestamp", "value");
	/* reasonData is a string that is itself JSON. */
	cJSON *rd = parse(str_at(st, "reasonData"));
	cJSON_Delete(rd);
	const cJSON *m = cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(det, "configuration"),
	                                     "metrics"),
	    0);
	CHECK_KEYS(m, "id", "metricStat", "returnData");
	const cJSON *ms_ = cJSON_GetObjectItemCaseSensitive(m, "metricStat");
	CHECK_KEYS(ms_, "metric", "period", "stat");
	CHECK_KEYS(cJSON_GetObjectItemCaseSensitive(ms_, "metric"), "dimensions", "name",
	           "namespace");
	cJSON_Delete(j);
	iamw__free(s);
}
END_TEST

static int is_guid(const char *s)
{
	if (strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
			return 0;
		}
	}
	return 1;
}

static char *metric_id_of(const cJSON *j)
{
	const cJSON *det = cJSON_GetObjectItemCaseSensitive(j, "detail");
	const cJSON *m = cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(det, "configuration"),
	                                     "metrics"),
	    0);
	return (char *)str_at(m, "id");
}

START_TEST(eventbridge_derived_ids)
{
	iamw__metric_alarm_def d = cpu_def();
	iamw__state_change c = cpu_change();
	char *s1 = eb_metric(&d, &c, NULL);
	char *s2 = eb_metric(&d, &c, NULL);
	ck_assert_str_eq(s1, s2); /* deterministic */
	cJSON *j1 = parse(s1);
	ck_assert(is_guid(str_at(j1, "id")));
	ck_assert(is_guid(metric_id_of(j1)));
	ck_assert_str_ne(str_at(j1, "id"), metric_id_of(j1));

	/* Another transition of the same alarm: new event id, same metric id. */
	c.time_ms += 60000;
	c.old_state = IAMW_STATE_ALARM;
	c.new_state = IAMW_STATE_OK;
	char *s3 = eb_metric(&d, &c, NULL);
	cJSON *j3 = parse(s3);
	ck_assert_str_ne(str_at(j1, "id"), str_at(j3, "id"));
	ck_assert_str_eq(metric_id_of(j1), metric_id_of(j3));

	/* Same time, other state: other id. */
	c = cpu_change();
	c.new_state = IAMW_STATE_INSUFFICIENT_DATA;
	char *s4 = eb_metric(&d, &c, NULL);
	cJSON *j4 = parse(s4);
	ck_assert_str_ne(str_at(j1, "id"), str_at(j4, "id"));

	/* Updating the alarm changes the metric id. */
	c = cpu_change();
	d.configuration_updated_ms += 1;
	char *s5 = eb_metric(&d, &c, NULL);
	cJSON *j5 = parse(s5);
	ck_assert_str_eq(str_at(j1, "id"), str_at(j5, "id"));
	ck_assert_str_ne(metric_id_of(j1), metric_id_of(j5));

	cJSON_Delete(j1);
	cJSON_Delete(j3);
	cJSON_Delete(j4);
	cJSON_Delete(j5);
	iamw__free(s1);
	iamw__free(s2);
	iamw__free(s3);
	iamw__free(s4);
	iamw__free(s5);

	iamw__buf b;
	iamw__buf_init(&b);
	iamw__buf_add_guid(&b, "", 0);
	ck_assert(is_guid(b.data));
	iamw__buf_free(&b);
}
END_TEST

START_TEST(eventbridge_metric_optional_keys)
{
	iamw__metric_alarm_def d = cpu_def();
	iamw__state_change c = cpu_change();
	d.description = NULL;
	d.unit = "Percent";
	d.statistic = IAMW_STAT_EXTENDED;
	d.extended_statistic = "p90";
	d.n_dimensions = 0;
	c.reason_data = NULL;
	c.old_reason = NULL;
	c.old_reason_data = NULL;
	iamw__event_options o;
	memset(&o, 0, sizeof o);
	o.evaluation_state = "PARTIAL_DATA";
	o.actions_suppressed_by = "Alarm"; /* composites only: ignored */
	char *s = eb_metric(&d, &c, &o);
	cJSON *j = parse(s);
	const cJSON *det = cJSON_GetObjectItemCaseSensitive(j, "detail");
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(det, "configuration");
	CHECK_KEYS(cfg, "metrics");
	const cJSON *mstat = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cfg, "metrics"), 0), "metricStat");
	CHECK_KEYS(mstat, "metric", "period", "stat", "unit");
	ck_assert_str_eq(str_at(mstat, "stat"), "p90");
	ck_assert_str_eq(str_at(mstat, "unit"), "Percent");
	ck_assert_ptr_nonnull(strstr(s, "\"dimensions\":{},"));
	CHECK_KEYS(cJSON_GetObjectItemCaseSensitive(det, "state"), "evaluationState", "reason",
	           "timestamp", "value");
	CHECK_KEYS(cJSON_GetObjectItemCaseSensitive(det, "previousState"), "timestamp", "value");
	cJSON_Delete(j);
	iamw__free(s);
}
END_TEST

static iamw__composite_alarm_def agg_def(void)
{
	iamw__composite_alarm_def d;
	memset(&d, 0, sizeof d);
	d.name = "ServiceAggregatedAlarm";
	d.actions_enabled = 1;
	d.alarm_rule = "ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)";
	d.actions_suppressor = "ServiceMaintenanceAlarm";
	d.actions_suppressor_wait_period_s = 120;
	d.actions_suppressor_extension_period_s = 180;
	return d;
}

static iamw__state_change agg_change(void)
{
	iamw__state_change c;
	memset(&c, 0, sizeof c);
	c.old_state = IAMW_STATE_OK;
	c.new_state = IAMW_STATE_ALARM;
	c.time_ms = ms("2022-07-22T15:57:45.394+0000");
	c.reason = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:SuppressionDemo.EventBridge."
	           "FirstChild transitioned to ALARM at Friday 22 July, 2022 15:57:45 UTC";
	c.reason_data =
	    "{\"triggeringAlarms\":[{\"arn\":\"arn:aws:cloudwatch:us-east-1:123456789012:"
	    "alarm:ServerCpuTooHigh\",\"state\":{\"value\":\"ALARM\",\"timestamp\":"
	    "\"2022-07-22T15:57:45.394+0000\"}}]}";
	c.old_state_time_ms = ms("2022-07-22T15:56:14.552+0000");
	c.old_reason =
	    "arn:aws:cloudwatch:us-east-1:123456789012:alarm:SuppressionDemo.EventBridge."
	    "Main was created and its alarm rule evaluates to OK";
	c.old_reason_data =
	    "{\"triggeringAlarms\":[{\"arn\":\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:"
	    "TotalNetworkTrafficTooHigh\",\"state\":{\"value\":\"OK\",\"timestamp\":\"2022-07-"
	    "14T16:"
	    "28:57.770+0000\"}},{\"arn\":\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:"
	    "ServerCpuTooHigh\",\"state\":{\"value\":\"OK\",\"timestamp\":\"2022-07-14T16:28:54."
	    "191+0000\"}}]}";
	return c;
}

START_TEST(eventbridge_composite_sample)
{
	iamw__composite_alarm_def d = agg_def();
	iamw__state_change c = agg_change();
	iamw__event_options o;
	memset(&o, 0, sizeof o);
	o.event_id = "d3dfc86d-384d-24c8-0345-9f7986db0b80";
	o.actions_suppressed_by = "WaitPeriod";
	o.actions_suppressed_reason = "Actions suppressed by WaitPeriod";
	o.evaluation_state = "PARTIAL_DATA"; /* metric alarms only: ignored */
	iamw__buf b;
	iamw__buf_init(&b);
	ck_assert_int_eq(iamw__render_eventbridge_composite(&d, &c, &us_acct, &o, &b), IAMW_OK);
	ck_assert_str_eq(b.data, eb_composite_expected);
	cJSON *j = parse(b.data);
	const cJSON *det = cJSON_GetObjectItemCaseSensitive(j, "detail");
	CHECK_KEYS(det, "alarmName", "state", "previousState", "configuration");
	CHECK_KEYS(cJSON_GetObjectItemCaseSensitive(det, "state"), "actionsSuppressedBy",
	           "actionsSuppressedReason", "value", "reason", "reasonData", "timestamp");
	cJSON_Delete(j);

	/* No suppressor, a description, derived id. */
	d.actions_suppressor = NULL;
	d.description = "Aggregated monitor for instance";
	iamw__buf_reset(&b);
	ck_assert_int_eq(iamw__render_eventbridge_composite(&d, &c, &us_acct, NULL, &b), IAMW_OK);
	j = parse(b.data);
	ck_assert(is_guid(str_at(j, "id")));
	det = cJSON_GetObjectItemCaseSensitive(j, "detail");
	CHECK_KEYS(cJSON_GetObjectItemCaseSensitive(det, "configuration"), "alarmRule",
	           "description");
	CHECK_KEYS(cJSON_GetObjectItemCaseSensitive(det, "state"), "value", "reason", "reasonData",
	           "timestamp");
	cJSON_Delete(j);

	d.alarm_rule = NULL;
	ck_assert_int_eq(iamw__render_eventbridge_composite(&d, &c, &us_acct, NULL, &b),
	                 IAMW_EINVAL);
	iamw__buf_free(&b);
}
END_TEST

/* ------------------------------------------------------------ Lambda */

START_TEST(lambda_metric_sample)
{
	iamw__dimension dims[] = {{"InstanceId", "i-12345678"}};
	iamw__metric_alarm_def d;
	memset(&d, 0, sizeof d);
	d.name = "lambda-demo-metric-alarm";
	d.description = "Metric Alarm to test Lambda actions";
	d.metric_name = "CallCount";
	d.metric_namespace = "AWS/Logs";
	d.dimensions = dims;
	d.n_dimensions = 1;
	d.statistic = IAMW_STAT_AVERAGE;
	d.period_s = 60;
	d.evaluation_periods = 1;
	d.threshold = 5.0;
	d.comparison = IAMW_CMP_GT;
	d.unit = "Percent";
	iamw__state_change c;
	memset(&c, 0, sizeof c);
	c.old_state = IAMW_STATE_INSUFFICIENT_DATA;
	c.new_state = IAMW_STATE_ALARM;
	c.time_ms = ms("2023-08-04T12:36:15.490+0000");
	c.reason = "test";
	c.old_state_time_ms = ms("2023-08-04T12:31:29.595+0000");
	c.old_reason = "Insufficient Data: 5 datapoints were unknown.";
	c.old_reason_data =
	    "{\"version\":\"1.0\",\"queryDate\":\"2023-08-04T12:31:29.591+0000\",\"statistic\":"
	    "\"Average\",\"period\":60,\"recentDatapoints\":[],\"threshold\":5.0,"
	    "\"evaluatedDatapoints\":[{\"timestamp\":\"2023-08-04T12:30:00.000+0000\"},"
	    "{\"timestamp\":\"2023-08-04T12:29:00.000+0000\"},{\"timestamp\":\"2023-08-04T12:28:"
	    "00.000+0000\"},{\"timestamp\":\"2023-08-04T12:27:00.000+0000\"},{\"timestamp\":"
	    "\"2023-08-04T12:26:00.000+0000\"}]}";
	iamw__event_options o;
	memset(&o, 0, sizeof o);
	o.metric_id = "1234e046-06f0-a3da-9534-EXAMPLEe4c";
	o.event_id = "ignored";
	const iamw__account acct = {"444455556666", "us-east-1"};
	iamw__buf b;
	iamw__buf_init(&b);
	ck_assert_int_eq(iamw__render_lambda_metric(&d, &c, &acct, &o, &b), IAMW_OK);
	ck_assert_str_eq(b.data, lambda_metric_expected);
	cJSON_Delete(parse(b.data));
	iamw__buf_free(&b);
}
END_TEST

START_TEST(lambda_composite_sample)
{
	/* The AWS sample's alarmArn names another alarm than its alarmName, so
	 * the structure and every other value are compared. */
	iamw__composite_alarm_def d;
	memset(&d, 0, sizeof d);
	d.name = "CompositeDemo.Main";
	d.alarm_rule = "ALARM(CompositeDemo.FirstChild) OR ALARM(CompositeDemo.SecondChild)";
	d.actions_suppressor = "CompositeDemo.ActionsSuppressor";
	d.actions_suppressor_wait_period_s = 120;
	d.actions_suppressor_extension_period_s = 180;
	const char *reason =
	    "arn:aws:cloudwatch:us-east-1:111122223333:alarm:CompositeDemo.FirstChild "
	    "transitioned to ALARM at Friday 04 August, 2023 12:54:46 UTC";
	const char *rdata = "{\"triggeringAlarms\":[{\"arn\":\"arn:aws:cloudwatch:us-east-1:"
	                    "111122223333:alarm:CompositeDemo.FirstChild\",\"state\":{\"value\":"
	                    "\"ALARM\",\"timestamp\":\"2023-08-04T12:54:46.138+0000\"}}]}";
	iamw__state_change c;
	memset(&c, 0, sizeof c);
	c.old_state = IAMW_STATE_ALARM;
	c.new_state = IAMW_STATE_ALARM;
	c.time_ms = ms("2023-08-04T12:56:46.138+0000");
	c.reason = (char *)reason;
	c.reason_data = (char *)rdata;
	c.old_state_time_ms = ms("2023-08-04T12:54:46.138+0000");
	c.old_reason = (char *)reason;
	c.old_reason_data = (char *)rdata;
	iamw__event_options o;
	memset(&o, 0, sizeof o);
	o.prev_actions_suppressed_by = "WaitPeriod";
	o.prev_actions_suppressed_reason = "Actions suppressed by WaitPeriod";
	const iamw__account acct = {"111122223333", "us-east-1"};
	iamw__buf b;
	iamw__buf_init(&b);
	ck_assert_int_eq(iamw__render_lambda_composite(&d, &c, &acct, &o, &b), IAMW_OK);
	cJSON *j = parse(b.data);
	CHECK_KEYS(j, "source", "alarmArn", "accountId", "time", "region", "alarmData");
	ck_assert_str_eq(str_at(j, "alarmArn"),
	                 "arn:aws:cloudwatch:us-east-1:111122223333:alarm:CompositeDemo.Main");
	ck_assert_str_eq(str_at(j, "time"), "2023-08-04T12:56:46.138+0000");
	const cJSON *ad = cJSON_GetObjectItemCaseSensitive(j, "alarmData");
	CHECK_KEYS(ad, "alarmName", "state", "previousState", "configuration");
	CHECK_KEYS(cJSON_GetObjectItemCaseSensitive(ad, "state"), "value", "reason", "reasonData",
	           "timestamp");
	CHECK_KEYS(cJSON_GetObjectItemCaseSensitive(ad, "previousState"), "value", "reason",
	           "reasonData", "timestamp", "actionsSuppressedBy", "actionsSuppressedReason");
	CHECK_KEYS(cJSON_GetObjectItemCaseSensitive(ad, "configuration"), "alarmRule",
	           "actionsSuppressor", "actionsSuppressorWaitPeriod",
	           "actionsSuppressorExtensionPeriod");
	ck_assert_ptr_nonnull(strstr(
	    b.data, ",\"alarmData\":{\"alarmName\":\"CompositeDemo.Main\",\"state\":{\"value\":"
	            "\"ALARM\",\"reason\":\"arn:aws:cloudwatch:us-east-1:111122223333:alarm:"
	            "CompositeDemo.FirstChild transitioned to ALARM at Friday 04 August, 2023 "
	            "12:54:46 UTC\",\"reasonData\":\"{\\\"triggeringAlarms\\\":[{\\\"arn\\\":"));
	ck_assert_ptr_nonnull(strstr(
	    b.data, "\"timestamp\":\"2023-08-04T12:54:46.138+0000\",\"actionsSuppressedBy\":"
	            "\"WaitPeriod\",\"actionsSuppressedReason\":\"Actions suppressed by "
	            "WaitPeriod\"},\"configuration\":{\"alarmRule\":\"ALARM(CompositeDemo."
	            "FirstChild) OR ALARM(CompositeDemo.SecondChild)\",\"actionsSuppressor\":"
	            "\"CompositeDemo.ActionsSuppressor\",\"actionsSuppressorWaitPeriod\":120,"
	            "\"actionsSuppressorExtensionPeriod\":180}}}"));
	cJSON_Delete(j);
	iamw__buf_free(&b);
}
END_TEST

/* ------------------------------------------------------------ text */

START_TEST(text_line)
{
	iamw__state_change c;
	memset(&c, 0, sizeof c);
	c.old_state = IAMW_STATE_INSUFFICIENT_DATA;
	c.new_state = IAMW_STATE_ALARM;
	c.time_ms = ms("2024-11-26T10:05:00.123Z");
	c.reason =
	    "Threshold Crossed: 1 out of the last 1 datapoints [2.0 (26/11/24 10:04:00)] was "
	    "greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM "
	    "transition).";
	iamw__buf b;
	iamw__buf_init(&b);
	ck_assert_int_eq(iamw__render_text("CIS-4.4-IAMPolicyChanges", &c, &b), IAMW_OK);
	ck_assert_str_eq(
	    b.data, "2024-11-26T10:05:00Z ALARM  CIS-4.4-IAMPolicyChanges  INSUFFICIENT_DATA -> "
	            "ALARM  Threshold Crossed: 1 out of the last 1 datapoints [2.0 (26/11/24 "
	            "10:04:00)] was greater than or equal to the threshold (1.0) (minimum 1 "
	            "datapoint for OK -> ALARM transition).");
	iamw__buf_reset(&b);
	c.reason = "multi\nline\x1b[2J \xc2\x9b"
	           "1m \xc3\xa9";
	ck_assert_int_eq(iamw__render_text("evil\x1b]0;x\x07name", &c, &b), IAMW_OK);
	ck_assert_str_eq(b.data, "2024-11-26T10:05:00Z ALARM  evil ]0;x name  INSUFFICIENT_DATA -> "
	                         "ALARM  multi line [2J  1m \xc3\xa9");
	iamw__buf_reset(&b);
	c.reason = NULL;
	c.new_state = IAMW_STATE_OK;
	c.old_state = IAMW_STATE_ALARM;
	ck_assert_int_eq(iamw__render_text("a", &c, &b), IAMW_OK);
	ck_assert_str_eq(b.data, "2024-11-26T10:05:00Z OK  a  ALARM -> OK");
	ck_assert_int_eq(iamw__render_text(NULL, &c, &b), IAMW_EINVAL);
	iamw__buf_free(&b);
}
END_TEST

/* ------------------------------------------------------------ regions */

START_TEST(regions_table)
{
	static const char *const pairs[][2] = {
	    {"us-east-1", "US East (N. Virginia)"},
	    {"us-west-2", "US West (Oregon)"},
	    {"us-west-1", "US West (N. California)"},
	    {"ca-central-1", "Canada (Central)"},
	    {"eu-west-1", "EU (Ireland)"},
	    {"eu-west-2", "EU (London)"},
	    {"ap-northeast-1", "Asia Pacific (Tokyo)"},
	    {"ap-northeast-2", "Asia Pacific (Seoul)"},
	    {"ap-southeast-1", "Asia Pacific (Singapore)"},
	    {"ap-southeast-2", "Asia Pacific (Sydney)"},
	    {"eu-central-1", "EU (Frankfurt)"},
	    {"sa-east-1", "South America (Sao Paulo)"},
	    {"ap-south-1", "Asia Pacific (Mumbai)"},
	    {"us-east-2", "US East (Ohio)"},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		ck_assert_str_eq(iamw__region_long_name(pairs[i][0]), pairs[i][1]);
	const char *unknown = "us-gov-west-1";
	ck_assert_ptr_eq(iamw__region_long_name(unknown), unknown);
	ck_assert_str_eq(iamw__region_long_name(NULL), "");

	char *arn = iamw__alarm_arn("eu-west-1", "111122223333", "My alarm: \"x\"");
	ck_assert_str_eq(arn, "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:My alarm: \"x\"");
	iamw__free(arn);
	arn = iamw__alarm_arn(NULL, NULL, "a");
	ck_assert_str_eq(arn, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a");
	iamw__free(arn);
	ck_assert_ptr_null(iamw__alarm_arn("us-east-1", "1", NULL));
	ck_assert_str_eq(iamw__alarm_state_name(IAMW_STATE_INSUFFICIENT_DATA),
	                 "INSUFFICIENT_DATA");
	ck_assert_ptr_null(iamw__alarm_state_name((iamw_alarm_state)3));
}
END_TEST

/* ------------------------------------------------------------ main */

static Suite *notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *t = tcase_create("sns");
	tcase_add_test(t, sns_metric_real_example);
	tcase_add_test(t, sns_metric_appends);
	tcase_add_test(t, sns_metric_description_null_vs_empty);
	tcase_add_test(t, sns_metric_unit);
	tcase_add_test(t, sns_metric_optional_trigger_fields);
	tcase_add_test(t, sns_metric_dimensions);
	tcase_add_test(t, sns_metric_escaping);
	tcase_add_test(t, sns_metric_key_order);
	tcase_add_test(t, sns_invalid);
	tcase_add_test(t, sns_default_account);
	tcase_add_test(t, sns_composite_body);
	suite_add_tcase(s, t);
	t = tcase_create("subject");
	tcase_add_test(t, subject_plain);
	tcase_add_test(t, subject_cut_ascii);
	tcase_add_test(t, subject_cut_utf8);
	suite_add_tcase(s, t);
	t = tcase_create("events");
	tcase_add_test(t, eventbridge_metric_sample);
	tcase_add_test(t, eventbridge_derived_ids);
	tcase_add_test(t, eventbridge_metric_optional_keys);
	tcase_add_test(t, eventbridge_composite_sample);
	tcase_add_test(t, lambda_metric_sample);
	tcase_add_test(t, lambda_composite_sample);
	suite_add_tcase(s, t);
	t = tcase_create("misc");
	tcase_add_test(t, text_line);
	tcase_add_test(t, regions_table);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(notify_suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
