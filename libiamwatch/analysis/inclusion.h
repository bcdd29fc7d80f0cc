/* SPDX-License-Identifier: MIT */
/*
 * inclusion.h - does a candidate pattern match every event a reference
 * pattern matches? Decided by model checking over generated CloudTrail
 * records: every class of value each compared field can fall into (the
 * literals both patterns name, wildcard variants, another value, absence) is
 * enumerated, or sampled when the product is large. docs/lint-check.md
 * describes the method and its limits.
 */
#ifndef IAMW_ANALYSIS_INCLUSION_H
#define IAMW_ANALYSIS_INCLUSION_H

#include "iamwatch.h"

typedef struct iamw__inclusion {
	int included;        /* every generated record the reference matches, cand matches */
	int exhaustive;      /* 1: every combination enumerated; 0: sampled */
	size_t combinations; /* size of the full product (saturating) */
	size_t records;      /* records generated and evaluated */
	size_t ref_matches;  /* records the reference matches */
	size_t both_matches; /* ... that the candidate matches too */
	char *reason;        /* explanation when !included (not with quick), or NULL */
	char *missed;        /* a record the reference matches and cand misses, or NULL */
	char *both;          /* a record both match, or NULL */
	char *ref;           /* a record the reference matches, or NULL */
} iamw__inclusion;

/* Decide whether cand matches every event that ref matches. With knowledge,
 * records that pair a known eventName with a source it never has are skipped
 * as impossible, and every source a named event is known under is tried.
 * With quick != 0 the test stops at the first counterexample and writes no
 * reason. Returns IAMW_OK or a negative status; out is always initialised
 * and freed with iamw__inclusion_free. */
int iamw__inclusion_check(const iamw_knowledge *knowledge, const iamw_pattern *ref,
                          const iamw_pattern *cand, iamw_match *m, int quick, iamw__inclusion *out);
void iamw__inclusion_free(iamw__inclusion *r);

#endif /* IAMW_ANALYSIS_INCLUSION_H */
