/* SPDX-License-Identifier: MIT */
/*
 * projected.h - deciding patterns on projections (projection.h): "no match"
 * on the projected members is final; a match is final only when the whole
 * event is certain to parse (json_check.h).
 */
#ifndef IAMW_MATCH_PROJECTED_H
#define IAMW_MATCH_PROJECTED_H

#include "match/projection.h"

/* Decide a single compiled JSON pattern on projected text: 0 the event
 * cannot match; 1 it matches (the pattern matches the projection and the
 * whole event is certain to parse, json_check.h); -1 undecided, take the
 * full path. */
int iamw__projection_decide(const iamw_pattern *p, const char *text, size_t len);

/* may[i] (count of them set) says which patterns may match text; clear
 * those the projection proves cannot. buf (cap bytes, at least len + 1 to
 * always succeed) is scratch. extra (may be NULL) receives the extra
 * member's value span, len 0 when absent or not projected. Returns the new
 * count of set entries. */
int iamw__projection_set_refine(const iamw__projection_set *s, const char *text, size_t len,
                                char *buf, size_t cap, uint8_t *may, int count, iamw__pspan *extra);

/* iamw__projection_set_refine, and when every entry still set in may has
 * a projection that matches and the whole event passes json_check.h,
 * *final_tree receives the parsed projection (the caller frees it with
 * cJSON_Delete), whose text is buf[0..*final_len): evaluating those
 * patterns, and selectors inside the projected members, on it gives the
 * same results as on the full event. Otherwise *final_tree is NULL. */
int iamw__projection_set_decide(const iamw__projection_set *s, const char *text, size_t len,
                                char *buf, size_t cap, uint8_t *may, int count, iamw__pspan *extra,
                                cJSON **final_tree, size_t *final_len);

#endif /* IAMW_MATCH_PROJECTED_H */
