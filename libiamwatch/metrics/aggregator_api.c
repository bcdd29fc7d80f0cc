/* SPDX-License-Identifier: MIT */
/*
 * aggregator_api.c - the public iamw_aggregator functions: a thin layer that
 * checks arguments and maps public types onto the internal aggregator.
 */
#include <string.h>

#include "metrics/aggregator_api.h"

int iamw_aggregator_new(iamw_aggregator **out, int64_t period_ms, size_t max_dimension_sets)
{
	if (!out)
		return IAMW_EINVAL;
	*out = NULL;
	iamw_aggregator *a = iamw__calloc(1, sizeof *a);
	if (!a)
		return IAMW_ENOMEM;
	int rc = iamw__aggregator_new(&a->impl, period_ms,
	                              max_dimension_sets ? max_dimension_sets
	                                                 : IAMW__AGG_DEFAULT_MAX_DIMENSION_SETS);
	if (rc) {
		iamw__free(a);
		return rc;
	}
	a->owned = 1;
	*out = a;
	return IAMW_OK;
}

void iamw_aggregator_free(iamw_aggregator *agg)
{
	if (!agg)
		return;
	if (agg->owned)
		iamw__aggregator_free(agg->impl);
	iamw__free(agg);
}

/* Public dimensions have const strings; the internal key only reads them. */
static void make_key(iamw__metric_key *k, const char *ns, const char *name,
                     const iamw_dimension *dims, size_t n, const char *unit,
                     iamw__dimension *tmp)
{
	for (size_t i = 0; i < n; i++) {
		tmp[i].name = (char *)dims[i].name;
		tmp[i].value = (char *)dims[i].value;
	}
	k->ns = ns;
	k->name = name;
	k->dims = tmp;
	k->n_dims = n;
	k->unit = unit;
}

int iamw_aggregator_add(iamw_aggregator *agg, const char *metric_namespace,
                        const char *metric_name, const iamw_dimension *dims, size_t n_dims,
                        const char *unit, int64_t timestamp_ms, double value)
{
	if (!agg || !metric_namespace || !metric_name || (n_dims && !dims) ||
	    n_dims > IAMW__AGG_MAX_DIMENSIONS)
		return IAMW_EINVAL;
	iamw__dimension tmp[IAMW__AGG_MAX_DIMENSIONS];
	iamw__metric_key k;
	make_key(&k, metric_namespace, metric_name, dims, n_dims, unit, tmp);
	return iamw__aggregator_add(agg->impl, &k, timestamp_ms, value);
}

int iamw_aggregator_get(const iamw_aggregator *agg, const char *metric_namespace,
                        const char *metric_name, const iamw_dimension *dims, size_t n_dims,
                        const char *unit, int64_t start_ms, int64_t period_ms,
                        const char *statistic, double *value, double *sample_count)
{
	if (!agg || !metric_namespace || !metric_name || !statistic || (n_dims && !dims) ||
	    n_dims > IAMW__AGG_MAX_DIMENSIONS)
		return IAMW_EINVAL;
	iamw__stat_spec spec;
	if (iamw__stat_parse(statistic, &spec) != IAMW_OK)
		return IAMW_EINVAL;
	iamw__dimension tmp[IAMW__AGG_MAX_DIMENSIONS];
	iamw__metric_key k;
	make_key(&k, metric_namespace, metric_name, dims, n_dims, unit, tmp);
	return iamw__aggregator_query(agg->impl, &k, start_ms, period_ms, &spec, value,
	                              sample_count);
}

int iamw_aggregator_merge(iamw_aggregator *agg, const iamw_aggregator *other)
{
	if (!agg || !other)
		return IAMW_EINVAL;
	return iamw__aggregator_merge(agg->impl, other->impl);
}

void iamw_aggregator_prune(iamw_aggregator *agg, int64_t cutoff_ms)
{
	if (agg)
		iamw__aggregator_prune(agg->impl, cutoff_ms);
}

uint64_t iamw_aggregator_overflow(const iamw_aggregator *agg)
{
	return agg ? iamw__aggregator_overflow(agg->impl) : 0;
}

int iamw_aggregator_save(const iamw_aggregator *agg, char **out, size_t *out_len)
{
	if (!agg || !out)
		return IAMW_EINVAL;
	return iamw__aggregator_save(agg->impl, out, out_len);
}

int iamw_aggregator_restore(iamw_aggregator **out, const char *json, size_t len,
                            iamw_error *err)
{
	if (!out || !json)
		return IAMW_EINVAL;
	*out = NULL;
	if (len == IAMW_NUL_TERMINATED)
		len = strlen(json);
	iamw_aggregator *a = iamw__calloc(1, sizeof *a);
	if (!a)
		return IAMW_ENOMEM;
	int rc = iamw__aggregator_restore_text(&a->impl, json, len, err);
	if (rc) {
		iamw__free(a);
		return rc;
	}
	a->owned = 1;
	*out = a;
	return IAMW_OK;
}
