/* SPDX-License-Identifier: MIT */
/*
 * test-rules-convert.c - unit tests for libiamwatch/rules_convert.c: format
 * detection, native pass-through, a CloudFormation template of CIS controls
 * and terraform state and plan output (with child modules) compared against
 * expected rules documents, each intrinsic function, every refusal with its
 * code and the resource it names, and a mutation sweep that replaces every
 * node of every fixture with each JSON type to prove that no input crashes.
 *
 * Fixtures live in tests/data/rules/; the directory is taken from
 * IAMW_RULES_DATA_DIR, else found next to this source file.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/private.h"
#include "formats/rules_convert.h"

/* ------------------------------------------------------------ helpers */

static char *data_path(const char *name)
{
	static const char sub[] = "data/rules/";
	const char *env = getenv("IAMW_RULES_DATA_DIR");
	char *p = malloc(4096);
	ck_assert_ptr_nonnull(p);
	if (env && env[0]) {
		snprintf(p, 4096, "%s/%s", env, name);
	} else {
		/* __FILE__ is the path the compiler was given; the fixtures sit
		 * beside it, so this works from the source root and from meson's
		 * build directory alike. */
		const char *f = __FILE__, *slash = strrchr(f, '/');
		int dir = slash ? (int)(slash - f + 1) : 0;
		snprintf(p, 4096, "%.*s%s%s", dir, f, sub, name);
	}
	return p;
}

static cJSON *load(const char *name)
{
	char *path = data_path(name);
	FILE *fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	ck_assert(n >= 0);
	char *text = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, fp), (size_t)n);
	text[n] = '\0';
	fclose(fp);
	cJSON *doc = cJSON_Parse(text);
	ck_assert_msg(doc != NULL, "%s is not valid JSON", path);
	free(text);
	free(path);
	return doc;
}

static cJSON *parse(const char *text)
{
	cJSON *doc = cJSON_Parse(text);
	ck_assert_msg(doc != NULL, "test JSON does not parse: %s", text);
	return doc;
}

static cJSON *normalize_ok(const cJSON *doc, const iamw__rules_context *ctx)
{
	cJSON *out = NULL;
	iamw_error err;
	int rc = iamw__rules_normalize(doc, ctx, &out, &err);
	ck_assert_msg(rc == IAMW_OK, "normalize failed: %s: %s", iamw_status_name(rc), err.text);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(err.code, IAMW_OK);
	ck_assert(err.offset == IAMW_NO_OFFSET);
	return out;
}

static void assert_same(const cJSON *got, const cJSON *expect)
{
	if (!cJSON_Compare(got, expect, 1)) {
		char *g = cJSON_Print(got), *e = cJSON_Print(expect);
		ck_abort_msg("normalized output differs\n--- got\n%s\n--- expected\n%s", g, e);
		free(g);
		free(e);
	}
}

static void check_fixture(const char *input, const char *expected, const iamw__rules_context *ctx)
{
	cJSON *doc = load(input), *exp = load(expected);
	cJSON *out = normalize_ok(doc, ctx);
	assert_same(out, exp);
	cJSON_Delete(out);
	cJSON_Delete(exp);
	cJSON_Delete(doc);
}

/* Expect doc to fail with code, and the message to contain each of the
 * NULL-terminated substrings. */
static void check_fail_doc(const cJSON *doc, int code, const char *const *needles)
{
	cJSON *out = (cJSON *)&out; /* must be reset to NULL */
	iamw_error err;
	int rc = iamw__rules_normalize(doc, NULL, &out, &err);
	ck_assert_msg(rc == code, "expected %s, got %s (%s)", iamw_status_name(code),
	              iamw_status_name(rc), rc ? err.text : "");
	ck_assert_ptr_null(out);
	ck_assert_int_eq(err.code, code);
	ck_assert_str_eq(err.source, "rules");
	ck_assert(err.offset == IAMW_NO_OFFSET);
	for (; needles && *needles; needles++)
		ck_assert_msg(strstr(err.text, *needles) != NULL, "message \"%s\" lacks \"%s\"",
		              err.text, *needles);
}

static void check_fail(const char *text, int code, const char *const *needles)
{
	cJSON *doc = parse(text);
	check_fail_doc(doc, code, needles);
	cJSON_Delete(doc);
}

#define NEEDLES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* A template with the given resources, one parameter and one topic. */
#define CFN(resources)                                                                             \
	"{\"Parameters\": {\"P\": {\"Type\": \"String\", \"Default\": \"pv\"},"                    \
	" \"NoDefault\": {\"Type\": \"String\"},"                                                  \
	" \"Attr\": {\"Type\": \"String\", \"Default\": \"TopicName\"},"                           \
	" \"Ssm\": {\"Type\": \"AWS::SSM::Parameter::Value<String>\", \"Default\": \"/x\"}},"      \
	" \"Mappings\": {\"M\": {\"k\": {\"v\": \"mapped\"}}},"                                    \
	" \"Resources\": {\"Topic\": {\"Type\": \"AWS::SNS::Topic\"},"                             \
	" \"Role\": {\"Type\": \"AWS::IAM::Role\"}, " resources "}}"

/* An alarm whose AlarmDescription is the given template value. */
#define DESC_ALARM(value)                                                                          \
	CFN("\"A\": {\"Type\": \"AWS::CloudWatch::Alarm\", \"Properties\": {"                      \
	    "\"AlarmDescription\": " value ", \"EvaluationPeriods\": 1,"                           \
	    " \"ComparisonOperator\": \"GreaterThanThreshold\"}}")

/* The AlarmDescription of the first alarm of a rules document. */
static void check_desc(const char *text, const iamw__rules_context *ctx, const char *expect)
{
	cJSON *doc = parse(text);
	cJSON *out = normalize_ok(doc, ctx);
	const cJSON *alarm =
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(out, "metricAlarms"), 0);
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(alarm, "AlarmDescription");
	ck_assert_msg(cJSON_IsString(d), "no AlarmDescription for %s", text);
	ck_assert_str_eq(d->valuestring, expect);
	cJSON_Delete(out);
	cJSON_Delete(doc);
}

/* ------------------------------------------------------------ detect */

START_TEST(test_detect)
{
	static const struct {
		const char *file;
		iamw__rules_format fmt;
	} cases[] = {
	    {"native.json", IAMW__RULES_NATIVE},
	    {"cis-cloudformation.json", IAMW__RULES_CLOUDFORMATION},
	    {"cfn-importvalue.json", IAMW__RULES_CLOUDFORMATION},
	    {"terraform-state.json", IAMW__RULES_TERRAFORM},
	    {"terraform-plan.json", IAMW__RULES_TERRAFORM},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cJSON *doc = load(cases[i].file);
		iamw__rules_format f = 0;
		ck_assert_int_eq(iamw__rules_detect(doc, &f), IAMW_OK);
		ck_assert_msg(f == cases[i].fmt, "%s detected as %d", cases[i].file, (int)f);
		cJSON_Delete(doc);
	}

	static const char *const garbage[] = {
	    "[]",
	    "42",
	    "\"Resources\"",
	    "null",
	    "true",
	    "{}",
	    "{\"foo\": 1}",
	    "{\"format_version\": 1}",
	    "{\"resources\": {}}",
	    "[{\"metricFilters\": []}]",
	};
	for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
		cJSON *doc = parse(garbage[i]);
		iamw__rules_format f = 0;
		ck_assert_msg(iamw__rules_detect(doc, &f) == IAMW_EJSON, "%s detected", garbage[i]);
		check_fail_doc(doc, IAMW_EJSON, NEEDLES("not a rules document"));
		cJSON_Delete(doc);
	}
	iamw__rules_format f;
	ck_assert_int_eq(iamw__rules_detect(NULL, &f), IAMW_EJSON);
	cJSON *doc = parse("{\"metricAlarms\": []}");
	ck_assert_int_eq(iamw__rules_detect(doc, NULL), IAMW_EINVAL);
	iamw_error err;
	ck_assert_int_eq(iamw__rules_normalize(doc, NULL, NULL, &err), IAMW_EINVAL);
	cJSON *out = (cJSON *)&out;
	ck_assert_int_eq(iamw__rules_normalize(NULL, NULL, &out, NULL), IAMW_EJSON);
	ck_assert_ptr_null(out);
	cJSON_Delete(doc);
}
END_TEST

/* ------------------------------------------------------------ native */

START_TEST(test_native_passthrough)
{
	cJSON *doc = load("native.json");
	cJSON *out = normalize_ok(doc, NULL);
	ck_assert_ptr_ne(out, doc);
	assert_same(out, doc);
	/* Unknown keys at any level are kept. */
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(out, "name")->valuestring,
	                 "cis-aws-foundations");
	ck_assert(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(out, "controls")));
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(out, "version")->valuestring, "3.0.0");
	const cJSON *alarm =
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(out, "metricAlarms"), 0);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(alarm, "x-owner")->valuestring,
	                 "security");
	/* A deep copy: the input can go first. */
	cJSON_Delete(doc);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(alarm, "AlarmName")->valuestring,
	                 "CIS-4.3-RootAccountUsage");
	cJSON_Delete(out);

	/* Only one of the three keys is needed; an empty document of one kind is fine. */
	doc = parse("{\"compositeAlarms\": []}");
	out = normalize_ok(doc, NULL);
	assert_same(out, doc);
	cJSON_Delete(out);
	cJSON_Delete(doc);
}
END_TEST

START_TEST(test_native_shape)
{
	check_fail("{\"metricFilters\": {}}", IAMW_EJSON, NEEDLES("metricFilters"));
	check_fail("{\"metricFilters\": null}", IAMW_EJSON, NEEDLES("metricFilters"));
	check_fail("{\"metricFilters\": [], \"metricAlarms\": [{}, 1]}", IAMW_EJSON,
	           NEEDLES("metricAlarms[1] must be an object"));
	check_fail("{\"compositeAlarms\": [[]]}", IAMW_EJSON, NEEDLES("compositeAlarms[0]"));
	check_fail("{\"metricAlarms\": \"x\"}", IAMW_EJSON, NEEDLES("metricAlarms"));
}
END_TEST

/* ------------------------------------------------------------ CloudFormation */

START_TEST(test_cfn_cis)
{
	iamw__rules_context ctx = {.account_id = "111122223333", .region = "eu-west-1"};
	check_fixture("cis-cloudformation.json", "cis-cloudformation.expected.json", &ctx);
}
END_TEST

START_TEST(test_cfn_fields)
{
	/* Field by field, with the default context (123456789012, us-east-1). */
	cJSON *doc = load("cis-cloudformation.json");
	cJSON *out = normalize_ok(doc, NULL);
	const cJSON *filters = cJSON_GetObjectItemCaseSensitive(out, "metricFilters");
	const cJSON *alarms = cJSON_GetObjectItemCaseSensitive(out, "metricAlarms");
	const cJSON *comps = cJSON_GetObjectItemCaseSensitive(out, "compositeAlarms");
	ck_assert_int_eq(cJSON_GetArraySize(filters), 3);
	ck_assert_int_eq(cJSON_GetArraySize(alarms), 3);
	ck_assert_int_eq(cJSON_GetArraySize(comps), 1);

	/* FilterName defaults to the logical id; LogGroupName via Ref to a log group. */
	const cJSON *f0 = cJSON_GetArrayItem(filters, 0);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(f0, "filterName")->valuestring,
	                 "UnauthorizedApiCallsFilter");
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(f0, "logGroupName")->valuestring,
	                 "CloudTrail/DefaultLogGroup");
	/* DefaultValue "0" became a number. */
	const cJSON *mt1 =
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(filters, 1),
	                                                        "metricTransformations"),
	                       0);
	const cJSON *dv = cJSON_GetObjectItemCaseSensitive(mt1, "defaultValue");
	ck_assert(cJSON_IsNumber(dv) && dv->valuedouble == 0);

	/* Fn::Sub over a parameter; Ref to a topic is its ARN; "300" and
	 * "true" are converted. */
	const cJSON *a0 = cJSON_GetArrayItem(alarms, 0);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(a0, "AlarmName")->valuestring,
	                 "CIS-4.1-UnauthorizedAPICalls");
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(a0, "AlarmDescription")->valuestring,
	                 "CIS 4.1 in 123456789012/us-east-1 (aws)");
	ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(a0, "AlarmActions"), 0)
	                     ->valuestring,
	                 "arn:aws:sns:us-east-1:123456789012:cis-alarms");
	const cJSON *period = cJSON_GetObjectItemCaseSensitive(a0, "Period");
	ck_assert(cJSON_IsNumber(period) && period->valuedouble == 300);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a0, "ActionsEnabled")));
	/* Properties the request does not have (Tags) are not carried over,
	 * nor resolved. */
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(a0, "Tags"));

	/* The Condition-guarded alarm is included; AWS::NoValue drops a list
	 * element and a property. */
	const cJSON *a1 = cJSON_GetArrayItem(alarms, 1);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(a1, "AlarmName")->valuestring,
	                 "RootUsageAlarm");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(a1, "AlarmActions")),
	                 1);
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(a1, "Unit"));

	/* The composite's rule names the alarms by name and by Fn::GetAtt ARN. */
	const cJSON *c0 = cJSON_GetArrayItem(comps, 0);
	ck_assert_str_eq(
	    cJSON_GetObjectItemCaseSensitive(c0, "AlarmRule")->valuestring,
	    "ALARM(\"CIS-4.1-UnauthorizedAPICalls\") OR "
	    "ALARM(\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:RootUsageAlarm\")");
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(c0, "ActionsEnabled")));
	const cJSON *wait = cJSON_GetObjectItemCaseSensitive(c0, "ActionsSuppressorWaitPeriod");
	ck_assert(cJSON_IsNumber(wait) && wait->valuedouble == 120);
	cJSON_Delete(out);
	cJSON_Delete(doc);
}
END_TEST

START_TEST(test_cfn_importvalue)
{
	cJSON *doc = load("cfn-importvalue.json");
	check_fail_doc(doc, IAMW_EUNSUPPORTED,
	               NEEDLES("RootUsageAlarm", "AlarmActions", "Fn::ImportValue"));
	cJSON_Delete(doc);
}
END_TEST

START_TEST(test_cfn_intrinsics)
{
	iamw__rules_context cn = {.account_id = "000011112222", .region = "cn-north-1"};
	iamw__rules_context empty = {NULL, NULL};
	check_desc(DESC_ALARM("\"plain\""), NULL, "plain");
	check_desc(DESC_ALARM("42"), NULL, "42");
	check_desc(DESC_ALARM("{\"Ref\": \"P\"}"), NULL, "pv");
	check_desc(DESC_ALARM("{\"Ref\": \"AWS::StackName\"}"), NULL, "iamwatch");
	check_desc(DESC_ALARM("{\"Ref\": \"AWS::Partition\"}"), &cn, "aws-cn");
	check_desc(DESC_ALARM("{\"Ref\": \"AWS::URLSuffix\"}"), &cn, "amazonaws.com.cn");
	check_desc(DESC_ALARM("{\"Ref\": \"AWS::Region\"}"), &empty, "us-east-1");
	check_desc(DESC_ALARM("{\"Ref\": \"AWS::StackId\"}"), NULL,
	           "arn:aws:cloudformation:us-east-1:123456789012:stack/iamwatch/"
	           "00000000-0000-0000-0000-000000000000");
	check_desc(DESC_ALARM("{\"Ref\": \"Topic\"}"), &cn,
	           "arn:aws-cn:sns:cn-north-1:000011112222:Topic");
	check_desc(DESC_ALARM("{\"Fn::GetAtt\": \"Topic.TopicName\"}"), NULL, "Topic");
	check_desc(DESC_ALARM("{\"Fn::GetAtt\": [\"Topic\", {\"Ref\": \"Attr\"}]}"), NULL, "Topic");
	check_desc(DESC_ALARM("{\"Fn::Join\": [\",\", {\"Fn::Split\": [\"|\", \"a|b||c\"]}]}"),
	           NULL, "a,b,,c");
	check_desc(DESC_ALARM("{\"Fn::Select\": [\"1\", [\"x\", {\"Ref\": \"P\"}]]}"), NULL, "pv");
	check_desc(DESC_ALARM("{\"Fn::FindInMap\": [\"M\", \"k\", \"v\"]}"), NULL, "mapped");
	check_desc(DESC_ALARM("{\"Fn::Sub\": [\"${a}/${b}/${Topic.TopicArn}/${!x}\", "
	                      "{\"a\": {\"Ref\": \"P\"}, \"b\": 7}]}"),
	           NULL, "pv/7/arn:aws:sns:us-east-1:123456789012:Topic/${x}");
	check_desc(DESC_ALARM("{\"Fn::Sub\": \"no variables at all\"}"), NULL,
	           "no variables at all");
	check_desc(DESC_ALARM("{\"Fn::Sub\": \"\"}"), NULL, "");
	check_desc(DESC_ALARM("{\"Fn::Join\": [\"-\", []]}"), NULL, "");

	/* Other resource kinds a reference may name. */
	static const char *const others[][2] = {
	    {"{\"Ref\": \"Q\"}", "https://sqs.us-east-1.amazonaws.com/123456789012/q1"},
	    {"{\"Fn::GetAtt\": [\"Q\", \"Arn\"]}", "arn:aws:sqs:us-east-1:123456789012:q1"},
	    {"{\"Fn::GetAtt\": [\"L\", \"Arn\"]}",
	     "arn:aws:lambda:us-east-1:123456789012:function:L"},
	    {"{\"Ref\": \"F\"}", "F"},
	    {"{\"Ref\": \"LG\"}", "LG"},
	    {"{\"Fn::GetAtt\": [\"LG\", \"Arn\"]}",
	     "arn:aws:logs:us-east-1:123456789012:log-group:LG:*"},
	    {"{\"Ref\": \"C\"}", "cname-pv"},
	    {"{\"Fn::GetAtt\": [\"C\", \"Arn\"]}",
	     "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cname-pv"},
	};
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		char text[2048];
		snprintf(text, sizeof text,
		         "{\"Resources\": {"
		         "\"Q\": {\"Type\": \"AWS::SQS::Queue\", \"Properties\": {\"QueueName\": "
		         "\"q1\"}},"
		         "\"L\": {\"Type\": \"AWS::Lambda::Function\", \"Properties\": {}},"
		         "\"LG\": {\"Type\": \"AWS::Logs::LogGroup\"},"
		         "\"C\": {\"Type\": \"AWS::CloudWatch::CompositeAlarm\", \"Properties\": {"
		         "  \"AlarmName\": {\"Fn::Join\": [\"-\", [\"cname\", \"pv\"]]}, "
		         "\"AlarmRule\": \"TRUE\"}},"
		         "\"F\": {\"Type\": \"AWS::Logs::MetricFilter\", \"Properties\": {"
		         "  \"LogGroupName\": \"g\", \"FilterPattern\": \"\", "
		         "\"MetricTransformations\": []}},"
		         "\"A\": {\"Type\": \"AWS::CloudWatch::Alarm\", \"Properties\": {"
		         "  \"AlarmDescription\": %s, \"EvaluationPeriods\": 1,"
		         "  \"ComparisonOperator\": \"GreaterThanThreshold\"}}}}",
		         others[i][0]);
		check_desc(text, NULL, others[i][1]);
	}
}
END_TEST

START_TEST(test_cfn_errors)
{
	check_fail(CFN("\"A\": {\"Type\": \"AWS::CloudWatch::Alarm\", \"Properties\": {"
	               "\"Metrics\": [{\"Id\": \"m1\"}], \"EvaluationPeriods\": 1,"
	               " \"ComparisonOperator\": \"GreaterThanThreshold\"}}"),
	           IAMW_EUNSUPPORTED, NEEDLES("'A'", "Metrics", "metric math"));
	check_fail(CFN("\"A\": {\"Type\": \"AWS::CloudWatch::Alarm\", \"Properties\": {"
	               "\"ThresholdMetricId\": \"ad1\"}}"),
	           IAMW_EUNSUPPORTED, NEEDLES("'A'", "ThresholdMetricId"));
	check_fail(DESC_ALARM("{\"Ref\": \"NoDefault\"}"), IAMW_EUNSUPPORTED,
	           NEEDLES("'A'", "AlarmDescription", "NoDefault", "Default"));
	check_fail(DESC_ALARM("{\"Ref\": \"Ssm\"}"), IAMW_EUNSUPPORTED, NEEDLES("Ssm", "SSM"));
	check_fail(DESC_ALARM("{\"Ref\": \"Nowhere\"}"), IAMW_EVALIDATION,
	           NEEDLES("'A'", "AlarmDescription", "Nowhere"));
	check_fail(DESC_ALARM("{\"Ref\": \"AWS::Nonsense\"}"), IAMW_EUNSUPPORTED,
	           NEEDLES("AWS::Nonsense"));
	check_fail(DESC_ALARM("{\"Fn::If\": [\"C\", \"a\", \"b\"]}"), IAMW_EUNSUPPORTED,
	           NEEDLES("'A'", "AlarmDescription", "Fn::If"));
	check_fail(DESC_ALARM("{\"Fn::GetAZs\": \"\"}"), IAMW_EUNSUPPORTED, NEEDLES("Fn::GetAZs"));
	check_fail(DESC_ALARM("{\"Fn::GetAtt\": [\"Topic\", \"Nope\"]}"), IAMW_EUNSUPPORTED,
	           NEEDLES("Topic.Nope"));
	check_fail(DESC_ALARM("{\"Fn::GetAtt\": [\"Topic\"]}"), IAMW_EJSON, NEEDLES("Fn::GetAtt"));
	check_fail(DESC_ALARM("{\"Fn::GetAtt\": \"NoDot\"}"), IAMW_EJSON, NEEDLES("Fn::GetAtt"));
	check_fail(DESC_ALARM("{\"Fn::Sub\": \"a ${unterminated\"}"), IAMW_EVALIDATION,
	           NEEDLES("Fn::Sub"));
	check_fail(DESC_ALARM("{\"Fn::Sub\": \"a ${}\"}"), IAMW_EVALIDATION, NEEDLES("Fn::Sub"));
	check_fail(DESC_ALARM("{\"Fn::Sub\": [\"x\"]}"), IAMW_EJSON, NEEDLES("Fn::Sub"));
	check_fail(DESC_ALARM("{\"Fn::Sub\": \"${AWS::NoValue}\"}"), IAMW_EJSON,
	           NEEDLES("Fn::Sub"));
	check_fail(DESC_ALARM("{\"Fn::Sub\": \"${AWS::NotificationARNs}\"}"), IAMW_EJSON,
	           NEEDLES("list"));
	check_fail(DESC_ALARM("{\"Fn::Join\": [\",\", \"notalist\"]}"), IAMW_EJSON,
	           NEEDLES("Fn::Join"));
	check_fail(DESC_ALARM("{\"Fn::Join\": [\",\", [{\"a\": 1}]]}"), IAMW_EJSON,
	           NEEDLES("Fn::Join"));
	check_fail(DESC_ALARM("{\"Fn::Select\": [5, [\"a\"]]}"), IAMW_EVALIDATION,
	           NEEDLES("Fn::Select"));
	check_fail(DESC_ALARM("{\"Fn::Select\": [\"x\", [\"a\"]]}"), IAMW_EVALIDATION,
	           NEEDLES("not a number"));
	check_fail(DESC_ALARM("{\"Fn::Split\": [\"\", \"a\"]}"), IAMW_EJSON, NEEDLES("Fn::Split"));
	check_fail(DESC_ALARM("{\"Fn::FindInMap\": [\"M\", \"k\", \"nope\"]}"), IAMW_EVALIDATION,
	           NEEDLES("Fn::FindInMap"));
	check_fail(DESC_ALARM("{\"Ref\": 7}"), IAMW_EJSON, NEEDLES("Ref"));
	check_fail(DESC_ALARM("[\"a list\"]"), IAMW_EJSON, NEEDLES("AlarmDescription", "string"));
	check_fail(DESC_ALARM("{\"Ref\": \"Role\"}"), IAMW_EUNSUPPORTED, NEEDLES("AWS::IAM::Role"));
	/* A reference cycle through two alarm names. */
	check_fail(CFN("\"A\": {\"Type\": \"AWS::CloudWatch::Alarm\", \"Properties\": {"
	               "\"AlarmName\": {\"Fn::Sub\": \"${B}-x\"}}},"
	               "\"B\": {\"Type\": \"AWS::CloudWatch::Alarm\", \"Properties\": {"
	               "\"AlarmName\": {\"Ref\": \"A\"}}}"),
	           IAMW_EVALIDATION, NEEDLES("'A'", "AlarmName", "circular"));

	/* Wrong types and values of request fields. */
	check_fail(CFN("\"A\": {\"Type\": \"AWS::CloudWatch::Alarm\", \"Properties\": {"
	               "\"Period\": \"five\", \"EvaluationPeriods\": 1}}"),
	           IAMW_EVALIDATION, NEEDLES("'A'", "Period", "five"));
	check_fail(CFN("\"A\": {\"Type\": \"AWS::CloudWatch::Alarm\", \"Properties\": {"
	               "\"Period\": [], \"EvaluationPeriods\": 1}}"),
	           IAMW_EJSON, NEEDLES("'A'", "Period", "number"));
	check_fail(CFN("\"A\": {\"Type\": \"AWS::CloudWatch::Alarm\", \"Properties\": {"
	               "\"ActionsEnabled\": \"yes\"}}"),
	           IAMW_EJSON, NEEDLES("'A'", "ActionsEnabled"));
	check_fail(CFN("\"A\": {\"Type\": \"AWS::CloudWatch::Alarm\", \"Properties\": {"
	               "\"AlarmActions\": \"arn:single\"}}"),
	           IAMW_EJSON, NEEDLES("AlarmActions", "list"));
	check_fail(CFN("\"A\": {\"Type\": \"AWS::CloudWatch::Alarm\", \"Properties\": {"
	               "\"Dimensions\": [{\"Name\": \"n\"}]}}"),
	           IAMW_EVALIDATION, NEEDLES("Dimensions"));
	check_fail(CFN("\"A\": {\"Type\": \"AWS::CloudWatch::Alarm\", \"Properties\": {"
	               "\"EvaluationPeriods\": 1}}"),
	           IAMW_EVALIDATION, NEEDLES("'A'", "ComparisonOperator", "required"));
	check_fail(CFN("\"A\": {\"Type\": \"AWS::CloudWatch::Alarm\", \"Properties\": \"x\"}"),
	           IAMW_EJSON, NEEDLES("'A'", "Properties"));
	check_fail(CFN("\"A\": {\"Properties\": {}}"), IAMW_EJSON, NEEDLES("'A'", "Type"));
	check_fail(CFN("\"A\": 5"), IAMW_EJSON, NEEDLES("'A'"));
	check_fail(CFN("\"F\": {\"Type\": \"AWS::Logs::MetricFilter\", \"Properties\": {"
	               "\"LogGroupName\": \"g\", \"FilterPattern\": \"\"}}"),
	           IAMW_EVALIDATION, NEEDLES("'F'", "MetricTransformations", "required"));
	check_fail(CFN("\"F\": {\"Type\": \"AWS::Logs::MetricFilter\", \"Properties\": {"
	               "\"LogGroupName\": \"g\", \"FilterPattern\": \"\","
	               "\"MetricTransformations\": [\"x\"]}}"),
	           IAMW_EJSON, NEEDLES("'F'", "MetricTransformations"));
	check_fail(
	    CFN("\"F\": {\"Type\": \"AWS::Logs::MetricFilter\", \"Properties\": {"
	        "\"LogGroupName\": \"g\", \"FilterPattern\": \"[a]\","
	        "\"MetricTransformations\": [{\"MetricName\": \"m\", \"MetricNamespace\": \"n\","
	        " \"MetricValue\": \"1\", \"Dimensions\": [{\"Key\": \"k\", \"Value\": \"$a\"},"
	        " {\"Key\": \"k\", \"Value\": \"$a\"}]}]}}"),
	    IAMW_EVALIDATION, NEEDLES("'F'", "MetricTransformations[0].Dimensions", "duplicate"));
	check_fail(
	    CFN("\"F\": {\"Type\": \"AWS::Logs::MetricFilter\", \"Properties\": {"
	        "\"LogGroupName\": \"g\", \"FilterPattern\": \"\","
	        "\"MetricTransformations\": [{\"MetricName\": \"m\", \"MetricNamespace\": \"n\","
	        " \"MetricValue\": \"1\", \"DefaultValue\": {\"Fn::ImportValue\": \"x\"}}]}}"),
	    IAMW_EUNSUPPORTED, NEEDLES("'F'", "MetricTransformations", "Fn::ImportValue"));
	check_fail("{\"Resources\": []}", IAMW_EJSON, NEEDLES("Resources"));
	check_fail("{\"AWSTemplateFormatVersion\": \"2010-09-09\"}", IAMW_EJSON,
	           NEEDLES("Resources"));
	check_fail("{\"Resources\": {}, \"Parameters\": []}", IAMW_EJSON, NEEDLES("Parameters"));
	check_fail("{\"Resources\": {}, \"Mappings\": 1}", IAMW_EJSON, NEEDLES("Mappings"));

	/* An empty template is a valid, empty rules document. */
	cJSON *doc = parse("{\"Resources\": {}}");
	cJSON *out = normalize_ok(doc, NULL);
	cJSON *exp =
	    parse("{\"metricFilters\": [], \"metricAlarms\": [], \"compositeAlarms\": []}");
	assert_same(out, exp);
	cJSON_Delete(exp);
	cJSON_Delete(out);
	cJSON_Delete(doc);
}
END_TEST

/* ------------------------------------------------------------ terraform */

START_TEST(test_tf_state)
{
	check_fixture("terraform-state.json", "terraform-state.expected.json", NULL);
}
END_TEST

START_TEST(test_tf_plan)
{
	check_fixture("terraform-plan.json", "terraform-plan.expected.json", NULL);
}
END_TEST

START_TEST(test_tf_fields)
{
	cJSON *doc = load("terraform-state.json");
	cJSON *out = normalize_ok(doc, NULL);
	const cJSON *alarms = cJSON_GetObjectItemCaseSensitive(out, "metricAlarms");
	const cJSON *a0 = cJSON_GetArrayItem(alarms, 0), *a1 = cJSON_GetArrayItem(alarms, 1);
	/* Provider placeholders for "unset" are gone; "missing" is a real value. */
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(a0, "DatapointsToAlarm"));
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(a0, "Unit"));
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(a0, "AlarmDescription"));
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(a0, "ExtendedStatistic"));
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(a0, "OKActions"));
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(a0, "TreatMissingData")->valuestring,
	                 "missing");
	/* Dimensions map -> list sorted by name. */
	const cJSON *dims = cJSON_GetObjectItemCaseSensitive(a1, "Dimensions");
	ck_assert_int_eq(cJSON_GetArraySize(dims), 2);
	ck_assert_str_eq(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(dims, 0), "Name")->valuestring,
	    "Account");
	/* The composite from a grandchild module, with its suppressor. */
	const cJSON *c0 =
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(out, "compositeAlarms"), 0);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(c0, "ActionsSuppressor")->valuestring,
	                 "CIS-4.3-RootAccountUsage");
	cJSON_Delete(out);
	cJSON_Delete(doc);

	/* A state with no resources at all. */
	doc = parse("{\"format_version\": \"1.0\"}");
	out = normalize_ok(doc, NULL);
	cJSON *exp =
	    parse("{\"metricFilters\": [], \"metricAlarms\": [], \"compositeAlarms\": []}");
	assert_same(out, exp);
	cJSON_Delete(out);
	cJSON_Delete(doc);
	doc = parse("{\"format_version\": \"1.0\", \"values\": {\"root_module\": {}}}");
	out = normalize_ok(doc, NULL);
	assert_same(out, exp);
	cJSON_Delete(out);
	cJSON_Delete(doc);
	cJSON_Delete(exp);
}
END_TEST

/* A terraform state with one resource of type with the given values. */
#define TF(type, values)                                                                           \
	"{\"format_version\": \"1.0\", \"values\": {\"root_module\": {\"child_modules\": [{"       \
	"\"resources\": [{\"address\": \"module.m." type ".x\", \"mode\": \"managed\","            \
	" \"type\": \"" type "\", \"name\": \"x\", \"values\": " values "}]}]}}}"
#define TF_ALARM_BASE                                                                              \
	"\"alarm_name\": \"a\", \"evaluation_periods\": 1, \"comparison_operator\": "              \
	"\"LessThanThreshold\""

START_TEST(test_tf_errors)
{
	check_fail(
	    TF("aws_cloudwatch_metric_alarm",
	       "{" TF_ALARM_BASE ", \"metric_query\": [{\"id\": \"e1\", \"expression\": \"m1\"}]}"),
	    IAMW_EUNSUPPORTED,
	    NEEDLES("module.m.aws_cloudwatch_metric_alarm.x", "metric_query", "metric math"));
	check_fail(TF("aws_cloudwatch_metric_alarm",
	              "{" TF_ALARM_BASE ", \"threshold_metric_id\": \"ad1\"}"),
	           IAMW_EUNSUPPORTED, NEEDLES("threshold_metric_id"));
	check_fail(
	    TF("aws_cloudwatch_metric_alarm", "{" TF_ALARM_BASE ", \"threshold_metric_id\": 3}"),
	    IAMW_EUNSUPPORTED, NEEDLES("threshold_metric_id"));
	check_fail(TF("aws_cloudwatch_metric_alarm", "{" TF_ALARM_BASE ", \"period\": \"x\"}"),
	           IAMW_EVALIDATION, NEEDLES("module.m.aws_cloudwatch_metric_alarm.x", "period"));
	check_fail(
	    TF("aws_cloudwatch_metric_alarm", "{" TF_ALARM_BASE ", \"dimensions\": [\"x\"]}"),
	    IAMW_EJSON, NEEDLES("dimensions", "map"));
	check_fail(
	    TF("aws_cloudwatch_metric_alarm", "{" TF_ALARM_BASE ", \"dimensions\": {\"a\": {}}}"),
	    IAMW_EJSON, NEEDLES("dimensions"));
	check_fail(TF("aws_cloudwatch_metric_alarm", "{\"alarm_name\": \"a\"}"), IAMW_EVALIDATION,
	           NEEDLES("evaluation_periods", "required"));
	check_fail(TF("aws_cloudwatch_metric_alarm", "[]"), IAMW_EJSON, NEEDLES("values"));
	check_fail(TF("aws_cloudwatch_log_metric_filter",
	              "{\"name\": \"f\", \"log_group_name\": \"g\", \"pattern\": \"\"}"),
	           IAMW_EVALIDATION, NEEDLES("metric_transformation"));
	check_fail(TF("aws_cloudwatch_log_metric_filter",
	              "{\"name\": \"f\", \"log_group_name\": \"g\", \"pattern\": \"\","
	              " \"metric_transformation\": [{\"name\": \"m\", \"namespace\": \"n\","
	              " \"value\": \"1\", \"default_value\": \"zero\"}]}"),
	           IAMW_EVALIDATION, NEEDLES("metric_transformation[0].default_value", "zero"));
	check_fail(TF("aws_cloudwatch_log_metric_filter",
	              "{\"name\": \"f\", \"log_group_name\": \"g\", \"pattern\": \"\","
	              " \"metric_transformation\": {}}"),
	           IAMW_EJSON, NEEDLES("metric_transformation"));
	check_fail(TF("aws_cloudwatch_composite_alarm",
	              "{\"alarm_name\": \"c\", \"alarm_rule\": \"TRUE\", \"actions_suppressor\":"
	              " [{\"alarm\": \"a\"}, {\"alarm\": \"b\"}]}"),
	           IAMW_EVALIDATION, NEEDLES("actions_suppressor"));
	check_fail(TF("aws_cloudwatch_composite_alarm",
	              "{\"alarm_name\": \"c\", \"alarm_rule\": \"TRUE\", \"actions_suppressor\":"
	              " [{\"wait_period\": 60}]}"),
	           IAMW_EVALIDATION, NEEDLES("actions_suppressor[0].alarm", "required"));
	check_fail("{\"format_version\": \"1.0\", \"values\": []}", IAMW_EJSON, NEEDLES("values"));
	check_fail("{\"format_version\": \"1.0\", \"values\": {\"root_module\": []}}", IAMW_EJSON,
	           NEEDLES("module"));
	check_fail(
	    "{\"format_version\": \"1.0\", \"values\": {\"root_module\": {\"resources\": {}}}}",
	    IAMW_EJSON, NEEDLES("resources"));
	check_fail(
	    "{\"format_version\": \"1.0\", \"values\": {\"root_module\": {\"resources\": [1]}}}",
	    IAMW_EJSON, NEEDLES("resource"));
	check_fail(
	    "{\"format_version\": \"1.0\", \"values\": {\"root_module\": {\"child_modules\": {}}}}",
	    IAMW_EJSON, NEEDLES("child_modules"));

	/* Data sources and other types are skipped without looking at their values. */
	cJSON *doc =
	    parse("{\"format_version\": \"1.0\", \"values\": {\"root_module\": {\"resources\": ["
	          "{\"mode\": \"data\", \"type\": \"aws_cloudwatch_metric_alarm\", \"values\": 1},"
	          "{\"mode\": \"managed\", \"type\": \"aws_sns_topic\", \"values\": 1}]}}}");
	cJSON *out = normalize_ok(doc, NULL);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(out, "metricAlarms")),
	                 0);
	cJSON_Delete(out);
	cJSON_Delete(doc);
}
END_TEST

START_TEST(test_tf_plan_unknown)
{
	/* A value computed during apply cannot be converted: refuse rather than
	 * drop the alarm's actions. */
	cJSON *doc = load("terraform-plan.json");
	cJSON *rc =
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "resource_changes"), 2);
	cJSON *au = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rc, "change"),
	                                             "after_unknown");
	ck_assert(cJSON_ReplaceItemInObjectCaseSensitive(au, "alarm_actions", cJSON_CreateTrue()));
	check_fail_doc(doc, IAMW_EUNSUPPORTED,
	               NEEDLES("module.cis.aws_cloudwatch_metric_alarm.cloudtrail_changes",
	                       "alarm_actions", "apply"));
	/* Per-element unknowns count too; for blocks, anywhere inside. */
	ck_assert(
	    cJSON_ReplaceItemInObjectCaseSensitive(au, "alarm_actions", parse("[false, true]")));
	check_fail_doc(doc, IAMW_EUNSUPPORTED, NEEDLES("alarm_actions"));
	ck_assert(cJSON_ReplaceItemInObjectCaseSensitive(au, "alarm_actions", cJSON_CreateFalse()));
	cJSON *f = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "resource_changes"), 1);
	cJSON *fau = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(f, "change"),
	                                              "after_unknown");
	ck_assert(cJSON_ReplaceItemInObjectCaseSensitive(
	    fau, "metric_transformation", parse("[{\"dimensions\": {}, \"value\": true}]")));
	check_fail_doc(doc, IAMW_EUNSUPPORTED, NEEDLES("metric_transformation", "apply"));
	cJSON_Delete(doc);
}
END_TEST

/* ------------------------------------------------------------ robustness */

/* Pre-order walk to the n-th node below root; *parent receives its parent. */
static cJSON *nth_node(cJSON *node, int *n, cJSON **parent)
{
	for (cJSON *ch = node->child; ch; ch = ch->next) {
		if ((*n)-- == 0) {
			*parent = node;
			return ch;
		}
		cJSON *r = nth_node(ch, n, parent);
		if (r)
			return r;
	}
	return NULL;
}

static void check_invariants(const cJSON *doc)
{
	cJSON *out = (cJSON *)&out;
	iamw_error err;
	int rc = iamw__rules_normalize(doc, NULL, &out, &err);
	if (rc == IAMW_OK) {
		ck_assert(cJSON_IsObject(out));
		ck_assert_int_eq(err.code, IAMW_OK);
		cJSON_Delete(out);
		return;
	}
	ck_assert_ptr_null(out);
	ck_assert_msg(rc == IAMW_EJSON || rc == IAMW_EUNSUPPORTED || rc == IAMW_EVALIDATION,
	              "unexpected %s: %s", iamw_status_name(rc), err.text);
	ck_assert_int_eq(err.code, rc);
	ck_assert_str_eq(err.source, "rules");
	ck_assert(err.offset == IAMW_NO_OFFSET);
	ck_assert(err.text[0] != '\0');
}

START_TEST(test_mutations)
{
	static const char *const files[] = {"native.json", "cis-cloudformation.json",
	                                    "cfn-importvalue.json", "terraform-state.json",
	                                    "terraform-plan.json"};
	cJSON *doc = load(files[_i]);
	for (int idx = 0;; idx++) {
		for (int kind = 0; kind < 8; kind++) {
			cJSON *copy = cJSON_Duplicate(doc, 1);
			cJSON *parent = NULL;
			int n = idx;
			cJSON *node = nth_node(copy, &n, &parent);
			if (!node) {
				cJSON_Delete(copy);
				cJSON_Delete(doc);
				return;
			}
			cJSON *rep;
			switch (kind) {
			case 0: rep = cJSON_CreateNull(); break;
			case 1: rep = cJSON_CreateNumber(-1.5); break;
			case 2: rep = cJSON_CreateString(""); break;
			case 3: rep = cJSON_CreateArray(); break;
			case 4: rep = cJSON_CreateObject(); break;
			case 5: rep = cJSON_CreateTrue(); break;
			case 6: rep = parse("{\"Ref\": \"AWS::NoValue\"}"); break;
			default: rep = NULL; break; /* delete the node */
			}
			if (rep)
				ck_assert(cJSON_ReplaceItemViaPointer(parent, node, rep));
			else
				cJSON_Delete(cJSON_DetachItemViaPointer(parent, node));
			check_invariants(copy);
			cJSON_Delete(copy);
		}
	}
}
END_TEST

/* ------------------------------------------------------------ locations */

/* The locations list `key` of a located conversion, as one "a|b|c" string. */
static char *locations_of(const char *fixture, const char *key)
{
	cJSON *doc = load(fixture), *out = NULL, *locs = NULL;
	iamw_error err;
	ck_assert_int_eq(iamw__rules_normalize_located(doc, NULL, &out, &locs, &err), IAMW_OK);
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(locs, key);
	const cJSON *defs = cJSON_GetObjectItemCaseSensitive(out, key);
	ck_assert_int_eq(cJSON_GetArraySize(list), cJSON_GetArraySize(defs));
	char *joined = calloc(1, 4096);
	ck_assert_ptr_nonnull(joined);
	const cJSON *it;
	cJSON_ArrayForEach(it, list)
	{
		ck_assert(cJSON_IsString(it));
		if (joined[0])
			strcat(joined, "|");
		strcat(joined, it->valuestring);
	}
	cJSON_Delete(out);
	cJSON_Delete(locs);
	cJSON_Delete(doc);
	return joined;
}

START_TEST(test_locations)
{
	char *s = locations_of("cis-cloudformation.json", "metricFilters");
	ck_assert_str_eq(s, "Resources.UnauthorizedApiCallsFilter|Resources.RootUsageFilter|"
	                    "Resources.IamPolicyChangesFilter");
	free(s);
	s = locations_of("cis-cloudformation.json", "compositeAlarms");
	ck_assert_str_eq(s, "Resources.CisComposite");
	free(s);
	s = locations_of("terraform-state.json", "metricAlarms");
	ck_assert_str_eq(s, "aws_cloudwatch_metric_alarm.root_usage|"
	                    "module.cis.aws_cloudwatch_metric_alarm.this[\"console_signin_failures\"]");
	free(s);
	s = locations_of("native.json", "metricFilters");
	ck_assert_str_eq(s, "metricFilters[0]");
	free(s);
	s = locations_of("native.json", "metricAlarms");
	ck_assert_str_eq(s, "metricAlarms[0]");
	free(s);
	/* no locations wanted, or a failure: nothing is handed out */
	cJSON *bad = parse("{\"metricFilters\": 3}"), *out = (cJSON *)1, *locs = (cJSON *)1;
	ck_assert_int_eq(iamw__rules_normalize_located(bad, NULL, &out, &locs, NULL), IAMW_EJSON);
	ck_assert_ptr_null(out);
	ck_assert_ptr_null(locs);
	cJSON_Delete(bad);
}
END_TEST

/* ------------------------------------------------------------ suite */

static Suite *rules_convert_suite(void)
{
	Suite *s = suite_create("rules_convert");
	TCase *tc = tcase_create("detect");
	tcase_add_test(tc, test_detect);
	suite_add_tcase(s, tc);

	tc = tcase_create("native");
	tcase_add_test(tc, test_native_passthrough);
	tcase_add_test(tc, test_native_shape);
	suite_add_tcase(s, tc);

	tc = tcase_create("cloudformation");
	tcase_add_test(tc, test_cfn_cis);
	tcase_add_test(tc, test_cfn_fields);
	tcase_add_test(tc, test_cfn_importvalue);
	tcase_add_test(tc, test_cfn_intrinsics);
	tcase_add_test(tc, test_cfn_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("terraform");
	tcase_add_test(tc, test_tf_state);
	tcase_add_test(tc, test_tf_plan);
	tcase_add_test(tc, test_tf_fields);
	tcase_add_test(tc, test_tf_errors);
	tcase_add_test(tc, test_tf_plan_unknown);
	suite_add_tcase(s, tc);

	tc = tcase_create("locations");
	tcase_add_test(tc, test_locations);
	suite_add_tcase(s, tc);

	tc = tcase_create("robustness");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_mutations, 0, 5);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rules_convert_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
