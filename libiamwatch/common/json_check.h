/* SPDX-License-Identifier: MIT */
/*
 * json_check.h - allocation-free check that an event is a JSON object the
 * full path (iamw__parse_event_json, i.e. cJSON) is certain to accept.
 *
 * The check is stricter than cJSON, never looser: RFC 8259 grammar with
 * whitespace limited to space, tab, CR and LF; no control bytes inside
 * strings; \u escapes with four hex digits and properly paired surrogates;
 * numbers of at most 63 characters (upstream cJSON 1.7 reads at most 63); nesting of at
 * most IAMW__JSON_CHECK_MAX_DEPTH containers (cJSON allows 1000). Text it
 * refuses may still be accepted by cJSON: the caller then parses it.
 */
#ifndef IAMW_JSON_CHECK_H
#define IAMW_JSON_CHECK_H

#include <stddef.h>

#define IAMW__JSON_CHECK_MAX_DEPTH 512

/* 1 when text[0..len), without leading and trailing spaces, tabs, CRs and
 * LFs, is exactly one strict JSON object; 0 otherwise. */
int iamw__json_check_object(const char *text, size_t len);
/* The same for any one JSON value (object, array, string, number, literal). */
int iamw__json_check_value(const char *text, size_t len);

#endif /* IAMW_JSON_CHECK_H */
