/* SPDX-License-Identifier: MIT */
/*
 * strset.h - a growable list of owned strings that can be sorted into a set
 * and searched by binary search: the knowledge lists, and the reasons and
 * notes of coverage results.
 */
#ifndef IAMW_ANALYSIS_STRSET_H
#define IAMW_ANALYSIS_STRSET_H

#include <stddef.h>

#include "common/private.h"

typedef struct iamw__strset {
	char **v;
	size_t n, cap;
} iamw__strset;

/* Append a copy of str[0..len). Returns IAMW_OK or IAMW_ENOMEM. */
int iamw__strset_add(iamw__strset *s, const char *str, size_t len);
/* Append a formatted string. Returns IAMW_OK or IAMW_ENOMEM. */
int iamw__strset_addf(iamw__strset *s, const char *fmt, ...) IAMW_PRINTF(2, 3);
/* Append the text of a builder (IAMW_ENOMEM when the builder ran out). */
int iamw__strset_add_buf(iamw__strset *s, const iamw__buf *b);
/* Sort by byte order and drop duplicates; then iamw__strset_has applies. */
void iamw__strset_sort(iamw__strset *s);
/* 1 if a sorted set holds str. */
int iamw__strset_has(const iamw__strset *s, const char *str);
/* 1 if the list holds str (any order; linear). */
int iamw__strset_contains(const iamw__strset *s, const char *str);
/* Free every string and the array; leaves the set empty. */
void iamw__strset_free(iamw__strset *s);

#endif /* IAMW_ANALYSIS_STRSET_H */
