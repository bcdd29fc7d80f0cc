/* SPDX-License-Identifier: MIT */
/*
 * json_parse.h - cJSON parsing with out-of-memory told apart from bad
 * syntax (json_parse.c).
 */
#ifndef IAMW_COMMON_JSON_PARSE_H
#define IAMW_COMMON_JSON_PARSE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "iamwatch.h"

/* Parse text[0..len) (trailing text after the value is ignored, as
 * cJSON_ParseWithLengthOpts does). IAMW_OK with *out (free with
 * cJSON_Delete); IAMW_EJSON when the text is not JSON (*error_offset, which
 * may be NULL, receives where cJSON stopped); IAMW_ENOMEM when an
 * allocation failed. */
int iamw__json_parse(const char *text, size_t len, cJSON **out, size_t *error_offset);

#endif /* IAMW_COMMON_JSON_PARSE_H */
