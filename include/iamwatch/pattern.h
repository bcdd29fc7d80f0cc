/* SPDX-License-Identifier: MIT */
/*
 * iamwatch/pattern.h - filter patterns: compile once, match many; conditions, dumps, batch line scans.
 * Part of the public API; include <iamwatch.h>, which states the rules on
 * ownership, errors, threads and time once for every header.
 */
#ifndef IAMWATCH_PATTERN_H
#define IAMWATCH_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#include "iamwatch/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON; /* callers that use the *_json() functions include <cjson/cJSON.h> */

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
 * TestMetricFilter's record for a message that matched: renders
 * {"eventNumber":N,"eventMessage":"...","extractedValues":{...}} from the
 * values the last successful match left in `match` (as
 * `aws logs test-metric-filter` prints them; event numbers are the caller's,
 * 1-based in the API). Bytes that are not valid UTF-8 become U+FFFD, so the
 * output is always valid JSON.
 * @param[in] message the message that matched, len bytes (or IAMW_NUL_TERMINATED)
 * @param[out] out the JSON text; free with iamw_free()
 * @return IAMW_OK, IAMW_EINVAL, IAMW_ENOMEM
 * Ownership: the caller frees *out with iamw_free(). Thread-safety: as the
 *            match object (one thread at a time).
 */
IAMW_API int iamw_match_render_test_record(const iamw_match *match, uint64_t event_number,
                                           const char *message, size_t len, char **out,
                                           size_t *out_len);

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

#ifdef __cplusplus
}
#endif

#endif /* IAMWATCH_PATTERN_H */
