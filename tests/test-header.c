/* SPDX-License-Identifier: MIT */
/* test-header.c - compile-only check: iamwatch.h stands alone under -std=c99 -pedantic. */
#include "iamwatch.h"

int main(void)
{
	return iamw_pattern_kind_of((const iamw_pattern *)0) == IAMW_PATTERN_TERMS ? 0 : 1;
}
