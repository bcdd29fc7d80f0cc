/* SPDX-License-Identifier: MIT */
/*
 * test-alarm-eval.c - metric alarm evaluation and definitions: every cell of
 * AWS's two missing-data tables (spec/metrics-alarms.md §2.4) under all four
 * TreatMissingData values, M-of-N, the comparison operators, the StateReason
 * texts of §2.7 and the StateReasonData JSON of §2.8 byte for byte against
 * captured CloudWatch payloads, the CIS alarm lifecycle, low-sample
 * percentiles, slot timing, validation and PutMetricAlarm JSON parsing.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alarms/alarm_eval.h"
#include "metrics/stats.h"
#include "common/private.h"

#define MAX_SLOTS 16
#define MINUTE 60000

/* ------------------------------------------------------------ helpers */

static int64_t T(const char *iso)
{
	int64_t ms = 0;
	ck_assert_msg(iamw__parse_time_iso(iso, strlen(iso), &ms), "bad time %s", iso);
	return ms;
}

/* A definition that owns no strings (eval never frees it). */
static iamw__metric_alarm_def mkdef(unsigned n, unsigned m, int has_m, iamw_comparison cmp,
                                    double threshold, iamw_missing_data md)
{
	iamw__metric_alarm_def d;
	memset(&d, 0, sizeof d);
	d.actions_enabled = 1;
	d.statistic = IAMW_STAT_SUM;
	d.period_s = 60;
	d.evaluation_periods = n;
	d.datapoints_to_alarm = m;
	d.has_datapoints_to_alarm = has_m;
	d.threshold = threshold;
	d.comparison = cmp;
	d.treat_missing_data = md;
	d.has_treat_missing_data = 1;
	return d;
}

/* Slots from a table row such as "0 - X - X" (oldest first): 0 = 0.0 (not
 * breaching for >= 1), X = 5.0 (breaching), - = missing. */
static size_t mkslots(const char *row, iamw__datapoint *s, int64_t first_start, int64_t step)
{
	size_t n = 0;
	for (const char *p = row; *p; p++) {
		if (*p == ' ')
			continue;
		memset(&s[n], 0, sizeof s[n]);
		s[n].start_ms = first_start + (int64_t)n * step;
		if (*p != '-') {
			s[n].present = 1;
			s[n].value = *p == 'X' ? 5.0 : 0.0;
			s[n].sample_count = 1;
		}
		n++;
	}
	return n;
}

static iamw__datapoint pt(int64_t start, double v)
{
	iamw__datapoint d = {start, 1, v, 1};
	return d;
}

static iamw__datapoint gap(int64_t start)
{
	iamw__datapoint d = {start, 0, 0, 0};
	return d;
}

/* ------------------------------------------------------------ AWS tables */

enum { KEEP = -1 };

typedef struct table_row {
	const char *row;
	unsigned m, n;
	int expect[4]; /* indexed by iamw_missing_data: missing, ignore, breaching, notBreaching */
} table_row;

#define A IAMW_STATE_ALARM
#define O IAMW_STATE_OK
#define I IAMW_STATE_INSUFFICIENT_DATA

static const table_row aws_tables[] = {
	/* M = N = 3 */
	{"0 - X - X", 3, 3, {O, O, O, O}},
	{"0 - - - -", 3, 3, {O, O, O, O}},
	{"- - - - -", 3, 3, {I, KEEP, A, O}},
	{"0 X X - X", 3, 3, {A, A, A, A}},
	{"- - X - -", 3, 3, {A, KEEP, A, O}},
	/* M = 2, N = 3 */
	{"0 - X - X", 2, 3, {A, A, A, A}},
	{"0 0 X 0 X", 2, 3, {A, A, A, A}},
	{"0 - X - -", 2, 3, {O, O, A, O}},
	{"- - - - 0", 2, 3, {O, O, A, O}},
	{"- - - X -", 2, 3, {A, KEEP, A, O}},
};

START_TEST(test_aws_table_cell)
{
	const table_row *r = &aws_tables[_i / 4];
	iamw_missing_data md = (iamw_missing_data)(_i % 4);
	iamw__metric_alarm_def d = mkdef(r->n, r->m, 1, IAMW_CMP_GE, 1.0, md);
	iamw__datapoint s[MAX_SLOTS];
	size_t ns = mkslots(r->row, s, T("2024-01-01T00:00:00Z"), MINUTE);
	ck_assert_uint_eq(ns, (size_t)iamw__alarm_range_size(&d));
	/* Two different current states: "keep state" must return each of them,
	 * a decided state must not depend on them. */
	const iamw_alarm_state currents[3] = {IAMW_STATE_OK, IAMW_STATE_ALARM,
	                                      IAMW_STATE_INSUFFICIENT_DATA};
	for (int c = 0; c < 3; c++) {
		iamw__alarm_eval_result res;
		ck_assert_int_eq(iamw__alarm_evaluate(&d, s, ns, currents[c],
		                                      T("2024-01-01T00:06:10Z"), &res),
		                 IAMW_OK);
		if (r->expect[md] == KEEP) {
			ck_assert_msg(res.new_state == currents[c] && !res.changed,
			              "row '%s' M=%u %s: expected keep", r->row, r->m,
			              iamw__missing_data_name(md));
			ck_assert_int_eq(res.outcome, IAMW__EVAL_KEPT_MISSING);
			ck_assert_ptr_null(res.reason);
			ck_assert_ptr_null(res.reason_data);
		} else {
			ck_assert_msg((int)res.new_state == r->expect[md],
			              "row '%s' M=%u %s: got %s", r->row, r->m,
			              iamw__missing_data_name(md), iamw__alarm_state_name(res.new_state));
			ck_assert_int_eq(res.outcome, IAMW__EVAL_DECIDED);
			ck_assert_int_eq(res.changed, res.new_state != currents[c]);
			ck_assert_ptr_nonnull(res.reason);
			ck_assert_ptr_nonnull(res.reason_data);
			cJSON *j = cJSON_Parse(res.reason_data);
			ck_assert_msg(j != NULL, "reason data not JSON: %s", res.reason_data);
			cJSON_Delete(j);
		}
		iamw__alarm_eval_result_clear(&res);
	}
}
END_TEST

/* ------------------------------------------------------------ M of N */

static iamw_alarm_state eval_row(const char *row, unsigned m, unsigned n, iamw_missing_data md)
{
	iamw__metric_alarm_def d = mkdef(n, m, 1, IAMW_CMP_GE, 1.0, md);
	iamw__datapoint s[MAX_SLOTS];
	size_t ns = mkslots(row, s, 0, MINUTE);
	iamw__alarm_eval_result res;
	ck_assert_int_eq(iamw__alarm_evaluate(&d, s, ns, IAMW_STATE_OK, 600000, &res), IAMW_OK);
	iamw_alarm_state st = res.new_state;
	iamw__alarm_eval_result_clear(&res);
	return st;
}

START_TEST(test_m_of_n)
{
	/* 4 of 5: breaching points need not be consecutive. */
	ck_assert_int_eq(eval_row("X X 0 X X", 4, 5, IAMW_MISSING_MISSING), A);
	ck_assert_int_eq(eval_row("X 0 0 X X", 4, 5, IAMW_MISSING_MISSING), O);
	/* 2 of 3 over the three newest of five. */
	ck_assert_int_eq(eval_row("X X 0 0 X", 2, 3, IAMW_MISSING_MISSING), O);
	ck_assert_int_eq(eval_row("0 0 X 0 X", 2, 3, IAMW_MISSING_MISSING), A);
	/* 1 of 1 uses the newest real point, reaching back past gaps (rule 2). */
	ck_assert_int_eq(eval_row("0 X - - -", 1, 1, IAMW_MISSING_NOT_BREACHING), A);
	ck_assert_int_eq(eval_row("X 0 - - -", 1, 1, IAMW_MISSING_BREACHING), O);
	/* Rule 3 with breaching: fills count towards M. */
	ck_assert_int_eq(eval_row("- - - - 0", 3, 3, IAMW_MISSING_BREACHING), O);
	ck_assert_int_eq(eval_row("- - - - 0", 2, 3, IAMW_MISSING_BREACHING), A);
	/* N larger than 5: the range grows with N. */
	{
		iamw__metric_alarm_def d = mkdef(7, 7, 1, IAMW_CMP_GE, 1, IAMW_MISSING_MISSING);
		ck_assert_int_eq(iamw__alarm_range_size(&d), 7);
		d.evaluation_periods = 1;
		ck_assert_int_eq(iamw__alarm_range_size(&d), 5);
	}
	ck_assert_int_eq(eval_row("X X X X X X X", 7, 7, IAMW_MISSING_MISSING), A);
	ck_assert_int_eq(eval_row("X X X 0 X X X", 6, 7, IAMW_MISSING_MISSING), A);
	ck_assert_int_eq(eval_row("X X 0 0 X X X", 6, 7, IAMW_MISSING_MISSING), O);
}
END_TEST

START_TEST(test_m_of_n_counts)
{
	iamw__metric_alarm_def d = mkdef(3, 2, 1, IAMW_CMP_GE, 1.0, IAMW_MISSING_BREACHING);
	iamw__datapoint s[MAX_SLOTS];
	size_t ns = mkslots("- - - 0 -", s, 0, MINUTE);
	iamw__alarm_eval_result res;
	ck_assert_int_eq(iamw__alarm_evaluate(&d, s, ns, IAMW_STATE_OK, 600000, &res), IAMW_OK);
	ck_assert_int_eq(res.new_state, A);
	ck_assert_uint_eq(res.n_real, 1);
	ck_assert_uint_eq(res.n_filled, 2);
	ck_assert_uint_eq(res.n_breaching, 2);
	ck_assert_uint_eq(res.n_evaluated, 3);
	/* Nothing real supports ALARM, so the "received" form is used. */
	ck_assert_str_eq(res.reason, "Threshold Crossed: 1 datapoint was received for 3 periods and "
	                             "2 missing datapoints were treated as [Breaching].");
	iamw__alarm_eval_result_clear(&res);
}
END_TEST

START_TEST(test_bad_arguments)
{
	iamw__metric_alarm_def d = mkdef(3, 3, 1, IAMW_CMP_GE, 1.0, IAMW_MISSING_MISSING);
	iamw__datapoint s[MAX_SLOTS];
	size_t ns = mkslots("0 0", s, 0, MINUTE);
	iamw__alarm_eval_result res;
	ck_assert_int_eq(iamw__alarm_evaluate(&d, s, ns, IAMW_STATE_OK, 0, &res), IAMW_EINVAL);
	ck_assert_ptr_null(res.reason);
	ck_assert_int_eq(iamw__alarm_evaluate(NULL, s, ns, IAMW_STATE_OK, 0, &res), IAMW_EINVAL);
	ck_assert_int_eq(iamw__alarm_evaluate(&d, s, ns, IAMW_STATE_OK, 0, NULL), IAMW_EINVAL);
	d.datapoints_to_alarm = 4;
	ns = mkslots("0 0 0 0 0", s, 0, MINUTE);
	ck_assert_int_eq(iamw__alarm_evaluate(&d, s, ns, IAMW_STATE_OK, 0, &res), IAMW_EINVAL);
	iamw__alarm_eval_result_clear(NULL);
}
END_TEST

/* ------------------------------------------------------------ operators */

typedef struct op_case {
	iamw_comparison op;
	int below, at, above;
} op_case;

static const op_case op_cases[] = {
	{IAMW_CMP_GE, 0, 1, 1},
	{IAMW_CMP_GT, 0, 0, 1},
	{IAMW_CMP_LT, 1, 0, 0},
	{IAMW_CMP_LE, 1, 1, 0},
	/* Band operators: the threshold is both the lower and the upper band. */
	{IAMW_CMP_LT_LOWER_OR_GT_UPPER, 1, 0, 1},
	{IAMW_CMP_LT_LOWER, 1, 0, 0},
	{IAMW_CMP_GT_UPPER, 0, 0, 1},
};

START_TEST(test_operators)
{
	const op_case *c = &op_cases[_i];
	iamw__metric_alarm_def d = mkdef(1, 1, 1, c->op, 10.0, IAMW_MISSING_MISSING);
	const double vals[3] = {9.5, 10.0, 10.5};
	const int want[3] = {c->below, c->at, c->above};
	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(iamw__alarm_breaches(&d, vals[k]), want[k]);
		iamw__datapoint s[5];
		for (int j = 0; j < 5; j++)
			s[j] = gap((int64_t)j * MINUTE);
		s[4] = pt(4 * MINUTE, vals[k]);
		iamw__alarm_eval_result res;
		ck_assert_int_eq(iamw__alarm_evaluate(&d, s, 5, IAMW_STATE_INSUFFICIENT_DATA,
		                                      6 * MINUTE, &res),
		                 IAMW_OK);
		ck_assert_int_eq(res.new_state, want[k] ? A : O);
		ck_assert_int_eq(res.changed, 1);
		iamw__alarm_eval_result_clear(&res);
	}
	ck_assert_int_eq(iamw__alarm_breaches(&d, (double)NAN), 0);
}
END_TEST

START_TEST(test_operator_phrases)
{
	static const struct {
		iamw_comparison op;
		double v;
		const char *want;
	} cases[] = {
		{IAMW_CMP_GE, 1, "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (01/01/24 00:04:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition)."},
		{IAMW_CMP_GE, 0, "Threshold Crossed: 1 out of the last 1 datapoints [0.0 (01/01/24 00:04:00)] was not greater than or equal to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition)."},
		{IAMW_CMP_LE, 1, "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (01/01/24 00:04:00)] was less than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition)."},
		{IAMW_CMP_LE, 2, "Threshold Crossed: 1 out of the last 1 datapoints [2.0 (01/01/24 00:04:00)] was not less than or equal to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition)."},
		{IAMW_CMP_LT_LOWER_OR_GT_UPPER, 2, "Thresholds Crossed: 1 out of the last 1 datapoints [2.0 (01/01/24 00:04:00)] was less than the lower thresholds [1.0] or greater than the upper thresholds [1.0] (minimum 1 datapoint for OK -> ALARM transition)."},
		{IAMW_CMP_LT_LOWER_OR_GT_UPPER, 1, "Thresholds Crossed: 1 out of the last 1 datapoints [1.0 (01/01/24 00:04:00)] was not less than the lower thresholds [1.0] or not greater than the upper thresholds [1.0] (minimum 1 datapoint for ALARM -> OK transition)."},
		{IAMW_CMP_LT_LOWER, 0, "Thresholds Crossed: 1 out of the last 1 datapoints [0.0 (01/01/24 00:04:00)] was less than the lower thresholds [1.0] (minimum 1 datapoint for OK -> ALARM transition)."},
		{IAMW_CMP_GT_UPPER, 1, "Thresholds Crossed: 1 out of the last 1 datapoints [1.0 (01/01/24 00:04:00)] was not greater than the upper thresholds [1.0] (minimum 1 datapoint for ALARM -> OK transition)."},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		iamw__metric_alarm_def d = mkdef(1, 1, 1, cases[i].op, 1.0, IAMW_MISSING_MISSING);
		iamw__datapoint s[5];
		int64_t t0 = T("2024-01-01T00:00:00Z");
		for (int j = 0; j < 5; j++)
			s[j] = gap(t0 + j * MINUTE);
		s[4] = pt(t0 + 4 * MINUTE, cases[i].v);
		iamw__alarm_eval_result res;
		ck_assert_int_eq(iamw__alarm_evaluate(&d, s, 5, IAMW_STATE_OK, t0 + 5 * MINUTE, &res),
		                 IAMW_OK);
		ck_assert_str_eq(res.reason, cases[i].want);
		if (cases[i].op == IAMW_CMP_LT_LOWER_OR_GT_UPPER && cases[i].v == 2)
			ck_assert_str_eq(res.reason_data,
			                 "{\"version\":\"1.0\",\"queryDate\":\"2024-01-01T00:05:00.000+0000\","
			                 "\"startDate\":\"2024-01-01T00:04:00.000+0000\",\"statistic\":\"Sum\","
			                 "\"period\":60,\"recentDatapoints\":[2.0],"
			                 "\"recentLowerThresholds\":[1.0],\"recentUpperThresholds\":[1.0],"
			                 "\"evaluatedDatapoints\":[{\"timestamp\":\"2024-01-01T00:04:00.000+0000\","
			                 "\"sampleCount\":1.0,\"value\":2.0}]}");
		iamw__alarm_eval_result_clear(&res);
	}
}
END_TEST

/* ------------------------------------------------------------ reason texts */

/* Evaluate and compare reason (and reason data when want_data != NULL). */
static void check_eval(const iamw__metric_alarm_def *d, const iamw__datapoint *s, size_t ns,
                       iamw_alarm_state cur, int64_t now, iamw_alarm_state want_state,
                       const char *want_reason, const char *want_data)
{
	iamw__alarm_eval_result res;
	ck_assert_int_eq(iamw__alarm_evaluate(d, s, ns, cur, now, &res), IAMW_OK);
	ck_assert_int_eq(res.new_state, want_state);
	ck_assert_int_eq(res.changed, want_state != cur);
	ck_assert_str_eq(res.reason, want_reason);
	if (want_data)
		ck_assert_str_eq(res.reason_data, want_data);
	iamw__alarm_eval_result_clear(&res);
}

START_TEST(test_reason_one_of_one)
{
	/* AWS Support guide sample; INSUFFICIENT_DATA -> ALARM still says OK -> ALARM. */
	iamw__metric_alarm_def d = mkdef(1, 1, 1, IAMW_CMP_GE, 1.0, IAMW_MISSING_MISSING);
	d.period_s = 300;
	int64_t now = T("2021-03-26T22:49:42.000Z");
	iamw__datapoint s[5];
	int64_t st[5];
	ck_assert_int_eq(iamw__alarm_slot_starts(&d, now, 5, st), IAMW_OK);
	ck_assert_int_eq(st[4], T("2021-03-26T22:44:00Z"));
	for (int i = 0; i < 5; i++)
		s[i] = gap(st[i]);
	s[4] = pt(st[4], 9.0);
	check_eval(&d, s, 5, I, now, A,
	           "Threshold Crossed: 1 out of the last 1 datapoints [9.0 (26/03/21 22:44:00)] was "
	           "greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM "
	           "transition).",
	           NULL);
}
END_TEST

START_TEST(test_reason_three_of_three)
{
	iamw__metric_alarm_def d = mkdef(3, 3, 1, IAMW_CMP_GE, 30.0, IAMW_MISSING_MISSING);
	d.period_s = 300;
	int64_t t0 = T("2020-10-09T21:04:00Z");
	iamw__datapoint s[5] = {
		pt(t0, 3.0), pt(t0 + 5 * MINUTE, 4.0), pt(t0 + 10 * MINUTE, 1390.0),
		pt(t0 + 15 * MINUTE, 1226.0), pt(t0 + 20 * MINUTE, 1141.0),
	};
	check_eval(&d, s, 5, O, t0 + 25 * MINUTE + 1234, A,
	           "Threshold Crossed: 3 out of the last 3 datapoints [1141.0 (09/10/20 21:24:00), "
	           "1226.0 (09/10/20 21:19:00), 1390.0 (09/10/20 21:14:00)] were greater than or equal "
	           "to the threshold (30.0) (minimum 3 datapoints for OK -> ALARM transition).",
	           NULL);
}
END_TEST

START_TEST(test_reason_ok_three_of_five)
{
	/* N = 5, M = 3: OK needs N - M + 1 = 3 non-breaching points. */
	iamw__metric_alarm_def d = mkdef(5, 3, 1, IAMW_CMP_GT, 0.0, IAMW_MISSING_MISSING);
	int64_t t0 = T("2021-12-21T06:41:00Z");
	iamw__datapoint s[5] = {
		pt(t0, 1.0), pt(t0 + MINUTE, 0.0), pt(t0 + 2 * MINUTE, 2.0),
		pt(t0 + 3 * MINUTE, 0.0), pt(t0 + 4 * MINUTE, 0.0),
	};
	check_eval(&d, s, 5, A, t0 + 5 * MINUTE + 5000, O,
	           "Threshold Crossed: 3 out of the last 5 datapoints [0.0 (21/12/21 06:45:00), 0.0 "
	           "(21/12/21 06:44:00), 0.0 (21/12/21 06:42:00)] were not greater than the threshold "
	           "(0.0) (minimum 3 datapoints for ALARM -> OK transition).",
	           NULL);
}
END_TEST

START_TEST(test_reason_legacy)
{
	iamw__metric_alarm_def d = mkdef(1, 1, 0, IAMW_CMP_GT, 3.0, IAMW_MISSING_MISSING);
	int64_t t0 = T("2026-01-17T16:58:00Z");
	iamw__datapoint s[5] = {gap(t0), gap(t0 + MINUTE), gap(t0 + 2 * MINUTE),
	                        gap(t0 + 3 * MINUTE), pt(t0 + 4 * MINUTE, 63.0)};
	check_eval(&d, s, 5, O, t0 + 5 * MINUTE, A,
	           "Threshold Crossed: 1 datapoint [63.0 (17/01/26 17:02:00)] was greater than the "
	           "threshold (3.0).",
	           NULL);

	iamw__metric_alarm_def d3 = mkdef(3, 0, 0, IAMW_CMP_GT, 60.0, IAMW_MISSING_MISSING);
	d3.period_s = 300;
	int64_t t1 = T("2022-03-11T10:38:00Z");
	iamw__datapoint s3[5] = {
		pt(t1, 99.0), pt(t1 + 5 * MINUTE, 98.0), pt(t1 + 10 * MINUTE, 0.03166697224583412),
		pt(t1 + 15 * MINUTE, 0.04333311112870379), pt(t1 + 20 * MINUTE, 0.050002640067216934),
	};
	check_eval(&d3, s3, 5, A, t1 + 25 * MINUTE, O,
	           "Threshold Crossed: 3 datapoints [0.050002640067216934 (11/03/22 10:58:00), "
	           "0.04333311112870379 (11/03/22 10:53:00), 0.03166697224583412 (11/03/22 "
	           "10:48:00)] were not greater than the threshold (60.0).",
	           NULL);

	/* Route 53 capture (2018): Minimum < 1 over 3 points, one of them not breaching. */
	iamw__metric_alarm_def r = mkdef(3, 0, 0, IAMW_CMP_LT, 1.0, IAMW_MISSING_MISSING);
	r.statistic = IAMW_STAT_MINIMUM;
	int64_t t2 = T("2018-12-08T19:51:00Z");
	iamw__datapoint s2[5] = {gap(t2), gap(t2 + MINUTE), pt(t2 + 2 * MINUTE, 0.0),
	                         pt(t2 + 3 * MINUTE, 0.0), pt(t2 + 4 * MINUTE, 1.0)};
	check_eval(&r, s2, 5, A, T("2018-12-08T19:56:14.594Z"), O,
	           "Threshold Crossed: 1 datapoint [1.0 (08/12/18 19:55:00)] was not less than the "
	           "threshold (1.0).",
	           NULL);
}
END_TEST

START_TEST(test_reason_missing_filled)
{
	int64_t t0 = T("2024-01-01T00:00:00Z");
	iamw__datapoint s[5];
	for (int i = 0; i < 5; i++)
		s[i] = gap(t0 + i * MINUTE);

	iamw__metric_alarm_def d = mkdef(1, 1, 0, IAMW_CMP_GE, 1.0, IAMW_MISSING_NOT_BREACHING);
	check_eval(&d, s, 5, A, t0 + 5 * MINUTE, O,
	           "Threshold Crossed: no datapoints were received for 1 period and 1 missing "
	           "datapoint was treated as [NonBreaching].",
	           "{\"version\":\"1.0\",\"queryDate\":\"2024-01-01T00:05:00.000+0000\",\"statistic\":"
	           "\"Sum\",\"period\":60,\"recentDatapoints\":[],\"threshold\":1.0,"
	           "\"evaluatedDatapoints\":[{\"timestamp\":\"2024-01-01T00:04:00.000+0000\"}]}");

	iamw__metric_alarm_def d2 = mkdef(2, 2, 1, IAMW_CMP_GE, 1.0, IAMW_MISSING_BREACHING);
	check_eval(&d2, s, 5, O, t0 + 5 * MINUTE, A,
	           "Threshold Crossed: no datapoints were received for 2 periods and 2 missing "
	           "datapoints were treated as [Breaching].",
	           "{\"version\":\"1.0\",\"queryDate\":\"2024-01-01T00:05:00.000+0000\",\"statistic\":"
	           "\"Sum\",\"period\":60,\"recentDatapoints\":[],\"threshold\":1.0,"
	           "\"evaluatedDatapoints\":[{\"timestamp\":\"2024-01-01T00:04:00.000+0000\"},"
	           "{\"timestamp\":\"2024-01-01T00:03:00.000+0000\"}]}");
}
END_TEST

START_TEST(test_reason_mixed)
{
	/* LessThan 1, N = M = 3, breaching: one real 1.0 (not breaching) and two
	 * filled breaching points: 2 < 3, so OK, and the text lists both. */
	iamw__metric_alarm_def d = mkdef(3, 3, 0, IAMW_CMP_LT, 1.0, IAMW_MISSING_BREACHING);
	int64_t t0 = T("2026-08-26T16:12:00Z");
	iamw__datapoint s[5] = {gap(t0), gap(t0 + MINUTE), gap(t0 + 2 * MINUTE),
	                        gap(t0 + 3 * MINUTE), pt(t0 + 4 * MINUTE, 1.0)};
	check_eval(&d, s, 5, A, t0 + 5 * MINUTE, O,
	           "Threshold Crossed: 1 datapoint [1.0 (26/08/26 16:16:00)] was not less than the "
	           "threshold (1.0) and 2 missing datapoints were treated as [Breaching].",
	           NULL);

	/* With DatapointsToAlarm the mixed form keeps "out of the last" and the
	 * minimum clause. */
	iamw__metric_alarm_def d7 = mkdef(9, 3, 1, IAMW_CMP_GE, 1.0, IAMW_MISSING_NOT_BREACHING);
	iamw__datapoint s9[9];
	for (int i = 0; i < 9; i++)
		s9[i] = gap(t0 + i * MINUTE);
	s9[2] = pt(t0 + 2 * MINUTE, 0.0);
	s9[3] = pt(t0 + 3 * MINUTE, 5.0);
	s9[5] = pt(t0 + 5 * MINUTE, 0.0);
	s9[8] = pt(t0 + 8 * MINUTE, 5.0);
	check_eval(&d7, s9, 9, A, t0 + 10 * MINUTE, O,
	           "Threshold Crossed: 2 out of the last 9 datapoints [0.0 (26/08/26 16:17:00), 0.0 "
	           "(26/08/26 16:14:00)] were not greater than or equal to the threshold (1.0) and 5 "
	           "missing datapoints were treated as [NonBreaching] (minimum 7 datapoints for ALARM "
	           "-> OK transition).",
	           NULL);
}
END_TEST

START_TEST(test_reason_premature)
{
	/* "- - X - -" with M = N = 3, LessThan: ALARM although only 1 point. */
	iamw__metric_alarm_def d = mkdef(3, 3, 1, IAMW_CMP_LT, 5.0, IAMW_MISSING_MISSING);
	int64_t t0 = T("2024-02-02T10:00:00Z");
	iamw__datapoint s[5] = {gap(t0), gap(t0 + MINUTE), pt(t0 + 2 * MINUTE, 0.0),
	                        gap(t0 + 3 * MINUTE), gap(t0 + 4 * MINUTE)};
	check_eval(&d, s, 5, O, t0 + 5 * MINUTE, A,
	           "Threshold Crossed: 1 out of the last 3 datapoints [0.0 (02/02/24 10:02:00)] was "
	           "less than the threshold (5.0) (minimum 3 datapoints for OK -> ALARM transition).",
	           "{\"version\":\"1.0\",\"queryDate\":\"2024-02-02T10:05:00.000+0000\",\"startDate\":"
	           "\"2024-02-02T10:02:00.000+0000\",\"statistic\":\"Sum\",\"period\":60,"
	           "\"recentDatapoints\":[0.0],\"threshold\":5.0,\"evaluatedDatapoints\":[{"
	           "\"timestamp\":\"2024-02-02T10:02:00.000+0000\",\"sampleCount\":1.0,\"value\":0.0}]}");
}
END_TEST

START_TEST(test_reason_insufficient)
{
	/* Captured 2023 EventBridge sample: Average, 60 s, threshold 5. */
	iamw__metric_alarm_def d = mkdef(1, 1, 1, IAMW_CMP_GT, 5.0, IAMW_MISSING_MISSING);
	d.statistic = IAMW_STAT_AVERAGE;
	int64_t now = T("2023-08-04T12:31:29.591Z");
	int64_t st[5];
	iamw__datapoint s[5];
	ck_assert_int_eq(iamw__alarm_slot_starts(&d, now, 5, st), IAMW_OK);
	for (int i = 0; i < 5; i++)
		s[i] = gap(st[i]);
	check_eval(&d, s, 5, O, now, I, "Insufficient Data: 5 datapoints were unknown.",
	           "{\"version\":\"1.0\",\"queryDate\":\"2023-08-04T12:31:29.591+0000\",\"statistic\":"
	           "\"Average\",\"period\":60,\"recentDatapoints\":[],\"threshold\":5.0,"
	           "\"evaluatedDatapoints\":[{\"timestamp\":\"2023-08-04T12:30:00.000+0000\"},"
	           "{\"timestamp\":\"2023-08-04T12:29:00.000+0000\"},{\"timestamp\":"
	           "\"2023-08-04T12:28:00.000+0000\"},{\"timestamp\":\"2023-08-04T12:27:00.000+0000\"},"
	           "{\"timestamp\":\"2023-08-04T12:26:00.000+0000\"}]}");
	check_eval(&d, s, 1, O, now, I, "Insufficient Data: 1 datapoint was unknown.", NULL);
}
END_TEST

START_TEST(test_reason_creation)
{
	iamw__alarm_eval_result res;
	ck_assert_int_eq(iamw__alarm_creation_result(&res), IAMW_OK);
	ck_assert_int_eq(res.new_state, I);
	ck_assert_str_eq(res.reason, "Unchecked: Initial alarm creation");
	ck_assert_ptr_null(res.reason_data);
	iamw__alarm_eval_result_clear(&res);
	ck_assert_ptr_null(res.reason);
}
END_TEST

/* ------------------------------------------------------------ reason data */

START_TEST(test_reason_data_spec_sample)
{
	/* §2.8: metric-filter metric, Sum over 60 s, 1051 matches. */
	iamw__metric_alarm_def d = mkdef(1, 1, 1, IAMW_CMP_GT, 12.0, IAMW_MISSING_MISSING);
	char unit[] = "Milliseconds";
	d.unit = unit;
	int64_t now = T("2024-07-16T13:14:42.817Z");
	int64_t st[5];
	iamw__datapoint s[5];
	ck_assert_int_eq(iamw__alarm_slot_starts(&d, now, 5, st), IAMW_OK);
	for (int i = 0; i < 5; i++)
		s[i] = gap(st[i]);
	s[4].present = 1;
	s[4].value = 1051;
	s[4].sample_count = 1051;
	check_eval(&d, s, 5, O, now, A,
	           "Threshold Crossed: 1 out of the last 1 datapoints [1051.0 (16/07/24 13:13:00)] "
	           "was greater than the threshold (12.0) (minimum 1 datapoint for OK -> ALARM "
	           "transition).",
	           "{\"version\":\"1.0\",\"queryDate\":\"2024-07-16T13:14:42.817+0000\",\"startDate\":"
	           "\"2024-07-16T13:13:00.000+0000\",\"unit\":\"Milliseconds\",\"statistic\":\"Sum\","
	           "\"period\":60,\"recentDatapoints\":[1051.0],\"threshold\":12.0,"
	           "\"evaluatedDatapoints\":[{\"timestamp\":\"2024-07-16T13:13:00.000+0000\","
	           "\"sampleCount\":1051.0,\"value\":1051.0}]}");
}
END_TEST

START_TEST(test_reason_data_captured_pair)
{
	/* Captured 2021 EventBridge pair (M = N = 2, Average, 60 s): the newest
	 * minute had no data yet, so the two points before it were used. */
	iamw__metric_alarm_def d = mkdef(2, 2, 1, IAMW_CMP_GT, 40.0, IAMW_MISSING_MISSING);
	d.statistic = IAMW_STAT_AVERAGE;
	int64_t now = T("2021-04-13T16:06:38.066Z");
	int64_t st[5];
	iamw__datapoint s[5];
	ck_assert_int_eq(iamw__alarm_slot_starts(&d, now, 5, st), IAMW_OK);
	for (int i = 0; i < 5; i++)
		s[i] = gap(st[i]);
	s[2] = pt(st[2], 0.01575357001274824);
	s[3] = pt(st[3], 0.01758096118768056);
	check_eval(&d, s, 5, A, now, O,
	           "Threshold Crossed: 2 out of the last 2 datapoints [0.01758096118768056 (13/04/21 "
	           "16:04:00), 0.01575357001274824 (13/04/21 16:03:00)] were not greater than the "
	           "threshold (40.0) (minimum 1 datapoint for ALARM -> OK transition).",
	           "{\"version\":\"1.0\",\"queryDate\":\"2021-04-13T16:06:38.066+0000\",\"startDate\":"
	           "\"2021-04-13T16:03:00.000+0000\",\"statistic\":\"Average\",\"period\":60,"
	           "\"recentDatapoints\":[0.01575357001274824,0.01758096118768056],\"threshold\":40.0,"
	           "\"evaluatedDatapoints\":[{\"timestamp\":\"2021-04-13T16:04:00.000+0000\","
	           "\"sampleCount\":1.0,\"value\":0.01758096118768056}]}");

	d.comparison = IAMW_CMP_LT;
	now = T("2021-04-13T15:46:16.506Z");
	ck_assert_int_eq(iamw__alarm_slot_starts(&d, now, 5, st), IAMW_OK);
	for (int i = 0; i < 5; i++)
		s[i] = gap(st[i]);
	s[2] = pt(st[2], 0.017077552154660225);
	s[3] = pt(st[3], 0.017910949885845184);
	check_eval(&d, s, 5, O, now, A,
	           "Threshold Crossed: 2 out of the last 2 datapoints [0.017910949885845184 (13/04/21 "
	           "15:44:00), 0.017077552154660225 (13/04/21 15:43:00)] were less than the threshold "
	           "(40.0) (minimum 2 datapoints for OK -> ALARM transition).",
	           "{\"version\":\"1.0\",\"queryDate\":\"2021-04-13T15:46:16.506+0000\",\"startDate\":"
	           "\"2021-04-13T15:43:00.000+0000\",\"statistic\":\"Average\",\"period\":60,"
	           "\"recentDatapoints\":[0.017077552154660225,0.017910949885845184],\"threshold\":40.0,"
	           "\"evaluatedDatapoints\":[{\"timestamp\":\"2021-04-13T15:44:00.000+0000\","
	           "\"sampleCount\":1.0,\"value\":0.017910949885845184},{\"timestamp\":"
	           "\"2021-04-13T15:43:00.000+0000\",\"sampleCount\":1.0,\"value\":0.017077552154660225}]}");

	/* Captured 2025 SQS alarm (legacy form, newest minute empty). */
	iamw__metric_alarm_def q = mkdef(1, 1, 0, IAMW_CMP_GT, 0.0, IAMW_MISSING_MISSING);
	now = T("2025-05-15T15:31:44.984Z");
	ck_assert_int_eq(iamw__alarm_slot_starts(&q, now, 5, st), IAMW_OK);
	for (int i = 0; i < 5; i++)
		s[i] = gap(st[i]);
	s[3] = pt(st[3], 1.0);
	check_eval(&q, s, 5, O, now, A,
	           "Threshold Crossed: 1 datapoint [1.0 (15/05/25 15:29:00)] was greater than the "
	           "threshold (0.0).",
	           "{\"version\":\"1.0\",\"queryDate\":\"2025-05-15T15:31:44.984+0000\",\"startDate\":"
	           "\"2025-05-15T15:29:00.000+0000\",\"statistic\":\"Sum\",\"period\":60,"
	           "\"recentDatapoints\":[1.0],\"threshold\":0.0,\"evaluatedDatapoints\":[{"
	           "\"timestamp\":\"2025-05-15T15:29:00.000+0000\",\"sampleCount\":1.0,\"value\":1.0}]}");
}
END_TEST

START_TEST(test_reason_data_shape)
{
	/* Key order and the missing-point shape, parsed back with cJSON. */
	iamw__metric_alarm_def d = mkdef(3, 2, 1, IAMW_CMP_GE, 1.0, IAMW_MISSING_BREACHING);
	char unit[] = "Count";
	char xs[] = "p99";
	d.unit = unit;
	d.statistic = IAMW_STAT_EXTENDED;
	d.extended_statistic = xs;
	iamw__datapoint s[MAX_SLOTS];
	size_t ns = mkslots("0 - X - -", s, T("2024-03-03T03:00:00Z"), MINUTE);
	iamw__alarm_eval_result res;
	ck_assert_int_eq(iamw__alarm_evaluate(&d, s, ns, O, T("2024-03-03T03:05:07Z"), &res), IAMW_OK);
	ck_assert_int_eq(res.new_state, A);
	ck_assert_str_eq(res.reason, "Threshold Crossed: 1 out of the last 3 datapoints [5.0 "
	                             "(03/03/24 03:02:00)] was greater than or equal to the threshold "
	                             "(1.0) and 1 missing datapoint was treated as [Breaching] "
	                             "(minimum 2 datapoints for OK -> ALARM transition).");
	cJSON *j = cJSON_Parse(res.reason_data);
	ck_assert_ptr_nonnull(j);
	static const char *const keys[] = {"version", "queryDate", "startDate", "unit", "statistic",
	                                   "period", "recentDatapoints", "threshold",
	                                   "evaluatedDatapoints"};
	size_t k = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, j) {
		ck_assert_uint_lt(k, 9);
		ck_assert_str_eq(it->string, keys[k]);
		k++;
	}
	ck_assert_uint_eq(k, 9);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j, "statistic")->valuestring, "p99");
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j, "startDate")->valuestring,
	                 "2024-03-03T03:00:00.000+0000");
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(j, "evaluatedDatapoints");
	/* M = 2 supporters, newest first: the filled 03:04 slot, then 03:02. */
	ck_assert_int_eq(cJSON_GetArraySize(ev), 2);
	const cJSON *e0 = cJSON_GetArrayItem(ev, 0);
	ck_assert_int_eq(cJSON_GetArraySize(e0), 1);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(e0, "timestamp")->valuestring,
	                 "2024-03-03T03:04:00.000+0000");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetArrayItem(ev, 1)), 3);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "recentDatapoints")), 2);
	cJSON_Delete(j);
	ck_assert_str_eq(res.reason_data,
	                 "{\"version\":\"1.0\",\"queryDate\":\"2024-03-03T03:05:07.000+0000\","
	                 "\"startDate\":\"2024-03-03T03:00:00.000+0000\",\"unit\":\"Count\","
	                 "\"statistic\":\"p99\",\"period\":60,\"recentDatapoints\":[0.0,5.0],"
	                 "\"threshold\":1.0,\"evaluatedDatapoints\":[{\"timestamp\":"
	                 "\"2024-03-03T03:04:00.000+0000\"},{\"timestamp\":\"2024-03-03T03:02:00.000+0000\","
	                 "\"sampleCount\":1.0,\"value\":5.0}]}");
	iamw__alarm_eval_result_clear(&res);
}
END_TEST

/* ------------------------------------------------------------ CIS scenario */

/* A metric-filter metric with a single match at event_ms (Sum of 1 per
 * match): a slot is present iff its period contains the event. */
static void cis_slots(const iamw__metric_alarm_def *d, int64_t now, int64_t event_ms,
                      iamw__datapoint *s, size_t n)
{
	int64_t st[MAX_SLOTS];
	ck_assert_int_eq(iamw__alarm_slot_starts(d, now, n, st), IAMW_OK);
	for (size_t i = 0; i < n; i++) {
		if (st[i] <= event_ms && event_ms < st[i] + d->period_s * 1000)
			s[i] = pt(st[i], 1.0);
		else
			s[i] = gap(st[i]);
	}
}

static void run_cis(iamw_missing_data md, iamw_alarm_state quiet)
{
	/* CIS prescription: Sum >= 1 over 300 s, N = M = 1. */
	iamw__metric_alarm_def d = mkdef(1, 1, 0, IAMW_CMP_GE, 1.0, md);
	d.period_s = 300;
	d.has_treat_missing_data = md != IAMW_MISSING_MISSING;
	size_t n = (size_t)iamw__alarm_range_size(&d);
	ck_assert_uint_eq(n, 5);
	int64_t t0 = T("2024-05-01T10:00:00Z");
	int64_t event = T("2024-05-01T10:02:30Z");
	iamw_alarm_state state = I;
	int changes = 0;
	for (int minute = 0; minute <= 40; minute++) {
		int64_t now = t0 + (int64_t)minute * MINUTE + 7000;
		iamw__datapoint s[MAX_SLOTS];
		cis_slots(&d, now, event, s, n);
		iamw__alarm_eval_result res;
		ck_assert_int_eq(iamw__alarm_evaluate(&d, s, n, state, now, &res), IAMW_OK);
		/* The match is in the newest slot from 10:03 and leaves the range
		 * of five 300-s slots after 10:27. */
		iamw_alarm_state want = (minute >= 3 && minute <= 27) ? A : quiet;
		ck_assert_msg(res.new_state == want, "minute %d: got %s", minute,
		              iamw__alarm_state_name(res.new_state));
		if (res.changed) {
			changes++;
			if (minute == 3)
				ck_assert_str_eq(res.reason, "Threshold Crossed: 1 datapoint [1.0 (01/05/24 "
				                             "09:58:00)] was greater than or equal to the "
				                             "threshold (1.0).");
			if (minute == 28 && md == IAMW_MISSING_MISSING)
				ck_assert_str_eq(res.reason, "Insufficient Data: 5 datapoints were unknown.");
			if (minute == 28 && md == IAMW_MISSING_NOT_BREACHING)
				ck_assert_str_eq(res.reason, "Threshold Crossed: no datapoints were received "
				                             "for 1 period and 1 missing datapoint was treated "
				                             "as [NonBreaching].");
		}
		state = res.new_state;
		iamw__alarm_eval_result_clear(&res);
	}
	/* INSUFFICIENT_DATA -> ALARM -> back (plus the first OK for notBreaching). */
	ck_assert_int_eq(changes, quiet == I ? 2 : 3);
	ck_assert_int_eq(state, quiet);
}

START_TEST(test_cis_missing)
{
	run_cis(IAMW_MISSING_MISSING, I);
}
END_TEST

START_TEST(test_cis_not_breaching)
{
	run_cis(IAMW_MISSING_NOT_BREACHING, O);
}
END_TEST

/* ------------------------------------------------------------ low samples */

START_TEST(test_low_sample_count)
{
	static const struct {
		const char *stat;
		double count;
		int kept;
	} cases[] = {
		{"p99", 999, 1},     {"p99", 1000, 0},   {"p99.9", 9999, 1}, {"p99.9", 10000, 0},
		{"p90", 99, 1},      {"p90", 100, 0},    {"p50", 19, 1},     {"p50", 20, 0},
		{"p10", 99, 1},      {"p10", 100, 0},    {"p25", 39, 1},     {"p25", 40, 0},
		{"p100", 1, 0},      {"p0", 1, 0},       {"tm90", 1, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		iamw__metric_alarm_def d = mkdef(1, 1, 1, IAMW_CMP_GT, 10.0, IAMW_MISSING_MISSING);
		char stat[16], ign[] = "ignore";
		snprintf(stat, sizeof stat, "%s", cases[i].stat);
		d.statistic = IAMW_STAT_EXTENDED;
		d.extended_statistic = stat;
		d.evaluate_low_sample_count_percentile = ign;
		iamw__datapoint s[5];
		for (int j = 0; j < 5; j++)
			s[j] = gap((int64_t)j * MINUTE);
		s[3] = pt(3 * MINUTE, 50.0);
		s[3].sample_count = 100000; /* older points do not matter */
		s[4] = pt(4 * MINUTE, 50.0);
		s[4].sample_count = cases[i].count;
		iamw__alarm_eval_result res;
		ck_assert_int_eq(iamw__alarm_evaluate(&d, s, 5, O, 5 * MINUTE, &res), IAMW_OK);
		if (cases[i].kept) {
			ck_assert_msg(res.outcome == IAMW__EVAL_KEPT_LOW_SAMPLES && res.new_state == O &&
			                  !res.changed && !res.reason,
			              "%s with %g samples should keep the state", cases[i].stat,
			              cases[i].count);
		} else {
			ck_assert_msg(res.outcome == IAMW__EVAL_DECIDED && res.new_state == A,
			              "%s with %g samples should be evaluated", cases[i].stat,
			              cases[i].count);
		}
		iamw__alarm_eval_result_clear(&res);

		/* "evaluate" always evaluates. */
		char ev[] = "evaluate";
		d.evaluate_low_sample_count_percentile = ev;
		ck_assert_int_eq(iamw__alarm_evaluate(&d, s, 5, O, 5 * MINUTE, &res), IAMW_OK);
		ck_assert_int_eq(res.outcome, IAMW__EVAL_DECIDED);
		iamw__alarm_eval_result_clear(&res);
	}
}
END_TEST

/* ------------------------------------------------------------ slot times */

START_TEST(test_slot_starts)
{
	iamw__metric_alarm_def d = mkdef(1, 1, 1, IAMW_CMP_GT, 0, IAMW_MISSING_MISSING);
	int64_t st[5];
	d.period_s = 300;
	ck_assert_int_eq(iamw__alarm_slot_starts(&d, T("2022-01-01T17:04:40.985Z"), 5, st), IAMW_OK);
	ck_assert_int_eq(st[4], T("2022-01-01T16:59:00Z"));
	ck_assert_int_eq(st[0], T("2022-01-01T16:39:00Z"));
	d.period_s = 86400;
	ck_assert_int_eq(iamw__alarm_slot_starts(&d, T("2022-10-09T09:39:13Z"), 2, st), IAMW_OK);
	ck_assert_int_eq(st[1], T("2022-10-08T09:39:00Z"));
	ck_assert_int_eq(st[0], T("2022-10-07T09:39:00Z"));
	d.period_s = 10;
	ck_assert_int_eq(iamw__alarm_slot_starts(&d, T("2024-01-01T12:00:17.500Z"), 3, st), IAMW_OK);
	ck_assert_int_eq(st[2], T("2024-01-01T12:00:00Z"));
	ck_assert_int_eq(st[0], T("2024-01-01T11:59:40Z"));
	d.period_s = 30;
	ck_assert_int_eq(iamw__alarm_slot_starts(&d, T("2024-01-01T12:00:45Z"), 1, st), IAMW_OK);
	ck_assert_int_eq(st[0], T("2024-01-01T12:00:00Z"));
	/* Before the epoch the floor still goes down. */
	d.period_s = 60;
	ck_assert_int_eq(iamw__alarm_slot_starts(&d, -1, 1, st), IAMW_OK);
	ck_assert_int_eq(st[0], -120000);
	d.period_s = 0;
	ck_assert_int_eq(iamw__alarm_slot_starts(&d, 0, 1, st), IAMW_EINVAL);
}
END_TEST

/* ------------------------------------------------------------ definitions */

static const char *const cis_doc =
	"{\"AlarmName\":\"CIS-3.1-UnauthorizedAPICalls\",\"AlarmDescription\":\"CIS 3.1\","
	"\"ActionsEnabled\":true,\"AlarmActions\":[\"arn:aws:sns:us-east-1:123456789012:cis\"],"
	"\"OKActions\":[],\"MetricName\":\"UnauthorizedAPICalls\",\"Namespace\":\"CISBenchmark\","
	"\"Statistic\":\"Sum\",\"Dimensions\":[{\"Name\":\"Trail\",\"Value\":\"main\"}],"
	"\"Period\":300,\"EvaluationPeriods\":1,\"Threshold\":1,"
	"\"ComparisonOperator\":\"GreaterThanOrEqualToThreshold\",\"Unit\":\"Count\","
	"\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}";

START_TEST(test_def_from_json)
{
	cJSON *j = cJSON_Parse(cis_doc);
	ck_assert_ptr_nonnull(j);
	iamw__metric_alarm_def d;
	iamw_error err;
	ck_assert_int_eq(iamw__metric_alarm_def_from_json(j, &d, &err), IAMW_OK);
	ck_assert_int_eq(err.code, IAMW_OK);
	ck_assert_str_eq(d.name, "CIS-3.1-UnauthorizedAPICalls");
	ck_assert_str_eq(d.description, "CIS 3.1");
	ck_assert_int_eq(d.actions_enabled, 1);
	ck_assert_uint_eq(d.alarm_actions.n, 1);
	ck_assert_str_eq(d.alarm_actions.items[0], "arn:aws:sns:us-east-1:123456789012:cis");
	ck_assert_uint_eq(d.ok_actions.n, 0);
	ck_assert_uint_eq(d.insufficient_data_actions.n, 0);
	ck_assert_str_eq(d.metric_name, "UnauthorizedAPICalls");
	ck_assert_str_eq(d.metric_namespace, "CISBenchmark");
	ck_assert_uint_eq(d.n_dimensions, 1);
	ck_assert_str_eq(d.dimensions[0].name, "Trail");
	ck_assert_str_eq(d.dimensions[0].value, "main");
	ck_assert_int_eq(d.statistic, IAMW_STAT_SUM);
	ck_assert_ptr_null(d.extended_statistic);
	ck_assert_int_eq(d.period_s, 300);
	ck_assert_uint_eq(d.evaluation_periods, 1);
	ck_assert_uint_eq(d.datapoints_to_alarm, 1);
	ck_assert_int_eq(d.has_datapoints_to_alarm, 0);
	ck_assert(d.threshold == 1.0);
	ck_assert_int_eq(d.comparison, IAMW_CMP_GE);
	ck_assert_int_eq(d.treat_missing_data, IAMW_MISSING_MISSING);
	ck_assert_int_eq(d.has_treat_missing_data, 0);
	ck_assert_str_eq(d.unit, "Count");
	ck_assert_ptr_null(d.evaluate_low_sample_count_percentile);
	iamw__metric_alarm_def_free(&d);
	ck_assert_ptr_null(d.name);
	iamw__metric_alarm_def_free(NULL);
	cJSON_Delete(j);

	j = cJSON_Parse("{\"AlarmName\":\"p\",\"MetricName\":\"Latency\",\"Namespace\":\"App\","
	                "\"ExtendedStatistic\":\"p99.9\",\"Period\":10,\"EvaluationPeriods\":5,"
	                "\"DatapointsToAlarm\":3,\"Threshold\":0.25,\"AlarmDescription\":null,"
	                "\"ComparisonOperator\":\"LessThanThreshold\",\"ActionsEnabled\":false,"
	                "\"TreatMissingData\":\"notBreaching\","
	                "\"EvaluateLowSampleCountPercentile\":\"ignore\"}");
	ck_assert_int_eq(iamw__metric_alarm_def_from_json(j, &d, &err), IAMW_OK);
	ck_assert_int_eq(d.statistic, IAMW_STAT_EXTENDED);
	ck_assert_str_eq(d.extended_statistic, "p99.9");
	ck_assert_ptr_null(d.description);
	ck_assert_int_eq(d.actions_enabled, 0);
	ck_assert_uint_eq(d.datapoints_to_alarm, 3);
	ck_assert_int_eq(d.has_datapoints_to_alarm, 1);
	ck_assert_int_eq(d.treat_missing_data, IAMW_MISSING_NOT_BREACHING);
	ck_assert_int_eq(d.has_treat_missing_data, 1);
	ck_assert_str_eq(d.evaluate_low_sample_count_percentile, "ignore");
	iamw__metric_alarm_def_free(&d);
	cJSON_Delete(j);
}
END_TEST

/* Apply a JSON patch (a small object merged into the CIS document) and
 * expect a failure code and a message containing want. */
static void expect_json_error(const char *patch, const char *remove_key, int code,
                              const char *want)
{
	cJSON *j = cJSON_Parse(cis_doc);
	cJSON *p = cJSON_Parse(patch);
	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_nonnull(p);
	cJSON *it = p->child;
	while (it) {
		cJSON *next = it->next;
		cJSON *dup = cJSON_Duplicate(it, 1);
		cJSON_DeleteItemFromObjectCaseSensitive(j, it->string);
		cJSON_AddItemToObject(j, it->string, dup);
		it = next;
	}
	if (remove_key)
		cJSON_DeleteItemFromObjectCaseSensitive(j, remove_key);
	iamw__metric_alarm_def d;
	iamw_error err;
	int rc = iamw__metric_alarm_def_from_json(j, &d, &err);
	ck_assert_msg(rc == code, "%s: got %d (%s), want %d", patch, rc, err.text, code);
	ck_assert_int_eq(err.code, code);
	ck_assert_str_eq(err.source, "alarm");
	ck_assert_uint_eq(err.offset, IAMW_NO_OFFSET);
	ck_assert_msg(strstr(err.text, want) != NULL, "%s: message '%s' lacks '%s'", patch, err.text,
	              want);
	ck_assert_ptr_null(d.name);
	ck_assert_ptr_null(d.alarm_actions.items);
	cJSON_Delete(p);
	cJSON_Delete(j);
}

START_TEST(test_def_errors)
{
	expect_json_error("{\"DatapointsToAlarm\":2}", NULL, IAMW_EVALIDATION,
	                  "DatapointsToAlarm must be less than or equal to EvaluationPeriods");
	expect_json_error("{\"Period\":45}", NULL, IAMW_EVALIDATION, "Period");
	expect_json_error("{\"Period\":10,\"EvaluationPeriods\":8641}", NULL, IAMW_EVALIDATION,
	                  "86400");
	expect_json_error("{\"Period\":3600,\"EvaluationPeriods\":169}", NULL, IAMW_EVALIDATION,
	                  "604800");
	expect_json_error("{\"Period\":\"300\"}", NULL, IAMW_EJSON, "Period");
	expect_json_error("{\"Period\":60.5}", NULL, IAMW_EJSON, "Period");
	expect_json_error("{\"EvaluationPeriods\":0}", NULL, IAMW_EVALIDATION, "EvaluationPeriods");
	expect_json_error("{\"ExtendedStatistic\":\"p99\"}", NULL, IAMW_EVALIDATION,
	                  "Statistic or ExtendedStatistic");
	expect_json_error("{}", "Statistic", IAMW_EVALIDATION, "Statistic or ExtendedStatistic");
	expect_json_error("{\"Statistic\":\"sum\"}", NULL, IAMW_EVALIDATION, "Statistic");
	expect_json_error("{\"ExtendedStatistic\":\"p101\"}", "Statistic", IAMW_EVALIDATION,
	                  "ExtendedStatistic");
	expect_json_error("{\"ExtendedStatistic\":\"TM(5%:95%)\"}", "Statistic", IAMW_EVALIDATION,
	                  "ExtendedStatistic");
	expect_json_error("{\"ComparisonOperator\":\"Above\"}", NULL, IAMW_EVALIDATION,
	                  "ComparisonOperator");
	expect_json_error("{}", "ComparisonOperator", IAMW_EVALIDATION, "ComparisonOperator");
	expect_json_error("{}", "Threshold", IAMW_EVALIDATION, "Threshold");
	expect_json_error("{\"Threshold\":\"1\"}", NULL, IAMW_EJSON, "Threshold");
	expect_json_error("{\"TreatMissingData\":\"zero\"}", NULL, IAMW_EVALIDATION,
	                  "TreatMissingData");
	expect_json_error("{\"EvaluateLowSampleCountPercentile\":\"skip\"}", NULL, IAMW_EVALIDATION,
	                  "EvaluateLowSampleCountPercentile");
	expect_json_error("{\"Unit\":\"Furlongs\"}", NULL, IAMW_EVALIDATION, "Unit");
	expect_json_error("{\"ActionsEnabled\":1}", NULL, IAMW_EJSON, "ActionsEnabled");
	expect_json_error("{\"AlarmActions\":\"arn\"}", NULL, IAMW_EJSON, "AlarmActions");
	expect_json_error("{\"OKActions\":[1]}", NULL, IAMW_EJSON, "OKActions");
	expect_json_error("{\"InsufficientDataActions\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]}",
	                  NULL, IAMW_EVALIDATION, "InsufficientDataActions");
	expect_json_error("{\"Dimensions\":[{\"Name\":\"x\"}]}", NULL, IAMW_EVALIDATION, "Dimensions");
	expect_json_error("{\"Dimensions\":{\"Name\":\"x\"}}", NULL, IAMW_EJSON, "Dimensions");
	expect_json_error("{}", "AlarmName", IAMW_EVALIDATION, "AlarmName");
	expect_json_error("{\"AlarmName\":\"a\\tb\"}", NULL, IAMW_EVALIDATION, "AlarmName");
	expect_json_error("{}", "MetricName", IAMW_EVALIDATION, "MetricName");
	expect_json_error("{\"Namespace\":\":x\"}", NULL, IAMW_EVALIDATION, "Namespace");
	expect_json_error("{\"Metrics\":[]}", NULL, IAMW_EUNSUPPORTED, "metric math");
	expect_json_error("{\"ThresholdMetricId\":\"ad1\"}", NULL, IAMW_EUNSUPPORTED,
	                  "anomaly detection");
	expect_json_error("{\"EvaluationCriteria\":{}}", NULL, IAMW_EUNSUPPORTED, "PromQL");

	/* Not an object at all. */
	cJSON *arr = cJSON_Parse("[1]");
	iamw__metric_alarm_def d;
	iamw_error err;
	ck_assert_int_eq(iamw__metric_alarm_def_from_json(arr, &d, &err), IAMW_EJSON);
	cJSON_Delete(arr);
	ck_assert_int_eq(iamw__metric_alarm_def_from_json(NULL, &d, NULL), IAMW_EJSON);
}
END_TEST

START_TEST(test_def_limits)
{
	cJSON *j = cJSON_Parse(cis_doc);
	iamw__metric_alarm_def d;
	iamw_error err;
	ck_assert_int_eq(iamw__metric_alarm_def_from_json(j, &d, &err), IAMW_OK);
	cJSON_Delete(j);

	char *saved = d.name;
	char name[300];
	memset(name, 'a', sizeof name);
	name[255] = '\0';
	d.name = name;
	ck_assert_int_eq(iamw__metric_alarm_def_validate(&d, &err), IAMW_OK);
	name[255] = 'a';
	name[256] = '\0';
	ck_assert_int_eq(iamw__metric_alarm_def_validate(&d, &err), IAMW_EVALIDATION);
	ck_assert_ptr_nonnull(strstr(err.text, "AlarmName"));
	/* Limits count characters, not bytes: 255 two-byte characters fit. */
	char wide[600];
	for (int i = 0; i < 255; i++) {
		wide[2 * i] = (char)0xC3;
		wide[2 * i + 1] = (char)0xA9;
	}
	wide[510] = '\0';
	d.name = wide;
	ck_assert_int_eq(iamw__metric_alarm_def_validate(&d, &err), IAMW_OK);
	d.name = saved;

	char *saved_desc = d.description;
	char desc[1100];
	memset(desc, 'd', sizeof desc);
	desc[1024] = '\0';
	d.description = desc;
	ck_assert_int_eq(iamw__metric_alarm_def_validate(&d, &err), IAMW_OK);
	desc[1024] = 'd';
	desc[1025] = '\0';
	ck_assert_int_eq(iamw__metric_alarm_def_validate(&d, &err), IAMW_EVALIDATION);
	ck_assert_ptr_nonnull(strstr(err.text, "AlarmDescription"));
	d.description = saved_desc;

	iamw__dimension *saved_dims = d.dimensions;
	size_t saved_n = d.n_dimensions;
	iamw__dimension dims[31];
	char dn[] = "n", dv[] = "v";
	for (int i = 0; i < 31; i++) {
		dims[i].name = dn;
		dims[i].value = dv;
	}
	d.dimensions = dims;
	d.n_dimensions = 30;
	ck_assert_int_eq(iamw__metric_alarm_def_validate(&d, &err), IAMW_OK);
	d.n_dimensions = 31;
	ck_assert_int_eq(iamw__metric_alarm_def_validate(&d, &err), IAMW_EVALIDATION);
	ck_assert_ptr_nonnull(strstr(err.text, "Dimensions"));
	d.dimensions = saved_dims;
	d.n_dimensions = saved_n;

	/* Period x N limits at their edges. */
	d.period_s = 60;
	d.evaluation_periods = 1440;
	d.datapoints_to_alarm = 1;
	ck_assert_int_eq(iamw__metric_alarm_def_validate(&d, &err), IAMW_OK);
	d.evaluation_periods = 1441;
	ck_assert_int_eq(iamw__metric_alarm_def_validate(&d, &err), IAMW_EVALIDATION);
	d.period_s = 3600;
	d.evaluation_periods = 168;
	ck_assert_int_eq(iamw__metric_alarm_def_validate(&d, &err), IAMW_OK);
	d.period_s = 20;
	d.evaluation_periods = 4320;
	ck_assert_int_eq(iamw__metric_alarm_def_validate(&d, &err), IAMW_OK);
	d.period_s = 90;
	d.evaluation_periods = 1;
	ck_assert_int_eq(iamw__metric_alarm_def_validate(&d, &err), IAMW_EVALIDATION);
	d.period_s = 300;
	d.threshold = (double)INFINITY;
	ck_assert_int_eq(iamw__metric_alarm_def_validate(&d, &err), IAMW_EVALIDATION);
	d.threshold = 1;
	ck_assert_int_eq(iamw__metric_alarm_def_validate(&d, &err), IAMW_OK);
	ck_assert_int_eq(iamw__metric_alarm_def_validate(NULL, &err), IAMW_EINVAL);
	iamw__metric_alarm_def_free(&d);
}
END_TEST

START_TEST(test_extended_statistic_syntax)
{
	static const struct {
		const char *s;
		int parses, alarm_ok;
	} cases[] = {
		{"p99", 1, 1},          {"p0", 1, 1},           {"p100", 1, 1},
		{"p0.0", 1, 1},         {"p95.0123456789", 1, 1}, {"p95.01234567891", 0, 0},
		{"p100.1", 0, 0},       {"p", 0, 0},            {"p9x", 0, 0},
		{"P99", 0, 0},          {"p-1", 0, 0},          {"p99.", 0, 0},
		{"tm90", 1, 1},         {"tc90", 1, 1},         {"ts90", 1, 1},
		{"wm98", 1, 1},         {"tm", 0, 0},           {"IQM", 1, 1},
		{"iqm", 0, 0},          {"PR(:300)", 1, 1},     {"PR(100:2000)", 1, 1},
		{"PR(10%:20%)", 0, 0},  {"PR(:)", 0, 0},        {"TM(10%:90%)", 1, 1},
		{"WM(10%:90%)", 1, 1},  {"TC(25%:75%)", 1, 1},  {"TS(10%:90%)", 1, 1},
		{"TM(5%:95%)", 1, 0},   {"TM(2%:98%)", 1, 0},   {"TS(80%:)", 1, 0},
		{"TM(150:1000)", 1, 0}, {"TC(0.005:0.030)", 1, 0}, {"TM(10%:1000)", 0, 0},
		{"TM(90%:10%)", 0, 0},  {"TM(10%:90%", 0, 0},   {"TM(10%:90%)x", 0, 0},
		{"tm(10%:90%)", 0, 0},  {"XX(1:2)", 0, 0},      {"", 0, 0},
		{"p05", 1, 1},          {"tm05", 1, 1},         {"p005.5", 1, 1},
		{"p0100.1", 0, 0},      {"Sum", 1, 0},          {"TM(09%:90%)", 1, 0},
		{"TM(010%:090%)", 1, 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* one parser (metrics/stats.c) decides what parses ... */
		iamw__stat_spec x;
		int p = iamw__stat_parse(cases[i].s, &x) == IAMW_OK;
		ck_assert_msg(p == cases[i].parses, "'%s' parse %d", cases[i].s, p);
		/* ... and alarm validation accepts a subset of it */
		iamw__metric_alarm_def d = mkdef(1, 1, 1, IAMW_CMP_GE, 1, IAMW_MISSING_MISSING);
		d.name = (char *)"a";
		d.metric_name = (char *)"m";
		d.metric_namespace = (char *)"ns";
		d.statistic = IAMW_STAT_EXTENDED;
		d.extended_statistic = (char *)cases[i].s;
		d.period_s = 300;
		iamw_error err;
		int ok = iamw__metric_alarm_def_validate(&d, &err) == IAMW_OK;
		ck_assert_msg(ok == cases[i].alarm_ok, "'%s' accepted by alarms: %d (%s)", cases[i].s, ok,
		              err.text);
	}
	iamw__stat_spec x;
	ck_assert_int_eq(iamw__stat_parse("p99.9", &x), IAMW_OK);
	ck_assert_int_eq(x.kind, IAMW__STAT_PERCENTILE);
	ck_assert_int_eq(x.upper_pct, INT64_C(999000000000));
	ck_assert_int_eq(iamw__stat_parse("TM(10%:90%)", &x), IAMW_OK);
	ck_assert(x.has_lower && x.has_upper && x.percent && x.lower == 10 && x.upper == 90);
	ck_assert(!x.short_form);
	ck_assert_int_eq(iamw__stat_parse("PR(:300)", &x), IAMW_OK);
	ck_assert(!x.has_lower && x.has_upper && !x.percent && x.upper == 300);
	ck_assert_int_eq(iamw__stat_parse(NULL, &x), IAMW_EINVAL);
	/* leading zeros spell the same number (docs/semantics.md M-12) */
	ck_assert_int_eq(iamw__stat_parse("p05", &x), IAMW_OK);
	ck_assert_int_eq(x.upper_pct, 5 * IAMW__PCT_SCALE);
	ck_assert(x.short_form);
	ck_assert_int_eq(iamw__stat_parse("tm05", &x), IAMW_OK);
	ck_assert_int_eq(x.kind, IAMW__STAT_TM);
	ck_assert_int_eq(x.upper_pct, 5 * IAMW__PCT_SCALE);
	ck_assert_int_eq(iamw__stat_parse("p000.5", &x), IAMW_OK);
	ck_assert_int_eq(x.upper_pct, IAMW__PCT_SCALE / 2);
	ck_assert_int_eq(iamw__stat_parse("p0100", &x), IAMW_OK);
	ck_assert_int_eq(x.upper_pct, IAMW__PCT_100);
}
END_TEST

/* ------------------------------------------------------------ suite */

static Suite *alarm_eval_suite(void)
{
	Suite *s = suite_create("alarm-eval");
	TCase *tc;

	tc = tcase_create("aws-tables");
	tcase_add_loop_test(tc, test_aws_table_cell, 0,
	                    (int)(sizeof aws_tables / sizeof aws_tables[0]) * 4);
	suite_add_tcase(s, tc);

	tc = tcase_create("m-of-n");
	tcase_add_test(tc, test_m_of_n);
	tcase_add_test(tc, test_m_of_n_counts);
	tcase_add_test(tc, test_bad_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("operators");
	tcase_add_loop_test(tc, test_operators, 0, (int)(sizeof op_cases / sizeof op_cases[0]));
	tcase_add_test(tc, test_operator_phrases);
	suite_add_tcase(s, tc);

	tc = tcase_create("reason-text");
	tcase_add_test(tc, test_reason_one_of_one);
	tcase_add_test(tc, test_reason_three_of_three);
	tcase_add_test(tc, test_reason_ok_three_of_five);
	tcase_add_test(tc, test_reason_legacy);
	tcase_add_test(tc, test_reason_missing_filled);
	tcase_add_test(tc, test_reason_mixed);
	tcase_add_test(tc, test_reason_premature);
	tcase_add_test(tc, test_reason_insufficient);
	tcase_add_test(tc, test_reason_creation);
	suite_add_tcase(s, tc);

	tc = tcase_create("reason-data");
	tcase_add_test(tc, test_reason_data_spec_sample);
	tcase_add_test(tc, test_reason_data_captured_pair);
	tcase_add_test(tc, test_reason_data_shape);
	suite_add_tcase(s, tc);

	tc = tcase_create("lifecycle");
	tcase_add_test(tc, test_cis_missing);
	tcase_add_test(tc, test_cis_not_breaching);
	tcase_add_test(tc, test_low_sample_count);
	tcase_add_test(tc, test_slot_starts);
	suite_add_tcase(s, tc);

	tc = tcase_create("definitions");
	tcase_add_test(tc, test_def_from_json);
	tcase_add_test(tc, test_def_errors);
	tcase_add_test(tc, test_def_limits);
	tcase_add_test(tc, test_extended_statistic_syntax);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(alarm_eval_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
