/* SPDX-License-Identifier: MIT */
/*
 * aggregator.h - the metric store: per metric (namespace, name, dimension
 * set, unit) a time-ordered map of period start -> bucket (stats.h), plus
 * the set of minutes in which the log group ingested anything (for the
 * metric filter defaultValue rule). Mergeable (associative, commutative,
 * all-or-nothing) and serializable (save -> restore -> save is
 * byte-identical). Mutable: one thread at a time.
 */
#ifndef IAMW_AGGREGATOR_H
#define IAMW_AGGREGATOR_H

#include <stddef.h>
#include <stdint.h>

#include "metrics/dimension.h"
#include "common/private.h"
#include "metrics/stats.h"

struct cJSON;

/* CloudWatch metric filters report per minute. */
#define IAMW__AGG_DEFAULT_PERIOD_MS 60000
/* Longest storage period: the longest alarm window (7 days). */
#define IAMW__AGG_MAX_PERIOD_MS 604800000
/* Distinct dimension sets per (namespace, metric) before samples with a new
 * set are refused: CloudWatch Logs disables a filter that produces 1000
 * distinct dimension name/value pairs within an hour. */
#define IAMW__AGG_DEFAULT_MAX_DIMENSION_SETS 1000
/* PutMetricData's limit on dimensions per metric. */
#define IAMW__AGG_MAX_DIMENSIONS 30
/* Timestamps (ms) are accepted within +-2^52 (+-142,000 years): period
 * arithmetic cannot overflow and every stamp is exact as a JSON number. */
#define IAMW__AGG_MAX_ABS_TIME_MS 4503599627370496LL
/* The defaultValue rule works on one-minute periods. */
#define IAMW__AGG_INGEST_PERIOD_MS 60000

#define IAMW__AGG_FORMAT  "iamwatch-aggregator"
#define IAMW__AGG_VERSION 1

/* A metric identity. Borrowed by every call. dims need not be sorted (the
 * aggregator sorts a copy by name); names must be distinct and non-empty,
 * values non-empty. unit NULL: on add means "None" (the metric filter
 * default); on query means "every unit of this metric, merged". */
typedef struct iamw__metric_key {
	const char *ns;
	const char *name;
	const iamw__dimension *dims;
	size_t n_dims;
	const char *unit;
} iamw__metric_key;

typedef struct iamw__aggregator iamw__aggregator;

/* period_ms: 10000, 20000, 30000 or a multiple of 60000 up to 7 days (0 =
 * 60000). max_dimension_sets: 0 = unlimited. IAMW_EINVAL on a bad period. */
int iamw__aggregator_new(iamw__aggregator **out, int64_t period_ms, size_t max_dimension_sets);
void iamw__aggregator_free(iamw__aggregator *agg);
int64_t iamw__aggregator_period(const iamw__aggregator *agg);

/* Record one sample at floor(t / period) * period. IAMW_EINVAL: bad key,
 * time out of range, NaN/inf/|v| > 2^360. IAMW_ELIMIT: the key's dimension
 * set would be number max_dimension_sets + 1 for its (namespace, metric);
 * the sample is dropped and counted in iamw__aggregator_overflow(). On any
 * error the aggregator is unchanged (apart from that counter). */
int iamw__aggregator_add(iamw__aggregator *agg, const iamw__metric_key *key, int64_t timestamp_ms,
                         double value);
uint64_t iamw__aggregator_overflow(const iamw__aggregator *agg);
/* Distinct dimension sets currently stored for (ns, name). */
size_t iamw__aggregator_dimension_sets(const iamw__aggregator *agg, const char *ns,
                                       const char *name);

/* agg = agg ∪ other. Same period required (IAMW_EINVAL). The dimension cap
 * is not applied (a union must not depend on order); overflow counters add.
 * All or nothing: on IAMW_ENOMEM agg is unchanged. */
int iamw__aggregator_merge(iamw__aggregator *agg, const iamw__aggregator *other);

/* Drop every bucket whose period ends at or before cutoff_ms (and ingest
 * minutes likewise); metrics left without buckets disappear. */
void iamw__aggregator_prune(iamw__aggregator *agg, int64_t cutoff_ms);

/* Statistic over [start_ms, start_ms + period_ms), merging the storage
 * buckets inside. period_ms must be a positive multiple of the storage
 * period and start_ms aligned to it (else IAMW_EINVAL). Returns 1 with
 * *value; 0 when there is no value, with *sample_count telling "no samples"
 * (0) from "statistic not available" (> 0, e.g. a percentile over negative
 * values); <0 on error. value and sample_count may be NULL. */
int iamw__aggregator_query(const iamw__aggregator *agg, const iamw__metric_key *key,
                           int64_t start_ms, int64_t period_ms, const iamw__stat_spec *spec,
                           double *value, double *sample_count);

/* Iteration, in key order (namespace, metric, dimensions, unit). The key's
 * strings are borrowed until the next change to agg. */
size_t iamw__aggregator_series_count(const iamw__aggregator *agg);
int iamw__aggregator_series_key(const iamw__aggregator *agg, size_t i, iamw__metric_key *out);
size_t iamw__aggregator_series_periods(const iamw__aggregator *agg, size_t i);
const iamw__bucket *iamw__aggregator_series_bucket(const iamw__aggregator *agg, size_t i, size_t j,
                                                   int64_t *start_ms);

/* Note that the log group ingested an event at timestamp_ms (whether or not
 * any filter matched): marks its minute. IAMW_EINVAL: time out of range. */
int iamw__aggregator_note_ingest(iamw__aggregator *agg, int64_t timestamp_ms);
/* 1 if the minute holding timestamp_ms saw an ingested event. */
int iamw__aggregator_ingested(const iamw__aggregator *agg, int64_t timestamp_ms);
size_t iamw__aggregator_ingest_count(const iamw__aggregator *agg);
int64_t iamw__aggregator_ingest_minute(const iamw__aggregator *agg, size_t i);
/* The defaultValue rule: for every ingested minute in [from_ms, to_ms)
 * in which key (unit NULL = "None") has no sample, add one sample of
 * default_value stamped at the minute start. Call it only for minutes that
 * are closed (a later match would otherwise coexist with the default).
 * Needs a storage period of at most 60 s (IAMW_EINVAL otherwise). Returns
 * the number of samples added or <0 (nothing added on error). */
int iamw__aggregator_emit_defaults(iamw__aggregator *agg, const iamw__metric_key *key,
                                   double default_value, int64_t from_ms, int64_t to_ms);

/* Serialize: {"format":"iamwatch-aggregator","version":1,"period":<s>,...}.
 * *out is NUL-terminated, freed with iamw_free(). */
int iamw__aggregator_save(const iamw__aggregator *agg, char **out, size_t *out_len);
void iamw__aggregator_save_buf(const iamw__aggregator *agg, iamw__buf *out);
/* Build a new aggregator from saved state. IAMW_ESTATE (message in err) for
 * corrupt state, a wrong format or an unknown version; nothing is returned
 * half-loaded. */
int iamw__aggregator_restore(iamw__aggregator **out, const struct cJSON *json, iamw_error *err);
int iamw__aggregator_restore_text(iamw__aggregator **out, const char *text, size_t len,
                                  iamw_error *err);
/* Replace agg's contents with saved state, all or nothing. */
int iamw__aggregator_load(iamw__aggregator *agg, const struct cJSON *json, iamw_error *err);

#endif /* IAMW_AGGREGATOR_H */
