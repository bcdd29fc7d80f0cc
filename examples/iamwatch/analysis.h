/* SPDX-License-Identifier: MIT */
/*
 * analysis.h - pieces shared by `iamwatch lint` and `iamwatch check`: the
 * knowledge files as lookup sets, the conditions of a compiled pattern as an
 * owned list, a handful of typical CloudTrail records built from scratch, and
 * the corpus-based inclusion test "every event the reference pattern matches
 * is matched by the candidate" (docs/lint-check.md explains the method and its
 * limits). Everything here goes through the public libiamwatch API; no
 * matching logic is re-implemented.
 */
#ifndef IAMWATCH_ANALYSIS_H
#define IAMWATCH_ANALYSIS_H

#include <stddef.h>

#include "iamwatch.h"

/* ------------------------------------------------------------ string sets */

typedef struct strset {
	char **v;
	size_t n, cap;
	int sorted;
} strset;

int strset_add(strset *s, const char *str, size_t len);
void strset_sort(strset *s); /* sorts and removes duplicates */
int strset_has(const strset *s, const char *str);
void strset_free(strset *s);

typedef struct knowledge {
	strset names;         /* every known eventName (any service) */
	strset iam_names;     /* iam-mutating.txt + iam-readonly.txt */
	strset sources;       /* event-sources.txt */
	strset absent;        /* often-absent-fields.txt paths ("errorCode", "a.b") */
	strset absent_prefix; /* "X" for each "X.*" line */
	strset pairs;         /* "eventSource eventName" pairs (event-names.txt, IAM lists) */
	strset pair_names;    /* every eventName that appears in some pair */
} knowledge;

/* Load the embedded knowledge files. Returns 0 or -1 (a file is missing). */
int knowledge_load(knowledge *k);
void knowledge_free(knowledge *k);
/* 1 if "$.path" names a field CloudTrail often omits. */
int knowledge_often_absent(const knowledge *k, const char *selector);
/* 1 if "$.path" is a field every CloudTrail record has (eventName, ...). */
int field_always_present(const char *selector);

/* ------------------------------------------------------------- conditions */

typedef struct cond {
	char *field;       /* "$.a.b", delimited field name, or NULL for terms */
	iamw_condition_op op;
	iamw_value_kind kind;
	char *value;       /* without wildcard stars (see conds_collect) */
	int lw, tw;        /* leading / trailing wildcard */
	size_t offset, length;
	unsigned depth;
} cond;

typedef struct cond_list {
	cond *v;
	size_t n, cap;
} cond_list;

/* Copy the conditions of a pattern (iamw_pattern_foreach_condition). */
int conds_collect(const iamw_pattern *p, cond_list *out);
void conds_free(cond_list *l);

/* Locate the value of a JSON / delimited condition inside the pattern
 * source: *voff and *vlen give the value as written (quotes included), *quoted
 * whether it starts with a double quote. Returns 0, or -1 when not found. */
int cond_value_span(const char *src, const cond *c, size_t *voff, size_t *vlen, int *quoted);

/* --------------------------------------------------------- typical events */

/* A few CloudTrail records of the most common kinds, built from scratch
 * (no corpus needed): read-only EC2 Describe, successful ConsoleLogin, S3
 * GetObject data event, IAM ListUsers, STS AssumeRole by a service, KMS
 * Decrypt. */
size_t typical_record_count(void);
const char *typical_record(size_t i, const char **label);

/* How many typical records the pattern matches (<0: error). */
int typical_matches(const iamw_pattern *p, iamw_match *m, size_t *matched);

/* ------------------------------------------------------------- inclusion */

typedef struct inclusion {
	int included;          /* every generated record the reference matches, cand matches */
	int exhaustive;        /* 1: every combination enumerated; 0: sampled */
	size_t combinations;   /* size of the full product (saturating) */
	size_t records;        /* records generated and evaluated */
	size_t ref_matches;    /* records the reference matches */
	size_t both_matches;   /* ... that the candidate matches too */
	char *reason;          /* malloc'ed explanation when !included (witnesses), or NULL */
} inclusion;

/* Decide (over a generated corpus) whether cand matches every event that ref
 * matches. With quick != 0 the test stops at the first counterexample and
 * writes no reason. Returns 0 or a negative iamw_status. */
int inclusion_check(const iamw_pattern *ref, const iamw_pattern *cand, iamw_match *m, int quick,
                    inclusion *out);
void inclusion_free(inclusion *r);

/* With knowledge set, generated records that combine a known eventName with
 * an eventSource it never has (e.g. iam.amazonaws.com CreateSecurityGroup)
 * are skipped as impossible. NULL (the default) keeps every combination. */
void inclusion_set_knowledge(const knowledge *k);

/* ------------------------------------------------------------ small utils */

/* Levenshtein distance, capped at cap+1. */
size_t edit_distance(const char *a, const char *b, size_t cap);

/* A growable string. */
typedef struct sbuf {
	char *s;
	size_t n, cap;
} sbuf;
void sb_add(sbuf *b, const char *s, size_t n);
void sb_printf(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
char *sb_take(sbuf *b); /* never NULL */

/* strdup that returns NULL on failure (program code: plain malloc). */
char *xstrdup(const char *s);

#endif
