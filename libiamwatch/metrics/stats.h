/* SPDX-License-Identifier: MIT */
/*
 * stats.h - one period's samples ("bucket") and the CloudWatch statistics
 * computed from it: SampleCount, Sum, Average, Minimum, Maximum and the
 * extended statistics (pNN, TM, WM, TC, TS, PR, IQM).
 *
 * Accuracy contract:
 *  - SampleCount, Minimum and Maximum are always exact.
 *  - Sum is the exact real sum of the samples rounded once to the nearest
 *    double (an exact fixed-point accumulator), so it does not depend on the
 *    order samples or merges arrived in; Average is that Sum / SampleCount.
 *  - While a bucket holds at most IAMW__BUCKET_EXACT_CAP distinct values it
 *    keeps every (value, count) pair and every extended statistic is exact.
 *  - Beyond that it keeps a logarithmic sketch (DDSketch-style, relative
 *    accuracy IAMW__SKETCH_ALPHA = 1%). Extended statistics are then computed
 *    exactly on a copy of the samples in which each value was replaced by its
 *    sketch bin's representative (clamped to [Minimum, Maximum]); that
 *    replacement moves no value by more than 1% and keeps the order, so every
 *    percentile is within 1% relative error of the exact nearest-rank one
 *    (p0 and p100 stay exact), and TM/WM/TS are within 1% too. Counts with
 *    absolute bounds (TC, PR, TM/TS bound membership) may misclassify
 *    samples lying within 1% of a bound.
 */
#ifndef IAMW_STATS_H
#define IAMW_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "common/private.h"

struct cJSON;

/* Distinct values kept exactly before a bucket becomes a sketch. Metric
 * filter metrics are mostly the literal 1, so real buckets stay far below;
 * 1024 pairs is 16 KiB, the same order as a sketch spanning 4 decades. */
#define IAMW__BUCKET_EXACT_CAP 1024
/* Relative accuracy of the sketch (DDSketch alpha). */
#define IAMW__SKETCH_ALPHA 0.01
/* PutMetricData accepts values in [-2^360, 2^360]; larger ones are refused. */
#define IAMW__MAX_ABS_VALUE 0x1p360
/* Words of the exact sum accumulator: covers every double (2^-1074 ..
 * 2^1024) times 2^64 samples, plus a sign bit. */
#define IAMW__ACC_WORDS 35

typedef struct iamw__value_count {
	double value;
	uint64_t count;
} iamw__value_count;

typedef struct iamw__sketch iamw__sketch;

/* One period's samples. Zero-initialised (or iamw__bucket_init) = empty. */
typedef struct iamw__bucket {
	uint64_t count;
	double min, max;         /* valid when count > 0 */
	iamw__value_count *vals; /* exact regime: ascending distinct values */
	size_t n_vals, cap_vals;
	iamw__sketch *sketch; /* non-NULL = sketch regime (vals unused) */
} iamw__bucket;

void iamw__bucket_init(iamw__bucket *b);
void iamw__bucket_free(iamw__bucket *b); /* leaves b empty and reusable */
/* Add `count` samples of `value`. IAMW_EINVAL for NaN, infinities, |v| >
 * 2^360 or count 0; IAMW_ENOMEM leaves b unchanged. -0 is stored as 0. */
int iamw__bucket_add(iamw__bucket *b, double value, uint64_t count);
/* dst = dst ∪ src. Atomic: on IAMW_ENOMEM dst is unchanged. */
int iamw__bucket_merge(iamw__bucket *dst, const iamw__bucket *src);
int iamw__bucket_copy(iamw__bucket *dst, const iamw__bucket *src); /* dst must be empty */
int iamw__bucket_is_sketch(const iamw__bucket *b);
/* The exact sum rounded to nearest (0 for an empty bucket). */
double iamw__bucket_sum(const iamw__bucket *b);

/* Append the bucket as one JSON object: exact regime
 * {"values":[[v,c],...]}, sketch regime {"count":N,"min":m,"max":M,
 * "sum":"<hex>","zero":z,"pos":[[i,c],...],"neg":[[i,c],...]}. Doubles
 * are written in shortest round-trip form, so restore is exact and a
 * restored bucket writes the same bytes. Errors surface as out->oom. */
void iamw__bucket_to_json(const iamw__bucket *b, iamw__buf *out);
/* Build a bucket from such an object into an empty `out`. IAMW_ESTATE with a
 * message in err (source "state") on any malformed or inconsistent field;
 * out is left empty on failure. */
int iamw__bucket_from_json(iamw__bucket *out, const struct cJSON *obj, iamw_error *err);

/* A JSON integer in [lo, hi]. Saved counts and times are JSON numbers,
 * which cJSON reads as doubles: only integers up to 2^53 are exact, so
 * callers keep hi <= 2^53 and larger values are refused, not rounded. */
int iamw__json_int(const struct cJSON *j, double lo, double hi, double *out);

/* ------------------------------------------------------------ statistics */

typedef enum iamw__stat_kind {
	IAMW__STAT_SAMPLE_COUNT = 1,
	IAMW__STAT_SUM,
	IAMW__STAT_AVERAGE,
	IAMW__STAT_MINIMUM,
	IAMW__STAT_MAXIMUM,
	IAMW__STAT_PERCENTILE, /* pNN: `upper` is the percentile */
	IAMW__STAT_TM,         /* trimmed mean */
	IAMW__STAT_WM,         /* winsorized mean */
	IAMW__STAT_TC,         /* trimmed count */
	IAMW__STAT_TS,         /* trimmed sum */
	IAMW__STAT_PR          /* percentile rank (absolute bounds only) */
} iamw__stat_kind;

/* Percentages are kept as exact integers in units of 1e-10 percent (the
 * spec allows ten decimals), so that ranks are computed without rounding. */
#define IAMW__PCT_SCALE 10000000000LL
#define IAMW__PCT_100   (100 * IAMW__PCT_SCALE)

typedef struct iamw__stat_spec {
	iamw__stat_kind kind;
	int percent; /* bounds are percentages (else absolute values) */
	int has_lower, has_upper;
	double lower, upper;          /* bounds as numbers (percent or absolute) */
	int64_t lower_pct, upper_pct; /* percent bounds in 1e-10 % units */
	int short_form;               /* written pNN, tmNN, wmNN, tcNN, tsNN or IQM */
} iamw__stat_spec;

/* Parse "SampleCount", "Sum", "Average", "Minimum", "Maximum" or an
 * ExtendedStatistic string (spec §1.2). The one parser of the statistic
 * grammar: aggregator queries, alarm validation and alarm evaluation all
 * use it, so a statistic that loads is one that can be computed.
 * IAMW_OK or IAMW_EINVAL. */
int iamw__stat_parse(const char *text, iamw__stat_spec *out);
/* The statistic of an alarm definition (extended may be NULL unless
 * stat == IAMW_STAT_EXTENDED). */
int iamw__stat_from_statistic(iamw_statistic stat, const char *extended, iamw__stat_spec *out);
/* 1 and *out = value; 0 = not available (empty bucket, extended statistic
 * over a period holding a negative value, TM/WM that keeps no sample). */
int iamw__bucket_stat(const iamw__bucket *b, const iamw__stat_spec *spec, double *out);

#endif /* IAMW_STATS_H */
