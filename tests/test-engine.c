/* SPDX-License-Identifier: MIT */
/*
 * test-engine.c - the engine through the public API: metric filter rules,
 * data points, defaultValue, a replay of real CloudTrail events against the
 * IAM-change filter and the CIS 4.4 alarm with the notification sequence
 * worked out by hand, composites, save -> restore -> continue equivalence,
 * aggregator merge equivalence, and the error paths.
 *
 * The hand computation for the replay (invictus-ir 2023 dataset, sorted by
 * eventTime, first record 11:42:18, last 12:37:50 on 2023-07-10): the
 * alarm is Sum >= 1 over 300 s, N = M = 1, range 5, evaluated each minute.
 * The first IAM policy change is at 11:54:39 and the last at 12:28:34; no
 * gap between two changes exceeds 25 minutes. So the evaluation at
 * 11:55:00 (newest period [11:50, 11:55)) finds Sum 1 and goes to ALARM,
 * and the alarm stays there while a change lies in [T - 25 min, T): the
 * last such T is 12:53:00, so at 12:54:00 all five periods are missing and
 * it returns to INSUFFICIENT_DATA (TreatMissingData missing) or goes to OK
 * (notBreaching, which also turns INSUFFICIENT_DATA into OK at the first
 * evaluation, 11:43:00). The IAM-change filter's last match is 12:28:41,
 * giving the same times.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "iamw-test.h"

#define MS(h, m, s) ((int64_t)1688947200000 + (((h)*3600 + (m)*60 + (s)) * (int64_t)1000))
/* 1688947200000 = 2023-07-10T00:00:00Z */

#define IAM_CHANGES_FILTER                                                                         \
	"{\"filterName\":\"IAMChanges\",\"filterPattern\":\"{ ($.eventSource = "                 \
	"\\\"iam.amazonaws.com\\\") && (($.eventName = \\\"Create*\\\") || ($.eventName = "       \
	"\\\"Delete*\\\") || ($.eventName = \\\"Put*\\\") || ($.eventName = \\\"Attach*\\\") || "  \
	"($.eventName = \\\"Detach*\\\") || ($.eventName = \\\"Update*\\\") || ($.eventName = "   \
	"\\\"Add*\\\") || ($.eventName = \\\"Remove*\\\")) }\",\"metricTransformations\":[{"       \
	"\"metricName\":\"IAMChangeCount\",\"metricNamespace\":\"CloudTrailMetrics\","              \
	"\"metricValue\":\"1\"}]}"

#define CIS_44_FILTER                                                                              \
	"{\"filterName\":\"iam_changes_metric\",\"filterPattern\":\"{($.eventName=DeleteGroupPolicy)" \
	"||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName="         \
	"PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=" \
	"CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($."       \
	"eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName="           \
	"DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($."  \
	"eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}\",\"metricTransformations\":" \
	"[{\"metricName\":\"iam_changes_metric\",\"metricNamespace\":\"CISBenchmark\","            \
	"\"metricValue\":\"1\"}]}"

#define ALARM_JSON(name, metric, ns, treat)                                                        \
	"{\"AlarmName\":\"" name "\",\"MetricName\":\"" metric "\",\"Namespace\":\"" ns             \
	"\",\"Statistic\":\"Sum\",\"Period\":300,\"EvaluationPeriods\":1,\"Threshold\":1,"          \
	"\"ComparisonOperator\":\"GreaterThanOrEqualToThreshold\"" treat                            \
	",\"AlarmActions\":[\"arn:aws:sns:us-east-1:123456789012:alerts\"]}"

/* ------------------------------------------------------------------ recorder */

typedef struct event_rec {
	char name[64];
	iamw_alarm_state from, to;
	int64_t at;
	char reason[512];
	char sns[4096];
} event_rec;

typedef struct recorder {
	event_rec ev[64];
	size_t n;
	iamw_engine *engine; /* for the re-entrancy check */
	int busy_seen;
} recorder;

static void record_cb(const iamw_notification *n, void *payload)
{
	recorder *r = payload;
	if (r->engine)
		r->busy_seen |= iamw_engine_advance(r->engine, INT64_MAX / 2) == IAMW_EBUSY;
	if (r->n >= 64)
		return;
	event_rec *e = &r->ev[r->n++];
	snprintf(e->name, sizeof e->name, "%s", iamw_notification_alarm_name(n));
	e->from = iamw_notification_old_state(n);
	e->to = iamw_notification_new_state(n);
	e->at = iamw_notification_time(n);
	snprintf(e->reason, sizeof e->reason, "%s", iamw_notification_reason(n));
	char *sns;
	ck_assert_int_eq(iamw_notification_render(n, IAMW_RENDER_SNS, &sns, NULL), IAMW_OK);
	snprintf(e->sns, sizeof e->sns, "%s", sns);
	iamw_free(sns);
}

static iamw_engine *engine_with(const char *const *defs, size_t n)
{
	iamw_engine *e;
	ck_assert_int_eq(iamw_engine_new(&e, NULL), IAMW_OK);
	for (size_t i = 0; i < n; i++) {
		iamw_error err;
		int rc;
		if (strstr(defs[i], "\"filterName\""))
			rc = iamw_engine_put_metric_filter(e, defs[i], IAMW_NUL_TERMINATED, &err);
		else
			rc = iamw_engine_put_metric_alarm(e, defs[i], IAMW_NUL_TERMINATED, &err);
		ck_assert_msg(rc == IAMW_OK, "definition %zu: %s", i, err.text);
	}
	return e;
}

/* ------------------------------------------------------------------ corpus */

typedef struct lines {
	char **v;
	size_t *len;
	size_t n;
} lines;

static lines read_lines(const char *path)
{
	lines l = {0};
	gzFile gz = gzopen(path, "rb");
	ck_assert_msg(gz != NULL, "cannot open %s", path);
	static char buf[1 << 20];
	size_t cap = 0;
	while (gzgets(gz, buf, sizeof buf)) {
		size_t n = strlen(buf);
		while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			n--;
		if (l.n == cap) {
			cap = cap ? cap * 2 : 1024;
			l.v = realloc(l.v, cap * sizeof *l.v);
			l.len = realloc(l.len, cap * sizeof *l.len);
		}
		l.v[l.n] = strndup(buf, n);
		l.len[l.n++] = n;
	}
	gzclose(gz);
	return l;
}

static void free_lines(lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->len);
}

static lines invictus(void)
{
	const char *dir = getenv("IAMW_CORPUS_DIR");
	ck_assert_ptr_nonnull(dir);
	char path[4096];
	snprintf(path, sizeof path, "%s/invictus_ir_aws_dataset_2023.ndjson.gz", dir);
	return read_lines(path);
}

static int64_t line_time(const char *line)
{
	cJSON *t = cJSON_Parse(line);
	const cJSON *et = cJSON_GetObjectItemCaseSensitive(t, "eventTime");
	int y, mo, d, h, mi, s;
	ck_assert(cJSON_IsString(et));
	ck_assert_int_eq(sscanf(et->valuestring, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &s), 6);
	cJSON_Delete(t);
	ck_assert(y == 2023 && mo == 7 && d == 10);
	return MS(h, mi, s);
}

/* Feed lines [from, to) the way `iamwatch scan` does: ingest, then move the
 * clock to the event's time. */
static void replay(iamw_engine *e, const lines *l, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		ck_assert_int_ge(iamw_engine_ingest_text(e, l->v[i], l->len[i], IAMW_NO_TIME), 0);
		ck_assert_int_ge(iamw_engine_advance(e, line_time(l->v[i])), 0);
	}
}

/* ------------------------------------------------------------------ tests */

START_TEST(replay_cis_44_missing)
{
	lines l = invictus();
	ck_assert_uint_eq(l.n, 2900);
	const char *defs[] = {CIS_44_FILTER, ALARM_JSON("CIS-4.4-IAMPolicyChanges",
	                                                  "iam_changes_metric", "CISBenchmark", "")};
	iamw_engine *e = engine_with(defs, 2);
	recorder r = {.n = 0, .engine = e};
	iamw_engine_set_notify_cb(e, record_cb, &r);
	replay(e, &l, 0, l.n);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_int_ge(iamw_engine_drain(e), 1);
	ck_assert_uint_eq(r.n, 2);
	ck_assert(r.busy_seen);
	ck_assert_str_eq(r.ev[0].name, "CIS-4.4-IAMPolicyChanges");
	ck_assert_int_eq(r.ev[0].from, IAMW_STATE_INSUFFICIENT_DATA);
	ck_assert_int_eq(r.ev[0].to, IAMW_STATE_ALARM);
	ck_assert_int_eq(r.ev[0].at, MS(11, 55, 0));
	ck_assert_str_eq(r.ev[0].reason, "Threshold Crossed: 1 datapoint [1.0 (10/07/23 11:50:00)] "
	                                 "was greater than or equal to the threshold (1.0).");
	ck_assert_int_eq(r.ev[1].from, IAMW_STATE_ALARM);
	ck_assert_int_eq(r.ev[1].to, IAMW_STATE_INSUFFICIENT_DATA);
	ck_assert_int_eq(r.ev[1].at, MS(12, 54, 0));
	ck_assert_str_eq(r.ev[1].reason, "Insufficient Data: 5 datapoints were unknown.");
	/* The SNS body carries the configuration and the transition. */
	cJSON *sns = cJSON_Parse(r.ev[0].sns);
	ck_assert_ptr_nonnull(sns);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(sns, "NewStateValue")->valuestring, "ALARM");
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(sns, "StateChangeTime")->valuestring,
	                 "2023-07-10T11:55:00.000+0000");
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(sns, "Region")->valuestring,
	                 "US East (N. Virginia)");
	const cJSON *trig = cJSON_GetObjectItemCaseSensitive(sns, "Trigger");
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(trig, "Statistic")->valuestring, "SUM");
	cJSON_Delete(sns);
	uint64_t matches, points, skipped;
	ck_assert_int_eq(iamw_engine_filter_counts(e, 0, &matches, &points, &skipped), 1);
	ck_assert_uint_eq(matches, 26); /* jq over the same file */
	ck_assert_uint_eq(points, 26);
	ck_assert_uint_eq(skipped, 0);
	iamw_alarm_state s;
	ck_assert_int_eq(iamw_engine_alarm_state(e, "CIS-4.4-IAMPolicyChanges", &s), 1);
	ck_assert_int_eq(s, IAMW_STATE_INSUFFICIENT_DATA);
	iamw_engine_free(e);
	free_lines(&l);
}
END_TEST

START_TEST(replay_iam_changes_not_breaching)
{
	lines l = invictus();
	const char *defs[] = {IAM_CHANGES_FILTER,
	                      ALARM_JSON("IAMChanges", "IAMChangeCount", "CloudTrailMetrics",
	                                 ",\"TreatMissingData\":\"notBreaching\"")};
	iamw_engine *e = engine_with(defs, 2);
	recorder r = {0};
	iamw_engine_set_notify_cb(e, record_cb, &r);
	replay(e, &l, 0, l.n);
	iamw_engine_drain(e);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_int_eq(r.ev[0].to, IAMW_STATE_OK);
	ck_assert_int_eq(r.ev[0].at, MS(11, 43, 0));
	ck_assert_str_eq(r.ev[0].reason, "Threshold Crossed: no datapoints were received for 1 period "
	                                 "and 1 missing datapoint was treated as [NonBreaching].");
	ck_assert_int_eq(r.ev[1].to, IAMW_STATE_ALARM);
	ck_assert_int_eq(r.ev[1].at, MS(11, 55, 0));
	ck_assert_int_eq(r.ev[2].to, IAMW_STATE_OK);
	ck_assert_int_eq(r.ev[2].at, MS(12, 54, 0));
	uint64_t matches;
	iamw_engine_filter_counts(e, 0, &matches, NULL, NULL);
	ck_assert_uint_eq(matches, 85); /* jq over the same file */
	iamw_engine_free(e);
	free_lines(&l);
}
END_TEST

/* save -> restore into a fresh engine -> continue must give exactly the
 * notifications of an uninterrupted run, wherever the split falls. */
START_TEST(save_restore_continue)
{
	lines l = invictus();
	const char *defs[] = {CIS_44_FILTER, IAM_CHANGES_FILTER,
	                      ALARM_JSON("CIS-4.4", "iam_changes_metric", "CISBenchmark", ""),
	                      ALARM_JSON("IAMChanges", "IAMChangeCount", "CloudTrailMetrics",
	                                 ",\"TreatMissingData\":\"notBreaching\"")};
	iamw_engine *whole = engine_with(defs, 4);
	recorder all = {0};
	iamw_engine_set_notify_cb(whole, record_cb, &all);
	replay(whole, &l, 0, l.n);
	iamw_engine_drain(whole);
	ck_assert_uint_eq(all.n, 5);
	size_t splits[] = {1, 500, 1234, 1700, 2222, 2899};
	for (size_t k = 0; k < sizeof splits / sizeof splits[0]; k++) {
		iamw_engine *a = engine_with(defs, 4);
		recorder parts = {0};
		iamw_engine_set_notify_cb(a, record_cb, &parts);
		replay(a, &l, 0, splits[k]);
		char *state;
		size_t len;
		ck_assert_int_eq(iamw_engine_save_state(a, &state, &len), IAMW_OK);
		iamw_engine_free(a);
		iamw_engine *b = engine_with(defs, 4);
		iamw_error err;
		ck_assert_msg(iamw_engine_restore_state(b, state, len, &err) == IAMW_OK, "%s", err.text);
		/* Saving right after restoring gives the same bytes. */
		char *again;
		ck_assert_int_eq(iamw_engine_save_state(b, &again, NULL), IAMW_OK);
		ck_assert_str_eq(state, again);
		iamw_free(again);
		iamw_free(state);
		iamw_engine_set_notify_cb(b, record_cb, &parts);
		replay(b, &l, splits[k], l.n);
		iamw_engine_drain(b);
		ck_assert_uint_eq(parts.n, all.n);
		for (size_t i = 0; i < all.n; i++) {
			ck_assert_str_eq(parts.ev[i].name, all.ev[i].name);
			ck_assert_int_eq(parts.ev[i].at, all.ev[i].at);
			ck_assert_int_eq(parts.ev[i].to, all.ev[i].to);
			ck_assert_str_eq(parts.ev[i].reason, all.ev[i].reason);
			ck_assert_str_eq(parts.ev[i].sns, all.ev[i].sns);
		}
		iamw_engine_free(b);
	}
	iamw_engine_free(whole);
	free_lines(&l);
}
END_TEST

START_TEST(restore_rejects_bad_state)
{
	const char *defs[] = {CIS_44_FILTER, ALARM_JSON("A", "iam_changes_metric", "CISBenchmark", "")};
	iamw_engine *e = engine_with(defs, 2);
	ck_assert_int_ge(iamw_engine_ingest_text(e, "{\"eventName\":\"PutRolePolicy\",\"eventTime\":"
	                                            "\"2023-07-10T11:54:39Z\"}",
	                                         IAMW_NUL_TERMINATED, IAMW_NO_TIME),
	                 1);
	iamw_engine_advance(e, MS(11, 54, 39));
	iamw_engine_advance(e, MS(11, 56, 0));
	char *state;
	size_t len;
	ck_assert_int_eq(iamw_engine_save_state(e, &state, &len), IAMW_OK);
	iamw_error err;
	/* Truncated. */
	for (size_t cut = 0; cut < len; cut += len / 7 + 1)
		ck_assert_int_eq(iamw_engine_restore_state(e, state, cut, &err), IAMW_ESTATE);
	/* Wrong version and wrong format. */
	char *v2 = strdup(state);
	memcpy(strstr(v2, "\"version\":1"), "\"version\":2", 11);
	ck_assert_int_eq(iamw_engine_restore_state(e, v2, IAMW_NUL_TERMINATED, &err), IAMW_ESTATE);
	ck_assert_ptr_nonnull(strstr(err.text, "version"));
	free(v2);
	ck_assert_int_eq(iamw_engine_restore_state(e, "{\"format\":\"other\"}", IAMW_NUL_TERMINATED,
	                                           &err),
	                 IAMW_ESTATE);
	/* State for an alarm the rules do not define. */
	const char *defs2[] = {CIS_44_FILTER, ALARM_JSON("B", "iam_changes_metric", "CISBenchmark", "")};
	iamw_engine *other = engine_with(defs2, 2);
	ck_assert_int_eq(iamw_engine_restore_state(other, state, len, &err), IAMW_ESTATE);
	ck_assert_ptr_nonnull(strstr(err.text, "'A'"));
	/* Nothing was half-loaded: the rejected engine still has its own state. */
	ck_assert_int_eq(iamw_engine_clock(other), IAMW_NO_TIME);
	iamw_alarm_state s;
	iamw_engine_alarm_state(e, "A", &s);
	ck_assert_int_eq(s, IAMW_STATE_ALARM);
	iamw_engine_free(other);
	iamw_free(state);
	iamw_engine_free(e);
}
END_TEST

START_TEST(metric_filter_validation)
{
	struct {
		const char *json;
		int code;
		const char *text;
	} cases[] = {
	    {"{\"filterName\":\"f\",\"filterPattern\":\"?ERROR ?WARN\",\"metricTransformations\":[{"
	     "\"metricName\":\"m\",\"metricNamespace\":\"n\",\"metricValue\":\"1\",\"dimensions\":{"
	     "\"a\":\"$.a\"}}]}",
	     IAMW_EVALIDATION, "does not support dimensions"},
	    {"{\"filterName\":\"f\",\"filterPattern\":\"{ $.a = 1 }\",\"metricTransformations\":[{"
	     "\"metricName\":\"m\",\"metricNamespace\":\"n\",\"metricValue\":\"1\",\"defaultValue\":0,"
	     "\"dimensions\":{\"a\":\"$.a\"}}]}",
	     IAMW_EVALIDATION, "can't assign a default value"},
	    {"{\"filterName\":\"f\",\"filterPattern\":\"x\",\"metricTransformations\":[{\"metricName\":"
	     "\"m\",\"metricNamespace\":\"n\",\"metricValue\":\"1\"},{\"metricName\":\"m2\","
	     "\"metricNamespace\":\"n\",\"metricValue\":\"1\"}]}",
	     IAMW_EVALIDATION, "less than or equal to 1"},
	    {"{\"filterName\":\"f\",\"filterPattern\":\"[a, length]\",\"metricTransformations\":[{"
	     "\"metricName\":\"m\",\"metricNamespace\":\"n\",\"metricValue\":\"length\"}]}",
	     IAMW_EVALIDATION, "must be a number or a reference"},
	    {"{\"filterName\":\"f\",\"filterPattern\":\"[a, b]\",\"metricTransformations\":[{"
	     "\"metricName\":\"m\",\"metricNamespace\":\"n\",\"metricValue\":\"$c\"}]}",
	     IAMW_EVALIDATION, "not a field of the pattern"},
	    {"{\"filterName\":\"f\",\"filterPattern\":\"x\",\"metricTransformations\":[{\"metricName\":"
	     "\"m:x\",\"metricNamespace\":\"n\",\"metricValue\":\"1\"}]}",
	     IAMW_EVALIDATION, "must not contain"},
	    {"{\"filterName\":\"f\",\"filterPattern\":\"{ $.a = \",\"metricTransformations\":[{"
	     "\"metricName\":\"m\",\"metricNamespace\":\"n\",\"metricValue\":\"1\"}]}",
	     IAMW_ESYNTAX, "must end with '}'"},
	    {"{\"filterName\":\"f\",\"filterPattern\":\"x\",\"metricTransformations\":[{\"metricName\":"
	     "\"m\",\"metricNamespace\":\"n\",\"metricValue\":\"1\",\"unit\":\"Apples\"}]}",
	     IAMW_EVALIDATION, "standard unit"},
	    {"[1,2", IAMW_EJSON, "invalid JSON"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		iamw_metric_filter *f = (iamw_metric_filter *)1;
		iamw_error err;
		int rc = iamw_metric_filter_from_json(&f, cases[i].json, IAMW_NUL_TERMINATED, &err);
		ck_assert_msg(rc == cases[i].code, "case %zu: %s (%s)", i, iamw_status_name(rc), err.text);
		ck_assert_ptr_null(f);
		ck_assert_msg(strstr(err.text, cases[i].text), "case %zu: '%s'", i, err.text);
	}
	iamw_metric_filter *f;
	ck_assert_int_eq(iamw_metric_filter_from_json(&f, CIS_44_FILTER, IAMW_NUL_TERMINATED, NULL),
	                 IAMW_OK);
	ck_assert_str_eq(iamw_metric_filter_name(f), "iam_changes_metric");
	ck_assert_int_eq(iamw_pattern_kind_of(iamw_metric_filter_pattern(f)), IAMW_PATTERN_JSON);
	iamw_metric_filter_free(f);
}
END_TEST

static double get_stat(const iamw_engine *e, const char *ns, const char *metric,
                       const iamw_dimension *dims, size_t n, int64_t start, int64_t period,
                       const char *stat, int *found)
{
	double v = -1;
	*found = iamw_aggregator_get(iamw_engine_aggregator(e), ns, metric, dims, n, NULL, start,
	                             period, stat, &v, NULL);
	return v;
}

START_TEST(values_dimensions_defaults)
{
	const char *defs[] = {
	    "{\"filterName\":\"lat\",\"filterPattern\":\"{ $.latency = * }\",\"metricTransformations\":"
	    "[{\"metricName\":\"Latency\",\"metricNamespace\":\"App\",\"metricValue\":\"$.latency\","
	    "\"defaultValue\":0}]}",
	    "{\"filterName\":\"bytes\",\"filterPattern\":\"[ip, server, user, ts, request, status, "
	    "size]\",\"metricTransformations\":[{\"metricName\":\"Bytes\",\"metricNamespace\":\"Web\","
	    "\"metricValue\":\"$size\",\"dimensions\":{\"Server\":\"$server\"},\"unit\":\"Bytes\"}]}",
	};
	iamw_engine *e = engine_with(defs, 2);
	int64_t t0 = MS(10, 0, 0);
	/* Minute 10:00: two latencies. Minute 10:01: an event, no latency.
	 * Minute 10:02: nothing at all. */
	ck_assert_int_eq(iamw_engine_ingest_text(e, "{\"latency\": 50, \"requestType\": \"GET\"}",
	                                         IAMW_NUL_TERMINATED, t0 + 1000),
	                 1);
	ck_assert_int_eq(iamw_engine_ingest_text(e, "{\"latency\": \"30\"}", IAMW_NUL_TERMINATED,
	                                         t0 + 2000),
	                 1);
	ck_assert_int_eq(iamw_engine_ingest_text(e, "{\"latency\": \"slow\"}", IAMW_NUL_TERMINATED,
	                                         t0 + 3000),
	                 1);
	ck_assert_int_eq(iamw_engine_ingest_text(e, "{\"other\": 1}", IAMW_NUL_TERMINATED,
	                                         t0 + 61000),
	                 0);
	ck_assert_int_eq(iamw_engine_ingest_text(e,
	                                         "127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "
	                                         "\"GET /index.html HTTP/1.0\" 404 1534",
	                                         IAMW_NUL_TERMINATED, t0 + 4000),
	                 1);
	iamw_engine_advance(e, t0);
	iamw_engine_advance(e, t0 + 5 * 60000);
	int found;
	ck_assert_double_eq(get_stat(e, "App", "Latency", NULL, 0, t0, 60000, "Sum", &found), 80);
	ck_assert_int_eq(found, 1);
	ck_assert_double_eq(get_stat(e, "App", "Latency", NULL, 0, t0, 60000, "SampleCount", &found),
	                    2);
	/* A minute with ingested events and no match publishes defaultValue... */
	ck_assert_double_eq(get_stat(e, "App", "Latency", NULL, 0, t0 + 60000, 60000, "Sum", &found),
	                    0);
	ck_assert_int_eq(found, 1);
	/* ... a minute with no events at all publishes nothing. */
	get_stat(e, "App", "Latency", NULL, 0, t0 + 120000, 60000, "Sum", &found);
	ck_assert_int_eq(found, 0);
	iamw_dimension d = {"Server", "Prod"};
	ck_assert_double_eq(get_stat(e, "Web", "Bytes", &d, 1, t0, 60000, "Maximum", &found), 1534);
	ck_assert_int_eq(found, 1);
	uint64_t matches, points, skipped;
	iamw_engine_filter_counts(e, 0, &matches, &points, &skipped);
	ck_assert_uint_eq(matches, 3);
	ck_assert_uint_eq(skipped, 1); /* "slow" is not a number */
	iamw_engine_stats st;
	iamw_engine_get_stats(e, &st);
	ck_assert_uint_eq(st.events, 5);
	/* Without eventTime and without a timestamp, an event cannot be placed. */
	ck_assert_int_eq(iamw_engine_ingest_text(e, "{\"latency\": 1}", IAMW_NUL_TERMINATED,
	                                         IAMW_NO_TIME),
	                 IAMW_EJSON);
	iamw_engine_get_stats(e, &st);
	ck_assert_uint_eq(st.untimed, 1);
	iamw_engine_free(e);
}
END_TEST

/* Every ExtendedStatistic form an alarm accepts loads, is computed by the
 * same parser that validated it, and fires: 20 latencies 1..20 in one
 * minute, threshold 0.5 (every statistic of them is above it), and the
 * value the reason cites is the aggregator's value of that statistic. With
 * a threshold no statistic reaches, nothing fires. */
START_TEST(extended_statistics_fire)
{
	static const char *const stats[] = {
	    "p5",   "p05",         "p0.5",        "p50",   "p99",        "p99.99",  "p100",
	    "tm05", "tm90",        "tm99.5",      "IQM",   "TM(10%:90%)", "TM(25%:75%)",
	    "wm90", "WM(10%:90%)", "tc90",        "tc05",  "TC(10%:90%)", "ts90",
	    "TS(10%:90%)",         "PR(:300)",    "PR(5:300)",
	};
	const char *filter =
	    "{\"filterName\":\"lat\",\"filterPattern\":\"{ $.latency = * }\",\"metricTransformations\":"
	    "[{\"metricName\":\"Latency\",\"metricNamespace\":\"App\",\"metricValue\":\"$.latency\"}]}";
	for (size_t i = 0; i < sizeof stats / sizeof stats[0]; i++) {
		for (int high = 0; high < 2; high++) {
			char alarm[512];
			snprintf(alarm, sizeof alarm,
			         "{\"AlarmName\":\"x\",\"MetricName\":\"Latency\",\"Namespace\":\"App\","
			         "\"ExtendedStatistic\":\"%s\",\"Period\":60,\"EvaluationPeriods\":1,"
			         "\"Threshold\":%s,\"ComparisonOperator\":\"GreaterThanOrEqualToThreshold\"}",
			         stats[i], high ? "1e9" : "0.5");
			const char *defs[] = {filter, alarm};
			iamw_engine *e = engine_with(defs, 2);
			recorder r = {0};
			iamw_engine_set_notify_cb(e, record_cb, &r);
			int64_t t0 = MS(10, 0, 0);
			ck_assert_int_ge(iamw_engine_advance(e, t0), 0);
			for (int k = 1; k <= 20; k++) {
				char ev[64];
				snprintf(ev, sizeof ev, "{\"latency\": %d}", k);
				ck_assert_int_eq(iamw_engine_ingest_text(e, ev, IAMW_NUL_TERMINATED,
				                                         t0 + k * 1000),
				                 1);
			}
			ck_assert_int_ge(iamw_engine_advance(e, t0 + 2 * 60000), 0);
			int alarmed = 0;
			for (size_t k = 0; k < r.n; k++)
				alarmed |= r.ev[k].to == IAMW_STATE_ALARM;
			ck_assert_msg(alarmed == !high, "%s (threshold %s): alarmed %d", stats[i],
			              high ? "1e9" : "0.5", alarmed);
			if (!high) {
				int found;
				double v = get_stat(e, "App", "Latency", NULL, 0, t0, 60000, stats[i], &found);
				ck_assert_msg(found == 1, "%s not computed", stats[i]);
				size_t k = 0;
				while (k < r.n && r.ev[k].to != IAMW_STATE_ALARM)
					k++;
				/* the reason's "1 datapoint [V (..)]" renders V in Java form; compare numerically */
				const char *lb = strchr(r.ev[k].reason, '[');
				ck_assert_ptr_nonnull(lb);
				ck_assert_msg(fabs(strtod(lb + 1, NULL) - v) <= 1e-9 * fabs(v), "%s: reason %s, value %g",
				              stats[i], r.ev[k].reason, v);
			}
			iamw_engine_free(e);
		}
	}
}
END_TEST

/* The built-in packs: listed in version order, "cis" is the newest, every
 * pack loads into an engine with its definitions, unknown names are refused
 * by name. */
START_TEST(builtin_packs)
{
	size_t n = iamw_pack_count();
	ck_assert_uint_eq(n, 10);
	ck_assert_str_eq(iamw_pack_name(0), "cis@1.2");
	ck_assert_str_eq(iamw_pack_name(n - 1), "iam-changes");
	ck_assert_ptr_null(iamw_pack_name(n));
	ck_assert_str_eq(iamw_pack_resolve("cis"), "cis@7.0");
	ck_assert_str_eq(iamw_pack_resolve("cis@3.0"), "cis@3.0");
	ck_assert_ptr_null(iamw_pack_resolve("cis@9.9"));
	ck_assert_ptr_null(iamw_pack_resolve(NULL));
	for (size_t i = 0; i < n; i++) {
		const char *data;
		size_t len;
		ck_assert_int_eq(iamw_pack_get(iamw_pack_name(i), &data, &len), 1);
		ck_assert_uint_eq(strlen(data), len);
		cJSON *doc = cJSON_ParseWithLength(data, len);
		ck_assert_ptr_nonnull(doc);
		int filters = cJSON_GetArraySize(cJSON_GetObjectItem(doc, "metricFilters"));
		int alarms = cJSON_GetArraySize(cJSON_GetObjectItem(doc, "metricAlarms"));
		ck_assert_int_gt(filters, 0);
		iamw_engine *e;
		iamw_error err;
		ck_assert_int_eq(iamw_engine_new(&e, NULL), IAMW_OK);
		ck_assert_msg(iamw_engine_load_pack(e, iamw_pack_name(i), &err) == IAMW_OK, "%s: %s",
		              iamw_pack_name(i), err.text);
		ck_assert_uint_eq(iamw_engine_filter_count(e), (size_t)filters);
		ck_assert_uint_eq(iamw_engine_alarm_count(e), (size_t)alarms);
		iamw_engine_free(e);
		cJSON_Delete(doc);
	}
	iamw_engine *e;
	iamw_error err;
	ck_assert_int_eq(iamw_engine_new(&e, NULL), IAMW_OK);
	ck_assert_int_eq(iamw_engine_load_pack(e, "cis@0.1", &err), IAMW_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.text, "cis@0.1"));
	ck_assert_int_eq(iamw_engine_load_pack(e, "cis", &err), IAMW_OK);
	ck_assert_int_eq(iamw_pack_get("nope", NULL, NULL), 0);
	iamw_engine_free(e);
}
END_TEST

/* Engine options: a version-1 struct (which ends at flags) still works and
 * replays without delay; version 2 defaults to CloudTrail's 300 s delay, so
 * IAMW_INGEST_ADVANCE evaluates each minute only once events five minutes
 * newer arrived. */
START_TEST(options_versions_and_replay_delay)
{
	iamw_engine_options o;
	ck_assert_int_eq(iamw_engine_options_init(&o, 3), IAMW_EINVAL);
	ck_assert_int_eq(iamw_engine_options_init(&o, IAMW_ENGINE_OPTIONS_VERSION), IAMW_OK);
	ck_assert_int_eq(o.replay_delay_ms, 300000);
	/* a v1 caller's struct: nothing past flags may be read or written */
	unsigned char v1[sizeof(iamw_engine_options)];
	memset(v1, 0xA5, sizeof v1);
	size_t v1_size = offsetof(iamw_engine_options, flags) + sizeof(uint32_t);
	ck_assert_int_eq(iamw_engine_options_init((iamw_engine_options *)(void *)v1, 1), IAMW_OK);
	for (size_t i = v1_size; i < sizeof v1; i++)
		ck_assert_uint_eq(v1[i], 0xA5);
	const char *ndjson = "{\"eventTime\":\"2023-07-10T10:00:30Z\",\"eventName\":\"CreateUser\","
	                     "\"eventSource\":\"iam.amazonaws.com\"}\n"
	                     "{\"eventTime\":\"2023-07-10T10:06:00Z\",\"eventName\":\"ListUsers\","
	                     "\"eventSource\":\"iam.amazonaws.com\"}\n";
	const char *alarm = "{\"AlarmName\":\"a\",\"MetricName\":\"IAMChangeCount\",\"Namespace\":"
	                    "\"CloudTrailMetrics\",\"Statistic\":\"Sum\",\"Period\":60,"
	                    "\"EvaluationPeriods\":1,\"Threshold\":1,\"ComparisonOperator\":"
	                    "\"GreaterThanOrEqualToThreshold\",\"TreatMissingData\":\"notBreaching\"}";
	for (int version = 1; version <= 2; version++) {
		const void *opts = version == 1 ? (const void *)v1 : (const void *)&o;
		const char *defs[] = {IAM_CHANGES_FILTER, alarm};
		iamw_engine *e;
		iamw_error err;
		ck_assert_int_eq(iamw_engine_new(&e, opts), IAMW_OK);
		for (size_t i = 0; i < 2; i++) {
			int rc = i == 0 ? iamw_engine_put_metric_filter(e, defs[i], IAMW_NUL_TERMINATED, &err)
			                : iamw_engine_put_metric_alarm(e, defs[i], IAMW_NUL_TERMINATED, &err);
			ck_assert_int_eq(rc, IAMW_OK);
		}
		recorder r = {0};
		iamw_engine_set_notify_cb(e, record_cb, &r);
		iamw_ingest_report rep;
		ck_assert_int_eq(iamw_engine_ingest_lines(e, ndjson, strlen(ndjson), IAMW_INGEST_ADVANCE,
		                                          &rep),
		                 IAMW_OK);
		ck_assert_uint_eq(rep.events, 2);
		ck_assert_uint_ge(r.n, 1);
		if (version == 1) {
			/* clock at 10:06: ALARM at 10:01, OK again at 10:02 */
			ck_assert_int_eq(iamw_engine_clock(e), MS(10, 6, 0));
			ck_assert_uint_ge(r.n, 2);
			ck_assert_int_eq(r.ev[r.n - 1].to, IAMW_STATE_OK);
		} else {
			/* clock at 10:01: the 10:00 minute was just evaluated, nothing after */
			ck_assert_int_eq(iamw_engine_clock(e), MS(10, 1, 0));
			ck_assert_int_eq(r.ev[r.n - 1].to, IAMW_STATE_ALARM);
			ck_assert_int_eq(r.ev[r.n - 1].at, MS(10, 1, 0));
		}
		iamw_engine_free(e);
	}
	o.replay_delay_ms = -1;
	iamw_engine *bad;
	ck_assert_int_eq(iamw_engine_new(&bad, &o), IAMW_EINVAL);
}
END_TEST

START_TEST(composite_alarms)
{
	const char *defs[] = {CIS_44_FILTER, ALARM_JSON("A", "iam_changes_metric", "CISBenchmark", ""),
	                      ALARM_JSON("B", "other", "CISBenchmark", "")};
	iamw_engine *e = engine_with(defs, 3);
	iamw_error err;
	ck_assert_int_eq(iamw_engine_put_composite_alarm(e,
	                                                 "{\"AlarmName\":\"C\",\"AlarmRule\":"
	                                                 "\"ALARM(A) OR ALARM(B)\",\"AlarmActions\":["
	                                                 "\"arn:aws:sns:us-east-1:123456789012:x\"]}",
	                                                 IAMW_NUL_TERMINATED, &err),
	                 IAMW_OK);
	/* Unknown children and cycles are refused with the rule offset. */
	ck_assert_int_eq(iamw_engine_put_composite_alarm(e,
	                                                 "{\"AlarmName\":\"D\",\"AlarmRule\":"
	                                                 "\"ALARM(A) AND OK(Nope)\"}",
	                                                 IAMW_NUL_TERMINATED, &err),
	                 IAMW_ENOTFOUND);
	ck_assert_uint_eq(err.offset, 16);
	ck_assert_int_eq(iamw_engine_put_composite_alarm(e,
	                                                 "{\"AlarmName\":\"E\",\"AlarmRule\":"
	                                                 "\"ALARM(E)\"}",
	                                                 IAMW_NUL_TERMINATED, &err),
	                 IAMW_EVALIDATION);
	ck_assert_uint_eq(iamw_engine_composite_count(e), 1);
	recorder r = {0};
	iamw_engine_set_notify_cb(e, record_cb, &r);
	iamw_engine_advance(e, MS(11, 50, 0));
	iamw_engine_advance(e, MS(11, 51, 0));
	/* Created: the rule evaluates to OK. */
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.ev[0].name, "C");
	ck_assert_int_eq(r.ev[0].to, IAMW_STATE_OK);
	ck_assert_ptr_nonnull(strstr(r.ev[0].reason, "was created and its alarm rule evaluates to OK"));
	iamw_engine_ingest_text(e, "{\"eventName\":\"PutRolePolicy\",\"eventTime\":"
	                           "\"2023-07-10T11:54:39Z\"}",
	                        IAMW_NUL_TERMINATED, IAMW_NO_TIME);
	iamw_engine_advance(e, MS(11, 56, 0));
	ck_assert_uint_eq(r.n, 3);
	ck_assert_str_eq(r.ev[1].name, "A");
	ck_assert_str_eq(r.ev[2].name, "C");
	ck_assert_int_eq(r.ev[2].to, IAMW_STATE_ALARM);
	ck_assert_ptr_nonnull(strstr(r.ev[2].reason, "alarm:A transitioned to ALARM at Monday 10 "
	                                             "July, 2023 11:55:00 UTC"));
	cJSON *sns = cJSON_Parse(r.ev[2].sns);
	const cJSON *kids = cJSON_GetObjectItemCaseSensitive(sns, "TriggeringChildren");
	ck_assert_int_eq(cJSON_GetArraySize(kids), 1);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(sns, "AlarmRule")->valuestring,
	                 "ALARM(A) OR ALARM(B)");
	cJSON_Delete(sns);
	iamw_engine_free(e);
}
END_TEST

/* AT_LEAST in a composite, end to end: one child of two in ALARM is
 * enough for AT_LEAST(50%, ...), and the reason names that child. */
START_TEST(composite_at_least)
{
	const char *defs[] = {CIS_44_FILTER, ALARM_JSON("A", "iam_changes_metric", "CISBenchmark", ""),
	                      ALARM_JSON("B", "other", "CISBenchmark", "")};
	iamw_engine *e = engine_with(defs, 3);
	iamw_error err;
	ck_assert_int_eq(iamw_engine_put_composite_alarm(e,
	                                                 "{\"AlarmName\":\"C\",\"AlarmRule\":"
	                                                 "\"AT_LEAST(50%, ALARM, (A, B))\"}",
	                                                 IAMW_NUL_TERMINATED, &err),
	                 IAMW_OK);
	ck_assert_int_eq(iamw_engine_put_composite_alarm(e,
	                                                 "{\"AlarmName\":\"D\",\"AlarmRule\":"
	                                                 "\"AT_LEAST(1, ALARM, (A, Nope))\"}",
	                                                 IAMW_NUL_TERMINATED, &err),
	                 IAMW_ENOTFOUND);
	ck_assert_uint_eq(err.offset, 23);
	recorder r = {0};
	iamw_engine_set_notify_cb(e, record_cb, &r);
	iamw_engine_advance(e, MS(11, 50, 0));
	iamw_engine_advance(e, MS(11, 51, 0));
	iamw_engine_ingest_text(e, "{\"eventName\":\"PutRolePolicy\",\"eventTime\":"
	                           "\"2023-07-10T11:54:39Z\"}",
	                        IAMW_NUL_TERMINATED, IAMW_NO_TIME);
	iamw_engine_advance(e, MS(11, 56, 0));
	ck_assert_str_eq(r.ev[r.n - 1].name, "C");
	ck_assert_int_eq(r.ev[r.n - 1].to, IAMW_STATE_ALARM);
	ck_assert_ptr_nonnull(strstr(r.ev[r.n - 1].reason, "alarm:A transitioned to ALARM"));
	iamw_engine_free(e);
}
END_TEST

START_TEST(load_rules_all_or_nothing)
{
	iamw_engine *e;
	ck_assert_int_eq(iamw_engine_new(&e, NULL), IAMW_OK);
	iamw_error err;
	const char *good = "{\"metricFilters\":[" CIS_44_FILTER "],\"metricAlarms\":[" ALARM_JSON(
	    "A", "iam_changes_metric", "CISBenchmark", "") "]}";
	ck_assert_msg(iamw_engine_load_rules(e, good, IAMW_NUL_TERMINATED, &err) == IAMW_OK, "%s",
	              err.text);
	/* A document whose second alarm is invalid changes nothing. */
	const char *bad = "{\"metricFilters\":[" IAM_CHANGES_FILTER "],\"metricAlarms\":[" ALARM_JSON(
	    "X", "m", "n", "") ",{\"AlarmName\":\"Y\",\"MetricName\":\"m\",\"Namespace\":\"n\","
	                      "\"Statistic\":\"Sum\",\"Period\":300,\"EvaluationPeriods\":1,"
	                      "\"DatapointsToAlarm\":2,\"Threshold\":1,\"ComparisonOperator\":"
	                      "\"GreaterThanThreshold\"}]}";
	ck_assert_int_eq(iamw_engine_load_rules(e, bad, IAMW_NUL_TERMINATED, &err), IAMW_EVALIDATION);
	ck_assert_ptr_nonnull(strstr(err.text, "DatapointsToAlarm must be less than or equal to "
	                                       "EvaluationPeriods"));
	ck_assert_uint_eq(iamw_engine_filter_count(e), 1);
	ck_assert_uint_eq(iamw_engine_alarm_count(e), 1);
	ck_assert_str_eq(iamw_engine_alarm_name(e, 0), "A");
	/* Put replaces by name. */
	ck_assert_int_eq(iamw_engine_put_metric_alarm(e, ALARM_JSON("A", "other", "n", ""),
	                                              IAMW_NUL_TERMINATED, &err),
	                 IAMW_OK);
	ck_assert_uint_eq(iamw_engine_alarm_count(e), 1);
	ck_assert_int_eq(iamw_engine_load_rules(e, "{\"metricFilters\": 5}", IAMW_NUL_TERMINATED,
	                                        &err),
	                 IAMW_EJSON);
	iamw_engine_free(e);
}
END_TEST

/* Two engines fed disjoint halves of the corpus have aggregators whose merge
 * is exactly the aggregator of one engine fed everything. */
START_TEST(merge_equivalence)
{
	lines l = invictus();
	const char *defs[] = {CIS_44_FILTER, IAM_CHANGES_FILTER};
	for (unsigned seed = 1; seed <= 3; seed++) {
		iamw_engine *whole = engine_with(defs, 2), *a = engine_with(defs, 2),
		            *b = engine_with(defs, 2);
		unsigned x = seed * 2654435761u;
		for (size_t i = 0; i < l.n; i++) {
			x = x * 1103515245u + 12345u;
			iamw_engine_ingest_text(whole, l.v[i], l.len[i], IAMW_NO_TIME);
			iamw_engine_ingest_text((x >> 16) & 1 ? a : b, l.v[i], l.len[i], IAMW_NO_TIME);
		}
		char *sa, *sw;
		size_t la, lw;
		iamw_aggregator *merged;
		ck_assert_int_eq(iamw_aggregator_save(iamw_engine_aggregator(a), &sa, &la), IAMW_OK);
		ck_assert_int_eq(iamw_aggregator_restore(&merged, sa, la, NULL), IAMW_OK);
		ck_assert_int_eq(iamw_aggregator_merge(merged, iamw_engine_aggregator(b)), IAMW_OK);
		iamw_free(sa);
		ck_assert_int_eq(iamw_aggregator_save(merged, &sa, &la), IAMW_OK);
		ck_assert_int_eq(iamw_aggregator_save(iamw_engine_aggregator(whole), &sw, &lw), IAMW_OK);
		ck_assert_str_eq(sa, sw);
		iamw_free(sa);
		iamw_free(sw);
		iamw_aggregator_free(merged);
		iamw_engine_free(whole);
		iamw_engine_free(a);
		iamw_engine_free(b);
	}
	free_lines(&l);
}
END_TEST

/* Partial engines merged with iamw_engine_merge_state() and replayed with
 * iamw_engine_replay_clock() notify exactly as one time-ordered replay
 * (ingest, advance to latest - delay, as `iamwatch scan`) of every record;
 * merging refuses what it cannot reproduce and leaves the engine unchanged. */
static void collect_replay(iamw_engine *e, recorder *r)
{
	iamw_engine_set_notify_cb(e, record_cb, r);
}

START_TEST(merge_state_and_replay_clock)
{
	lines l = invictus();
	const char *defs[] = {CIS_44_FILTER, IAM_CHANGES_FILTER,
	                      ALARM_JSON("cis44", "iam_changes_metric", "CISBenchmark", ""),
	                      ALARM_JSON("iam", "IAMChangeCount", "CloudTrailMetrics",
	                                 ",\"TreatMissingData\":\"notBreaching\"")};
	/* the reference: a time-ordered replay with the default 300 s delay */
	iamw_engine *ref = engine_with(defs, 4);
	recorder want = {0};
	collect_replay(ref, &want);
	for (size_t i = 0; i < l.n; i++) {
		ck_assert_int_ge(iamw_engine_ingest_text(ref, l.v[i], l.len[i], IAMW_NO_TIME), 0);
		ck_assert_int_ge(iamw_engine_advance(ref, iamw_engine_latest_event_time(ref) - 300000), 0);
	}
	ck_assert_int_ge(iamw_engine_drain(ref), 0);
	ck_assert_uint_gt(want.n, 2);
	ck_assert_int_eq(iamw_engine_earliest_event_time(ref), line_time(l.v[0]));

	iamw_engine *a = engine_with(defs, 4), *b = engine_with(defs, 4);
	unsigned x = 2654435761u;
	for (size_t i = 0; i < l.n; i++) {
		x = x * 1103515245u + 12345u;
		ck_assert_int_ge(iamw_engine_ingest_text((x >> 16) & 1 ? a : b, l.v[i], l.len[i],
		                                         IAMW_NO_TIME),
		                 0);
	}
	char *sa, *sb;
	size_t la, lb;
	ck_assert_int_eq(iamw_engine_save_state(a, &sa, &la), IAMW_OK);
	ck_assert_int_eq(iamw_engine_save_state(b, &sb, &lb), IAMW_OK);
	for (int order = 0; order < 2; order++) {
		iamw_engine *m = engine_with(defs, 4);
		iamw_error err;
		ck_assert_int_eq(iamw_engine_merge_state(m, order ? sb : sa, order ? lb : la, &err),
		                 IAMW_OK);
		ck_assert_int_eq(iamw_engine_merge_state(m, order ? sa : sb, order ? la : lb, &err),
		                 IAMW_OK);
		iamw_engine_stats st;
		iamw_engine_get_stats(m, &st);
		ck_assert_uint_eq(st.events, l.n);
		ck_assert_int_eq(iamw_engine_earliest_event_time(m), line_time(l.v[0]));
		ck_assert_int_eq(iamw_engine_latest_event_time(m), iamw_engine_latest_event_time(ref));
		recorder got = {0};
		collect_replay(m, &got);
		ck_assert_int_eq(iamw_engine_replay_clock(m, IAMW_REPLAY_DRAIN), (int)got.n);
		ck_assert_uint_eq(got.n, want.n);
		for (size_t i = 0; i < want.n; i++) {
			ck_assert_str_eq(got.ev[i].name, want.ev[i].name);
			ck_assert_int_eq(got.ev[i].to, want.ev[i].to);
			ck_assert_int_eq(got.ev[i].at, want.ev[i].at);
			ck_assert_str_eq(got.ev[i].sns, want.ev[i].sns);
		}
		iamw_engine_free(m);
	}
	/* merge_aggregator: the same metric data as merge_state */
	iamw_engine *c = engine_with(defs, 4), *m = engine_with(defs, 4);
	ck_assert_int_eq(iamw_engine_merge_aggregator(c, iamw_engine_aggregator(a)), IAMW_OK);
	ck_assert_int_eq(iamw_engine_merge_aggregator(c, iamw_engine_aggregator(b)), IAMW_OK);
	ck_assert_int_eq(iamw_engine_merge_state(m, sa, la, NULL), IAMW_OK);
	ck_assert_int_eq(iamw_engine_merge_state(m, sb, lb, NULL), IAMW_OK);
	char *x1, *x2;
	ck_assert_int_eq(iamw_aggregator_save(iamw_engine_aggregator(c), &x1, NULL), IAMW_OK);
	ck_assert_int_eq(iamw_aggregator_save(iamw_engine_aggregator(m), &x2, NULL), IAMW_OK);
	ck_assert_str_eq(x1, x2);
	iamw_free(x1);
	iamw_free(x2);
	iamw_aggregator *other;
	ck_assert_int_eq(iamw_aggregator_new(&other, 10000, 0), IAMW_OK);
	ck_assert_int_eq(iamw_engine_merge_aggregator(c, other), IAMW_EINVAL); /* another period */
	iamw_aggregator_free(other);
	/* refusals leave the engine unchanged */
	char *before, *after;
	iamw_error err;
	ck_assert_int_eq(iamw_engine_save_state(m, &before, NULL), IAMW_OK);
	iamw_engine *advanced = engine_with(defs, 4);
	ck_assert_int_ge(iamw_engine_ingest_text(advanced, l.v[0], l.len[0], IAMW_NO_TIME), 0);
	ck_assert_int_ge(iamw_engine_advance(advanced, line_time(l.v[0])), 0);
	char *sx;
	ck_assert_int_eq(iamw_engine_save_state(advanced, &sx, NULL), IAMW_OK);
	ck_assert_int_eq(iamw_engine_merge_state(m, sx, IAMW_NUL_TERMINATED, &err), IAMW_ESTATE);
	ck_assert_ptr_nonnull(strstr(err.text, "clock"));
	const char *one_filter[] = {IAM_CHANGES_FILTER};
	iamw_engine *narrow = engine_with(one_filter, 1);
	ck_assert_int_eq(iamw_engine_merge_state(narrow, sa, la, &err), IAMW_ESTATE);
	ck_assert_ptr_nonnull(strstr(err.text, "iam_changes_metric"));
	ck_assert_int_eq(iamw_engine_merge_state(m, "{\"format\":\"iamwatch-state\"", IAMW_NUL_TERMINATED,
	                                         &err),
	                 IAMW_ESTATE);
	ck_assert_int_eq(iamw_engine_save_state(m, &after, NULL), IAMW_OK);
	ck_assert_str_eq(before, after);
	iamw_free(before);
	iamw_free(after);
	iamw_free(sx);
	iamw_free(sa);
	iamw_free(sb);
	iamw_engine_free(narrow);
	iamw_engine_free(advanced);
	iamw_engine_free(c);
	iamw_engine_free(m);
	iamw_engine_free(a);
	iamw_engine_free(b);
	iamw_engine_free(ref);
	free_lines(&l);
}
END_TEST

/* A load error names the definition: origin, kind, name and where it is in
 * a rules document, a CloudFormation template or terraform output. */
START_TEST(load_errors_name_the_definition)
{
	static const struct {
		const char *doc, *kind, *name, *path, *text;
	} cases[] = {
	    {"{\"metricFilters\":[" IAM_CHANGES_FILTER "],\"metricAlarms\":["
	     ALARM_JSON("ok", "m", "ns", "") ",{\"AlarmName\":\"bad\",\"MetricName\":\"m\","
	     "\"Namespace\":\"ns\",\"Statistic\":\"Sum\",\"Period\":7,\"EvaluationPeriods\":1,"
	     "\"Threshold\":1,\"ComparisonOperator\":\"GreaterThanThreshold\"}]}",
	     "metricAlarm", "bad", "metricAlarms[1]", "Period"},
	    {"{\"metricFilters\":[{\"filterName\":\"f\",\"filterPattern\":\"{ $.a = }\","
	     "\"metricTransformations\":[{\"metricName\":\"m\",\"metricNamespace\":\"ns\","
	     "\"metricValue\":\"1\"}]}]}",
	     "metricFilter", "f", "metricFilters[0]", ""},
	    {"{\"Resources\":{\"Topic\":{\"Type\":\"AWS::SNS::Topic\"},\"GoodAlarm\":{\"Type\":"
	     "\"AWS::CloudWatch::Alarm\",\"Properties\":{\"MetricName\":\"m\",\"Namespace\":\"ns\","
	     "\"Statistic\":\"Sum\",\"Period\":300,\"EvaluationPeriods\":1,\"Threshold\":1,"
	     "\"ComparisonOperator\":\"GreaterThanThreshold\"}},\"BadAlarm\":{\"Type\":"
	     "\"AWS::CloudWatch::Alarm\",\"Properties\":{\"AlarmName\":\"named\",\"MetricName\":"
	     "\"m\",\"Namespace\":\"ns\",\"Statistic\":\"Sum\",\"Period\":300,"
	     "\"EvaluationPeriods\":0,\"Threshold\":1,\"ComparisonOperator\":"
	     "\"GreaterThanThreshold\"}}}}",
	     "metricAlarm", "named", "Resources.BadAlarm", "EvaluationPeriods"},
	    {"{\"format_version\":\"1.0\",\"values\":{\"root_module\":{\"resources\":[{\"address\":"
	     "\"aws_cloudwatch_metric_alarm.root\",\"mode\":\"managed\",\"type\":"
	     "\"aws_cloudwatch_metric_alarm\",\"name\":\"root\",\"values\":{\"alarm_name\":\"r\","
	     "\"metric_name\":\"m\",\"namespace\":\"ns\",\"statistic\":\"Sum\",\"period\":300,"
	     "\"evaluation_periods\":1,\"threshold\":1,\"comparison_operator\":\"Sideways\"}}]}}}",
	     "metricAlarm", "r", "aws_cloudwatch_metric_alarm.root", "ComparisonOperator"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		iamw_engine *e;
		ck_assert_int_eq(iamw_engine_new(&e, NULL), IAMW_OK);
		iamw_load_error le;
		int rc = iamw_engine_load_rules_from(e, cases[i].doc, IAMW_NUL_TERMINATED, "rules.json",
		                                     &le);
		ck_assert_msg(rc < 0, "case %zu loaded", i);
		ck_assert_int_eq(le.error.code, rc);
		ck_assert_str_eq(le.origin, "rules.json");
		ck_assert_str_eq(le.kind, cases[i].kind);
		ck_assert_str_eq(le.name, cases[i].name);
		ck_assert_str_eq(le.path, cases[i].path);
		ck_assert_msg(strstr(le.error.text, cases[i].text), "case %zu: %s", i, le.error.text);
		char line[1024];
		size_t n = iamw_load_error_format(&le, line, sizeof line);
		ck_assert_uint_eq(n, strlen(line));
		ck_assert_ptr_nonnull(strstr(line, "rules.json: "));
		ck_assert_ptr_nonnull(strstr(line, cases[i].path));
		ck_assert_uint_eq(iamw_engine_alarm_count(e) + iamw_engine_filter_count(e), 0);
		iamw_engine_free(e);
	}
	/* errors of the whole document name no definition */
	iamw_engine *e;
	ck_assert_int_eq(iamw_engine_new(&e, NULL), IAMW_OK);
	iamw_load_error le;
	ck_assert_int_eq(iamw_engine_load_rules_from(e, "{\"metricFilters\":", IAMW_NUL_TERMINATED,
	                                             NULL, &le),
	                 IAMW_EJSON);
	ck_assert_str_eq(le.kind, "");
	ck_assert_str_eq(le.origin, "");
	ck_assert_int_eq(iamw_engine_load_rules_from(e, "{\"metricAlarms\":[]}", IAMW_NUL_TERMINATED,
	                                             "x", &le),
	                 IAMW_OK);
	ck_assert_int_eq(le.error.code, IAMW_OK);
	iamw_engine_free(e);
}
END_TEST

START_TEST(public_aggregator)
{
	iamw_aggregator *a;
	ck_assert_int_eq(iamw_aggregator_new(&a, 0, 0), IAMW_OK);
	for (int i = 1; i <= 100; i++)
		ck_assert_int_eq(iamw_aggregator_add(a, "ns", "m", NULL, 0, NULL, 60000 + i, i), IAMW_OK);
	double v, n;
	ck_assert_int_eq(iamw_aggregator_get(a, "ns", "m", NULL, 0, NULL, 60000, 60000, "p90", &v, &n),
	                 1);
	ck_assert_double_eq(v, 90);
	ck_assert_double_eq(n, 100);
	ck_assert_int_eq(iamw_aggregator_get(a, "ns", "m", NULL, 0, NULL, 60000, 60000, "Average", &v,
	                                     NULL),
	                 1);
	ck_assert_double_eq(v, 50.5);
	ck_assert_int_eq(iamw_aggregator_get(a, "ns", "m", NULL, 0, NULL, 0, 60000, "Sum", &v, NULL), 0);
	ck_assert_int_eq(iamw_aggregator_get(a, "ns", "m", NULL, 0, NULL, 60000, 60000, "Median", &v,
	                                     NULL),
	                 IAMW_EINVAL);
	iamw_error err;
	iamw_aggregator *r;
	ck_assert_int_eq(iamw_aggregator_restore(&r, "{\"format\":\"x\"}", IAMW_NUL_TERMINATED, &err),
	                 IAMW_ESTATE);
	iamw_aggregator_free(a);
}
END_TEST

/* The literal prefilter (and the parse it saves) changes nothing: every pack
 * over the whole corpus gives the same metrics and counters with and without
 * it. */
START_TEST(prefilter_differential)
{
	const char *dir = getenv("IAMW_CORPUS_DIR");
	const char *packs_dir = getenv("IAMW_PACKS_DIR");
	ck_assert_ptr_nonnull(dir);
	ck_assert_ptr_nonnull(packs_dir);
	static const char *const files[] = {"invictus_ir_aws_dataset_2023.ndjson.gz",
	                                    "panther_analysis_cloudtrail_test_events.ndjson.gz",
	                                    "stratus_red_team_detonation_logs.ndjson.gz",
	                                    "otrf_ec2_proxy_s3_exfiltration_2020.ndjson.gz",
	                                    "sans504_s3_ransomware_lab_2021.ndjson.gz"};
	static const char *const packs[] = {"iam-changes.json", "cis-1.2.json", "cis-3.0.json",
	                                    "cis-7.0.json"};
	iamw_engine *fast, *slow;
	iamw_engine_options o;
	iamw_engine_options_init(&o, IAMW_ENGINE_OPTIONS_VERSION);
	ck_assert_int_eq(iamw_engine_new(&fast, &o), IAMW_OK);
	o.flags = IAMW_ENGINE_NO_PREFILTER;
	ck_assert_int_eq(iamw_engine_new(&slow, &o), IAMW_OK);
	for (size_t k = 0; k < sizeof packs / sizeof packs[0]; k++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", packs_dir, packs[k]);
		FILE *f = fopen(path, "rb");
		ck_assert_ptr_nonnull(f);
		static char doc[1 << 18];
		size_t n = fread(doc, 1, sizeof doc, f);
		fclose(f);
		iamw_error err;
		/* Several CIS versions share filter names: later ones replace. */
		ck_assert_msg(iamw_engine_load_rules(fast, doc, n, &err) == IAMW_OK, "%s", err.text);
		ck_assert_int_eq(iamw_engine_load_rules(slow, doc, n, &err), IAMW_OK);
	}
	for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, files[k]);
		lines l = read_lines(path);
		for (size_t i = 0; i < l.n; i++) {
			int a = iamw_engine_ingest_text(fast, l.v[i], l.len[i], IAMW_NO_TIME);
			int b = iamw_engine_ingest_text(slow, l.v[i], l.len[i], IAMW_NO_TIME);
			ck_assert_msg(a == b, "%s line %zu: %d vs %d", files[k], i, a, b);
		}
		free_lines(&l);
	}
	char *sa, *sb;
	ck_assert_int_eq(iamw_aggregator_save(iamw_engine_aggregator(fast), &sa, NULL), IAMW_OK);
	ck_assert_int_eq(iamw_aggregator_save(iamw_engine_aggregator(slow), &sb, NULL), IAMW_OK);
	ck_assert_str_eq(sa, sb);
	iamw_free(sa);
	iamw_free(sb);
	uint64_t total = 0;
	for (size_t i = 0; i < iamw_engine_filter_count(fast); i++) {
		uint64_t m1, p1, s1, m2, p2, s2;
		iamw_engine_filter_counts(fast, i, &m1, &p1, &s1);
		iamw_engine_filter_counts(slow, i, &m2, &p2, &s2);
		ck_assert_uint_eq(m1, m2);
		ck_assert_uint_eq(p1, p2);
		ck_assert_uint_eq(s1, s2);
		total += m1;
	}
	ck_assert_uint_gt(total, 10000);
	iamw_engine_free(fast);
	iamw_engine_free(slow);
}
END_TEST

static Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("definitions");
	tcase_add_test(tc, metric_filter_validation);
	tcase_add_test(tc, load_rules_all_or_nothing);
	tcase_add_test(tc, values_dimensions_defaults);
	tcase_add_test(tc, extended_statistics_fire);
	tcase_add_test(tc, builtin_packs);
	tcase_add_test(tc, options_versions_and_replay_delay);
	tcase_add_test(tc, load_errors_name_the_definition);
	tcase_add_test(tc, composite_alarms);
	tcase_add_test(tc, composite_at_least);
	tcase_add_test(tc, public_aggregator);
	tcase_add_test(tc, restore_rejects_bad_state);
	suite_add_tcase(s, tc);
	tc = tcase_create("replay");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, replay_cis_44_missing);
	tcase_add_test(tc, replay_iam_changes_not_breaching);
	tcase_add_test(tc, save_restore_continue);
	tcase_add_test(tc, merge_equivalence);
	tcase_add_test(tc, merge_state_and_replay_clock);
	tcase_add_test(tc, prefilter_differential);
	suite_add_tcase(s, tc);
	return s;
}

IAMW_TEST_MAIN(engine_suite)
