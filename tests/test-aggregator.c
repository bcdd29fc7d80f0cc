/* SPDX-License-Identifier: MIT */
/*
 * test-aggregator.c - white-box tests of the per-period buckets, the
 * CloudWatch statistics (hand-computed expectations) and the aggregator:
 * period bucketing, coarser queries, merge laws, the exact -> sketch switch
 * and its 1% bound, saved state (byte-identical round trip, corrupt input),
 * the dimension cap and the defaultValue bookkeeping.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "metrics/aggregator.h"
#include "metrics/stats.h"

/* ------------------------------------------------------------- helpers */

/* splitmix64: a fixed-seed PRNG of our own so runs are reproducible. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1p-53;
}

static int stat_of(const iamw__bucket *b, const char *text, double *out)
{
	iamw__stat_spec spec;
	ck_assert_msg(iamw__stat_parse(text, &spec) == IAMW_OK, "parse %s", text);
	return iamw__bucket_stat(b, &spec, out);
}

static double stat_must(const iamw__bucket *b, const char *text)
{
	double v = NAN;
	ck_assert_msg(stat_of(b, text, &v) == 1, "%s not available", text);
	return v;
}

#define ck_stat(b, text, expect)                                                                   \
	do {                                                                                       \
		double got_ = stat_must((b), (text)), want_ = (double)(expect);                    \
		ck_assert_msg(fabs(got_ - want_) <= 1e-9 * fmax(1, fabs(want_)),                   \
		              "%s = %.17g, expected %.17g", (text), got_, want_);                  \
	} while (0)

static void fill(iamw__bucket *b, const double *v, size_t n)
{
	iamw__bucket_init(b);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(iamw__bucket_add(b, v[i], 1), IAMW_OK);
}

static void fill_range(iamw__bucket *b, int from, int to)
{
	iamw__bucket_init(b);
	for (int i = from; i <= to; i++)
		ck_assert_int_eq(iamw__bucket_add(b, i, 1), IAMW_OK);
}

static char *bucket_json(const iamw__bucket *b)
{
	iamw__buf buf;
	iamw__buf_init(&buf);
	iamw__bucket_to_json(b, &buf);
	char *s = NULL;
	ck_assert_int_eq(iamw__buf_steal(&buf, &s, NULL), IAMW_OK);
	return s;
}

static char *save(const iamw__aggregator *agg)
{
	char *s = NULL;
	ck_assert_int_eq(iamw__aggregator_save(agg, &s, NULL), IAMW_OK);
	return s;
}

static iamw__aggregator *new_agg(int64_t period_ms, size_t cap)
{
	iamw__aggregator *agg = NULL;
	ck_assert_int_eq(iamw__aggregator_new(&agg, period_ms, cap), IAMW_OK);
	return agg;
}

static const iamw__metric_key KEY = {"CloudTrailMetrics", "RootUsage", NULL, 0, NULL};

static int query(const iamw__aggregator *agg, const iamw__metric_key *key, int64_t start,
                 int64_t period, const char *stat, double *v, double *n)
{
	iamw__stat_spec spec;
	ck_assert_int_eq(iamw__stat_parse(stat, &spec), IAMW_OK);
	return iamw__aggregator_query(agg, key, start, period, &spec, v, n);
}

/* --------------------------------------------------------- statistics */

START_TEST(simple_statistics)
{
	static const double v[] = {4, 1, 10, 2, 3};
	iamw__bucket b;
	fill(&b, v, 5);
	ck_stat(&b, "SampleCount", 5);
	ck_stat(&b, "Sum", 20);
	ck_stat(&b, "Average", 4);
	ck_stat(&b, "Minimum", 1);
	ck_stat(&b, "Maximum", 10);
	iamw__bucket_free(&b);

	/* An empty period has no statistic at all (CloudWatch: missing). */
	iamw__bucket e;
	iamw__bucket_init(&e);
	double x;
	ck_assert_int_eq(stat_of(&e, "SampleCount", &x), 0);
	ck_assert_int_eq(stat_of(&e, "p50", &x), 0);
}
END_TEST

START_TEST(sum_is_exact)
{
	iamw__bucket b;
	iamw__bucket_init(&b);
	/* Naive summation gives 0.9999999999999999; the exact sum of ten
	 * doubles 0.1 rounds to 1. */
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(iamw__bucket_add(&b, 0.1, 1), IAMW_OK);
	ck_assert(iamw__bucket_sum(&b) == 1.0);
	iamw__bucket_free(&b);

	/* Catastrophic cancellation is exact too. */
	static const double v[] = {1e100, 1, -1e100, 0x1p-1074};
	fill(&b, v, 4);
	ck_assert(iamw__bucket_sum(&b) == 1.0);
	iamw__bucket_free(&b);
	fill(&b, v + 3, 1);
	ck_assert(iamw__bucket_sum(&b) == 0x1p-1074);
	iamw__bucket_free(&b);

	/* Counts multiply exactly: 3 * 2^60 samples of 2^300. */
	iamw__bucket_init(&b);
	ck_assert_int_eq(iamw__bucket_add(&b, 0x1p300, UINT64_C(3) << 60), IAMW_OK);
	ck_assert(iamw__bucket_sum(&b) == 3 * 0x1p360);
	iamw__bucket_free(&b);
}
END_TEST

START_TEST(bad_samples)
{
	iamw__bucket b;
	iamw__bucket_init(&b);
	ck_assert_int_eq(iamw__bucket_add(&b, NAN, 1), IAMW_EINVAL);
	ck_assert_int_eq(iamw__bucket_add(&b, INFINITY, 1), IAMW_EINVAL);
	ck_assert_int_eq(iamw__bucket_add(&b, 0x1p361, 1), IAMW_EINVAL);
	ck_assert_int_eq(iamw__bucket_add(&b, 1, 0), IAMW_EINVAL);
	ck_assert_int_eq(iamw__bucket_add(&b, -0x1p360, 1), IAMW_OK);
	ck_assert_int_eq(iamw__bucket_add(&b, -0.0, 1), IAMW_OK);
	ck_assert_int_eq(iamw__bucket_add(&b, 0.0, 1), IAMW_OK);
	ck_assert_uint_eq(b.n_vals, 2); /* -0 and 0 are one value */
	ck_assert_uint_eq(b.count, 3);
	iamw__bucket_free(&b);
}
END_TEST

START_TEST(percentile_nearest_rank)
{
	iamw__bucket b;
	fill_range(&b, 1, 10);
	ck_stat(&b, "p0", 1);
	ck_stat(&b, "p0.0", 1);
	ck_stat(&b, "p10", 1);   /* rank ceil(1.0) = 1 */
	ck_stat(&b, "p10.5", 2); /* rank ceil(1.05) = 2 */
	ck_stat(&b, "p50", 5);
	ck_stat(&b, "p90", 9);
	ck_stat(&b, "p99", 10);
	ck_stat(&b, "p100", 10);
	ck_stat(&b, "p99.9999999999", 10);
	iamw__bucket_free(&b);

	fill_range(&b, 1, 20);
	ck_stat(&b, "p95", 19);
	ck_stat(&b, "p5", 1);
	iamw__bucket_free(&b);

	/* 0.07 * 100 is 7.000000000000001 in doubles; the rank must be 7. */
	fill_range(&b, 1, 100);
	ck_stat(&b, "p7", 7);
	ck_stat(&b, "p7.0000000001", 8);
	iamw__bucket_free(&b);

	fill_range(&b, 1, 4);
	ck_stat(&b, "p50", 2);
	ck_stat(&b, "p50.0000000001", 3);
	ck_stat(&b, "p25", 1);
	iamw__bucket_free(&b);

	/* One sample: every percentile is it. */
	static const double one[] = {7.5};
	fill(&b, one, 1);
	ck_stat(&b, "p0", 7.5);
	ck_stat(&b, "p50", 7.5);
	ck_stat(&b, "p99", 7.5);
	ck_stat(&b, "p100", 7.5);
	iamw__bucket_free(&b);

	/* Ties count by rank. */
	static const double ties[] = {1, 1, 1, 5};
	fill(&b, ties, 4);
	ck_stat(&b, "p75", 1);
	ck_stat(&b, "p76", 5);
	iamw__bucket_free(&b);
}
END_TEST

START_TEST(trimmed_percent_bounds)
{
	iamw__bucket b;
	fill_range(&b, 1, 10);
	ck_stat(&b, "tm90", 5);          /* drop the top 10 %: mean(1..9) */
	ck_stat(&b, "TM(:90%)", 5);      /* the same, range form */
	ck_stat(&b, "TM(10%:90%)", 5.5); /* mean(2..9) */
	ck_stat(&b, "TM(10%:)", 6);      /* mean(2..10) */
	ck_stat(&b, "tc90", 9);
	ck_stat(&b, "TC(10%:90%)", 8);
	ck_stat(&b, "ts90", 45);
	ck_stat(&b, "TS(80%:)", 19);     /* 9 + 10 */
	ck_stat(&b, "wm90", 5.4);        /* 10 -> 9: (45 + 9) / 10 */
	ck_stat(&b, "WM(10%:90%)", 5.5); /* 1 -> 2, 10 -> 9 */
	ck_stat(&b, "tm100", 5.5);
	ck_stat(&b, "tc0", 0); /* nothing kept: a count of 0 ... */
	ck_stat(&b, "ts0", 0);
	double x;
	ck_assert_int_eq(stat_of(&b, "tm0", &x), 0); /* ... but no mean */
	ck_assert_int_eq(stat_of(&b, "wm0", &x), 0);
	iamw__bucket_free(&b);

	fill_range(&b, 1, 8);
	ck_stat(&b, "IQM", 4.5); /* mean(3, 4, 5, 6) */
	ck_stat(&b, "TM(25%:75%)", 4.5);
	iamw__bucket_free(&b);

	/* Fractional ranks: ceil(0.1) = 1 drops one low sample, ceil(9.9) = 10
	 * keeps the top one (rank rule documented in stats.h). */
	fill_range(&b, 1, 10);
	ck_stat(&b, "TM(1%:99%)", 6);
	iamw__bucket_free(&b);

	static const double one[] = {3};
	fill(&b, one, 1);
	ck_assert_int_eq(stat_of(&b, "TM(50%:60%)", &x), 0);
	ck_stat(&b, "TC(50%:60%)", 0);
	ck_stat(&b, "tm50", 3);
	iamw__bucket_free(&b);
}
END_TEST

START_TEST(trimmed_absolute_bounds)
{
	static const double v[] = {100, 150, 151, 500, 1000, 1001};
	iamw__bucket b;
	fill(&b, v, 6);
	/* TM(150:1000) excludes values <= 150 and > 1000. */
	ck_stat(&b, "TM(150:1000)", (151 + 500 + 1000) / 3.0);
	ck_stat(&b, "TC(150:1000)", 3);
	ck_stat(&b, "TS(150:1000)", 1651);
	ck_stat(&b, "PR(150:1000)", 50);
	ck_stat(&b, "PR(:300)", 50); /* 100, 150, 151 are <= 300 */
	ck_stat(&b, "PR(100:2000)", 100.0 * 5 / 6);
	ck_stat(&b, "PR(1001:)", 0);
	ck_stat(&b, "TC(:150)", 2);
	ck_stat(&b, "TM(1000:)", 1001);
	/* Winsorized: <= 150 becomes 150, > 1000 becomes 1000. */
	ck_stat(&b, "WM(150:1000)", (150 + 150 + 151 + 500 + 1000 + 1000) / 6.0);
	double x;
	ck_assert_int_eq(stat_of(&b, "TM(2000:3000)", &x), 0);
	ck_stat(&b, "TC(2000:3000)", 0);
	iamw__bucket_free(&b);

	static const double small[] = {0.005, 0.01, 0.03, 0.031};
	fill(&b, small, 4);
	ck_stat(&b, "TC(0.005:0.030)", 2); /* values in (0.005, 0.030] */
	iamw__bucket_free(&b);
}
END_TEST

START_TEST(negative_values_disable_extended)
{
	static const double v[] = {5, -1, 3};
	iamw__bucket b;
	fill(&b, v, 3);
	ck_stat(&b, "Sum", 7);
	ck_stat(&b, "Minimum", -1);
	static const char *ext[] = {"p50",      "p0",     "tm90", "IQM",
	                            "TC(1:10)", "PR(:3)", "wm90", "ts90"};
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		double x;
		ck_assert_msg(stat_of(&b, ext[i], &x) == 0, "%s available over negatives", ext[i]);
	}
	iamw__bucket_free(&b);
}
END_TEST

START_TEST(parse_statistics)
{
	static const char *good[] = {"SampleCount",
	                             "Sum",
	                             "Average",
	                             "Minimum",
	                             "Maximum",
	                             "p0",
	                             "p100",
	                             "p05",
	                             "tm05",
	                             "p99.9",
	                             "p0.0",
	                             "p95.0123456789",
	                             "p100.0000000000",
	                             "tm90",
	                             "tm99.5",
	                             "wm98",
	                             "tc90",
	                             "ts90",
	                             "IQM",
	                             "TM(2%:98%)",
	                             "TM(150:1000)",
	                             "TM(:99%)",
	                             "TS(80%:)",
	                             "WM(10%:90%)",
	                             "TC(0.005:0.030)",
	                             "PR(:300)",
	                             "PR(100:2000)",
	                             "PR(100:)",
	                             "TM(-5:5)"};
	static const char *bad[] = {"",
	                            "sum",
	                            "p",
	                            "P99",
	                            "p101",
	                            "p100.1",
	                            "p95.",
	                            "p.5",
	                            "p-1",
	                            "p95.01234567891",
	                            "p 95",
	                            "TM90",
	                            "tm(10%:90%)",
	                            "iqm",
	                            "TM(:)",
	                            "TM()",
	                            "TM(10%:90)",
	                            "TM(90%:10%)",
	                            "TM(5:5)",
	                            "TM(10%:90%",
	                            "TM10%:90%)",
	                            "PR(10%:90%)",
	                            "pr(:300)",
	                            "TM(1e3:)",
	                            "TM(a:b)",
	                            "TM(10%%:90%)",
	                            "tm",
	                            "tm101",
	                            "TM(:101%)",
	                            "XX(1:2)",
	                            "Sum ",
	                            "TM(:",
	                            "TC(0.005:0.030"};
	iamw__stat_spec s;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(iamw__stat_parse(good[i], &s) == IAMW_OK, "rejected %s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(iamw__stat_parse(bad[i], &s) == IAMW_EINVAL, "accepted '%s'", bad[i]);
	ck_assert_int_eq(iamw__stat_parse(NULL, &s), IAMW_EINVAL);

	ck_assert_int_eq(iamw__stat_parse("TM(150:1000)", &s), IAMW_OK);
	ck_assert_int_eq(s.kind, IAMW__STAT_TM);
	ck_assert(!s.percent && s.has_lower && s.has_upper && s.lower == 150 && s.upper == 1000);
	ck_assert_int_eq(iamw__stat_parse("p99.5", &s), IAMW_OK);
	ck_assert_int_eq(s.kind, IAMW__STAT_PERCENTILE);
	ck_assert(s.upper_pct == 995000000000LL && s.upper == 99.5);

	ck_assert_int_eq(iamw__stat_from_statistic(IAMW_STAT_SUM, NULL, &s), IAMW_OK);
	ck_assert_int_eq(s.kind, IAMW__STAT_SUM);
	ck_assert_int_eq(iamw__stat_from_statistic(IAMW_STAT_EXTENDED, "IQM", &s), IAMW_OK);
	ck_assert_int_eq(s.kind, IAMW__STAT_TM);
	ck_assert_int_eq(iamw__stat_from_statistic(IAMW_STAT_EXTENDED, NULL, &s), IAMW_EINVAL);
	ck_assert_int_eq(iamw__stat_from_statistic((iamw_statistic)9, NULL, &s), IAMW_EINVAL);
}
END_TEST

/* ------------------------------------------------------- exact / sketch */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

START_TEST(exact_until_cap_then_sketch)
{
	iamw__bucket b;
	iamw__bucket_init(&b);
	for (int i = 1; i <= IAMW__BUCKET_EXACT_CAP; i++) {
		ck_assert_int_eq(iamw__bucket_add(&b, i, 2), IAMW_OK);
	}
	ck_assert(!iamw__bucket_is_sketch(&b));
	/* Repeating known values never converts. */
	ck_assert_int_eq(iamw__bucket_add(&b, 7, 1), IAMW_OK);
	ck_assert(!iamw__bucket_is_sketch(&b));
	ck_stat(&b, "p50", 512);
	ck_assert_int_eq(iamw__bucket_add(&b, 0.5, 1), IAMW_OK);
	ck_assert(iamw__bucket_is_sketch(&b));
	ck_stat(&b, "SampleCount", 2 * IAMW__BUCKET_EXACT_CAP + 2);
	ck_stat(&b, "Sum", 1024.0 * 1025 + 7 + 0.5);
	ck_stat(&b, "Minimum", 0.5);
	ck_stat(&b, "Maximum", 1024);
	ck_stat(&b, "p0", 0.5);
	ck_stat(&b, "p100", 1024);
	double p50 = stat_must(&b, "p50");
	ck_assert_msg(fabs(p50 - 512) <= 0.01 * 512, "p50 %g", p50);
	iamw__bucket_free(&b);

	/* exact + exact stays exact while the union fits, converts beyond. */
	iamw__bucket x, y, all;
	fill_range(&x, 1, 600);
	fill_range(&y, 301, 900);
	ck_assert_int_eq(iamw__bucket_merge(&x, &y), IAMW_OK);
	ck_assert(!iamw__bucket_is_sketch(&x));
	ck_stat(&x, "SampleCount", 1200);
	iamw__bucket_free(&y);
	fill_range(&y, 901, 1500);
	ck_assert_int_eq(iamw__bucket_merge(&x, &y), IAMW_OK);
	ck_assert(iamw__bucket_is_sketch(&x));
	fill_range(&all, 1, 1500);
	for (int i = 301; i <= 600; i++)
		ck_assert_int_eq(iamw__bucket_add(&all, i, 1), IAMW_OK);
	char *a = bucket_json(&all), *m = bucket_json(&x);
	ck_assert_str_eq(a, m);
	iamw_free(a);
	iamw_free(m);
	iamw__bucket_free(&x);
	iamw__bucket_free(&y);
	iamw__bucket_free(&all);
}
END_TEST

START_TEST(sketch_accuracy_100k)
{
	enum { N = 100000 };
	double *v = malloc(N * sizeof *v);
	ck_assert_ptr_nonnull(v);
	uint64_t seed = 42;
	iamw__bucket b;
	iamw__bucket_init(&b);
	long double naive = 0;
	for (int i = 0; i < N; i++) {
		/* Log-uniform over 6 decades plus some exact zeros. */
		v[i] = i % 97 == 0 ? 0 : exp(rng_unit(&seed) * 14) * 0.01;
		naive += v[i];
		ck_assert_int_eq(iamw__bucket_add(&b, v[i], 1), IAMW_OK);
	}
	ck_assert(iamw__bucket_is_sketch(&b));
	qsort(v, N, sizeof *v, cmp_double);
	ck_stat(&b, "SampleCount", N);
	ck_stat(&b, "Minimum", v[0]);
	ck_stat(&b, "Maximum", v[N - 1]);
	double sum = stat_must(&b, "Sum");
	ck_assert(fabs(sum - (double)naive) <= 1e-12 * (double)naive);
	static const char *ps[] = {"p0",  "p0.1", "p1",  "p5",  "p10",   "p25",    "p50",
	                           "p75", "p90",  "p95", "p99", "p99.9", "p99.99", "p100"};
	static const double pv[] = {0, 0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100};
	for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
		uint64_t rank = (uint64_t)ceil(pv[i] / 100 * N - 1e-9);
		double exact = v[rank ? rank - 1 : 0];
		double got = stat_must(&b, ps[i]);
		ck_assert_msg(fabs(got - exact) <= IAMW__SKETCH_ALPHA * exact * (1 + 1e-9),
		              "%s = %.17g, exact %.17g", ps[i], got, exact);
	}
	/* Trimmed means: each kept value is within 1%, so is their mean. */
	double tm = 0;
	for (int i = N / 10; i < N * 9 / 10; i++)
		tm += v[i];
	tm /= N * 8 / 10;
	double got = stat_must(&b, "TM(10%:90%)");
	ck_assert_msg(fabs(got - tm) <= 0.01 * tm, "TM %g vs %g", got, tm);
	ck_stat(&b, "TC(10%:90%)", N * 8 / 10);
	free(v);
	iamw__bucket_free(&b);
}
END_TEST

/* Merging buckets fed disjoint parts equals feeding one bucket everything,
 * in both regimes: the JSON form (which is the whole state) is identical. */
START_TEST(bucket_merge_equals_single_run)
{
	for (uint64_t seed = 1; seed <= 6; seed++) {
		uint64_t s = seed;
		int distinct = seed % 2 ? 40 : 5000; /* odd seeds exact, even sketch */
		iamw__bucket all, part[3], merged;
		iamw__bucket_init(&all);
		for (int k = 0; k < 3; k++)
			iamw__bucket_init(&part[k]);
		for (int i = 0; i < 20000; i++) {
			double x = (double)(rng_next(&s) % (uint64_t)distinct) * 0.37 -
			           (seed == 4 ? 100 : 0);
			ck_assert_int_eq(iamw__bucket_add(&all, x, 1), IAMW_OK);
			ck_assert_int_eq(iamw__bucket_add(&part[rng_next(&s) % 3], x, 1), IAMW_OK);
		}
		ck_assert_int_eq(iamw__bucket_is_sketch(&all), !(seed % 2));
		iamw__bucket_init(&merged);
		for (int k = 3; k-- > 0;)
			ck_assert_int_eq(iamw__bucket_merge(&merged, &part[k]), IAMW_OK);
		char *a = bucket_json(&all), *m = bucket_json(&merged);
		ck_assert_str_eq(a, m);
		ck_assert(iamw__bucket_sum(&all) == iamw__bucket_sum(&merged));
		iamw_free(a);
		iamw_free(m);
		iamw__bucket_free(&all);
		iamw__bucket_free(&merged);
		for (int k = 0; k < 3; k++)
			iamw__bucket_free(&part[k]);
	}
}
END_TEST

START_TEST(bucket_json_round_trip)
{
	for (int regime = 0; regime < 2; regime++) {
		uint64_t s = 99;
		iamw__bucket b;
		iamw__bucket_init(&b);
		int n = regime ? 3000 : 300;
		for (int i = 0; i < n; i++) {
			/* Awkward doubles: all magnitudes, both signs. */
			double x = ldexp(rng_unit(&s) + 0.5, (int)(rng_next(&s) % 700) - 350);
			if (rng_next(&s) % 3 == 0)
				x = -x;
			if (i % 50 == 0)
				x = 0;
			ck_assert_int_eq(iamw__bucket_add(&b, x, 1 + rng_next(&s) % 3), IAMW_OK);
		}
		ck_assert_int_eq(iamw__bucket_is_sketch(&b), regime);
		char *text = bucket_json(&b);
		cJSON *j = cJSON_Parse(text);
		ck_assert_ptr_nonnull(j);
		iamw__bucket r;
		iamw_error err;
		ck_assert_int_eq(iamw__bucket_from_json(&r, j, &err), IAMW_OK);
		char *again = bucket_json(&r);
		ck_assert_str_eq(text, again);
		ck_assert(iamw__bucket_sum(&b) == iamw__bucket_sum(&r));
		ck_assert(r.min == b.min && r.max == b.max && r.count == b.count);
		cJSON_Delete(j);
		iamw_free(text);
		iamw_free(again);
		iamw__bucket_free(&b);
		iamw__bucket_free(&r);
	}
}
END_TEST

/* ------------------------------------------------------------ aggregator */

START_TEST(period_boundaries)
{
	iamw__aggregator *agg = new_agg(0, 0);
	ck_assert_int_eq(iamw__aggregator_period(agg), 60000);
	static const int64_t ts[] = {0, 59999, 60000, 119999, -1, -60000, -60001};
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
		ck_assert_int_eq(iamw__aggregator_add(agg, &KEY, ts[i], 1), IAMW_OK);
	ck_assert_uint_eq(iamw__aggregator_series_count(agg), 1);
	ck_assert_uint_eq(iamw__aggregator_series_periods(agg, 0), 4);
	static const int64_t starts[] = {-120000, -60000, 0, 60000};
	static const uint64_t counts[] = {1, 2, 2, 2};
	for (size_t j = 0; j < 4; j++) {
		int64_t st;
		const iamw__bucket *b = iamw__aggregator_series_bucket(agg, 0, j, &st);
		ck_assert_ptr_nonnull(b);
		ck_assert_int_eq(st, starts[j]);
		ck_assert_uint_eq(b->count, counts[j]);
	}
	ck_assert_ptr_null(iamw__aggregator_series_bucket(agg, 0, 4, NULL));
	iamw__aggregator_free(agg);

	/* High-resolution storage: 10 s buckets. */
	agg = new_agg(10000, 0);
	ck_assert_int_eq(iamw__aggregator_add(agg, &KEY, 10000, 1), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_add(agg, &KEY, 19999, 1), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_add(agg, &KEY, 9999, 1), IAMW_OK);
	ck_assert_uint_eq(iamw__aggregator_series_periods(agg, 0), 2);
	iamw__aggregator_free(agg);

	iamw__aggregator *bad = NULL;
	static const int64_t bad_periods[] = {
	    1000, 5000, 15000, 45000, 90000, -60000, IAMW__AGG_MAX_PERIOD_MS + 60000};
	for (size_t i = 0; i < sizeof bad_periods / sizeof bad_periods[0]; i++)
		ck_assert_int_eq(iamw__aggregator_new(&bad, bad_periods[i], 0), IAMW_EINVAL);
	ck_assert_int_eq(iamw__aggregator_new(&bad, 20000, 0), IAMW_OK);
	iamw__aggregator_free(bad);
	ck_assert_int_eq(iamw__aggregator_new(&bad, 300000, 0), IAMW_OK);
	iamw__aggregator_free(bad);
}
END_TEST

START_TEST(coarser_queries)
{
	iamw__aggregator *agg = new_agg(60000, 0);
	int64_t t0 = 1700000000000LL - 1700000000000LL % 300000;
	/* Minute k holds k+1 samples of value k+1. */
	for (int k = 0; k < 5; k++)
		for (int i = 0; i <= k; i++)
			ck_assert_int_eq(
			    iamw__aggregator_add(agg, &KEY, t0 + k * 60000 + i * 1000, k + 1),
			    IAMW_OK);
	double v, n;
	ck_assert_int_eq(query(agg, &KEY, t0, 300000, "Sum", &v, &n), 1);
	ck_assert(v == 1 + 4 + 9 + 16 + 25 && n == 15);
	ck_assert_int_eq(query(agg, &KEY, t0, 300000, "SampleCount", &v, &n), 1);
	ck_assert(v == 15);
	ck_assert_int_eq(query(agg, &KEY, t0, 300000, "Maximum", &v, &n), 1);
	ck_assert(v == 5);
	ck_assert_int_eq(query(agg, &KEY, t0, 300000, "p50", &v, &n), 1);
	ck_assert(v == 4); /* rank 8 of 1,2,2,3,3,3,4,4,4,4,... */
	ck_assert_int_eq(query(agg, &KEY, t0, 300000, "Average", &v, &n), 1);
	ck_assert(fabs(v - 55.0 / 15) < 1e-12);
	/* One storage period read in place. */
	ck_assert_int_eq(query(agg, &KEY, t0 + 120000, 60000, "Sum", &v, &n), 1);
	ck_assert(v == 9 && n == 3);
	/* A sliding 5-minute window aligned to a minute, not to 300 s. */
	ck_assert_int_eq(query(agg, &KEY, t0 + 60000, 300000, "SampleCount", &v, &n), 1);
	ck_assert(v == 14);
	/* Missing: no samples. */
	ck_assert_int_eq(query(agg, &KEY, t0 + 300000, 300000, "Sum", &v, &n), 0);
	ck_assert(n == 0);
	iamw__metric_key other = KEY;
	other.name = "Other";
	ck_assert_int_eq(query(agg, &other, t0, 300000, "Sum", &v, &n), 0);
	/* Misaligned start and non-multiple periods are misuse. */
	ck_assert_int_eq(query(agg, &KEY, t0 + 1, 300000, "Sum", &v, &n), IAMW_EINVAL);
	ck_assert_int_eq(query(agg, &KEY, t0, 90000, "Sum", &v, &n), IAMW_EINVAL);
	ck_assert_int_eq(query(agg, &KEY, t0, 0, "Sum", &v, &n), IAMW_EINVAL);
	/* Samples present but the statistic unavailable. */
	ck_assert_int_eq(iamw__aggregator_add(agg, &KEY, t0 + 600000, -1), IAMW_OK);
	ck_assert_int_eq(query(agg, &KEY, t0 + 600000, 300000, "p50", &v, &n), 0);
	ck_assert(n == 1);
	iamw__aggregator_free(agg);
}
END_TEST

START_TEST(units_and_dimensions)
{
	iamw__aggregator *agg = new_agg(60000, 0);
	iamw__dimension d1[] = {{"b", "2"}, {"a", "1"}};
	iamw__dimension d2[] = {{"a", "1"}, {"b", "2"}};
	iamw__metric_key k1 = {"NS", "M", d1, 2, "Count"};
	iamw__metric_key k2 = {"NS", "M", d2, 2, NULL}; /* "None" */
	ck_assert_int_eq(iamw__aggregator_add(agg, &k1, 0, 1), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_add(agg, &k2, 0, 2), IAMW_OK);
	ck_assert_uint_eq(iamw__aggregator_series_count(agg), 2);
	ck_assert_uint_eq(iamw__aggregator_dimension_sets(agg, "NS", "M"), 1);
	iamw__metric_key out;
	ck_assert_int_eq(iamw__aggregator_series_key(agg, 0, &out), 1);
	ck_assert_str_eq(out.unit, "Count");
	ck_assert_str_eq(out.dims[0].name, "a"); /* stored sorted */
	ck_assert_int_eq(iamw__aggregator_series_key(agg, 1, &out), 1);
	ck_assert_str_eq(out.unit, "None");
	ck_assert_int_eq(iamw__aggregator_series_key(agg, 2, &out), 0);

	double v, n;
	iamw__metric_key q = {"NS", "M", d1, 2, "Count"};
	ck_assert_int_eq(query(agg, &q, 0, 60000, "Sum", &v, &n), 1);
	ck_assert(v == 1);
	q.unit = "None";
	ck_assert_int_eq(query(agg, &q, 0, 60000, "Sum", &v, &n), 1);
	ck_assert(v == 2);
	q.unit = NULL; /* every unit */
	ck_assert_int_eq(query(agg, &q, 0, 60000, "Sum", &v, &n), 1);
	ck_assert(v == 3 && n == 2);
	q.unit = "Seconds";
	ck_assert_int_eq(query(agg, &q, 0, 60000, "Sum", &v, &n), 0);
	q.n_dims = 1; /* a subset of the dimensions is another metric */
	q.unit = NULL;
	ck_assert_int_eq(query(agg, &q, 0, 60000, "Sum", &v, &n), 0);

	/* Bad keys change nothing. */
	char *before = save(agg);
	iamw__dimension dup[] = {{"a", "1"}, {"a", "2"}};
	iamw__dimension empty[] = {{"a", ""}};
	iamw__dimension many[31];
	for (int i = 0; i < 31; i++)
		many[i] = (iamw__dimension){"x", "y"};
	iamw__metric_key bad[] = {
	    {"NS", "M", dup, 2, NULL}, {"NS", "M", empty, 1, NULL}, {"NS", "M", many, 31, NULL},
	    {"", "M", NULL, 0, NULL},  {"NS", NULL, NULL, 0, NULL}, {"NS", "M", NULL, 0, ""},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_int_eq(iamw__aggregator_add(agg, &bad[i], 0, 1), IAMW_EINVAL);
	ck_assert_int_eq(iamw__aggregator_add(agg, &k1, 0, NAN), IAMW_EINVAL);
	ck_assert_int_eq(iamw__aggregator_add(agg, &k1, IAMW__AGG_MAX_ABS_TIME_MS + 1, 1),
	                 IAMW_EINVAL);
	iamw__metric_key fresh = {"NS", "New", NULL, 0, NULL};
	ck_assert_int_eq(iamw__aggregator_add(agg, &fresh, 0, INFINITY), IAMW_EINVAL);
	char *after = save(agg);
	ck_assert_str_eq(before, after);
	iamw_free(before);
	iamw_free(after);
	iamw__aggregator_free(agg);
}
END_TEST

START_TEST(dimension_cap_overflow)
{
	iamw__aggregator *agg = new_agg(60000, 3);
	char val[8];
	iamw__dimension d = {"Code", val};
	iamw__metric_key k = {"NS", "Errors", &d, 1, NULL};
	for (int i = 0; i < 3; i++) {
		snprintf(val, sizeof val, "v%d", i);
		ck_assert_int_eq(iamw__aggregator_add(agg, &k, 0, 1), IAMW_OK);
	}
	snprintf(val, sizeof val, "v9");
	ck_assert_int_eq(iamw__aggregator_add(agg, &k, 0, 1), IAMW_ELIMIT);
	ck_assert_int_eq(iamw__aggregator_add(agg, &k, 60000, 1), IAMW_ELIMIT);
	ck_assert_uint_eq(iamw__aggregator_overflow(agg), 2);
	ck_assert_uint_eq(iamw__aggregator_dimension_sets(agg, "NS", "Errors"), 3);
	/* A known set still accepts samples, also under another unit. */
	snprintf(val, sizeof val, "v1");
	ck_assert_int_eq(iamw__aggregator_add(agg, &k, 0, 1), IAMW_OK);
	k.unit = "Count";
	ck_assert_int_eq(iamw__aggregator_add(agg, &k, 0, 1), IAMW_OK);
	ck_assert_uint_eq(iamw__aggregator_dimension_sets(agg, "NS", "Errors"), 3);
	/* The cap is per (namespace, metric). */
	iamw__metric_key other = {"NS", "Other", &d, 1, NULL};
	snprintf(val, sizeof val, "v9");
	ck_assert_int_eq(iamw__aggregator_add(agg, &other, 0, 1), IAMW_OK);
	ck_assert_uint_eq(iamw__aggregator_overflow(agg), 2);

	/* The counter survives save/restore and adds up in merges. */
	char *text = save(agg);
	iamw__aggregator *r = NULL;
	ck_assert_int_eq(iamw__aggregator_restore_text(&r, text, IAMW_NUL_TERMINATED, NULL),
	                 IAMW_OK);
	ck_assert_uint_eq(iamw__aggregator_overflow(r), 2);
	ck_assert_int_eq(iamw__aggregator_merge(r, agg), IAMW_OK);
	ck_assert_uint_eq(iamw__aggregator_overflow(r), 4);
	iamw_free(text);
	iamw__aggregator_free(r);

	/* Pruning frees the slots. */
	iamw__aggregator_prune(agg, 60000);
	ck_assert_uint_eq(iamw__aggregator_dimension_sets(agg, "NS", "Errors"), 0);
	k.unit = NULL;
	ck_assert_int_eq(iamw__aggregator_add(agg, &k, 60000, 1), IAMW_OK);
	iamw__aggregator_free(agg);

	/* 0 = unlimited. */
	agg = new_agg(60000, 0);
	for (int i = 0; i < 1500; i++) {
		snprintf(val, sizeof val, "%d", i);
		ck_assert_int_eq(iamw__aggregator_add(agg, &k, 0, 1), IAMW_OK);
	}
	ck_assert_uint_eq(iamw__aggregator_dimension_sets(agg, "NS", "Errors"), 1500);
	iamw__aggregator_free(agg);
}
END_TEST

/* Random samples over a few metrics and minutes (span_ms from -120 s). */
static void feed(iamw__aggregator **parts, size_t n_parts, iamw__aggregator *all, uint64_t seed,
                 int n, int distinct, int64_t span_ms)
{
	static iamw__dimension dims[3] = {
	    {"Type", "Root"}, {"Type", "IAMUser"}, {"Type", "Ass\"umed"}};
	uint64_t s = seed;
	for (int i = 0; i < n; i++) {
		uint64_t r = rng_next(&s);
		iamw__metric_key k = {"CIS", r % 5 == 0 ? "Other" : "Root", &dims[r % 3],
		                      r % 4 ? 1 : 0, r % 7 == 0 ? "Count" : NULL};
		int64_t t = (int64_t)(rng_next(&s) % (uint64_t)span_ms) - 120000;
		double v = (double)(rng_next(&s) % (uint64_t)distinct) * 0.25;
		iamw__aggregator *p = parts[rng_next(&s) % n_parts];
		ck_assert_int_eq(iamw__aggregator_add(p, &k, t, v), IAMW_OK);
		ck_assert_int_eq(iamw__aggregator_add(all, &k, t, v), IAMW_OK);
		if (r % 11 == 0) {
			int64_t it = t + (int64_t)(rng_next(&s) % 300000);
			ck_assert_int_eq(iamw__aggregator_note_ingest(p, it), IAMW_OK);
			ck_assert_int_eq(iamw__aggregator_note_ingest(all, it), IAMW_OK);
		}
	}
}

static size_t count_sketches(const iamw__aggregator *agg)
{
	size_t n = 0;
	for (size_t i = 0; i < iamw__aggregator_series_count(agg); i++)
		for (size_t j = 0; j < iamw__aggregator_series_periods(agg, i); j++)
			n += (size_t)iamw__bucket_is_sketch(
			    iamw__aggregator_series_bucket(agg, i, j, NULL));
	return n;
}

START_TEST(merge_equals_single_run)
{
	for (uint64_t seed = 1; seed <= 5; seed++) {
		iamw__aggregator *parts[3], *all = new_agg(60000, 0);
		for (int k = 0; k < 3; k++)
			parts[k] = new_agg(60000, 0);
		/* Seed 5 crosses the exact cap in some buckets. */
		feed(parts, 3, all, seed, seed == 5 ? 40000 : 3000, seed == 5 ? 100000 : 30,
		     seed == 5 ? 120000 : 600000);
		ck_assert_uint_eq(count_sketches(all) > 0, seed == 5);
		char *expect = save(all);
		/* Every order of merging gives the same bytes. */
		static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
		                                 {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
		for (int o = 0; o < 6; o++) {
			iamw__aggregator *m = new_agg(60000, 0);
			for (int k = 0; k < 3; k++)
				ck_assert_int_eq(iamw__aggregator_merge(m, parts[orders[o][k]]),
				                 IAMW_OK);
			char *got = save(m);
			ck_assert_str_eq(expect, got);
			iamw_free(got);
			iamw__aggregator_free(m);
		}
		/* Associativity: (a ∪ b) ∪ c == a ∪ (b ∪ c). */
		char *pa = save(parts[0]);
		iamw__aggregator *left = NULL, *bc = NULL;
		ck_assert_int_eq(
		    iamw__aggregator_restore_text(&left, pa, IAMW_NUL_TERMINATED, NULL), IAMW_OK);
		ck_assert_int_eq(iamw__aggregator_merge(left, parts[1]), IAMW_OK);
		ck_assert_int_eq(iamw__aggregator_merge(left, parts[2]), IAMW_OK);
		bc = new_agg(60000, 0);
		ck_assert_int_eq(iamw__aggregator_merge(bc, parts[1]), IAMW_OK);
		ck_assert_int_eq(iamw__aggregator_merge(bc, parts[2]), IAMW_OK);
		ck_assert_int_eq(iamw__aggregator_merge(parts[0], bc), IAMW_OK);
		char *l = save(left), *r = save(parts[0]);
		ck_assert_str_eq(l, r);
		ck_assert_str_eq(l, expect);
		iamw_free(l);
		iamw_free(r);
		iamw_free(pa);
		iamw_free(expect);
		iamw__aggregator_free(left);
		iamw__aggregator_free(bc);
		iamw__aggregator_free(all);
		for (int k = 0; k < 3; k++)
			iamw__aggregator_free(parts[k]);
	}
}
END_TEST

START_TEST(merge_rules)
{
	iamw__aggregator *a = new_agg(60000, 0), *b = new_agg(300000, 0);
	ck_assert_int_eq(iamw__aggregator_merge(a, b), IAMW_EINVAL);
	ck_assert_int_eq(iamw__aggregator_merge(a, NULL), IAMW_EINVAL);
	/* Self-merge doubles every count. */
	ck_assert_int_eq(iamw__aggregator_add(a, &KEY, 0, 3), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_merge(a, a), IAMW_OK);
	double v, n;
	ck_assert_int_eq(query(a, &KEY, 0, 60000, "Sum", &v, &n), 1);
	ck_assert(v == 6 && n == 2);
	iamw__aggregator_free(a);
	iamw__aggregator_free(b);
}
END_TEST

START_TEST(save_restore_byte_identical)
{
	iamw__aggregator *parts[1], *all = new_agg(60000, 1000);
	parts[0] = new_agg(60000, 1000);
	feed(parts, 1, all, 77, 20000, 5000, 120000);
	ck_assert_uint_gt(count_sketches(all), 0); /* mixes exact and sketch buckets */
	ck_assert_uint_gt(iamw__aggregator_series_count(all) * 2, count_sketches(all));
	iamw__dimension d = {"weird \\ \"name\"\n\x01", "ünïcødé"};
	iamw__metric_key k = {"N\"S", "M/1", &d, 1, "Bytes/Second"};
	ck_assert_int_eq(iamw__aggregator_add(all, &k, -5, -2.5e-300), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_add(all, &k, -5, 1e100), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_add(all, &k, -5, 1e300), IAMW_EINVAL); /* > 2^360 */
	char *one = save(all);
	iamw_error err;
	iamw__aggregator *r = NULL;
	ck_assert_int_eq(iamw__aggregator_restore_text(&r, one, strlen(one), &err), IAMW_OK);
	ck_assert_int_eq(err.code, IAMW_OK);
	char *two = save(r);
	ck_assert_str_eq(one, two);
	ck_assert(strncmp(one, "{\"format\":\"iamwatch-aggregator\",\"version\":1,\"period\":60,",
	                  55) == 0);
	/* Queries agree after the round trip. */
	double v1, v2, n1, n2;
	ck_assert_int_eq(query(all, &k, -60000, 60000, "Sum", &v1, &n1), 1);
	ck_assert_int_eq(query(r, &k, -60000, 60000, "Sum", &v2, &n2), 1);
	ck_assert(v1 == v2 && n1 == n2 && v1 == 1e100);
	/* load() replaces contents. */
	cJSON *j = cJSON_Parse(one);
	ck_assert_int_eq(iamw__aggregator_load(parts[0], j, &err), IAMW_OK);
	char *three = save(parts[0]);
	ck_assert_str_eq(one, three);
	cJSON_Delete(j);
	iamw_free(one);
	iamw_free(two);
	iamw_free(three);
	iamw__aggregator_free(r);
	iamw__aggregator_free(all);
	iamw__aggregator_free(parts[0]);

	/* Empty aggregator, 10 s period. */
	iamw__aggregator *e = new_agg(10000, 0);
	char *t = save(e);
	ck_assert_str_eq(t, "{\"format\":\"iamwatch-aggregator\",\"version\":1,\"period\":10,"
	                    "\"max_dimension_sets\":0,\"overflow\":0,\"ingest\":[],\"series\":[]}");
	ck_assert_int_eq(iamw__aggregator_restore_text(&r, t, IAMW_NUL_TERMINATED, NULL), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_period(r), 10000);
	iamw_free(t);
	iamw__aggregator_free(r);
	iamw__aggregator_free(e);
}
END_TEST

#define HDR      "{\"format\":\"iamwatch-aggregator\",\"version\":1,\"period\":60,"
#define HDR_TAIL "\"max_dimension_sets\":0,\"overflow\":0,\"ingest\":[],"
#define SERIES(buckets)                                                                            \
	HDR HDR_TAIL "\"series\":[{\"namespace\":\"N\",\"metric\":\"M\",\"unit\":\"None\","        \
	             "\"dimensions\":[],\"buckets\":[" buckets "]}]}"

START_TEST(corrupt_state_rejected)
{
	iamw__aggregator *agg = new_agg(60000, 0);
	ck_assert_int_eq(iamw__aggregator_add(agg, &KEY, 0, 1), IAMW_OK);
	for (int i = 0; i < 2000; i++)
		ck_assert_int_eq(iamw__aggregator_add(agg, &KEY, 60000, i), IAMW_OK);
	char *good = save(agg);
	size_t len = strlen(good);
	static const char *bad[] = {
	    "",
	    "[]",
	    "{\"format\":\"iamwatch-aggregator\",\"version\":2,\"period\":60,\"max_dimension_"
	    "sets\":0,"
	    "\"overflow\":0,\"ingest\":[],\"series\":[]}",
	    "{\"format\":\"iamwatch-state\",\"version\":1,\"period\":60,\"max_dimension_sets\":0,"
	    "\"overflow\":0,\"ingest\":[],\"series\":[]}",
	    "{\"format\":\"iamwatch-aggregator\",\"version\":\"1\",\"period\":60,"
	    "\"max_dimension_sets\":0,\"overflow\":0,\"ingest\":[],\"series\":[]}",
	    HDR "\"max_dimension_sets\":0,\"overflow\":0,\"ingest\":[],\"series\":{}}",
	    HDR "\"max_dimension_sets\":-1,\"overflow\":0,\"ingest\":[],\"series\":[]}",
	    HDR "\"max_dimension_sets\":0,\"overflow\":0.5,\"ingest\":[],\"series\":[]}",
	    HDR "\"max_dimension_sets\":0,\"overflow\":0,\"ingest\":[60000,0],\"series\":[]}",
	    HDR "\"max_dimension_sets\":0,\"overflow\":0,\"ingest\":[30000],\"series\":[]}",
	    HDR "\"max_dimension_sets\":0,\"overflow\":0,\"ingest\":[\"0\"],\"series\":[]}",
	    "{\"format\":\"iamwatch-aggregator\",\"version\":1,\"period\":45,"
	    "\"max_dimension_sets\":0,\"overflow\":0,\"ingest\":[],\"series\":[]}",
	    SERIES(""),
	    SERIES("[1,{\"values\":[[1,1]]}]"),
	    SERIES("[60000,{\"values\":[[1,1]]}],[0,{\"values\":[[1,1]]}]"),
	    SERIES("[0,{\"values\":[]}]"),
	    SERIES("[0,{\"values\":[[2,1],[1,1]]}]"),
	    SERIES("[0,{\"values\":[[1,0]]}]"),
	    SERIES("[0,{\"values\":[[1,1.5]]}]"),
	    SERIES("[0,{\"values\":[[\"1\",1]]}]"),
	    SERIES("[0,{\"values\":[[1e999,1]]}]"),
	    SERIES("[0,{\"values\":[[1,1,1]]}]"),
	    SERIES("[0,{\"count\":3,\"min\":1,\"max\":2,\"sum\":\"0\",\"zero\":0,\"pos\":[[0,3]],"
	           "\"neg\":[]}]"),
	    SERIES("[0,{\"count\":2000,\"min\":1,\"max\":2,\"sum\":\"0\",\"zero\":0,\"pos\":[[0,"
	           "1999]],\"neg\":[]}]"),
	    SERIES("[0,{\"count\":2000,\"min\":1,\"max\":2,\"sum\":\"0x1\",\"zero\":0,\"pos\":[[0,"
	           "2000]],\"neg\":[]}]"),
	    SERIES("[0,{\"count\":2000,\"min\":1,\"max\":2,\"sum\":\"01\",\"zero\":0,\"pos\":[[0,"
	           "2000]],\"neg\":[]}]"),
	    SERIES("[0,{\"count\":2000,\"min\":1,\"max\":2,\"sum\":\"1\",\"zero\":0,\"pos\":[[1,"
	           "1000],[0,1000]],\"neg\":[]}]"),
	    SERIES("[0,{\"count\":2000,\"min\":-1,\"max\":2,\"sum\":\"1\",\"zero\":0,\"pos\":[[1,"
	           "2000]],\"neg\":[]}]"),
	    SERIES("[0,{\"count\":2000,\"min\":1,\"max\":2,\"sum\":\"1\",\"zero\":0,\"pos\":[[1,"
	           "2000]]}]"),
	    HDR HDR_TAIL
	    "\"series\":[{\"namespace\":\"N\",\"metric\":\"M\",\"unit\":\"None\","
	    "\"dimensions\":[[\"b\",\"1\"],[\"a\",\"1\"]],\"buckets\":[[0,{\"values\":[[1,"
	    "1]]}]]}]}",
	    HDR HDR_TAIL "\"series\":[{\"namespace\":\"N\",\"metric\":\"M\",\"unit\":\"None\","
	                 "\"dimensions\":[[\"a\"]],\"buckets\":[[0,{\"values\":[[1,1]]}]]}]}",
	    HDR HDR_TAIL "\"series\":[{\"namespace\":\"\",\"metric\":\"M\",\"unit\":\"None\","
	                 "\"dimensions\":[],\"buckets\":[[0,{\"values\":[[1,1]]}]]}]}",
	    HDR HDR_TAIL "\"series\":[{\"namespace\":\"N\",\"metric\":\"M\",\"unit\":\"None\","
	                 "\"dimensions\":[],\"buckets\":[[0,{\"values\":[[1,1]]}]]},"
	                 "{\"namespace\":\"N\",\"metric\":\"M\",\"unit\":\"None\","
	                 "\"dimensions\":[],\"buckets\":[[0,{\"values\":[[1,1]]}]]}]}",
	};
	char *before = save(agg);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		iamw__aggregator *r = (iamw__aggregator *)1;
		iamw_error err;
		memset(&err, 0, sizeof err);
		int rc = iamw__aggregator_restore_text(&r, bad[i], IAMW_NUL_TERMINATED, &err);
		ck_assert_msg(rc == IAMW_ESTATE, "case %zu: rc %d", i, rc);
		ck_assert_ptr_null(r);
		ck_assert_int_eq(err.code, IAMW_ESTATE);
		ck_assert_msg(err.text[0] != '\0', "case %zu: no message", i);
		/* load() into a live aggregator leaves it untouched. */
		cJSON *j = cJSON_Parse(bad[i]);
		if (j) {
			ck_assert_int_eq(iamw__aggregator_load(agg, j, &err), IAMW_ESTATE);
			cJSON_Delete(j);
			char *now = save(agg);
			ck_assert_str_eq(before, now);
			iamw_free(now);
		}
	}
	/* Every truncation of a valid state is rejected. */
	for (size_t cut = 0; cut < len; cut += (cut < 400 ? 1 : 97)) {
		iamw__aggregator *r = NULL;
		iamw_error err;
		ck_assert_msg(iamw__aggregator_restore_text(&r, good, cut, &err) == IAMW_ESTATE,
		              "truncated at %zu accepted", cut);
		ck_assert_ptr_null(r);
	}
	/* Wrong JSON gives an offset. */
	iamw__aggregator *r = NULL;
	iamw_error err;
	ck_assert_int_eq(iamw__aggregator_restore_text(&r, "{\"format\":}", 11, &err), IAMW_ESTATE);
	ck_assert_uint_eq(err.offset, 10);
	iamw_free(good);
	iamw_free(before);
	iamw__aggregator_free(agg);
}
END_TEST

START_TEST(prune_cutoff)
{
	iamw__aggregator *agg = new_agg(60000, 0);
	iamw__metric_key k2 = KEY;
	k2.name = "Old";
	for (int m = 0; m < 3; m++)
		ck_assert_int_eq(iamw__aggregator_add(agg, &KEY, m * 60000, 1), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_add(agg, &k2, 0, 1), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_note_ingest(agg, 1000), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_note_ingest(agg, 130000), IAMW_OK);
	iamw__aggregator_prune(agg, 119999); /* [60000,120000) still overlaps */
	ck_assert_uint_eq(iamw__aggregator_series_count(agg), 1);
	ck_assert_uint_eq(iamw__aggregator_series_periods(agg, 0), 2);
	ck_assert_uint_eq(iamw__aggregator_ingest_count(agg), 1);
	iamw__aggregator_prune(agg, 120000);
	ck_assert_uint_eq(iamw__aggregator_series_periods(agg, 0), 1);
	int64_t st;
	ck_assert_ptr_nonnull(iamw__aggregator_series_bucket(agg, 0, 0, &st));
	ck_assert_int_eq(st, 120000);
	iamw__aggregator_prune(agg, INT64_MAX);
	ck_assert_uint_eq(iamw__aggregator_series_count(agg), 0);
	ck_assert_uint_eq(iamw__aggregator_ingest_count(agg), 0);
	iamw__aggregator_prune(agg, INT64_MIN);
	iamw__aggregator_free(agg);
}
END_TEST

START_TEST(ingest_and_default_value)
{
	iamw__aggregator *agg = new_agg(60000, 0);
	/* Events ingested in minutes 0, 1 and 2; a match only in minute 1;
	 * nothing at all in minute 3. */
	ck_assert_int_eq(iamw__aggregator_note_ingest(agg, 5000), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_note_ingest(agg, 59999), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_note_ingest(agg, 65000), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_note_ingest(agg, 130000), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_note_ingest(agg, -1), IAMW_OK);
	ck_assert_uint_eq(iamw__aggregator_ingest_count(agg), 4);
	ck_assert_int_eq(iamw__aggregator_ingest_minute(agg, 0), -60000);
	ck_assert_int_eq(iamw__aggregator_ingested(agg, 119999), 1);
	ck_assert_int_eq(iamw__aggregator_ingested(agg, 180000), 0);
	ck_assert_int_eq(iamw__aggregator_add(agg, &KEY, 70000, 1), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_emit_defaults(agg, &KEY, 0, 0, 240000), 2);
	double v, n;
	ck_assert_int_eq(query(agg, &KEY, 0, 60000, "Sum", &v, &n), 1);
	ck_assert(v == 0 && n == 1);
	ck_assert_int_eq(query(agg, &KEY, 60000, 60000, "Sum", &v, &n), 1);
	ck_assert(v == 1 && n == 1);
	ck_assert_int_eq(query(agg, &KEY, 120000, 60000, "Sum", &v, &n), 1);
	ck_assert(v == 0 && n == 1);
	ck_assert_int_eq(query(agg, &KEY, 180000, 60000, "Sum", &v, &n), 0);
	/* Idempotent: the minutes now have samples. */
	ck_assert_int_eq(iamw__aggregator_emit_defaults(agg, &KEY, 0, 0, 240000), 0);
	/* A metric that never matched gets a series from its defaults. */
	iamw__metric_key k2 = KEY;
	k2.name = "Never";
	ck_assert_int_eq(iamw__aggregator_emit_defaults(agg, &k2, 0, -60000, 60000), 2);
	ck_assert_uint_eq(iamw__aggregator_series_count(agg), 2);

	/* Ingest minutes merge as a union and survive save/restore. */
	iamw__aggregator *b = new_agg(60000, 0);
	ck_assert_int_eq(iamw__aggregator_note_ingest(b, 65000), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_note_ingest(b, 600000), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_merge(b, agg), IAMW_OK);
	ck_assert_uint_eq(iamw__aggregator_ingest_count(b), 5);
	char *t = save(b);
	iamw__aggregator *r = NULL;
	ck_assert_int_eq(iamw__aggregator_restore_text(&r, t, IAMW_NUL_TERMINATED, NULL), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_ingested(r, 600001), 1);
	iamw_free(t);
	iamw__aggregator_free(r);
	iamw__aggregator_free(b);
	iamw__aggregator_free(agg);

	/* 10 s storage: the default lands in the minute's first bucket, and a
	 * match anywhere in the minute suppresses it. */
	agg = new_agg(10000, 0);
	ck_assert_int_eq(iamw__aggregator_note_ingest(agg, 1000), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_note_ingest(agg, 61000), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_add(agg, &KEY, 115000, 1), IAMW_OK);
	ck_assert_int_eq(iamw__aggregator_emit_defaults(agg, &KEY, 7, 0, 120000), 1);
	ck_assert_int_eq(query(agg, &KEY, 0, 10000, "Sum", &v, &n), 1);
	ck_assert(v == 7);
	iamw__aggregator_free(agg);

	/* Storage coarser than a minute cannot tell minutes apart. */
	agg = new_agg(120000, 0);
	ck_assert_int_eq(iamw__aggregator_emit_defaults(agg, &KEY, 0, 0, 60000), IAMW_EINVAL);
	iamw__aggregator_free(agg);
}
END_TEST

/* ----------------------------------------------------------------- main */

static Suite *aggregator_suite(void)
{
	Suite *s = suite_create("aggregator");
	TCase *tc = tcase_create("statistics");
	tcase_add_test(tc, simple_statistics);
	tcase_add_test(tc, sum_is_exact);
	tcase_add_test(tc, bad_samples);
	tcase_add_test(tc, percentile_nearest_rank);
	tcase_add_test(tc, trimmed_percent_bounds);
	tcase_add_test(tc, trimmed_absolute_bounds);
	tcase_add_test(tc, negative_values_disable_extended);
	tcase_add_test(tc, parse_statistics);
	suite_add_tcase(s, tc);

	tc = tcase_create("bucket");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, exact_until_cap_then_sketch);
	tcase_add_test(tc, sketch_accuracy_100k);
	tcase_add_test(tc, bucket_merge_equals_single_run);
	tcase_add_test(tc, bucket_json_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("aggregator");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, period_boundaries);
	tcase_add_test(tc, coarser_queries);
	tcase_add_test(tc, units_and_dimensions);
	tcase_add_test(tc, dimension_cap_overflow);
	tcase_add_test(tc, merge_equals_single_run);
	tcase_add_test(tc, merge_rules);
	tcase_add_test(tc, save_restore_byte_identical);
	tcase_add_test(tc, corrupt_state_rejected);
	tcase_add_test(tc, prune_cutoff);
	tcase_add_test(tc, ingest_and_default_value);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(aggregator_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
