/* SPDX-License-Identifier: MIT */
/*
 * iamw-same-values.h - do two match objects hold the same extracted values?
 * Shared by the differential tests and the fuzz-match target (public API
 * only, no test framework).
 */
#ifndef IAMW_SAME_VALUES_H
#define IAMW_SAME_VALUES_H

#include <string.h>

#include "iamwatch.h"

/* 1 when a and b hold the same names and values, in the same order. */
static inline int iamw_test_same_values(const iamw_match *a, const iamw_match *b)
{
	size_t n = iamw_match_value_count(a);
	if (n != iamw_match_value_count(b))
		return 0;
	for (size_t i = 0; i < n; i++) {
		const char *na, *va, *nb, *vb;
		size_t la, lb;
		if (iamw_match_value(a, i, &na, &va, &la) != 1 ||
		    iamw_match_value(b, i, &nb, &vb, &lb) != 1)
			return 0;
		if (strcmp(na, nb) != 0 || la != lb || memcmp(va, vb, la) != 0)
			return 0;
	}
	return 1;
}

#endif
