/* SPDX-License-Identifier: MIT */
/*
 * record_count.c - a ready-made record callback (iamwatch/records.h) that
 * matches each decoded CloudTrail record against a pattern and counts, so
 * that a binding can count the matching records of a file with one call
 * into C per block, as it does the matching lines of NDJSON with
 * iamw_pattern_scan_lines(). It knows records only as the header's struct:
 * decoding is the formats layer's business, matching this layer's.
 */
#include "common/private.h"

int iamw_pattern_count_record(const iamw_record *rec, void *counter)
{
	iamw_record_matches *c = counter;
	if (!rec || !c || !c->pattern)
		return IAMW_EINVAL;
	c->records++;
	int rc = iamw_pattern_match_text(c->pattern, rec->json, rec->len, c->match);
	if (rc == IAMW_ELIMIT) {
		c->too_large++;
		return 0;
	}
	if (rc < 0)
		return rc;
	c->matched += (uint64_t)rc;
	return 0;
}
