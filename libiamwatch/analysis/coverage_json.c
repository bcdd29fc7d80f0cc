/* SPDX-License-Identifier: MIT */
/*
 * coverage_json.c - the result of a coverage run as the JSON document that
 * `iamwatch check --json` prints (include/iamwatch/coverage.h).
 */
#include <string.h>

#include "analysis/coverage.h"

static cJSON *string_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* Add item under key (to an array: append), taking ownership; 0 when out
 * of memory. */
static int put(cJSON *obj, const char *key, cJSON *item)
{
	if (item && (cJSON_IsArray(obj) ? cJSON_AddItemToArray(obj, item)
	                                : cJSON_AddItemToObject(obj, key, item)))
		return 1;
	cJSON_Delete(item);
	return 0;
}

static cJSON *strings(const char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < n; i++)
		if (!put(a, "", cJSON_CreateString(v[i]))) {
			cJSON_Delete(a);
			return NULL;
		}
	return a;
}

static cJSON *control_json(const iamw_coverage_control *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *method = o ? cJSON_AddObjectToObject(o, "method") : NULL;
	int ok = method && put(o, "id", cJSON_CreateString(r->id)) &&
	         put(o, "title", cJSON_CreateString(r->title)) &&
	         put(o, "status", cJSON_CreateString(iamw_coverage_status_name(r->status))) &&
	         put(o, "filter", string_or_null(r->filter)) &&
	         put(o, "source", string_or_null(r->filter_origin)) &&
	         put(o, "alarm", string_or_null(r->alarm)) &&
	         put(o, "reasons", strings(r->reasons, r->n_reasons)) &&
	         put(o, "notes", strings(r->notes, r->n_notes)) &&
	         put(method, "records", cJSON_CreateNumber((double)r->records)) &&
	         put(method, "exhaustive", cJSON_CreateBool(r->exhaustive));
	/* "method" goes last, as `iamwatch check --json` has always printed it */
	if (ok && cJSON_DetachItemViaPointer(o, method) && put(o, "method", method))
		return o;
	cJSON_Delete(o);
	return NULL;
}

static cJSON *document(const iamw_coverage *c)
{
	size_t counts[4] = {0};
	cJSON *root = cJSON_CreateObject();
	int ok = root && put(root, "benchmark", cJSON_CreateString(c->benchmark));
	cJSON *rules = ok ? cJSON_AddArrayToObject(root, "rules") : NULL;
	cJSON *controls = rules ? cJSON_AddArrayToObject(root, "controls") : NULL;
	cJSON *sum = controls ? cJSON_AddObjectToObject(root, "summary") : NULL;
	ok = sum != NULL;
	for (size_t i = 0; ok && i < c->n_sources; i++)
		ok = put(rules, "", cJSON_CreateString(c->sources[i].origin));
	for (size_t i = 0; ok && i < c->n_controls; i++) {
		const iamw_coverage_control *r = &c->results[i].pub;
		ok = put(controls, "", control_json(r));
		counts[r->status & 3]++;
	}
	ok = ok && put(sum, "controls", cJSON_CreateNumber((double)c->n_controls)) &&
	     put(sum, "covered", cJSON_CreateNumber((double)counts[IAMW_COVERAGE_COVERED])) &&
	     put(sum, "coveredWithProblems",
	         cJSON_CreateNumber((double)counts[IAMW_COVERAGE_PROBLEMS])) &&
	     put(sum, "missing", cJSON_CreateNumber((double)counts[IAMW_COVERAGE_MISSING]));
	if (ok)
		return root;
	cJSON_Delete(root);
	return NULL;
}

int iamw_coverage_json(const iamw_coverage *c, char **out, size_t *out_len)
{
	if (!out)
		return IAMW_EINVAL;
	*out = NULL;
	if (!c || !c->results)
		return IAMW_EINVAL;
	cJSON *root = document(c);
	char *text = root ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	if (!text)
		return IAMW_ENOMEM;
	size_t n = strlen(text);
	*out = iamw__strndup(text, n);
	cJSON_free(text);
	if (!*out)
		return IAMW_ENOMEM;
	if (out_len)
		*out_len = n;
	return IAMW_OK;
}
