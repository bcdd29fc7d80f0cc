/* SPDX-License-Identifier: MIT */
/*
 * fuzz-match.c - libFuzzer target: compile a pattern and match an event
 * (public API only).
 *
 * Input layout: byte 0 = flags, then "<pattern>\n<event>" (split at the first
 * '\n'; without one the event is empty).
 *   flags bit 0  compile with IAMW_COMPILE_JSON_EXTRACT
 *   flags bit 1  lower the match object's max event size to 64 bytes
 *   flags bit 2  also match with a NULL match object and compare
 *   flags bit 3  for JSON patterns, also call match_json with raw == NULL
 *
 * Checks (abort() on violation):
 *  - results are 1, 0 or a negative status; nothing crashes or leaks;
 *  - extracted values are consistent: iamw_match_value() for i < count gives
 *    a NUL-terminated value of the reported length, and iamw_match_get() by
 *    that name finds a value; nothing is extracted after a non-match;
 *  - match_text() with and without a match object agree (bit 2);
 *  - when the whole event text parses as one cJSON object (first byte '{',
 *    parse ends exactly at the last byte), iamw_pattern_match_json(tree, raw
 *    = the event) gives the same result and the same extracted values as
 *    iamw_pattern_match_text(). Any parsed tree (also one followed by
 *    trailing bytes) is passed to match_json without such a check;
 *  - the literal prefilter and the projection (docs/performance.md) change
 *    nothing: the pattern compiled again with IAMW_COMPILE_NO_PREFILTER
 *    (plus the same other flags) gives the same match_text() result and the
 *    same extracted values, with a match object of the same size limit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "iamwatch.h"
#include "../tests/iamw-same-values.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *pat, size_t plen, const char *ev, size_t elen,
                 int a, int b)
{
	fprintf(stderr, "fuzz-match: %s (%d vs %d)\n  pattern [%.*s]\n  event   [%.*s]\n", what, a,
	        b, (int)plen, pat, (int)elen, ev);
	abort();
}

static void check_rc(int rc)
{
	if (rc != 0 && rc != 1 && (rc > 0 || strcmp(iamw_status_name(rc), "EUNKNOWN") == 0)) {
		fprintf(stderr, "fuzz-match: unexpected result %d\n", rc);
		abort();
	}
}

/* Validate the extracted values of m after a match that returned rc. */
static void check_values(const iamw_match *m, int rc)
{
	size_t n = iamw_match_value_count(m);
	if (rc != 1 && n != 0) {
		fprintf(stderr, "fuzz-match: %zu values left after result %d\n", n, rc);
		abort();
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = NULL, *value = NULL;
		size_t len = (size_t)-1;
		if (iamw_match_value(m, i, &name, &value, &len) != 1 || !name || !value ||
		    value[len] != '\0') {
			fprintf(stderr, "fuzz-match: value %zu of %zu unusable\n", i, n);
			abort();
		}
		const char *v2 = NULL;
		size_t l2 = 0;
		if (iamw_match_get(m, name, &v2, &l2) != 1 || !v2) {
			fprintf(stderr, "fuzz-match: value %s not found by name\n", name);
			abort();
		}
	}
	const char *name, *value;
	size_t len;
	if (iamw_match_value(m, n, &name, &value, &len) != 0) {
		fprintf(stderr, "fuzz-match: value index %zu (== count) found\n", n);
		abort();
	}
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0];
	data++;
	size--;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t plen = nl ? (size_t)(nl - data) : size;
	size_t elen = nl ? size - plen - 1 : 0;

	/* Exact-size heap copies so that ASan sees any read past either end. */
	char *pat = malloc(plen ? plen : 1);
	char *ev = malloc(elen ? elen : 1);
	char *ev_z = malloc(elen + 1); /* NUL-terminated copy for cJSON only */
	if (!pat || !ev || !ev_z)
		goto out;
	if (plen)
		memcpy(pat, data, plen);
	if (elen) {
		memcpy(ev, nl + 1, elen);
		memcpy(ev_z, nl + 1, elen);
	}
	ev_z[elen] = '\0';

	iamw_pattern *p = NULL;
	iamw_error err;
	uint32_t cflags = (flags & 1) ? IAMW_COMPILE_JSON_EXTRACT : 0;
	if (iamw_pattern_compile(&p, pat, plen, cflags, &err) != IAMW_OK)
		goto out;

	iamw_pattern *p_off = NULL; /* the same without prefilter and projection */
	iamw_match *m1 = NULL, *m2 = NULL, *m3 = NULL;
	if (iamw_pattern_compile(&p_off, pat, plen, cflags | IAMW_COMPILE_NO_PREFILTER, &err) !=
	    IAMW_OK)
		fail("compiles only with the prefilter", pat, plen, ev, elen, IAMW_OK, err.code);
	if (iamw_match_new(&m1) != IAMW_OK || iamw_match_new(&m2) != IAMW_OK ||
	    iamw_match_new(&m3) != IAMW_OK)
		goto out_match;
	if (flags & 2) {
		iamw_match_set_max_event_size(m1, 64);
		iamw_match_set_max_event_size(m2, 64);
		iamw_match_set_max_event_size(m3, 64);
	}

	int rt = iamw_pattern_match_text(p, ev, elen, m1);
	check_rc(rt);
	check_values(m1, rt);

	int ro = iamw_pattern_match_text(p_off, ev, elen, m3);
	check_rc(ro);
	check_values(m3, ro);
	if (ro != rt)
		fail("match_text with and without IAMW_COMPILE_NO_PREFILTER differ", pat, plen, ev,
		     elen, rt, ro);
	if (!iamw_test_same_values(m1, m3))
		fail("IAMW_COMPILE_NO_PREFILTER extracts different values", pat, plen, ev, elen, rt,
		     ro);

	if ((flags & 4) && !(flags & 2)) {
		int rn = iamw_pattern_match_text(p, ev, elen, NULL);
		if (rn != rt)
			fail("match_text with and without a match object differ", pat, plen, ev, elen, rt,
			     rn);
	}

	const char *end = NULL;
	cJSON *tree = cJSON_ParseWithLengthOpts(ev_z, elen, &end, 0);
	if (tree) {
		int exact = elen > 0 && ev_z[0] == '{' && cJSON_IsObject(tree) && end == ev_z + elen;
		int rj = iamw_pattern_match_json(p, tree, ev, elen, m2);
		check_rc(rj);
		check_values(m2, rj);
		if (exact) {
			if (rj != rt)
				fail("match_text and match_json differ", pat, plen, ev, elen, rt, rj);
			if (!iamw_test_same_values(m1, m2))
				fail("match_text and match_json extract different values", pat, plen, ev,
				     elen, rt, rj);
		}
		if ((flags & 8) && iamw_pattern_kind_of(p) == IAMW_PATTERN_JSON) {
			int r0 = iamw_pattern_match_json(p, tree, NULL, 0, m2);
			check_rc(r0);
			check_values(m2, r0);
		}
		cJSON_Delete(tree);
	}
	/* A NULL tree means "not JSON": never a JSON match. */
	int rnull = iamw_pattern_match_json(p, NULL, ev, elen, m2);
	check_rc(rnull);
	check_values(m2, rnull);
	if (iamw_pattern_kind_of(p) == IAMW_PATTERN_JSON && rnull == 1)
		fail("JSON pattern matched a NULL tree", pat, plen, ev, elen, rnull, 0);

out_match:
	iamw_match_free(m1);
	iamw_match_free(m2);
	iamw_match_free(m3);
	iamw_pattern_free(p);
	iamw_pattern_free(p_off);
out:
	free(pat);
	free(ev);
	free(ev_z);
	return 0;
}
