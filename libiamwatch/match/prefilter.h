/* SPDX-License-Identifier: MIT */
/*
 * prefilter.h - required-literal prefilter (docs/performance.md).
 *
 * At compile time a pattern is reduced to byte strings that every matching
 * event must contain, as a conjunction of clauses, each clause a disjunction
 * of literals (CNF). At match time an event whose raw text does not satisfy
 * the CNF cannot match and is refused without parsing it.
 *
 * Soundness rules (see prefilter.c for the derivation):
 *  - a literal is only ever taken from text that has to appear verbatim in
 *    the event: term text and regex literals over the raw event, delimited
 *    field values (raw substrings), JSON string values and key names after
 *    removing every byte that JSON must escape (", \, control bytes);
 *  - JSON patterns additionally bypass the prefilter ("may match") when the
 *    event contains "\u" anywhere, or "\/" while some literal contains '/',
 *    since such escapes can hide a literal's bytes;
 *  - numeric values contribute nothing (400 also equals 400.0 and 4E2).
 */
#ifndef IAMW_PREFILTER_H
#define IAMW_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "iamwatch.h"
#include "common/private.h"

typedef struct iamw__prefilter iamw__prefilter;
typedef struct iamw__prefilter_set iamw__prefilter_set;

/* Derive the prefilter of a parsed pattern. *out is NULL (and IAMW_OK is
 * returned) when the pattern yields no usable literal: it always "may match".
 * Returns IAMW_OK or IAMW_ENOMEM. */
int iamw__prefilter_build(iamw__prefilter **out, const iamw_pattern *p);
void iamw__prefilter_free(iamw__prefilter *pf);

/* 1: the event may match (run the full matcher); 0: it cannot match.
 * pf NULL means "may match". */
int iamw__prefilter_may_match(const iamw__prefilter *pf, const char *text, size_t len);

/* Debug rendering of a prefilter, e.g.
 *   json (and (or "iam.amazonaws.com") (or "Create" "Delete") (or "\"eventName\""))
 * or "none" for NULL. Clauses appear in evaluation order. */
void iamw__prefilter_describe(const iamw__prefilter *pf, iamw__buf *b);

/* The prefilter a compiled pattern carries (NULL: none, or compiled with
 * IAMW_COMPILE_NO_PREFILTER). */
const iamw__prefilter *iamw__pattern_prefilter(const iamw_pattern *p);

/*
 * Multi-pattern prefilter for the engine: one Aho-Corasick pass over the
 * event finds every literal of every pattern (and the JSON escapes that
 * defeat them); each pattern's CNF is then evaluated on the found set.
 * patterns[i] may be NULL; NULL patterns and patterns without a prefilter
 * always "may match". The set borrows nothing from the
 * patterns after build (literals are copied); it is immutable and may be
 * scanned from many threads at once.
 */
int iamw__prefilter_set_build(iamw__prefilter_set **out, const iamw_pattern *const *patterns,
                              size_t n);
void iamw__prefilter_set_free(iamw__prefilter_set *s);
/* Fills may_match[0..n) with 1 (may match) / 0 (cannot match) and returns
 * the number of 1s. */
int iamw__prefilter_set_scan(const iamw__prefilter_set *s, const char *text, size_t len,
                             uint8_t *may_match);
size_t iamw__prefilter_set_count(const iamw__prefilter_set *s);

#endif /* IAMW_PREFILTER_H */
