/* SPDX-License-Identifier: MIT */
/*
 * json_parse.c - cJSON parsing that tells a syntax error from running out
 * of memory. cJSON returns NULL for both; the library must answer
 * IAMW_ENOMEM for the second, never "invalid JSON". The strict,
 * allocation-free check (json_check.h) never accepts what cJSON refuses, so
 * when it accepts text cJSON failed on, the failure was an allocation.
 */
#include <string.h>

#include "common/json_check.h"
#include "common/json_parse.h"

int iamw__json_parse(const char *text, size_t len, cJSON **out, size_t *error_offset)
{
	const char *end = NULL;
	*out = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (*out)
		return IAMW_OK;
	if (error_offset)
		*error_offset = end && end >= text ? (size_t)(end - text) : 0;
	return iamw__json_check_value(text, len) ? IAMW_ENOMEM : IAMW_EJSON;
}
