/* SPDX-License-Identifier: MIT */
/*
 * iamwatch.h - the one public header of libiamwatch.
 *
 * libiamwatch evaluates Amazon CloudWatch Logs metric filter patterns, metric
 * filters, metric alarms and composite alarms offline, with CloudWatch's
 * semantics (see docs/semantics.md for every point where a reading was chosen).
 *
 * Global rules, stated once:
 *
 *  - Ownership. `iamw_X **out` constructors give the caller an object that it
 *    frees with `iamw_X_free()`; on failure `*out` is set to NULL. Every
 *    `_free` accepts NULL. Pointers returned as values are borrowed: they live
 *    as long as the object they came from, or "until the next call on that
 *    object" where a function says so. Buffers the library allocates for the
 *    caller (dumps, rendered JSON, saved state) are released with iamw_free()
 *    and nothing else. `const struct cJSON *` arguments are borrowed for the
 *    duration of the call only.
 *
 *  - Errors. Fallible functions return 0 (IAMW_OK) or a negative iamw_status.
 *    Queries return 1 (found / matched), 0 (not) or a negative iamw_status.
 *    Functions that parse text take a caller-allocated `iamw_error *err`
 *    (may be NULL) that receives the code, the byte offset into the parsed
 *    text and a message. There is no global or thread-local "last error".
 *
 *  - Threads. The library has no mutable global state. Compiled objects
 *    (iamw_pattern) are immutable and may be used from any number of threads
 *    at once. Scratch objects (iamw_match) belong to one thread at a time.
 *
 *  - Time. The library never reads the clock; every time is a parameter.
 */
#ifndef IAMWATCH_H
#define IAMWATCH_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define IAMW_API __declspec(dllexport)
#elif defined(__GNUC__)
#define IAMW_API __attribute__((visibility("default")))
#else
#define IAMW_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON; /* callers that use the *_json() functions include <cjson/cJSON.h> */

/** Pass as a length to mean "the string is NUL-terminated". */
#define IAMW_NUL_TERMINATED ((size_t)-1)
/** An error offset that does not point at any byte of the input. */
#define IAMW_NO_OFFSET ((size_t)-1)

/* ------------------------------------------------------------------------ */
/* Version and memory                                                       */
/* ------------------------------------------------------------------------ */

#define IAMW_VERSION_MAJOR 0
#define IAMW_VERSION_MINOR 1
#define IAMW_VERSION_PATCH 0

/**
 * The version of the loaded library as (major << 16) | (minor << 8) | patch.
 * Bindings compare it with the version they were written for.
 * Thread-safety: safe from any thread.
 */
IAMW_API unsigned iamw_version(void);

/**
 * The version of the loaded library as a static string, e.g. "0.1.0".
 * Ownership: static storage, never freed. Thread-safety: safe from any thread.
 */
IAMW_API const char *iamw_version_string(void);

/**
 * Release a buffer that the library allocated for the caller.
 * @param[in] ptr buffer from iamw_pattern_dump() and friends; NULL is a no-op.
 * Ownership: takes ownership of ptr. Thread-safety: safe from any thread.
 */
IAMW_API void iamw_free(void *ptr);

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/** Result codes. Values are pinned: new codes are only appended. */
typedef enum iamw_status {
	IAMW_OK = 0,
	IAMW_ENOMEM = -1,        /**< out of memory */
	IAMW_EINVAL = -2,        /**< misuse: NULL handle, bad enum, bad option */
	IAMW_ESYNTAX = -3,       /**< pattern or definition text did not parse */
	IAMW_ETOOLONG = -4,      /**< pattern longer than 1024 bytes */
	IAMW_EDEPTH = -5,        /**< parentheses nested deeper than the limit */
	IAMW_EWILDCARDS = -6,    /**< more than 3 wildcard selectors in a pattern */
	IAMW_ESELWILDCARD = -7,  /**< more than 1 wildcard in one property selector */
	IAMW_EREGEX = -8,        /**< invalid regular expression */
	IAMW_EREGEXCOUNT = -9,   /**< more than 2 regular expressions in a pattern */
	IAMW_EUNSUPPORTED = -10, /**< a construct CloudWatch documents as unsupported */
	IAMW_EJSON = -11,        /**< input needed to be JSON (of a given shape) and was not */
	IAMW_ENOTFOUND = -12,    /**< unknown name (alarm, metric, extracted value) */
	IAMW_EEXISTS = -13,      /**< name already in use */
	IAMW_ESTATE = -14,       /**< saved state corrupt or of an unknown version */
	IAMW_EBUSY = -15,        /**< re-entrant call from a callback */
	IAMW_ELIMIT = -16,       /**< a size or count limit other than the above */
	IAMW_EVALIDATION = -17   /**< a definition violates a PutMetricFilter/PutMetricAlarm rule */
} iamw_status;

/**
 * Static English text for a status code; never NULL (unknown codes get
 * "unknown error").
 * Ownership: static storage. Thread-safety: safe from any thread.
 */
IAMW_API const char *iamw_strerror(int code);

/**
 * Short stable name of a status code ("ESYNTAX", "ETOOLONG", ...); never NULL.
 * Ownership: static storage. Thread-safety: safe from any thread.
 */
IAMW_API const char *iamw_status_name(int code);

#define IAMW_ERROR_TEXT_LEN 160
#define IAMW_ERROR_SOURCE_LEN 64

/**
 * Details of a failure, filled by functions that parse text. Caller-allocated;
 * on success the function sets code = IAMW_OK and offset = IAMW_NO_OFFSET.
 */
typedef struct iamw_error {
	int code;     /**< IAMW_OK or a negative iamw_status */
	size_t offset; /**< byte offset into the text named by `source`, or IAMW_NO_OFFSET */
	size_t length; /**< bytes of the offending token; 0 if unknown */
	char source[IAMW_ERROR_SOURCE_LEN]; /**< which input: "pattern", "rule", ... */
	char text[IAMW_ERROR_TEXT_LEN];     /**< NUL-terminated message, no newline */
} iamw_error;

/**
 * Render an error as "<source>:<offset>: <text>" followed by the input line
 * and a caret line pointing at the offset (when the offset applies).
 * @param[in] err   the error
 * @param[in] input the text that was parsed (may be NULL: no excerpt)
 * @param[in] len   its length, or IAMW_NUL_TERMINATED
 * @param[out] buf  destination (may be NULL when size is 0)
 * @param[in] size  size of buf
 * @return the number of bytes the full rendering needs, excluding the NUL
 *         (like snprintf); the output is truncated and NUL-terminated.
 * Ownership: writes into the caller's buffer. Thread-safety: reentrant.
 */
IAMW_API size_t iamw_error_format(const iamw_error *err, const char *input, size_t len, char *buf,
                                  size_t size);

/* ------------------------------------------------------------------------ */
/* Filter patterns: compile once, match many                                */
/* ------------------------------------------------------------------------ */

/** A compiled filter pattern. Immutable: share freely across threads. */
typedef struct iamw_pattern iamw_pattern;
/** Per-thread match scratch and the extracted values of the last match. */
typedef struct iamw_match iamw_match;

/** The family of a pattern, chosen from its first non-blank character. */
typedef enum iamw_pattern_kind {
	IAMW_PATTERN_TERMS = 1,     /**< terms, quoted phrases, ?, - (and the empty pattern) */
	IAMW_PATTERN_JSON = 2,      /**< { $.selector op value ... } */
	IAMW_PATTERN_DELIMITED = 3, /**< [ field, field = value, ... ] */
	IAMW_PATTERN_REGEX = 4      /**< a standalone %regex% */
} iamw_pattern_kind;

/** Compile flags (OR-able). */
enum {
	/** For JSON patterns, report each compared selector's value among the
	 *  extracted values under its selector text ("$.latency": "50").
	 *  CloudWatch's TestMetricFilter returns {} for JSON patterns, which is the
	 *  default (docs/semantics.md A-13). */
	IAMW_COMPILE_JSON_EXTRACT = 1u << 0,
	/** Do not build the required-literal prefilter for this pattern: every
	 *  event takes the full matching path (parse, evaluate). Results are the
	 *  same either way; this exists for benchmarks and differential tests
	 *  (docs/performance.md). */
	IAMW_COMPILE_NO_PREFILTER = 1u << 1
};

/**
 * Compile a CloudWatch Logs filter pattern.
 * @param[out] out   the compiled pattern
 * @param[in]  text  pattern text (UTF-8; at most 1024 bytes)
 * @param[in]  len   length in bytes, or IAMW_NUL_TERMINATED
 * @param[in]  flags IAMW_COMPILE_* flags
 * @param[out] err   failure details with a byte offset into text (may be NULL)
 * @return IAMW_OK or a negative iamw_status (IAMW_ESYNTAX, IAMW_ETOOLONG, ...)
 * Ownership: the caller owns *out and frees it with iamw_pattern_free(); text
 *            is copied. Thread-safety: reentrant.
 */
IAMW_API int iamw_pattern_compile(iamw_pattern **out, const char *text, size_t len, uint32_t flags,
                                  iamw_error *err);

/**
 * Free a compiled pattern; NULL is a no-op.
 * Ownership: takes ownership. Thread-safety: no other thread may use it then.
 */
IAMW_API void iamw_pattern_free(iamw_pattern *pattern);

/**
 * The family of a compiled pattern.
 * Thread-safety: safe from any thread.
 */
IAMW_API iamw_pattern_kind iamw_pattern_kind_of(const iamw_pattern *pattern);

/**
 * The source text the pattern was compiled from (NUL-terminated).
 * Ownership: borrowed, lives as long as the pattern. Thread-safety: safe.
 */
IAMW_API const char *iamw_pattern_source(const iamw_pattern *pattern);

/**
 * Dump the compiled AST as a canonical S-expression, e.g.
 * `(json (or (eq $.a "x") (not-exists $.b)))`. Used by golden tests.
 * @param[out] out     NUL-terminated text; free with iamw_free()
 * @param[out] out_len its length (may be NULL)
 * Ownership: the caller owns *out. Thread-safety: safe from any thread.
 */
IAMW_API int iamw_pattern_dump(const iamw_pattern *pattern, char **out, size_t *out_len);

/**
 * Render the pattern in canonical filter pattern syntax: every JSON clause
 * parenthesised, strings quoted, numbers as written. Compiling the result
 * gives the same AST, and rendering that gives the same text.
 * @param[out] out     NUL-terminated text; free with iamw_free()
 * @param[out] out_len its length (may be NULL)
 * Ownership: the caller owns *out. Thread-safety: safe from any thread.
 */
IAMW_API int iamw_pattern_canonical(const iamw_pattern *pattern, char **out, size_t *out_len);

/**
 * Number of regular expressions / wildcard selectors in the pattern (for
 * quota checks across a log group).
 * Thread-safety: safe from any thread.
 */
IAMW_API unsigned iamw_pattern_regex_count(const iamw_pattern *pattern);
IAMW_API unsigned iamw_pattern_wildcard_selector_count(const iamw_pattern *pattern);

/** The operator of one condition of a pattern (see iamw_pattern_foreach_condition). */
typedef enum iamw_condition_op {
	IAMW_OP_EQ = 1,
	IAMW_OP_NE,
	IAMW_OP_LT,
	IAMW_OP_LE,
	IAMW_OP_GT,
	IAMW_OP_GE,
	IAMW_OP_IS_NULL,
	IAMW_OP_IS_TRUE,
	IAMW_OP_IS_FALSE,
	IAMW_OP_NOT_EXISTS,
	IAMW_OP_TERM_REQUIRED, /**< a term or phrase that must appear */
	IAMW_OP_TERM_OPTIONAL, /**< a ? term */
	IAMW_OP_TERM_EXCLUDED, /**< a - term */
	IAMW_OP_REGEX_SEARCH   /**< a standalone %regex% */
} iamw_condition_op;

/** The kind of value a condition compares with. */
typedef enum iamw_value_kind {
	IAMW_VALUE_NONE = 0,   /**< IS NULL / IS TRUE / IS FALSE / NOT EXISTS */
	IAMW_VALUE_NUMBER = 1, /**< value holds the number as written */
	IAMW_VALUE_STRING = 2, /**< value holds the text without its wildcard stars */
	IAMW_VALUE_ANY = 3,    /**< '*' alone: any string or number */
	IAMW_VALUE_REGEX = 4   /**< value holds the regex body */
} iamw_value_kind;

/** One condition of a compiled pattern, for linters and coverage checks. */
typedef struct iamw_condition {
	const char *field;          /**< "$.a.b[0]", a delimited field name, or NULL for terms */
	iamw_condition_op op;
	iamw_value_kind value_kind;
	const char *value;          /**< NUL-terminated, or NULL */
	int leading_wildcard;       /**< STRING value written with a leading '*' */
	int trailing_wildcard;      /**< STRING value written with a trailing '*' */
	size_t offset;              /**< span of the condition in the pattern source */
	size_t length;
	unsigned depth;             /**< nesting depth of &&/|| groups (0 = top) */
} iamw_condition;

/** Called for each condition in source order; a nonzero return stops the walk. */
typedef int (*iamw_condition_cb)(const iamw_condition *c, void *payload);

/**
 * Visit every condition (JSON comparisons, delimited field conditions,
 * terms, a standalone regex) of a compiled pattern.
 * @return IAMW_OK, or the callback's nonzero value when it stopped the walk.
 * Ownership: the strings are borrowed for the duration of the callback.
 * Thread-safety: safe from any thread.
 */
IAMW_API int iamw_pattern_foreach_condition(const iamw_pattern *pattern, iamw_condition_cb cb,
                                            void *payload);

/**
 * Match every line of a buffer (NDJSON or text; lines end at "\n", a
 * trailing "\r" is dropped) in one call, so that bindings cross into C
 * once per buffer.
 * @param[out] line_numbers 0-based numbers of the matching lines, filled
 *             up to capacity (may be NULL when capacity is 0)
 * @param[out] n_matches the total number of matching lines
 * @param[out] n_lines the number of lines (may be NULL)
 * @return IAMW_OK or a negative iamw_status (lines over the event size limit
 *         do not match and do not stop the scan)
 * Ownership: buf is borrowed for the call. Thread-safety: as match_text.
 */
IAMW_API int iamw_pattern_scan_lines(const iamw_pattern *pattern, const char *buf, size_t len,
                                     iamw_match *match, size_t *line_numbers, size_t capacity,
                                     size_t *n_matches, size_t *n_lines);

/**
 * Create a match scratch object, usable with any pattern.
 * Ownership: the caller frees it with iamw_match_free().
 * Thread-safety: the object belongs to one thread at a time.
 */
IAMW_API int iamw_match_new(iamw_match **out);

/** Free a match scratch object; NULL is a no-op. */
IAMW_API void iamw_match_free(iamw_match *match);

/** Largest event accepted by the match functions by default (CloudWatch: 1 MB). */
#define IAMW_DEFAULT_MAX_EVENT_SIZE 1048576u

/**
 * Change the largest event size this scratch object accepts; larger events
 * get IAMW_ELIMIT. 0 restores the default.
 */
IAMW_API int iamw_match_set_max_event_size(iamw_match *match, size_t max_bytes);

/**
 * Match a raw log event message. JSON patterns parse the message (trimmed)
 * as one JSON object; a message that is not one never matches them.
 * @param[in] pattern compiled pattern
 * @param[in] event   message bytes (need not be NUL-terminated)
 * @param[in] len     length, or IAMW_NUL_TERMINATED
 * @param[in,out] match scratch that receives the extracted values; may be NULL
 * @return 1 matched, 0 not matched, <0 iamw_status (IAMW_ELIMIT: too large)
 * Ownership: event is borrowed for the call. Thread-safety: the pattern may be
 *            shared; the match object may not.
 */
IAMW_API int iamw_pattern_match_text(const iamw_pattern *pattern, const char *event, size_t len,
                                     iamw_match *match);

/**
 * Match an event that the caller already parsed, so that one parse can serve
 * many patterns. Term, regex and delimited patterns need the raw text: pass
 * it in raw/raw_len (raw may be NULL only for JSON patterns).
 * @param[in] tree parsed event (cJSON object); NULL means "not JSON"
 * @return 1 matched, 0 not matched, <0 iamw_status (IAMW_EINVAL: raw needed)
 * Ownership: tree and raw are borrowed for the call.
 * Thread-safety: as iamw_pattern_match_text().
 */
IAMW_API int iamw_pattern_match_json(const iamw_pattern *pattern, const struct cJSON *tree,
                                     const char *raw, size_t raw_len, iamw_match *match);

/**
 * Number of values extracted by the last successful match on this object
 * ($name / $N for delimited patterns; $.selector with IAMW_COMPILE_JSON_EXTRACT).
 */
IAMW_API size_t iamw_match_value_count(const iamw_match *match);

/**
 * The i-th extracted value, in event field order.
 * @param[out] name_out  e.g. "$size", "$3" (NUL-terminated)
 * @param[out] value_out the value (NUL-terminated)
 * @param[out] len_out   value length (may be NULL)
 * @return 1 found, 0 i out of range
 * Ownership: borrowed until the next match call on this object.
 */
IAMW_API int iamw_match_value(const iamw_match *match, size_t i, const char **name_out,
                              const char **value_out, size_t *len_out);

/**
 * Look up an extracted value by name ("$size", "$7", "$.latency").
 * @return 1 found, 0 absent
 * Ownership: borrowed until the next match call on this object.
 */
IAMW_API int iamw_match_get(const iamw_match *match, const char *name, const char **value_out,
                            size_t *len_out);


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

/* ------------------------------------------------------------------------ */
/* The engine: metric filters -> metrics -> alarms -> notifications         */
/* ------------------------------------------------------------------------ */

/** A registry of metric filters, metric alarms and composite alarms over one
 *  log group, fed events and driven by a caller-supplied clock.
 *  Mutable: one thread at a time. */
typedef struct iamw_engine iamw_engine;

/** A state change, valid only during the notification callback. */
typedef struct iamw_notification iamw_notification;

/** Which timestamp places an event's data point in a period. */
typedef enum iamw_time_source {
	/** CloudTrail's eventTime; the caller's timestamp when the event has none
	 *  (the default: offline replay of CloudTrail). */
	IAMW_TIME_EVENT_TIME = 0,
	/** Always the timestamp passed to the ingest call (e.g. the CloudWatch
	 *  Logs event timestamp). */
	IAMW_TIME_CALLER = 1
} iamw_time_source;

/** Pass as a timestamp to mean "none given". */
#define IAMW_NO_TIME INT64_MIN

typedef struct iamw_engine_options {
	unsigned version;              /**< IAMW_ENGINE_OPTIONS_VERSION */
	const char *account_id;        /**< for ARNs and bodies; NULL = "123456789012" */
	const char *region;            /**< NULL = "us-east-1" */
	iamw_time_source time_source;  /**< default IAMW_TIME_EVENT_TIME */
	unsigned evaluation_range;     /**< datapoints fetched per evaluation; 0 = max(N, 5) */
	int64_t storage_period_ms;     /**< 0 = 60000; 10000 to allow 10/20/30 s alarm periods */
	size_t max_dimension_sets;     /**< 0 = 1000 per metric */
	uint32_t flags;                /**< IAMW_ENGINE_* flags */
} iamw_engine_options;

/** Engine flags. */
enum {
	/** Parse every event and try every filter, without the literal prefilter
	 *  (for differential testing and benchmarks; results are identical). */
	IAMW_ENGINE_NO_PREFILTER = 1u << 0
};
#define IAMW_ENGINE_OPTIONS_VERSION 1

/** Fill opts with the defaults (for FFI, which cannot expand macros). */
IAMW_API int iamw_engine_options_init(iamw_engine_options *opts, unsigned version);

/**
 * Create an engine. opts may be NULL (defaults); its strings are copied.
 * Ownership: the caller frees *out with iamw_engine_free().
 * Thread-safety: reentrant.
 */
IAMW_API int iamw_engine_new(iamw_engine **out, const iamw_engine_options *opts);
/**
 * Free an engine; NULL is a no-op. Not from inside a callback.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API void iamw_engine_free(iamw_engine *engine);

/**
 * Load a rules document: {"metricFilters":[PutMetricFilter...],
 * "metricAlarms":[PutMetricAlarm...], "compositeAlarms":[PutCompositeAlarm...]},
 * a CloudFormation template in JSON, or `terraform show -json` output.
 * Definitions replace those of the same name (AWS Put semantics). All or
 * nothing: on error the engine is unchanged.
 * @param[out] err failure details (source "rules", "metricFilter", "alarm",
 *             "composite", "pattern" or "rule", with offsets into that text)
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_load_rules(iamw_engine *engine, const char *json, size_t len,
                                    iamw_error *err);

/**
 * Convert a rules file (rules document, CloudFormation template in JSON, or
 * `terraform show -json` output) into a rules document, resolving what
 * CloudFormation intrinsics can be resolved offline (Ref, Fn::Sub,
 * Fn::GetAtt, Fn::Join, parameters' defaults, pseudo parameters from
 * account_id / region, which may be NULL for the defaults).
 * @param[out] out the rules document as JSON text; free with iamw_free()
 * @param[out] err failure details (source "rules")
 * Thread-safety: reentrant.
 */
IAMW_API int iamw_rules_normalize(const char *json, size_t len, const char *account_id,
                                  const char *region, char **out, size_t *out_len,
                                  iamw_error *err);

/**
 * Put one definition from its AWS request JSON (create or replace by name).
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_put_metric_filter(iamw_engine *engine, const char *json, size_t len,
                                           iamw_error *err);
IAMW_API int iamw_engine_put_metric_alarm(iamw_engine *engine, const char *json, size_t len,
                                          iamw_error *err);
IAMW_API int iamw_engine_put_composite_alarm(iamw_engine *engine, const char *json, size_t len,
                                             iamw_error *err);

/** Callback receiving each state change; runs on the thread that called
 *  iamw_engine_advance(), after the evaluation pass updated every state. */
typedef void (*iamw_notify_cb)(const iamw_notification *n, void *payload);

/** Register the notification callback (NULL to remove).
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_set_notify_cb(iamw_engine *engine, iamw_notify_cb cb, void *payload);

/**
 * Feed one log event (a CloudTrail record as one JSON line, or any text).
 * The event is parsed once and shared by every metric filter.
 * @param[in] timestamp_ms the event's timestamp, or IAMW_NO_TIME (then the
 *            record's eventTime is needed)
 * @return the number of metric filters that matched (>= 0), or <0:
 *         IAMW_EJSON when the event carries no usable time, IAMW_ELIMIT for
 *         an event over 1 MB, IAMW_EBUSY from a callback.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_ingest_text(iamw_engine *engine, const char *event, size_t len,
                                     int64_t timestamp_ms);
/** As iamw_engine_ingest_text() for an event the caller parsed already; raw
 *  may be NULL when every pattern is a JSON pattern. tree is borrowed.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_ingest_json(iamw_engine *engine, const struct cJSON *tree,
                                     const char *raw, size_t raw_len, int64_t timestamp_ms);

/** What iamw_engine_ingest_lines() did. */
typedef struct iamw_ingest_report {
	size_t lines;       /**< lines seen (blank lines included) */
	size_t events;      /**< events ingested */
	size_t errors;      /**< lines refused (no time, too large, ...) */
	size_t first_error_line; /**< 0-based line of the first refused line */
	int first_error;    /**< its iamw_status */
	size_t matches;     /**< metric filter matches, summed */
	size_t notifications; /**< notifications delivered (with IAMW_INGEST_ADVANCE) */
} iamw_ingest_report;

/** Flags for iamw_engine_ingest_lines(). */
enum {
	/** After each event, advance the clock to the event's time (the replay
	 *  of a time-ordered log, as `iamwatch scan` does). */
	IAMW_INGEST_ADVANCE = 1u << 0
};

/**
 * Ingest every non-blank line of an NDJSON buffer in one call (bindings
 * cross into C once per buffer). Lines the engine refuses are counted and
 * skipped; the rest are still ingested.
 * @param[out] report counters (may be NULL)
 * @return IAMW_OK, or a negative iamw_status for errors that stop the scan
 *         (IAMW_ENOMEM, IAMW_EBUSY)
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_ingest_lines(iamw_engine *engine, const char *buf, size_t len,
                                      uint32_t flags, iamw_ingest_report *report);

/**
 * Move the clock to now_ms: every alarm is evaluated at each evaluation
 * time (every minute; every 10 s with a 10 s storage period) up to now_ms,
 * and the callback receives each state change. The clock never goes back.
 * @return the number of notifications delivered (>= 0) or <0.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_advance(iamw_engine *engine, int64_t now_ms);

/**
 * Advance past the last data point until no alarm can change any more
 * (every data point has left every evaluation range).
 * @return the number of notifications delivered, or <0.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_drain(iamw_engine *engine);

/**
 * The clock (IAMW_NO_TIME before the first advance) and the latest event time ingested.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int64_t iamw_engine_clock(const iamw_engine *engine);
IAMW_API int64_t iamw_engine_latest_event_time(const iamw_engine *engine);

/** Current state of an alarm or composite alarm by name.
 *  @return 1 found, 0 unknown.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_alarm_state(const iamw_engine *engine, const char *name,
                                     iamw_alarm_state *out);

/**
 * Enumerate definitions. Names are borrowed until the definitions change.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API size_t iamw_engine_filter_count(const iamw_engine *engine);
IAMW_API const char *iamw_engine_filter_name(const iamw_engine *engine, size_t i);
/** Per-filter counters: events matched, data points published, matches that
 *  published nothing (value or dimension missing / not numeric, dimension
 *  cap). Returns 0 for an index out of range.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_filter_counts(const iamw_engine *engine, size_t i, uint64_t *matches,
                                       uint64_t *points, uint64_t *skipped);
IAMW_API size_t iamw_engine_alarm_count(const iamw_engine *engine);
IAMW_API const char *iamw_engine_alarm_name(const iamw_engine *engine, size_t i);
IAMW_API size_t iamw_engine_composite_count(const iamw_engine *engine);
IAMW_API const char *iamw_engine_composite_name(const iamw_engine *engine, size_t i);

/** Engine-wide counters. */
typedef struct iamw_engine_stats {
	uint64_t events;        /**< events ingested */
	uint64_t not_json;      /**< events that JSON patterns could not parse */
	uint64_t untimed;       /**< events refused for lack of a time */
	uint64_t late;          /**< events older than an evaluation already made */
	uint64_t notifications; /**< state changes delivered */
} iamw_engine_stats;
IAMW_API int iamw_engine_get_stats(const iamw_engine *engine, iamw_engine_stats *out);

/** The engine's aggregator (read-only view). Borrowed.
 * Ownership: arguments are borrowed for the call.
 * Thread-safety: one thread at a time per aggregator.
 */
IAMW_API const iamw_aggregator *iamw_engine_aggregator(const iamw_engine *engine);

/**
 * Save the runtime state (buckets still inside any evaluation range, the
 * clock, alarm and composite states) as versioned JSON
 * ({"format":"iamwatch-state","version":1,...}). Definitions are not saved:
 * the host loads the same rules before restoring.
 * Ownership: the caller frees *out with iamw_free().
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_save_state(const iamw_engine *engine, char **out, size_t *out_len);
/**
 * Restore state saved by iamw_engine_save_state() into an engine holding the
 * same definitions. Corrupt input, a wrong format or version, or state for
 * alarms the engine does not define gets IAMW_ESTATE; nothing is changed then.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_restore_state(iamw_engine *engine, const char *json, size_t len,
                                       iamw_error *err);

/* Notifications (valid only during the callback) */

IAMW_API const char *iamw_notification_alarm_name(const iamw_notification *n);
IAMW_API int iamw_notification_is_composite(const iamw_notification *n);
IAMW_API iamw_alarm_state iamw_notification_old_state(const iamw_notification *n);
IAMW_API iamw_alarm_state iamw_notification_new_state(const iamw_notification *n);
IAMW_API int64_t iamw_notification_time(const iamw_notification *n);
IAMW_API const char *iamw_notification_reason(const iamw_notification *n);
/**
 * StateReasonData JSON text, or NULL.
 * Ownership: results are borrowed and die with the notification.
 * Thread-safety: only inside the callback, on its thread.
 */
IAMW_API const char *iamw_notification_reason_data(const iamw_notification *n);
/** 1 when the alarm's actions for the new state run (ActionsEnabled and not
 *  suppressed); the actions are listed by iamw_notification_action().
 * Ownership: results are borrowed and die with the notification.
 * Thread-safety: only inside the callback, on its thread.
 */
IAMW_API int iamw_notification_actions_run(const iamw_notification *n);
IAMW_API size_t iamw_notification_action_count(const iamw_notification *n);
IAMW_API const char *iamw_notification_action(const iamw_notification *n, size_t i);

/** Renderings of a notification. */
typedef enum iamw_render_format {
	IAMW_RENDER_SNS = 1,          /**< the SNS Message JSON body (metric or composite) */
	IAMW_RENDER_SNS_SUBJECT = 2,  /**< the SNS Subject line */
	IAMW_RENDER_EVENTBRIDGE = 3,  /**< "CloudWatch Alarm State Change" event */
	IAMW_RENDER_LAMBDA = 4,       /**< Lambda alarm action payload */
	IAMW_RENDER_TEXT = 5          /**< one readable line */
} iamw_render_format;

/**
 * Render a notification. Ownership: the caller frees *out with iamw_free().
 * Thread-safety: during the callback only.
 */
IAMW_API int iamw_notification_render(const iamw_notification *n, iamw_render_format format,
                                      char **out, size_t *out_len);

/** The name of an alarm state ("OK", "ALARM", "INSUFFICIENT_DATA"). Static. */
IAMW_API const char *iamw_alarm_state_name(iamw_alarm_state state);

#ifdef __cplusplus
}
#endif

#endif /* IAMWATCH_H */
