/* SPDX-License-Identifier: MIT */
/*
 * lint.h - the state of one lint call shared by the drivers (lint.c), the
 * event name check (lint_names.c) and the other pattern checks
 * (lint_checks.c): the knowledge, the caller's callbacks, the pattern being
 * linted, and how findings are delivered.
 */
#ifndef IAMW_ANALYSIS_LINT_H
#define IAMW_ANALYSIS_LINT_H

#include "analysis/conditions.h"
#include "analysis/knowledge.h"

typedef struct iamw__linter {
	const iamw_knowledge *k;
	const iamw_lint_options *opts;
	iamw_match *m;
	/* the pattern being linted */
	iamw_lint_target target;
	unsigned regex_count; /* regular expressions in the pattern (0 if it did not compile) */
	int compile_failed;   /* the pattern did not compile (its error was reported) */
	/* nonzero: a callback stopped the lint (its value) or an error occurred */
	int stop;
} iamw__linter;

/* Deliver one finding about the current pattern (index IAMW_LINT_NO_PATTERN
 * and pattern NULL for rules-level errors go through iamw__lint_emit_doc).
 * msg and sugg (may be NULL) are builders whose text is passed on; out of
 * memory in either stops the lint with IAMW_ENOMEM. */
void iamw__lint_emit(iamw__linter *L, iamw_lint_severity sev, const char *code, int status,
                     size_t offset, size_t length, const iamw__buf *msg, const iamw__buf *sugg);

/* The checks of one compiled pattern (conds: its conditions). */
void iamw__lint_unknown_names(iamw__linter *L, const iamw__cond_list *conds);
void iamw__lint_mixed_and_or(iamw__linter *L, const iamw_pattern *p);
void iamw__lint_ne_often_absent(iamw__linter *L, const iamw__cond_list *conds);
void iamw__lint_nearly_everything(iamw__linter *L, const iamw_pattern *p,
                                  const iamw__cond_list *conds);
void iamw__lint_needs_quoting(iamw__linter *L, const iamw__cond_list *conds);
/* A term pattern (or one that does not compile) that was meant as JSON:
 * "eventName = CreateUser", "$.eventName = X" without braces, or the phrase
 * "eventName = CreateUser". Returns 1 when it warned. */
int iamw__lint_meant_json(iamw__linter *L);
/* W-hyphenated-term: unquoted terms written together with '-' exclusions. */
void iamw__lint_hyphenated_terms(iamw__linter *L, const iamw_pattern *p);

#endif /* IAMW_ANALYSIS_LINT_H */
