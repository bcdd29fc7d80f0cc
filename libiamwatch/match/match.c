/* SPDX-License-Identifier: MIT */
/*
 * match.c - the public entry points for matching one event: the literal
 * prefilter (prefilter.h) and the projection (projected.h) decide what they
 * can without parsing the event, and eval.c decides the rest on the full
 * event. Results are the same as eval.c alone (docs/performance.md).
 */
#include <string.h>

#include "match/eval.h"
#include "match/prefilter.h"
#include "match/projected.h"

static int run_match(const iamw_pattern *p, const cJSON *tree, int have_tree, const char *raw,
                     size_t raw_len, iamw_match *m)
{
	/* --- prefilter (prefilter.h): raw text without the literals every
	 * match needs cannot match; size limits are still reported first. */
	if (!have_tree && p->prefilter &&
	    raw_len <= (m ? m->max_event : IAMW_DEFAULT_MAX_EVENT_SIZE) &&
	    !iamw__prefilter_may_match(p->prefilter, raw, raw_len)) {
		if (m)
			iamw__match_reset_values(m);
		return 0;
	}
	/* JSON patterns: evaluate the few members the pattern reads first
	 * (projection.h); the full parse is left for what that cannot settle. */
	if (!have_tree && p->projection &&
	    raw_len <= (m ? m->max_event : IAMW_DEFAULT_MAX_EVENT_SIZE)) {
		int d = iamw__projection_decide(p, raw, raw_len);
		/* extraction needs the full tree: a match is confirmed there */
		if (d == 0 || (d == 1 && !(p->flags & IAMW_COMPILE_JSON_EXTRACT))) {
			if (m)
				iamw__match_reset_values(m);
			return d;
		}
	}
	/* --- end prefilter --- */
	iamw_match *tmp = NULL;
	if (!m) {
		/* Only delimited patterns and JSON extraction need scratch space. */
		if (p->kind == IAMW_PATTERN_DELIMITED || (p->flags & IAMW_COMPILE_JSON_EXTRACT)) {
			int rc = iamw_match_new(&tmp);
			if (rc)
				return rc;
		}
		m = tmp;
	}
	if (m) {
		iamw__match_reset_values(m);
		if (raw && raw_len > m->max_event) {
			iamw_match_free(tmp);
			return IAMW_ELIMIT;
		}
	} else if (raw && raw_len > IAMW_DEFAULT_MAX_EVENT_SIZE) {
		return IAMW_ELIMIT;
	}
	int r = iamw__match_evaluate(p, tree, have_tree, raw, raw_len, m);
	if (r != 1 && m)
		iamw__match_reset_values(m);
	iamw_match_free(tmp);
	return r;
}

int iamw_pattern_match_text(const iamw_pattern *p, const char *event, size_t len, iamw_match *m)
{
	if (!p || (!event && len))
		return IAMW_EINVAL;
	if (!event)
		event = "";
	if (len == IAMW_NUL_TERMINATED)
		len = strlen(event);
	return run_match(p, NULL, 0, event, len, m);
}

int iamw_pattern_match_json(const iamw_pattern *p, const cJSON *tree, const char *raw,
                            size_t raw_len, iamw_match *m)
{
	if (!p)
		return IAMW_EINVAL;
	if (raw && raw_len == IAMW_NUL_TERMINATED)
		raw_len = strlen(raw);
	if (!raw) {
		if (p->kind != IAMW_PATTERN_JSON)
			return IAMW_EINVAL;
		raw_len = 0;
	}
	return run_match(p, tree, 1, raw, raw_len, m);
}
