/* SPDX-License-Identifier: MIT */
/*
 * test-oom.c - out-of-memory paths of every public entry point, in a
 * fault-injection build (meson -Dfault_injection=true; scripts/run-tests.sh
 * runs it under ASan). Each scenario is a sequence of public calls that
 * creates and frees everything it uses. The driver runs it with the Nth
 * allocation failing, for N = 1, 2, 3, ... until a run sees no failure,
 * and checks every time:
 *  - no crash, and every object cleanly freed (LeakSanitizer at exit);
 *  - the failure comes back as IAMW_ENOMEM (a call may also absorb it and
 *    succeed, e.g. an optional acceleration it then goes without), never as
 *    another error: out of memory must not read as "invalid JSON";
 *  - the run that sees no failure succeeds.
 * The allocations counted are the library's (common/alloc.c) and cJSON's,
 * through hooks this test installs (the library never sets them itself).
 * "Usable after failure" scenarios arm the fault around one call on a live
 * object, then check that the object still works.
 *
 * Scenarios with many thousands of allocations step N exhaustively up to
 * EXHAUSTIVE and then by a growing stride, so that the suite stays within
 * minutes; the stride is printed with each scenario's totals.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/private.h"
#include "iamw-test.h"

#ifndef IAMW_FAULT_INJECTION
#error "test-oom needs a -Dfault_injection=true build"
#endif

/* Steps beyond this are taken with a stride of about 1/STRIDE_DIV of N. */
#define EXHAUSTIVE 1500
#define STRIDE_DIV 40

static void *oom_malloc(size_t n)
{
	return iamw__fault_next() ? NULL : malloc(n);
}

static void install_cjson_hooks(void)
{
	cJSON_Hooks h = {oom_malloc, free};
	cJSON_InitHooks(&h);
}

/* A scenario returns IAMW_OK, or the first error one of its calls gave
 * (after freeing what it made). */
typedef int (*scenario)(void);

static void drive(const char *name, scenario run)
{
	install_cjson_hooks();
	long n = 1, runs = 0;
	for (;;) {
		iamw__fault_arm(n);
		int rc = run();
		int fired = iamw__fault_fired();
		iamw__fault_arm(0);
		runs++;
		if (!fired) {
			ck_assert_msg(rc == IAMW_OK, "%s: fails without any allocation failure: %s",
			              name, iamw_status_name(rc));
			break;
		}
		ck_assert_msg(rc == IAMW_OK || rc == IAMW_ENOMEM,
		              "%s: allocation %ld failed and the call said %s, not ENOMEM", name, n,
		              iamw_status_name(rc));
		n += n < EXHAUSTIVE ? 1 : n / STRIDE_DIV;
	}
	fprintf(stderr, "test-oom: %-28s %6ld allocations, %5ld runs\n", name, n, runs);
}

/* Stop a scenario at the first error: free, then return it. */
#define TRY(expr)                                                                                  \
	do {                                                                                       \
		int rc_ = (expr);                                                                  \
		if (rc_ < 0) {                                                                     \
			rc = rc_;                                                                  \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)

static const char *const sample_events[] = {
    "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":"
    "\"arn:aws:iam::111122223333:user/alice\",\"accountId\":\"111122223333\"},\"eventTime\":"
    "\"2024-07-30T21:50:10Z\",\"eventSource\":\"iam.amazonaws.com\",\"eventName\":"
    "\"CreateUser\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"198.51.100.7\","
    "\"requestParameters\":{\"userName\":\"bob\"},\"responseElements\":null}",
    "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-07-30T21:51:00Z\",\"eventSource\":"
    "\"ec2.amazonaws.com\",\"eventName\":\"DescribeInstances\",\"errorCode\":\"AccessDenied\"}",
    "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"Root\"},\"eventTime\":"
    "\"2024-07-30T21:52:30Z\",\"eventSource\":\"iam.amazonaws.com\",\"eventName\":"
    "\"AttachUserPolicy\",\"requestParameters\":{\"userName\":\"bob\",\"policyArn\":"
    "\"arn:aws:iam::aws:policy/AdministratorAccess\"}}",
    "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-07-30T22:10:00Z\",\"eventSource\":"
    "\"signin.amazonaws.com\",\"eventName\":\"ConsoleLogin\",\"responseElements\":"
    "{\"ConsoleLogin\":\"Failure\"}}",
};
#define N_EVENTS (sizeof sample_events / sizeof sample_events[0])

/* ------------------------------------------------------------ patterns */

static int sc_patterns(void)
{
	static const char *const patterns[] = {
	    "ERROR -ARGUMENTS ?WARN \"Internal Error\"",
	    "{ ($.eventSource = \"iam.amazonaws.com\") && (($.eventName = \"Create*\") || "
	    "($.userIdentity.type = Root)) && $.errorCode NOT EXISTS }",
	    "[ip, user, ..., status = 4* && status != 404, size > 1000]",
	    "%Access[A-Z]+%",
	};
	static const char *const events[] = {
	    "ERROR Internal Error in WARN",
	    "{\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"CreateUser\"}",
	    "1.2.3.4 frank x y 403 2000",
	    "AccessDenied",
	};
	int rc = IAMW_OK;
	iamw_pattern *p = NULL;
	iamw_match *m = NULL;
	char *dump = NULL, *canon = NULL, *rec = NULL;
	TRY(iamw_match_new(&m));
	for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
		iamw_error err;
		TRY(iamw_pattern_compile(&p, patterns[i], IAMW_NUL_TERMINATED,
		                         i == 1 ? IAMW_COMPILE_JSON_EXTRACT : 0, &err));
		int r = iamw_pattern_match_text(p, events[i], IAMW_NUL_TERMINATED, m);
		TRY(r);
		ck_assert_int_eq(r, 1);
		TRY(iamw_match_render_test_record(m, 1, events[i], IAMW_NUL_TERMINATED, &rec, NULL));
		TRY(iamw_pattern_dump(p, &dump, NULL));
		TRY(iamw_pattern_canonical(p, &canon, NULL));
		size_t hits = 0;
		TRY(iamw_pattern_scan_lines(p, events[i], strlen(events[i]), m, NULL, 0, &hits, NULL));
		ck_assert_uint_eq(hits, 1);
		iamw_free(rec);
		iamw_free(dump);
		iamw_free(canon);
		rec = dump = canon = NULL;
		iamw_pattern_free(p);
		p = NULL;
	}
out:
	iamw_free(rec);
	iamw_free(dump);
	iamw_free(canon);
	iamw_pattern_free(p);
	iamw_match_free(m);
	return rc;
}

/* ------------------------------------------------------ metrics */

static int sc_metric_filter(void)
{
	iamw_metric_filter *f = NULL;
	iamw_error err;
	int rc = iamw_metric_filter_from_json(
	    &f,
	    "{\"filterName\":\"lat\",\"filterPattern\":\"{ $.latency > 10 }\","
	    "\"metricTransformations\":[{\"metricName\":\"L\",\"metricNamespace\":\"App\","
	    "\"metricValue\":\"$.latency\",\"dimensions\":{\"Type\":\"$.type\"},\"unit\":"
	    "\"Milliseconds\"}]}",
	    IAMW_NUL_TERMINATED, &err);
	iamw_metric_filter_free(f);
	return rc;
}

static int sc_aggregator(void)
{
	int rc = IAMW_OK;
	iamw_aggregator *a = NULL, *b = NULL, *c = NULL;
	char *saved = NULL;
	size_t len;
	TRY(iamw_aggregator_new(&a, 0, 0));
	TRY(iamw_aggregator_new(&b, 0, 0));
	iamw_dimension d = {"Type", "x"};
	/* enough distinct values to turn one bucket into a sketch */
	for (int i = 0; i < 1500; i++)
		TRY(iamw_aggregator_add(i % 2 ? a : b, "App", "L", i % 3 ? &d : NULL, i % 3 ? 1 : 0,
		                        NULL, 60000 + (i % 5) * 60000, (double)i * 1.5));
	TRY(iamw_aggregator_merge(a, b));
	double v;
	TRY(iamw_aggregator_get(a, "App", "L", NULL, 0, NULL, 60000, 60000, "p99", &v, NULL));
	TRY(iamw_aggregator_get(a, "App", "L", &d, 1, NULL, 60000, 300000, "TM(10%:90%)", &v, NULL));
	TRY(iamw_aggregator_save(a, &saved, &len));
	TRY(iamw_aggregator_restore(&c, saved, len, NULL));
out:
	iamw_free(saved);
	iamw_aggregator_free(a);
	iamw_aggregator_free(b);
	iamw_aggregator_free(c);
	return rc;
}

/* ------------------------------------------------------ engine */

static const char rules_doc[] =
    "{\"metricFilters\":[{\"filterName\":\"iam\",\"filterPattern\":\"{ $.eventSource = "
    "\\\"iam.amazonaws.com\\\" }\",\"metricTransformations\":[{\"metricName\":\"IAM\","
    "\"metricNamespace\":\"T\",\"metricValue\":\"1\"}]},{\"filterName\":\"denied\","
    "\"filterPattern\":\"{ $.errorCode = AccessDenied }\",\"metricTransformations\":[{"
    "\"metricName\":\"Denied\",\"metricNamespace\":\"T\",\"metricValue\":\"1\","
    "\"defaultValue\":0}]}],\"metricAlarms\":[{\"AlarmName\":\"A\",\"MetricName\":\"IAM\","
    "\"Namespace\":\"T\",\"Statistic\":\"Sum\",\"Period\":60,\"EvaluationPeriods\":1,"
    "\"Threshold\":1,\"ComparisonOperator\":\"GreaterThanOrEqualToThreshold\","
    "\"AlarmActions\":[\"arn:aws:sns:us-east-1:123456789012:t\"]},{\"AlarmName\":\"B\","
    "\"MetricName\":\"Denied\",\"Namespace\":\"T\",\"ExtendedStatistic\":\"p90\",\"Period\":"
    "300,\"EvaluationPeriods\":2,\"DatapointsToAlarm\":1,\"Threshold\":0.5,"
    "\"ComparisonOperator\":\"GreaterThanThreshold\",\"TreatMissingData\":\"notBreaching\"}],"
    "\"compositeAlarms\":[{\"AlarmName\":\"C\",\"AlarmRule\":\"ALARM(A) OR ALARM(\\\"B\\\")\","
    "\"ActionsSuppressor\":\"B\",\"ActionsSuppressorWaitPeriod\":60,"
    "\"ActionsSuppressorExtensionPeriod\":60,\"AlarmActions\":"
    "[\"arn:aws:sns:us-east-1:123456789012:t\"]}]}";

typedef struct render_ctx {
	int rc;
} render_ctx;

/* Render every notification in every format; remember the first failure. */
static void render_all(const iamw_notification *n, void *payload)
{
	render_ctx *r = payload;
	static const iamw_render_format formats[] = {IAMW_RENDER_SNS, IAMW_RENDER_SNS_SUBJECT,
	                                             IAMW_RENDER_EVENTBRIDGE, IAMW_RENDER_LAMBDA,
	                                             IAMW_RENDER_TEXT};
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		char *out;
		int rc = iamw_notification_render(n, formats[i], &out, NULL);
		if (rc < 0 && r->rc == IAMW_OK)
			r->rc = rc;
		if (rc == IAMW_OK)
			iamw_free(out);
	}
}

static int new_engine(iamw_engine **e, render_ctx *r)
{
	iamw_error err;
	int rc = iamw_engine_new(e, NULL);
	if (rc == IAMW_OK)
		rc = iamw_engine_load_rules(*e, rules_doc, sizeof rules_doc - 1, &err);
	if (rc == IAMW_OK)
		rc = iamw_engine_set_notify_cb(*e, render_all, r);
	return rc;
}

static int sc_engine(void)
{
	int rc = IAMW_OK;
	render_ctx r = {IAMW_OK};
	iamw_engine *e = NULL, *f = NULL, *g = NULL, *h = NULL;
	char *state = NULL, *partial = NULL;
	size_t len, plen;
	TRY(new_engine(&e, &r));
	TRY(new_engine(&h, &r));
	for (size_t i = 0; i < N_EVENTS; i++) {
		TRY(iamw_engine_ingest_text(e, sample_events[i], IAMW_NUL_TERMINATED, IAMW_NO_TIME));
		TRY(iamw_engine_ingest_text(h, sample_events[i], IAMW_NUL_TERMINATED, IAMW_NO_TIME));
		TRY(iamw_engine_advance(e, iamw_engine_latest_event_time(e)));
		TRY(r.rc);
	}
	TRY(iamw_engine_save_state(e, &state, &len));
	TRY(iamw_engine_save_state(h, &partial, &plen));
	TRY(new_engine(&f, &r));
	iamw_error err;
	TRY(iamw_engine_restore_state(f, state, len, &err));
	TRY(iamw_engine_drain(f));
	TRY(r.rc);
	/* the split-scan reduce */
	TRY(new_engine(&g, &r));
	TRY(iamw_engine_merge_state(g, partial, plen, &err));
	TRY(iamw_engine_replay_clock(g, IAMW_REPLAY_DRAIN));
	TRY(r.rc);
out:
	iamw_free(state);
	iamw_free(partial);
	iamw_engine_free(e);
	iamw_engine_free(f);
	iamw_engine_free(g);
	iamw_engine_free(h);
	return rc;
}

static int sc_engine_lines_and_packs(void)
{
	int rc = IAMW_OK;
	iamw_engine *e = NULL;
	iamw_load_error le;
	char lines[4096] = "";
	for (size_t i = 0; i < N_EVENTS; i++) {
		strcat(lines, sample_events[i]);
		strcat(lines, "\n");
	}
	TRY(iamw_engine_new(&e, NULL));
	TRY(iamw_engine_load_pack(e, "iam-changes", NULL));
	TRY(iamw_engine_load_rules_from(e, rules_doc, sizeof rules_doc - 1, "rules.json", &le));
	iamw_ingest_report rep;
	TRY(iamw_engine_ingest_lines(e, lines, strlen(lines), IAMW_INGEST_ADVANCE, &rep));
	TRY(iamw_engine_drain(e));
out:
	iamw_engine_free(e);
	return rc;
}

static int sc_rules_normalize(void)
{
	static const char cfn[] =
	    "{\"Parameters\":{\"Topic\":{\"Type\":\"String\",\"Default\":\"alerts\"}},\"Resources\":{"
	    "\"F\":{\"Type\":\"AWS::Logs::MetricFilter\",\"Properties\":{\"LogGroupName\":\"g\","
	    "\"FilterPattern\":\"{ $.eventName = CreateUser }\",\"MetricTransformations\":[{"
	    "\"MetricName\":\"M\",\"MetricNamespace\":\"N\",\"MetricValue\":\"1\"}]}},\"A\":{\"Type\":"
	    "\"AWS::CloudWatch::Alarm\",\"Properties\":{\"MetricName\":\"M\",\"Namespace\":\"N\","
	    "\"Statistic\":\"Sum\",\"Period\":300,\"EvaluationPeriods\":1,\"Threshold\":1,"
	    "\"ComparisonOperator\":\"GreaterThanOrEqualToThreshold\",\"AlarmActions\":[{\"Fn::Sub\":"
	    "\"arn:aws:sns:${AWS::Region}:${AWS::AccountId}:${Topic}\"}]}}}}";
	char *out = NULL;
	iamw_error err;
	int rc = iamw_rules_normalize(cfn, sizeof cfn - 1, NULL, NULL, &out, NULL, &err);
	iamw_free(out);
	return rc;
}

/* ------------------------------------------------------ records */

typedef struct counts {
	size_t records, problems;
} counts;

static int on_record(const iamw_record *r, void *payload)
{
	(void)r;
	((counts *)payload)->records++;
	return 0;
}

static int on_problem(const iamw_record_problem *p, void *payload)
{
	(void)p;
	((counts *)payload)->problems++;
	return 0;
}

static int sc_decoder(void)
{
	static const char *const inputs[] = {
	    "{\"Records\":[{\"eventTime\":\"2024-07-30T21:50:10Z\",\"eventName\":\"A\"},\n"
	    "{\"eventTime\":\"2024-07-30T21:50:11Z\",\"eventName\":\"B\"}]}\n",
	    "{\"eventTime\":\"2024-07-30T21:50:10Z\"}\nnot json\n{\"eventName\":\"x\"}\n",
	    "{\"events\":[{\"timestamp\":1722376210000,\"message\":\"{\\\"eventName\\\":\\\"A\\\"}\"}]}",
	    "{\"detail-type\":\"AWS API Call via CloudTrail\",\"detail\":{\"eventName\":\"A\"}}\n",
	};
	int rc = IAMW_OK;
	iamw_decoder *d = NULL;
	counts c = {0, 0};
	TRY(iamw_decoder_new(&d, NULL));
	TRY(iamw_decoder_set_callbacks(d, on_record, on_problem, &c));
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		size_t n = strlen(inputs[i]);
		/* in two pieces, so that partial values are held across feeds */
		TRY(iamw_decoder_feed(d, inputs[i], n / 2));
		TRY(iamw_decoder_feed(d, inputs[i] + n / 2, n - n / 2));
		TRY(iamw_decoder_finish(d));
	}
	ck_assert_uint_eq(c.records, 6);
out:
	iamw_decoder_free(d);
	return rc;
}

static int sc_replay_bytes(void)
{
	int rc = IAMW_OK;
	iamw_decoder *d = NULL;
	iamw_engine *e = NULL;
	render_ctx r = {IAMW_OK};
	char doc[4096] = "{\"Records\":[";
	for (size_t i = 0; i < N_EVENTS; i++) {
		strcat(doc, sample_events[i]);
		strcat(doc, i + 1 < N_EVENTS ? "," : "]}");
	}
	TRY(iamw_decoder_new(&d, NULL));
	TRY(new_engine(&e, &r));
	iamw_replay_report rep;
	TRY(iamw_engine_ingest_bytes(e, d, doc, strlen(doc), IAMW_INGEST_ADVANCE, &rep));
	TRY(iamw_engine_ingest_finish(e, d, IAMW_INGEST_ADVANCE, NULL, &rep));
	TRY(r.rc);
out:
	iamw_engine_free(e);
	iamw_decoder_free(d);
	return rc;
}

/* ------------------------------------------------------ analysis */

static int on_finding(const iamw_lint_finding *f, void *payload)
{
	(void)f;
	(*(size_t *)payload)++;
	return 0;
}

static int sc_lint(void)
{
	int rc = IAMW_OK;
	iamw_knowledge *k = NULL;
	size_t n = 0;
	iamw_lint_options o;
	iamw_error err;
	TRY(iamw_lint_options_init(&o, 1));
	o.on_finding = on_finding;
	o.payload = &n;
	TRY(iamw_knowledge_new(&k));
	TRY(iamw_lint_pattern(k, "{ ($.eventSource = \"iam.amazonaws.com\") && ($.eventName = "
	                         "\"Add\") || $.errorCode != \"x\" }",
	                      IAMW_NUL_TERMINATED, &o, &err));
	TRY(iamw_lint_rules(k, rules_doc, sizeof rules_doc - 1, &o, &err));
out:
	iamw_knowledge_free(k);
	return rc;
}

static int sc_coverage(void)
{
	int rc = IAMW_OK;
	iamw_coverage *c = NULL;
	char *json = NULL;
	iamw_error err;
	static const char one_control[] =
	    "{\"metricFilters\":[{\"filterName\":\"root\",\"filterPattern\":\"{ "
	    "$.userIdentity.type = \\\"Root\\\" && $.userIdentity.invokedBy NOT EXISTS && "
	    "$.eventType != \\\"AwsServiceEvent\\\" }\",\"metricTransformations\":[{\"metricName\":"
	    "\"RootUsage\",\"metricNamespace\":\"CIS\",\"metricValue\":\"1\"}]}],\"metricAlarms\":[{"
	    "\"AlarmName\":\"root\",\"MetricName\":\"RootUsage\",\"Namespace\":\"CIS\",\"Statistic\":"
	    "\"Sum\",\"Period\":300,\"EvaluationPeriods\":1,\"Threshold\":2,\"ComparisonOperator\":"
	    "\"GreaterThanOrEqualToThreshold\",\"AlarmActions\":[\"arn:aws:sns:us-east-1:"
	    "123456789012:t\"]}]}";
	TRY(iamw_coverage_new(&c, "cis@1.2", &err));
	TRY(iamw_coverage_add_rules(c, one_control, sizeof one_control - 1, "one.json", &err));
	TRY(iamw_coverage_run(c));
	TRY(iamw_coverage_json(c, &json, NULL));
out:
	iamw_free(json);
	iamw_coverage_free(c);
	return rc;
}

/* ------------------------------------------------------ usable after failure */

/* An engine whose ingest or advance ran out of memory keeps working: the
 * same calls succeed afterwards, and the run ends where a run without the
 * failure ends (same alarm states). */
START_TEST(engine_usable_after_failure)
{
	install_cjson_hooks();
	render_ctx r = {IAMW_OK};
	iamw_engine *ref;
	ck_assert_int_eq(new_engine(&ref, &r), IAMW_OK);
	for (size_t i = 0; i < N_EVENTS; i++) {
		ck_assert_int_ge(iamw_engine_ingest_text(ref, sample_events[i], IAMW_NUL_TERMINATED,
		                                         IAMW_NO_TIME),
		                 0);
		ck_assert_int_ge(iamw_engine_advance(ref, iamw_engine_latest_event_time(ref)), 0);
	}
	ck_assert_int_ge(iamw_engine_drain(ref), 0);
	for (long n = 1; n < 400; n++) {
		iamw_engine *e;
		ck_assert_int_eq(new_engine(&e, &r), IAMW_OK);
		int fired = 0;
		for (size_t i = 0; i < N_EVENTS; i++) {
			iamw__fault_arm(fired ? 0 : n);
			int a = iamw_engine_ingest_text(e, sample_events[i], IAMW_NUL_TERMINATED,
			                                IAMW_NO_TIME);
			int b = a < 0 ? a : iamw_engine_advance(e, iamw_engine_latest_event_time(e));
			int f = iamw__fault_fired();
			iamw__fault_arm(0);
			if (f && !fired) {
				fired = 1;
				ck_assert(a >= 0 || a == IAMW_ENOMEM);
				ck_assert(b >= 0 || b == IAMW_ENOMEM);
				/* the same event again, now with memory */
				if (a < 0)
					ck_assert_int_ge(iamw_engine_ingest_text(e, sample_events[i],
					                                         IAMW_NUL_TERMINATED,
					                                         IAMW_NO_TIME),
					                 0);
				ck_assert_int_ge(iamw_engine_advance(e, iamw_engine_latest_event_time(e)), 0);
			} else {
				ck_assert_int_ge(a, 0);
				ck_assert_int_ge(b, 0);
			}
		}
		ck_assert_int_ge(iamw_engine_drain(e), 0);
		for (size_t k = 0; k < iamw_engine_alarm_count(ref); k++) {
			iamw_alarm_state s1, s2;
			ck_assert_int_eq(iamw_engine_alarm_state(ref, iamw_engine_alarm_name(ref, k), &s1), 1);
			ck_assert_int_eq(iamw_engine_alarm_state(e, iamw_engine_alarm_name(ref, k), &s2), 1);
			ck_assert_int_eq(s1, s2);
		}
		iamw_engine_free(e);
		if (!fired)
			break;
	}
	iamw_engine_free(ref);
}
END_TEST

/* ------------------------------------------------------ suite */

#define SCENARIO(fn)                                                                               \
	START_TEST(test_##fn)                                                                      \
	{                                                                                          \
		drive(#fn, fn);                                                                    \
	}                                                                                          \
	END_TEST

SCENARIO(sc_patterns)
SCENARIO(sc_metric_filter)
SCENARIO(sc_aggregator)
SCENARIO(sc_engine)
SCENARIO(sc_engine_lines_and_packs)
SCENARIO(sc_rules_normalize)
SCENARIO(sc_decoder)
SCENARIO(sc_replay_bytes)
SCENARIO(sc_lint)
SCENARIO(sc_coverage)

static Suite *oom_suite(void)
{
	Suite *s = suite_create("oom");
	TCase *tc = tcase_create("every entry point");
	tcase_set_timeout(tc, 1200);
	tcase_add_test(tc, test_sc_patterns);
	tcase_add_test(tc, test_sc_metric_filter);
	tcase_add_test(tc, test_sc_aggregator);
	tcase_add_test(tc, test_sc_engine);
	tcase_add_test(tc, test_sc_engine_lines_and_packs);
	tcase_add_test(tc, test_sc_rules_normalize);
	tcase_add_test(tc, test_sc_decoder);
	tcase_add_test(tc, test_sc_replay_bytes);
	tcase_add_test(tc, test_sc_lint);
	tcase_add_test(tc, test_sc_coverage);
	tcase_add_test(tc, engine_usable_after_failure);
	suite_add_tcase(s, tc);
	return s;
}

IAMW_TEST_MAIN(oom_suite)
