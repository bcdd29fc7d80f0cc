/* SPDX-License-Identifier: MIT */
/*
 * metric_filter.c - metric filters: building one from a PutMetricFilter
 * request with PutMetricFilter's validation rules, and applying it to an
 * event to get the data point it publishes (filter-patterns.md §3,
 * metrics-alarms.md §1.4). Values and dimensions are field references:
 * `$.a.b` for JSON patterns, `$name` / `$N` for space-delimited ones.
 */
#include <string.h>

#include "metrics/units.h"
#include "metrics/metric_filter.h"
#include "common/json_parse.h"

static int verr(iamw_error *err, const char *fmt, const char *field)
{
	return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, "metricFilter", fmt, field);
}

/* AWS: metricName / metricNamespace <= 255, no ':' '*' '$'. */
static int check_metric_name(const char *field, const char *s, iamw_error *err)
{
	size_t n = strlen(s);
	if (n == 0 || n > 255)
		return verr(err, "%s must have length between 1 and 255", field);
	if (strpbrk(s, ":*$"))
		return verr(err, "%s must not contain ':', '*' or '$'", field);
	return IAMW_OK;
}

static void filter_free(iamw_metric_filter *f)
{
	if (!f)
		return;
	iamw__free(f->filter_name);
	iamw__free(f->log_group_name);
	iamw_pattern_free(f->pattern);
	iamw__free(f->metric_name);
	iamw__free(f->metric_namespace);
	iamw__free(f->metric_value_text);
	iamw__free(f->unit);
	for (size_t i = 0; i < f->n_dimensions; i++) {
		iamw__free(f->dimension_names[i]);
		iamw__free(f->dimension_texts[i]);
	}
	iamw__free(f);
}

void iamw_metric_filter_free(iamw_metric_filter *f)
{
	filter_free(f);
}

/* Resolve "$..." text into a reference suited to the pattern's family. */
static int compile_ref(iamw_metric_filter *f, const char *text, const char *field, iamw__ref *ref,
                       iamw_error *err)
{
	size_t n = strlen(text);
	iamw_pattern_kind kind = iamw_pattern_kind_of(f->pattern);
	if (text[0] != '$')
		return IAMW_ENOTFOUND; /* caller decides what a non-reference means */
	if (kind == IAMW_PATTERN_JSON) {
		ref->kind = IAMW__REF_SELECTOR;
		return iamw__compile_selector(f->pattern, text, n, &ref->sel, err, field);
	}
	if (kind == IAMW_PATTERN_DELIMITED) {
		/* $name must be a named field of the pattern; $N a position. */
		const char *name = text + 1;
		size_t nl = n - 1;
		int digits = nl > 0;
		for (size_t i = 0; i < nl; i++)
			if (name[i] < '0' || name[i] > '9')
				digits = 0;
		int known = digits && !(nl == 1 && name[0] == '0');
		for (size_t i = 0; !known && i < f->pattern->n_fields; i++) {
			const iamw__field *fd = &f->pattern->fields[i];
			known = fd->kind == IAMW__FIELD_NAMED && fd->name_len == nl &&
			        memcmp(fd->name, name, nl) == 0;
		}
		if (!known)
			return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, field,
			                       "%s refers to '%s', which is not a field of the pattern",
			                       field, text);
		ref->kind = IAMW__REF_FIELD;
		ref->text = text;
		return IAMW_OK;
	}
	return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, field,
	                       "%s '%s' refers to a field, but term and regex patterns extract none",
	                       field, text);
}

static const cJSON *member(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNull(v) ? NULL : v;
}

static int get_str(const cJSON *o, const char *k, int required, char **out, iamw_error *err)
{
	const cJSON *v = member(o, k);
	*out = NULL;
	if (!v) {
		if (required)
			return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, "metricFilter",
			                       "%s is required", k);
		return IAMW_OK;
	}
	if (!cJSON_IsString(v))
		return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, "metricFilter",
		                       "%s must be a string", k);
	*out = iamw__strndup(v->valuestring, strlen(v->valuestring));
	return *out ? IAMW_OK : IAMW_ENOMEM;
}

static int build(iamw_metric_filter *f, const cJSON *obj, iamw_error *err)
{
	int rc;
	if (!cJSON_IsObject(obj))
		return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, "metricFilter",
		                       "a metric filter must be a JSON object");
	if ((rc = get_str(obj, "filterName", 1, &f->filter_name, err)) ||
	    (rc = get_str(obj, "logGroupName", 0, &f->log_group_name, err)))
		return rc;
	size_t n = strlen(f->filter_name);
	if (n == 0 || n > 512)
		return verr(err, "%s must have length between 1 and 512", "filterName");
	if (strpbrk(f->filter_name, ":*"))
		return verr(err, "%s must not contain ':' or '*'", "filterName");
	const cJSON *fsc = member(obj, "fieldSelectionCriteria");
	if (fsc && !(cJSON_IsString(fsc) && fsc->valuestring[0] == '\0'))
		return iamw__error_set(err, IAMW_EUNSUPPORTED, IAMW_NO_OFFSET, 0, "metricFilter",
		                       "fieldSelectionCriteria is not supported");
	const cJSON *pat = member(obj, "filterPattern");
	if (pat && !cJSON_IsString(pat))
		return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, "metricFilter",
		                       "filterPattern must be a string");
	const char *ptext = pat ? pat->valuestring : "";
	if ((rc = iamw_pattern_compile(&f->pattern, ptext, strlen(ptext), 0, err)))
		return rc;

	const cJSON *mts = member(obj, "metricTransformations");
	if (!cJSON_IsArray(mts))
		return verr(err, "%s is required (an array of one MetricTransformation)",
		            "metricTransformations");
	int count = cJSON_GetArraySize(mts);
	if (count != 1)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, "metricFilter",
		                       "1 validation error detected: Value at 'metricTransformations' "
		                       "failed to satisfy constraint: Member must have length %s",
		                       count < 1 ? "greater than or equal to 1"
		                                 : "less than or equal to 1");
	const cJSON *mt = mts->child;
	if (!cJSON_IsObject(mt))
		return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, "metricFilter",
		                       "a MetricTransformation must be an object");
	if ((rc = get_str(mt, "metricName", 1, &f->metric_name, err)) ||
	    (rc = get_str(mt, "metricNamespace", 1, &f->metric_namespace, err)) ||
	    (rc = get_str(mt, "metricValue", 1, &f->metric_value_text, err)) ||
	    (rc = get_str(mt, "unit", 0, &f->unit, err)))
		return rc;
	if ((rc = check_metric_name("metricName", f->metric_name, err)) ||
	    (rc = check_metric_name("metricNamespace", f->metric_namespace, err)))
		return rc;
	if (f->unit && !iamw__is_standard_unit(f->unit))
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, "metricFilter",
		                       "unit '%.60s' is not a CloudWatch standard unit", f->unit);
	if (f->unit && strcmp(f->unit, "None") == 0) {
		iamw__free(f->unit);
		f->unit = NULL;
	}
	const char *mv = f->metric_value_text;
	if (strlen(mv) == 0 || strlen(mv) > 100)
		return verr(err, "%s must have length between 1 and 100", "metricValue");
	rc = compile_ref(f, mv, "metricValue", &f->value, err);
	if (rc == IAMW_ENOTFOUND) {
		f->value.kind = IAMW__REF_CONSTANT;
		if (!iamw__parse_double_c(mv, strlen(mv), &f->value.number))
			return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, "metricFilter",
			                       "metricValue '%.60s' must be a number or a reference "
			                       "to a field ($.field for JSON patterns, $name for "
			                       "space-delimited ones)",
			                       mv);
	} else if (rc) {
		return rc;
	}
	const cJSON *dv = member(mt, "defaultValue");
	if (dv) {
		if (!cJSON_IsNumber(dv))
			return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, "metricFilter",
			                       "defaultValue must be a number");
		f->has_default_value = 1;
		f->default_value = dv->valuedouble;
	}

	/* Dimensions: the transformation's map, then system-field dimensions. */
	const cJSON *dims = member(mt, "dimensions");
	const cJSON *sys = member(obj, "emitSystemFieldDimensions");
	if (dims && !cJSON_IsObject(dims))
		return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, "metricFilter",
		                       "dimensions must be an object");
	if (sys && !cJSON_IsArray(sys))
		return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, "metricFilter",
		                       "emitSystemFieldDimensions must be an array");
	size_t total = (size_t)(dims ? cJSON_GetArraySize(dims) : 0) +
	               (size_t)(sys ? cJSON_GetArraySize(sys) : 0);
	if (total == 0)
		return IAMW_OK;
	iamw_pattern_kind kind = iamw_pattern_kind_of(f->pattern);
	if (kind != IAMW_PATTERN_JSON && kind != IAMW_PATTERN_DELIMITED)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, "metricFilter",
		                       "The specified filter pattern does not support dimensions");
	if (total > IAMW__MF_MAX_DIMENSIONS)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, "metricFilter",
		                       "a metric filter can have at most %d dimensions",
		                       IAMW__MF_MAX_DIMENSIONS);
	if (f->has_default_value)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, "metricFilter",
		                       "If you assign dimensions to a metric created by a metric "
		                       "filter, you can't assign a default value for that metric");
	for (const cJSON *d = dims ? dims->child : NULL; d; d = d->next) {
		if (!cJSON_IsString(d))
			return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, "metricFilter",
			                       "dimension '%.60s' must map to a string", d->string);
		size_t i = f->n_dimensions++;
		f->dimension_names[i] = iamw__strndup(d->string, strlen(d->string));
		f->dimension_texts[i] = iamw__strndup(d->valuestring, strlen(d->valuestring));
		if (!f->dimension_names[i] || !f->dimension_texts[i])
			return IAMW_ENOMEM;
		if (!d->string[0] || strlen(d->string) > 255 || !d->valuestring[0] ||
		    strlen(d->valuestring) > 255)
			return verr(err, "%s keys and values must have length between 1 and 255",
			            "dimensions");
		for (size_t j = 0; j < i; j++)
			if (strcmp(f->dimension_names[j], d->string) == 0)
				return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0,
				                       "metricFilter", "duplicate dimension '%.60s'",
				                       d->string);
		rc = compile_ref(f, f->dimension_texts[i], "dimensions", &f->dimensions[i], err);
		if (rc == IAMW_ENOTFOUND) {
			f->dimensions[i].kind = IAMW__REF_CONSTANT;
			f->dimensions[i].text = f->dimension_texts[i];
		} else if (rc) {
			return rc;
		}
	}
	for (const cJSON *s = sys ? sys->child : NULL; s; s = s->next) {
		if (!cJSON_IsString(s) ||
		    (strcmp(s->valuestring, "@aws.account") != 0 &&
		     strcmp(s->valuestring, "@aws.region") != 0))
			return verr(err, "%s members must be \"@aws.account\" or \"@aws.region\"",
			            "emitSystemFieldDimensions");
		size_t i = f->n_dimensions++;
		f->dimension_names[i] = iamw__strndup(s->valuestring, strlen(s->valuestring));
		if (!f->dimension_names[i])
			return IAMW_ENOMEM;
		f->dimensions[i].kind =
		    strcmp(s->valuestring, "@aws.account") == 0 ? IAMW__REF_ACCOUNT : IAMW__REF_REGION;
	}
	return IAMW_OK;
}

int iamw__metric_filter_from_cjson(iamw_metric_filter **out, const cJSON *obj, iamw_error *err)
{
	iamw__error_clear(err);
	*out = NULL;
	iamw_metric_filter *f = iamw__calloc(1, sizeof *f);
	if (!f)
		return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "metricFilter",
		                       "out of memory");
	int rc = build(f, obj, err);
	if (rc) {
		if (rc == IAMW_ENOMEM)
			iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "metricFilter",
			                "out of memory");
		filter_free(f);
		return rc;
	}
	*out = f;
	return IAMW_OK;
}

int iamw_metric_filter_from_json(iamw_metric_filter **out, const char *json, size_t len,
                                 iamw_error *err)
{
	if (!out || !json)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "metricFilter",
		                       "NULL argument");
	*out = NULL;
	if (len == IAMW_NUL_TERMINATED)
		len = strlen(json);
	cJSON *obj;
	size_t off;
	int prc = iamw__json_parse(json, len, &obj, &off);
	if (prc)
		return iamw__error_set(err, prc, prc == IAMW_EJSON ? off : IAMW_NO_OFFSET, 0,
		                       "metricFilter", "%s",
		                       prc == IAMW_EJSON ? "invalid JSON" : "out of memory");
	int rc = iamw__metric_filter_from_cjson(out, obj, err);
	cJSON_Delete(obj);
	return rc;
}

const char *iamw_metric_filter_name(const iamw_metric_filter *f)
{
	return f ? f->filter_name : NULL;
}

const iamw_pattern *iamw_metric_filter_pattern(const iamw_metric_filter *f)
{
	return f ? f->pattern : NULL;
}

const char *iamw_metric_filter_metric_name(const iamw_metric_filter *f)
{
	return f ? f->metric_name : NULL;
}

const char *iamw_metric_filter_metric_namespace(const iamw_metric_filter *f)
{
	return f ? f->metric_namespace : NULL;
}

/* Text of a reference for a dimension value; 0 when it yields nothing. */
static int ref_text(const iamw__ref *r, const cJSON *tree, const iamw_match *m,
                    const iamw__account *acct, char *numbuf, size_t numbuf_size, const char **s,
                    size_t *n)
{
	switch (r->kind) {
	case IAMW__REF_CONSTANT:
		*s = r->text;
		*n = strlen(r->text);
		return 1;
	case IAMW__REF_ACCOUNT:
		*s = acct && acct->account_id ? acct->account_id : "123456789012";
		*n = strlen(*s);
		return 1;
	case IAMW__REF_REGION:
		*s = acct && acct->region ? acct->region : "us-east-1";
		*n = strlen(*s);
		return 1;
	case IAMW__REF_SELECTOR: {
		const cJSON *node = tree ? iamw__resolve_single(tree, r->sel) : NULL;
		return node && iamw__json_scalar_text(node, numbuf, numbuf_size, s, n);
	}
	case IAMW__REF_FIELD:
		return iamw_match_get(m, r->text, s, n);
	}
	return 0;
}

int iamw__metric_filter_apply(const iamw_metric_filter *f, const cJSON *tree, const char *raw,
                              size_t raw_len, const iamw__account *acct, iamw_match *m,
                              iamw__mf_result *out)
{
	int r = iamw_pattern_match_json(f->pattern, tree, raw, raw_len, m);
	if (r != 1)
		return r;
	out->skip = IAMW__MF_POINT;
	out->n_dims = 0;
	/* The value. */
	switch (f->value.kind) {
	case IAMW__REF_CONSTANT:
		out->value = f->value.number;
		break;
	case IAMW__REF_SELECTOR: {
		const cJSON *node = tree ? iamw__resolve_single(tree, f->value.sel) : NULL;
		if (!node) {
			out->skip = IAMW__MF_SKIP_VALUE_MISSING;
			return 1;
		}
		if (cJSON_IsNumber(node))
			out->value = node->valuedouble;
		else if (!cJSON_IsString(node) ||
		         !iamw__parse_double_c(node->valuestring, strlen(node->valuestring),
		                               &out->value))
			out->skip = IAMW__MF_SKIP_VALUE_NOT_NUMBER;
		break;
	}
	case IAMW__REF_FIELD: {
		const char *s;
		size_t n;
		if (!iamw_match_get(m, f->value.text, &s, &n))
			out->skip = IAMW__MF_SKIP_VALUE_MISSING;
		else if (!iamw__parse_double_c(s, n, &out->value))
			out->skip = IAMW__MF_SKIP_VALUE_NOT_NUMBER;
		break;
	}
	default:
		out->skip = IAMW__MF_SKIP_VALUE_MISSING;
	}
	if (out->skip)
		return 1;
	for (size_t i = 0; i < f->n_dimensions; i++) {
		const char *s;
		size_t n;
		if (!ref_text(&f->dimensions[i], tree, m, acct, out->textbuf[i], sizeof out->textbuf[i],
		              &s, &n) ||
		    n == 0) {
			out->skip = IAMW__MF_SKIP_DIMENSION_MISSING;
			return 1;
		}
		out->dims[i].name = f->dimension_names[i];
		/* Values are NUL-terminated at their source (cJSON strings, match
		 * buffers, number renderings, constants). */
		out->dims[i].value = (char *)s;
	}
	out->n_dims = f->n_dimensions;
	return 1;
}
