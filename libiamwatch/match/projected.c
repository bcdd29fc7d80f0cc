/* SPDX-License-Identifier: MIT */
/*
 * projected.c - patterns decided on projections (projection.h): evaluate a
 * pattern on the projected members, take "no match" as final, and let a
 * match stand only when the strict check (json_check.h) shows that cJSON
 * accepts the whole event, so that the result equals the full evaluation's.
 */
#include <string.h>

#include "common/json_check.h"
#include "match/eval.h"
#include "match/projected.h"

/* Longest projection the single-pattern path builds on its stack. */
#define PROJ_STACK_BYTES 4096

int iamw__projection_decide(const iamw_pattern *p, const char *text, size_t len)
{
	const iamw__projection *pr = p->projection;
	if (!pr)
		return -1;
	char buf[PROJ_STACK_BYTES];
	size_t n;
	if (!iamw__project(text, len, pr->names, pr->n, buf, sizeof buf, &n, NULL))
		return -1;
	cJSON *tree = iamw__parse_event_json(buf, n);
	if (!tree)
		return -1;
	int r = iamw__json_eval(p, tree, buf, n);
	cJSON_Delete(tree);
	if (r == 0)
		return 0;
	/* A match stands when the full parse is certain to succeed. */
	return r == 1 && iamw__json_check_object(text, len) ? 1 : -1;
}

int iamw__projection_set_decide(const iamw__projection_set *s, const char *text, size_t len,
                                char *buf, size_t cap, uint8_t *may, int count, iamw__pspan *extra,
                                cJSON **final_tree, size_t *final_len)
{
	iamw__pspan spans[IAMW__PROJECTION_MAX_NAMES];
	if (extra)
		*extra = (iamw__pspan){0, 0};
	if (final_tree)
		*final_tree = NULL;
	/* only the members the remaining candidates read, and the extra */
	uint64_t want = 0;
	int all_projected = 1;
	for (size_t i = 0; i < s->n_patterns; i++) {
		if (may[i]) {
			want |= s->masks[i];
			all_projected &= s->patterns[i] != NULL;
		}
	}
	if (!want)
		return count;
	if (s->extra_index >= 0)
		want |= (uint64_t)1 << s->extra_index;
	size_t n;
	if (!iamw__project_masked(text, len, s->names, s->n_names, want, buf, cap, &n, spans))
		return count;
	if (extra && s->extra_index >= 0)
		*extra = spans[s->extra_index];
	cJSON *tree = NULL;
	for (size_t i = 0; i < s->n_patterns && count > 0; i++) {
		if (!may[i] || !s->patterns[i])
			continue;
		if (!tree) {
			tree = iamw__parse_event_json(buf, n);
			if (!tree)
				return count;
		}
		int r = iamw__json_eval(s->patterns[i], tree, buf, n);
		if (r == 0) {
			may[i] = 0;
			count--;
		} else if (r < 0) {
			all_projected = 0; /* let the full path report it */
		}
	}
	/* Every remaining candidate matches its members, and the full parse
	 * is certain to succeed: the projection is as good as the event. */
	if (final_tree && tree && count > 0 && all_projected &&
	    iamw__json_check_object(text, len)) {
		*final_tree = tree;
		*final_len = n;
		return count;
	}
	cJSON_Delete(tree);
	return count;
}

int iamw__projection_set_refine(const iamw__projection_set *s, const char *text, size_t len,
                                char *buf, size_t cap, uint8_t *may, int count, iamw__pspan *extra)
{
	return iamw__projection_set_decide(s, text, len, buf, cap, may, count, extra, NULL, NULL);
}
