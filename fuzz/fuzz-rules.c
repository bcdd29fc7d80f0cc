/* SPDX-License-Identifier: MIT */
/*
 * fuzz-rules.c - libFuzzer target: rules files (rules documents,
 * CloudFormation JSON, `terraform show -json`) through the public API.
 *
 * Checks (abort() on violation): normalising and loading either fail with a
 * status, a message and a NULL output, or succeed; a failed load leaves the
 * engine's definitions as they were (all or nothing); a successful load
 * survives an ingest, an advance and a save/restore round trip that gives
 * identical bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamwatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz-rules: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char *norm = (char *)1;
	size_t norm_len = 0;
	iamw_error err;
	int rc = iamw_rules_normalize(text, size, NULL, NULL, &norm, &norm_len, &err);
	if (rc != IAMW_OK) {
		if (norm != NULL || err.code != rc || !err.text[0])
			fail("normalize failure contract");
	} else {
		iamw_free(norm);
	}
	iamw_engine *e;
	if (iamw_engine_new(&e, NULL) != IAMW_OK)
		return 0;
	size_t nf = iamw_engine_filter_count(e), na = iamw_engine_alarm_count(e);
	rc = iamw_engine_load_rules(e, text, size, &err);
	if (rc != IAMW_OK) {
		if (err.code != rc || !err.text[0] || iamw_engine_filter_count(e) != nf ||
		    iamw_engine_alarm_count(e) != na || iamw_engine_composite_count(e) != 0)
			fail("load failure contract");
		iamw_engine_free(e);
		return 0;
	}
	static const char ev[] = "{\"eventTime\":\"2023-07-10T11:54:39Z\",\"eventSource\":"
	                         "\"iam.amazonaws.com\",\"eventName\":\"CreateUser\",\"errorCode\":"
	                         "\"AccessDenied\"}";
	iamw_engine_ingest_text(e, ev, sizeof ev - 1, IAMW_NO_TIME);
	iamw_engine_advance(e, 1688989979000);
	iamw_engine_advance(e, 1688990400000);
	char *s1, *s2;
	size_t l1, l2;
	if (iamw_engine_save_state(e, &s1, &l1) != IAMW_OK)
		fail("save");
	iamw_engine *f;
	if (iamw_engine_new(&f, NULL) != IAMW_OK || iamw_engine_load_rules(f, text, size, NULL) != IAMW_OK)
		fail("reload");
	if (iamw_engine_restore_state(f, s1, l1, &err) != IAMW_OK)
		fail("restore of a saved state");
	if (iamw_engine_save_state(f, &s2, &l2) != IAMW_OK || l1 != l2 || memcmp(s1, s2, l1) != 0)
		fail("save -> restore -> save differs");
	iamw_free(s1);
	iamw_free(s2);
	iamw_engine_free(f);
	iamw_engine_free(e);
	return 0;
}
