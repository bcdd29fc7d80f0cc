/* SPDX-License-Identifier: MIT */
/*
 * records.h - CloudTrail records made from scratch: a plain base record, and
 * setting or deleting the value a compiled selector names in a record
 * (building the objects and arrays on the way), so that the analyses can
 * generate the records a pattern distinguishes.
 */
#ifndef IAMW_ANALYSIS_RECORDS_H
#define IAMW_ANALYSIS_RECORDS_H

#include <cjson/cJSON.h>

#include "lang/ast.h"

/* A new copy of the base record (an IAM user's write call to a made-up
 * service); NULL when out of memory. The caller frees it with cJSON_Delete. */
cJSON *iamw__record_base(void);

/* Put value at sel in root, creating the objects and arrays on the way, or
 * delete what sel names when value is NULL. A "*" step is given one concrete
 * member ("iamwAny" / index 0). Takes ownership of value either way. Returns
 * IAMW_OK or IAMW_ENOMEM. */
int iamw__record_put(cJSON *root, const iamw__selector *sel, cJSON *value);

/* The record as compact JSON text in library memory (iamw__free), or NULL
 * when out of memory. */
char *iamw__record_text(const cJSON *record);

#endif /* IAMW_ANALYSIS_RECORDS_H */
