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
	IAMW_COMPILE_JSON_EXTRACT = 1u << 0
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

#ifdef __cplusplus
}
#endif

#endif /* IAMWATCH_H */
