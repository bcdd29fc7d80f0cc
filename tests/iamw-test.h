/* SPDX-License-Identifier: MIT */
/*
 * iamw-test.h - helpers shared by the Check test programs: a main() that runs
 * one suite and returns its verdict, and assertion helpers for iamw calls.
 */
#ifndef IAMW_TEST_H
#define IAMW_TEST_H

#include <check.h>
#include <stdlib.h>

#include "iamwatch.h"

/* The message of an optional error struct (a function, so that passing
 * &err does not trip -Waddress). */
static inline const char *iamw_test_errtext(const iamw_error *err)
{
	return err ? err->text : "";
}

#define ck_assert_iamw_ok(expr, errp)                                                              \
	do {                                                                                       \
		int rc_ = (expr);                                                                  \
		ck_assert_msg(rc_ == IAMW_OK, "%s failed: %s (%s)", #expr, iamw_strerror(rc_),    \
		              iamw_test_errtext(errp));                                            \
	} while (0)

#define IAMW_TEST_MAIN(suite_fn)                                                                   \
	int main(void)                                                                             \
	{                                                                                          \
		SRunner *sr = srunner_create(suite_fn());                                          \
		srunner_run_all(sr, CK_NORMAL);                                                    \
		int failed = srunner_ntests_failed(sr);                                            \
		srunner_free(sr);                                                                  \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                       \
	}

#endif
