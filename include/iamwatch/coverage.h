/* SPDX-License-Identifier: MIT */
/*
 * iamwatch/coverage.h - do a set of rules cover the monitoring controls of a
 * CIS AWS Foundations Benchmark version? For each control: some metric
 * filter must match every event the control's reference pattern matches
 * (decided semantically, over generated CloudTrail records), and an alarm on
 * that filter's metric must go to ALARM on one match within 300 s and notify
 * an SNS topic (decided by running the engine on generated events).
 * docs/lint-check.md describes the method and its limits. Part of the public
 * API; include <iamwatch.h>, which states the rules on ownership, errors,
 * threads and time once for every header.
 */
#ifndef IAMWATCH_COVERAGE_H
#define IAMWATCH_COVERAGE_H

#include <stddef.h>

#include "iamwatch/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A coverage check: a benchmark, the rules added to it, and the result of
 *  the last run. Mutable: one thread at a time. */
typedef struct iamw_coverage iamw_coverage;

/** How well the rules cover one control. */
typedef enum iamw_coverage_status {
	IAMW_COVERAGE_COVERED = 1,  /**< a filter includes the reference and its alarm works */
	IAMW_COVERAGE_PROBLEMS = 2, /**< covered with problems (see the reasons) */
	IAMW_COVERAGE_MISSING = 3   /**< no filter catches the control's events */
} iamw_coverage_status;

/**
 * The name of a status: "covered", "covered-with-problems", "missing", or
 * "unknown".
 * Ownership: static storage. Thread-safety: safe from any thread.
 */
IAMW_API const char *iamw_coverage_status_name(iamw_coverage_status status);

/** The result for one control, valid until the coverage object changes. */
typedef struct iamw_coverage_control {
	const char *id;    /**< "5.4" */
	const char *title; /**< the benchmark's title of the control */
	iamw_coverage_status status;
	const char *filter;         /**< the chosen metric filter, or NULL */
	const char *filter_origin;  /**< the origin given with its rules, or NULL */
	const char *alarm;          /**< the chosen alarm on its metric, or NULL */
	const char *alarm_origin;   /**< the origin given with its rules, or NULL */
	const char *const *reasons; /**< why the status is not "covered" */
	size_t n_reasons;
	const char *const *notes; /**< remarks that do not change the status */
	size_t n_notes;
	const char *const *witnesses; /**< generated CloudTrail records (JSON text): what
	                                   the chosen filter misses, else events the
	                                   reference matches */
	size_t n_witnesses;
	size_t records; /**< generated records evaluated for the control */
	int exhaustive; /**< 1: every combination enumerated; 0: sampled */
} iamw_coverage_control;

/**
 * Create a coverage check against a benchmark from the built-in packs:
 * "cis@VERSION", or "cis" for the newest version.
 * @param[out] out       the coverage check
 * @param[in]  benchmark the benchmark's name
 * @param[out] err       failure details (may be NULL): IAMW_ENOTFOUND for a
 *                       name that is no CIS version of the packs (the message
 *                       lists the versions)
 * @return IAMW_OK, IAMW_EINVAL, IAMW_ENOTFOUND or IAMW_ENOMEM
 * Ownership: the caller frees *out with iamw_coverage_free().
 * Thread-safety: reentrant.
 */
IAMW_API int iamw_coverage_new(iamw_coverage **out, const char *benchmark, iamw_error *err);

/**
 * Free a coverage check; NULL is a no-op.
 * Ownership: takes ownership; every result it gave becomes invalid.
 * Thread-safety: no other thread may use it then.
 */
IAMW_API void iamw_coverage_free(iamw_coverage *coverage);

/**
 * Add the metric filters and metric alarms of a rules file: a rules
 * document, a CloudFormation template in JSON, `terraform show -json`
 * output, or the text of a built-in pack (iamw_pack_get). Each file must be
 * valid on its own, as iamw_engine_load_rules() would take it. Files
 * combine: every filter and alarm of every file is a candidate; which one a
 * control chooses does not depend on the order the files are added.
 * @param[in] rules  the file's JSON text; len its length or IAMW_NUL_TERMINATED
 * @param[in] origin a label for the file (its name), reported with the
 *                   filters and alarms it gave; copied; may be NULL
 * @param[out] err   failure details (may be NULL), as iamw_engine_load_rules()
 * @return IAMW_OK or a negative status; on failure nothing was added
 * Ownership: arguments are borrowed for the call. Results of an earlier run
 *            become invalid. Thread-safety: one thread at a time per object.
 */
IAMW_API int iamw_coverage_add_rules(iamw_coverage *coverage, const char *rules, size_t len,
                                     const char *origin, iamw_error *err);

/**
 * Decide every control against the rules added so far.
 * @return IAMW_OK, IAMW_EINVAL or IAMW_ENOMEM
 * Ownership: the results belong to the coverage object.
 * Thread-safety: one thread at a time per object.
 */
IAMW_API int iamw_coverage_run(iamw_coverage *coverage);

/**
 * The benchmark's canonical name ("cis@7.0") and its version ("7.0").
 * Ownership: borrowed, live as long as the object. Thread-safety: safe
 * while no other thread changes the object.
 */
IAMW_API const char *iamw_coverage_benchmark(const iamw_coverage *coverage);
IAMW_API const char *iamw_coverage_benchmark_version(const iamw_coverage *coverage);

/**
 * The origins of the rules files added, in the order they were added.
 * @return the count / the i-th origin ("" when none was given), or NULL
 * Ownership: borrowed, live as long as the object. Thread-safety: as above.
 */
IAMW_API size_t iamw_coverage_rules_count(const iamw_coverage *coverage);
IAMW_API const char *iamw_coverage_rules_origin(const iamw_coverage *coverage, size_t i);

/**
 * The number of controls of the benchmark.
 * Thread-safety: safe while no other thread changes the object.
 */
IAMW_API size_t iamw_coverage_control_count(const iamw_coverage *coverage);

/**
 * The result of control i of the last run, in the benchmark's order.
 * @return the result, or NULL when i is out of range or no run has been
 *         made since the last change
 * Ownership: borrowed until the next iamw_coverage_add_rules(),
 *            iamw_coverage_run() or iamw_coverage_free().
 * Thread-safety: safe while no other thread changes the object.
 */
IAMW_API const iamw_coverage_control *iamw_coverage_control_at(const iamw_coverage *coverage,
                                                               size_t i);

/**
 * The result of the last run as the JSON document of `iamwatch check
 * --json`: {"benchmark", "rules", "controls": [{"id", "title", "status",
 * "filter", "source", "alarm", "reasons", "notes", "method": {"records",
 * "exhaustive"}}], "summary": {"controls", "covered",
 * "coveredWithProblems", "missing"}}.
 * @param[out] out     NUL-terminated text; free with iamw_free()
 * @param[out] out_len its length (may be NULL)
 * @return IAMW_OK, IAMW_EINVAL (no run since the last change) or IAMW_ENOMEM
 * Ownership: the caller owns *out. Thread-safety: as above.
 */
IAMW_API int iamw_coverage_json(const iamw_coverage *coverage, char **out, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* IAMWATCH_COVERAGE_H */
