/* SPDX-License-Identifier: MIT */
/*
 * knowledge.h - the CloudTrail knowledge lists (packs/knowledge/) as
 * sorted sets behind the public iamw_knowledge handle: known event names,
 * IAM's names, event sources, "eventSource eventName" pairs and the fields
 * CloudTrail often omits. Immutable once built.
 */
#ifndef IAMW_ANALYSIS_KNOWLEDGE_H
#define IAMW_ANALYSIS_KNOWLEDGE_H

#include "analysis/strset.h"

struct iamw_knowledge {
	iamw__strset names;         /* every known eventName (any service) */
	iamw__strset iam_names;     /* iam-mutating.txt + iam-readonly.txt */
	iamw__strset sources;       /* event-sources.txt + the sources of every pair */
	iamw__strset absent;        /* often-absent-fields.txt paths ("errorCode", "a.b") */
	iamw__strset absent_prefix; /* "X" for each "X.*" line */
	iamw__strset pairs;         /* "eventSource eventName" (event-names.txt, IAM lists) */
	iamw__strset pair_names;    /* every eventName that appears in some pair */
};

/* 1 if the selector "$.path" names a field CloudTrail often omits (an exact
 * line, or below an "X.*" line). */
int iamw__knowledge_often_absent(const iamw_knowledge *k, const char *selector);

/* 1 if "$.path" is a field every CloudTrail record has (eventName, ...). */
int iamw__field_always_present(const char *selector);

/* 1 if event_name is known with some event source (then a combination with
 * any other source is not a real record). */
int iamw__knowledge_name_paired(const iamw_knowledge *k, const char *event_name);

/* 1 if the pair is known. */
int iamw__knowledge_pair_known(const iamw_knowledge *k, const char *event_source,
                               const char *event_name);

/* The sources known for event_name: calls fn for each (in sorted order);
 * a nonzero return stops and is returned. */
int iamw__knowledge_sources_of(const iamw_knowledge *k, const char *event_name,
                               int (*fn)(const char *source, size_t len, void *payload),
                               void *payload);

#endif /* IAMW_ANALYSIS_KNOWLEDGE_H */
