/* SPDX-License-Identifier: MIT */
/*
 * records.c - generated CloudTrail records (records.h). Paths come from
 * selectors the parser compiled, so that a record is built along exactly the
 * steps the matcher will follow.
 */
#include <string.h>

#include "analysis/records.h"

/* The record every generated record starts from: fields no pattern
 * constrains keep these values. */
static const char base_record[] =
    "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"IAMUser\",\"principalId\":"
    "\"AIDAEXAMPLE\",\"arn\":\"arn:aws:iam::123456789012:user/alice\",\"accountId\":"
    "\"123456789012\",\"accessKeyId\":\"AKIAEXAMPLE\",\"userName\":\"alice\"},\"eventTime\":"
    "\"2024-05-01T10:00:00Z\",\"eventSource\":\"iamw-service.amazonaws.com\",\"eventName\":"
    "\"IamwOperation\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"198.51.100.7\","
    "\"userAgent\":\"aws-cli/2.15.0\",\"requestParameters\":null,\"responseElements\":null,"
    "\"requestID\":\"r-1\",\"eventID\":\"e-1\",\"readOnly\":false,\"eventType\":\"AwsApiCall\","
    "\"managementEvent\":true,\"recipientAccountId\":\"123456789012\",\"eventCategory\":"
    "\"Management\"}";

/* Generated array indexes stop here: the records stay small whatever index
 * a pattern names. */
#define MAX_INDEX 64

cJSON *iamw__record_base(void)
{
	return cJSON_Parse(base_record);
}

/* A step as a member name or an array index. */
static const char *step_name(const iamw__step *st)
{
	return st->kind == IAMW__STEP_ANY_FIELD ? "iamwAny" : st->name;
}

static int step_is_index(const iamw__step *st)
{
	return st->kind == IAMW__STEP_INDEX || st->kind == IAMW__STEP_ANY_ELEMENT;
}

static int step_index(const iamw__step *st)
{
	if (st->kind == IAMW__STEP_ANY_ELEMENT)
		return 0;
	return st->index > MAX_INDEX ? MAX_INDEX : (int)st->index;
}

static cJSON *child_of(cJSON *node, const iamw__step *st)
{
	if (step_is_index(st))
		return cJSON_IsArray(node) ? cJSON_GetArrayItem(node, step_index(st)) : NULL;
	return cJSON_IsObject(node) ? cJSON_GetObjectItemCaseSensitive(node, step_name(st)) : NULL;
}

/* Set node's member / element for st to item (ownership taken). */
static int put_child(cJSON *node, const iamw__step *st, cJSON *item)
{
	if (!item)
		return IAMW_ENOMEM;
	if (step_is_index(st)) {
		int at = step_index(st);
		while (cJSON_GetArraySize(node) < at) {
			cJSON *pad = cJSON_CreateNull();
			if (!pad || !cJSON_AddItemToArray(node, pad)) {
				cJSON_Delete(pad);
				cJSON_Delete(item);
				return IAMW_ENOMEM;
			}
		}
		if (cJSON_GetArraySize(node) > at) {
			if (!cJSON_ReplaceItemInArray(node, at, item)) {
				cJSON_Delete(item);
				return IAMW_ENOMEM;
			}
			return IAMW_OK;
		}
		if (!cJSON_AddItemToArray(node, item)) {
			cJSON_Delete(item);
			return IAMW_ENOMEM;
		}
		return IAMW_OK;
	}
	const char *name = step_name(st);
	cJSON_bool ok = cJSON_GetObjectItemCaseSensitive(node, name)
	                    ? cJSON_ReplaceItemInObjectCaseSensitive(node, name, item)
	                    : cJSON_AddItemToObject(node, name, item);
	if (!ok) {
		cJSON_Delete(item);
		return IAMW_ENOMEM;
	}
	return IAMW_OK;
}

int iamw__record_put(cJSON *root, const iamw__selector *sel, cJSON *value)
{
	if (!sel || !sel->n_steps) {
		cJSON_Delete(value);
		return IAMW_OK;
	}
	cJSON *node = root;
	for (size_t i = 0; i + 1 < sel->n_steps; i++) {
		const iamw__step *st = &sel->steps[i];
		cJSON *c = child_of(node, st);
		int want_array = step_is_index(&sel->steps[i + 1]);
		if (!c || (want_array ? !cJSON_IsArray(c) : !cJSON_IsObject(c))) {
			if (!value)
				return IAMW_OK; /* nothing to delete */
			c = want_array ? cJSON_CreateArray() : cJSON_CreateObject();
			int rc = put_child(node, st, c);
			if (rc) {
				cJSON_Delete(value);
				return rc;
			}
		}
		node = c;
	}
	const iamw__step *last = &sel->steps[sel->n_steps - 1];
	if (!value) {
		if (step_is_index(last)) {
			if (cJSON_IsArray(node) && cJSON_GetArraySize(node) > step_index(last))
				cJSON_DeleteItemFromArray(node, step_index(last));
		} else if (cJSON_IsObject(node)) {
			cJSON_DeleteItemFromObjectCaseSensitive(node, step_name(last));
		}
		return IAMW_OK;
	}
	return put_child(node, last, value);
}

char *iamw__record_text(const cJSON *record)
{
	char *t = cJSON_PrintUnformatted(record);
	if (!t)
		return NULL;
	char *copy = iamw__strndup(t, strlen(t));
	cJSON_free(t);
	return copy;
}
