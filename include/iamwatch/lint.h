/* SPDX-License-Identifier: MIT */
/*
 * iamwatch/lint.h - what CloudTrail looks like (the knowledge lists built
 * into the library) and the linter of filter patterns and rules documents:
 * compile errors with byte offsets, and warnings for patterns that are valid
 * but almost certainly wrong (unknown event names, && and || mixed without
 * parentheses, != on fields CloudTrail often omits, patterns that match
 * nearly every event, per-log-group quotas, values that should be quoted).
 * docs/lint-check.md lists every code. Part of the public API; include
 * <iamwatch.h>, which states the rules on ownership, errors, threads and
 * time once for every header.
 */
#ifndef IAMWATCH_LINT_H
#define IAMWATCH_LINT_H

#include <stddef.h>

#include "iamwatch/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* CloudTrail knowledge                                                     */
/* ------------------------------------------------------------------------ */

/** The CloudTrail knowledge the analyses use: event names per event source,
 *  the event sources, IAM's mutating and read-only names, and the fields
 *  CloudTrail often omits. Immutable once built: share freely across
 *  threads. */
typedef struct iamw_knowledge iamw_knowledge;

/**
 * Build the knowledge from the lists embedded in the library.
 * @param[out] out the knowledge
 * @return IAMW_OK, IAMW_EINVAL (out NULL) or IAMW_ENOMEM
 * Ownership: the caller frees *out with iamw_knowledge_free().
 * Thread-safety: reentrant; the result may be used by any number of threads.
 */
IAMW_API int iamw_knowledge_new(iamw_knowledge **out);

/**
 * Free knowledge; NULL is a no-op.
 * Ownership: takes ownership. Thread-safety: no other thread may use it then.
 */
IAMW_API void iamw_knowledge_free(iamw_knowledge *knowledge);

/**
 * Whether CloudTrail is known to record an event: event_name under
 * event_source (either may be NULL to ask about the other alone).
 * @return 1 known, 0 not known, IAMW_EINVAL (knowledge NULL, or both NULL)
 * Ownership: arguments are borrowed for the call.
 * Thread-safety: safe from any thread.
 */
IAMW_API int iamw_knowledge_event_known(const iamw_knowledge *knowledge, const char *event_source,
                                        const char *event_name);

/* ------------------------------------------------------------------------ */
/* Lint                                                                     */
/* ------------------------------------------------------------------------ */

/** How bad a finding is. */
typedef enum iamw_lint_severity {
	IAMW_LINT_ERROR = 1,   /**< the pattern does not compile, or CloudWatch refuses the rules */
	IAMW_LINT_WARNING = 2, /**< valid, but almost certainly not what was meant */
	IAMW_LINT_INFO = 3     /**< a note; accepted as written */
} iamw_lint_severity;

/**
 * The name of a severity ("error", "warning", "info"), or "unknown".
 * Ownership: static storage. Thread-safety: safe from any thread.
 */
IAMW_API const char *iamw_lint_severity_name(iamw_lint_severity severity);

/** The index of a finding that belongs to no pattern (a rules-level error). */
#define IAMW_LINT_NO_PATTERN ((size_t)-1)

/** One pattern the linter looked at. */
typedef struct iamw_lint_target {
	size_t index;          /**< 0-based, in the order patterns are linted */
	const char *pattern;   /**< the pattern text (NUL-terminated; may hold NUL bytes) */
	size_t pattern_len;    /**< its length in bytes */
	const char *filter;    /**< the metric filter's name; NULL for a single pattern */
	const char *location;  /**< where the pattern is in the rules file
	                            ("metricFilters[3].filterPattern",
	                            "Resources.F.Properties.FilterPattern", a terraform
	                            address + ".pattern"); NULL for a single pattern */
	const char *log_group; /**< the filter's logGroupName; NULL when not given */
	const char *origin;    /**< the caller's label (options.origin), or NULL */
} iamw_lint_target;

/** One finding. */
typedef struct iamw_lint_finding {
	const char *code; /**< "W-unknown-event-name", ...; for errors the status
	                       name ("ESYNTAX", "EVALIDATION") */
	iamw_lint_severity severity;
	int status;             /**< errors: the negative iamw_status; otherwise 0 */
	size_t index;           /**< the target's index, or IAMW_LINT_NO_PATTERN */
	size_t offset;          /**< byte offset into pattern, or IAMW_NO_OFFSET */
	size_t length;          /**< bytes of pattern concerned (0 with IAMW_NO_OFFSET);
	                             offset + length <= pattern_len */
	const char *pattern;    /**< the pattern text (NUL-terminated; may hold NUL bytes);
	                             NULL for rules-level errors */
	size_t pattern_len;     /**< its length in bytes (0 without a pattern) */
	const char *filter;     /**< the filter (or, for rules-level errors, the
	                             definition) named; NULL when none */
	const char *location;   /**< where in the rules file; NULL when unknown */
	const char *origin;     /**< the caller's label, or NULL */
	const char *message;    /**< what is wrong (never NULL) */
	const char *suggestion; /**< how to fix it, or NULL */
} iamw_lint_finding;

/** Called for each pattern before its findings; nonzero stops the lint. */
typedef int (*iamw_lint_target_cb)(const iamw_lint_target *target, void *payload);
/** Called for each finding; nonzero stops the lint. */
typedef int (*iamw_lint_finding_cb)(const iamw_lint_finding *finding, void *payload);

/** Options of a lint call. */
typedef struct iamw_lint_options {
	unsigned version;                /**< IAMW_LINT_OPTIONS_VERSION */
	const char *origin;              /**< a label for the input (a file name), passed on
	                                      to every target and finding; may be NULL */
	iamw_lint_finding_cb on_finding; /**< required */
	iamw_lint_target_cb on_target;   /**< may be NULL */
	void *payload;                   /**< passed to both callbacks */
	const char *account_id;          /**< CloudFormation pseudo parameters; NULL = defaults */
	const char *region;
} iamw_lint_options;

/** The current options version. */
#define IAMW_LINT_OPTIONS_VERSION 1

/**
 * Fill opts with the defaults of an options version (for FFI, which cannot
 * expand macros): every pointer NULL.
 * @return IAMW_OK, or IAMW_EINVAL for NULL or an unknown version
 * Thread-safety: reentrant.
 */
IAMW_API int iamw_lint_options_init(iamw_lint_options *opts, unsigned version);

/**
 * Lint one filter pattern. A pattern that does not compile gives an error
 * finding with the compile error's code, offset and message (and, when it
 * was meant as JSON, a warning saying how to write it).
 * @param[in] knowledge from iamw_knowledge_new(), or NULL to build one for the call
 * @param[in] pattern   the pattern text (need not be NUL-terminated)
 * @param[in] len       its length, or IAMW_NUL_TERMINATED
 * @param[in] opts      callbacks and labels
 * @param[out] err      failure details (may be NULL)
 * @return IAMW_OK once every finding was delivered; the nonzero value of a
 *         callback that stopped the lint; IAMW_EINVAL or IAMW_ENOMEM
 * Ownership: every string passed to the callbacks is borrowed for the
 *            duration of the callback. Thread-safety: reentrant; callbacks run
 *            on the calling thread.
 */
IAMW_API int iamw_lint_pattern(const iamw_knowledge *knowledge, const char *pattern, size_t len,
                               const iamw_lint_options *opts, iamw_error *err);

/**
 * Lint every metric filter pattern of a rules file (rules document,
 * CloudFormation template in JSON, `terraform show -json` output), count
 * filters per log group against CloudWatch's quotas, and validate the whole
 * file as the engine would: each definition that PutMetricFilter,
 * PutMetricAlarm or PutCompositeAlarm would refuse gives an error finding
 * naming the definition and its location; a pattern error is reported once,
 * on its pattern.
 * @param[in] rules the file's JSON text; @param[in] len its length or
 *            IAMW_NUL_TERMINATED
 * @return as iamw_lint_pattern(), and IAMW_EJSON / IAMW_EUNSUPPORTED /
 *         IAMW_EVALIDATION when the file cannot be read as rules at all
 *         (err says why; no finding was delivered)
 * Ownership: as iamw_lint_pattern(). Thread-safety: as iamw_lint_pattern().
 */
IAMW_API int iamw_lint_rules(const iamw_knowledge *knowledge, const char *rules, size_t len,
                             const iamw_lint_options *opts, iamw_error *err);

#ifdef __cplusplus
}
#endif

#endif /* IAMWATCH_LINT_H */
