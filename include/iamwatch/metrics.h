/* SPDX-License-Identifier: MIT */
/*
 * iamwatch/metrics.h - metric filters (PutMetricFilter), the alarm enumerations, and the
 * mergeable, serializable aggregator of metric data points.
 * Part of the public API; include <iamwatch.h>, which states the rules on
 * ownership, errors, threads and time once for every header.
 */
#ifndef IAMWATCH_METRICS_H
#define IAMWATCH_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "iamwatch/pattern.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Metrics and alarms: shared enumerations                                  */
/* ------------------------------------------------------------------------ */

/** Alarm states (StateValue). */
typedef enum iamw_alarm_state {
	IAMW_STATE_INSUFFICIENT_DATA = 0,
	IAMW_STATE_OK = 1,
	IAMW_STATE_ALARM = 2
} iamw_alarm_state;

/** ComparisonOperator; the statistic value is the first operand. */
typedef enum iamw_comparison {
	IAMW_CMP_GE = 1,                   /**< GreaterThanOrEqualToThreshold */
	IAMW_CMP_GT = 2,                   /**< GreaterThanThreshold */
	IAMW_CMP_LT = 3,                   /**< LessThanThreshold */
	IAMW_CMP_LE = 4,                   /**< LessThanOrEqualToThreshold */
	IAMW_CMP_LT_LOWER_OR_GT_UPPER = 5, /**< LessThanLowerOrGreaterThanUpperThreshold */
	IAMW_CMP_LT_LOWER = 6,             /**< LessThanLowerThreshold */
	IAMW_CMP_GT_UPPER = 7              /**< GreaterThanUpperThreshold */
} iamw_comparison;

/** TreatMissingData. */
typedef enum iamw_missing_data {
	IAMW_MISSING_MISSING = 0,      /**< "missing" (the default) */
	IAMW_MISSING_IGNORE = 1,       /**< "ignore": keep the current state */
	IAMW_MISSING_BREACHING = 2,    /**< "breaching" */
	IAMW_MISSING_NOT_BREACHING = 3 /**< "notBreaching" */
} iamw_missing_data;

/** Simple statistics; IAMW_STAT_EXTENDED means an ExtendedStatistic string. */
typedef enum iamw_statistic {
	IAMW_STAT_SAMPLE_COUNT = 1,
	IAMW_STAT_SUM = 2,
	IAMW_STAT_AVERAGE = 3,
	IAMW_STAT_MINIMUM = 4,
	IAMW_STAT_MAXIMUM = 5,
	IAMW_STAT_EXTENDED = 6
} iamw_statistic;

/* ------------------------------------------------------------------------ */
/* Metric filters                                                           */
/* ------------------------------------------------------------------------ */

/** A metric filter: a compiled pattern plus its metric transformation.
 *  Immutable: share freely across threads. */
typedef struct iamw_metric_filter iamw_metric_filter;

/** A metric dimension (name and value); strings are borrowed. */
typedef struct iamw_dimension {
	const char *name;
	const char *value;
} iamw_dimension;

/**
 * Build a metric filter from a PutMetricFilter request body, e.g.
 * {"filterName":"f","filterPattern":"{ $.a = 1 }","metricTransformations":
 *  [{"metricName":"m","metricNamespace":"ns","metricValue":"1"}]},
 * validated with PutMetricFilter's rules (one transformation, at most three
 * dimensions and only for JSON / space-delimited patterns, no defaultValue
 * with dimensions, metricValue a number or a $ reference, ...).
 * @param[out] err failure details (source "metricFilter" or "pattern")
 * @return IAMW_OK, IAMW_EJSON, IAMW_EVALIDATION, a pattern error, ...
 * Ownership: the caller frees *out with iamw_metric_filter_free().
 * Thread-safety: reentrant.
 */
IAMW_API int iamw_metric_filter_from_json(iamw_metric_filter **out, const char *json, size_t len,
                                          iamw_error *err);
/**
 * Free a metric filter; NULL is a no-op.
 * Ownership: strings and the pattern returned are borrowed from the filter.
 * Thread-safety: safe from any thread (a filter is immutable).
 */
IAMW_API void iamw_metric_filter_free(iamw_metric_filter *filter);
/** The filter's name, its compiled pattern, metric name and namespace.
 *  Ownership: borrowed, live as long as the filter. Thread-safety: safe. */
IAMW_API const char *iamw_metric_filter_name(const iamw_metric_filter *filter);
IAMW_API const iamw_pattern *iamw_metric_filter_pattern(const iamw_metric_filter *filter);
IAMW_API const char *iamw_metric_filter_metric_name(const iamw_metric_filter *filter);
IAMW_API const char *iamw_metric_filter_metric_namespace(const iamw_metric_filter *filter);

/* ------------------------------------------------------------------------ */
/* Aggregation                                                              */
/* ------------------------------------------------------------------------ */

/** A mergeable, serializable store of metric data points per period.
 *  Mutable: one thread at a time. */
typedef struct iamw_aggregator iamw_aggregator;

/**
 * Create an aggregator.
 * @param[in] period_ms storage period: 10000, 20000, 30000 or a multiple of
 *            60000 up to 7 days; 0 means 60000 (CloudWatch's per-minute
 *            metric filter reporting)
 * @param[in] max_dimension_sets distinct dimension sets per metric before new
 *            ones are refused and counted (0 = 1000, CloudWatch's cap)
 * Ownership: the caller frees *out with iamw_aggregator_free().
 * Thread-safety: reentrant.
 */
IAMW_API int iamw_aggregator_new(iamw_aggregator **out, int64_t period_ms,
                                 size_t max_dimension_sets);
/**
 * Free an aggregator; NULL is a no-op.
 * Ownership: arguments are borrowed for the call.
 * Thread-safety: one thread at a time per aggregator.
 */
IAMW_API void iamw_aggregator_free(iamw_aggregator *agg);

/**
 * Add one data point. unit NULL means "None".
 * @return IAMW_OK, IAMW_EINVAL (bad value or time), IAMW_ELIMIT (dimension
 *         cap reached: the point is dropped and counted)
 * Ownership: arguments are borrowed for the call.
 * Thread-safety: one thread at a time per aggregator.
 */
IAMW_API int iamw_aggregator_add(iamw_aggregator *agg, const char *metric_namespace,
                                 const char *metric_name, const iamw_dimension *dims,
                                 size_t n_dims, const char *unit, int64_t timestamp_ms,
                                 double value);

/**
 * A statistic over [start_ms, start_ms + period_ms): `statistic` is
 * "SampleCount", "Sum", "Average", "Minimum", "Maximum" or an extended
 * statistic ("p99", "tm90", "TM(10%:90%)", "IQM", "PR(:300)", ...).
 * unit NULL merges every unit of the metric.
 * @param[out] value the statistic (may be NULL)
 * @param[out] sample_count the number of samples (may be NULL)
 * @return 1 value available, 0 no value (no samples, or an extended
 *         statistic over negative values), <0 error (IAMW_EINVAL for an
 *         unknown statistic or a misaligned period)
 * Ownership: arguments are borrowed for the call.
 * Thread-safety: one thread at a time per aggregator.
 */
IAMW_API int iamw_aggregator_get(const iamw_aggregator *agg, const char *metric_namespace,
                                 const char *metric_name, const iamw_dimension *dims,
                                 size_t n_dims, const char *unit, int64_t start_ms,
                                 int64_t period_ms, const char *statistic, double *value,
                                 double *sample_count);

/**
 * agg := agg merged with other (same storage period). All or nothing.
 * Ownership: arguments are borrowed for the call.
 * Thread-safety: one thread at a time per aggregator.
 */
IAMW_API int iamw_aggregator_merge(iamw_aggregator *agg, const iamw_aggregator *other);
/**
 * Drop every period that ends at or before cutoff_ms.
 * Ownership: arguments are borrowed for the call.
 * Thread-safety: one thread at a time per aggregator.
 */
IAMW_API void iamw_aggregator_prune(iamw_aggregator *agg, int64_t cutoff_ms);
/**
 * Data points refused by the dimension cap so far.
 * Ownership: arguments are borrowed for the call.
 * Thread-safety: one thread at a time per aggregator.
 */
IAMW_API uint64_t iamw_aggregator_overflow(const iamw_aggregator *agg);

/**
 * Serialize to versioned JSON ({"format":"iamwatch-aggregator","version":1,...}).
 * Ownership: the caller frees *out with iamw_free().
 * Thread-safety: one thread at a time per aggregator.
 */
IAMW_API int iamw_aggregator_save(const iamw_aggregator *agg, char **out, size_t *out_len);
/**
 * Rebuild an aggregator from iamw_aggregator_save() output. Corrupt or
 * unknown-version input gets IAMW_ESTATE with a message; nothing is
 * half-loaded. Ownership: the caller frees *out.
 * Thread-safety: reentrant.
 */
IAMW_API int iamw_aggregator_restore(iamw_aggregator **out, const char *json, size_t len,
                                     iamw_error *err);

#ifdef __cplusplus
}
#endif

#endif /* IAMWATCH_METRICS_H */
