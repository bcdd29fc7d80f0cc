/* SPDX-License-Identifier: MIT */
/*
 * aggregator.c - the metric store that metric filters publish into and
 * alarms read from. Each metric (namespace, name, sorted dimension set,
 * unit) owns a time-ordered array of (period start, bucket); a sorted array
 * of metrics keeps every metric of one (namespace, name) adjacent, which
 * makes the per-metric dimension cap a local scan. Beside the metrics sits
 * the set of minutes in which the log group ingested events, which the
 * defaultValue rule needs.
 *
 * Every whole-store change that can fail half way (merge, load) builds a
 * new store and swaps it in, so callers never see a half-merged or
 * half-loaded state. Merge is a union of multisets (see stats.c), hence
 * associative and commutative; the saved form is canonical (sorted, one
 * spelling per number), hence save -> restore -> save is byte-identical.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "metrics/aggregator.h"
#include "common/json_parse.h"

typedef struct iamw__slot {
	int64_t start_ms;
	iamw__bucket b; /* never empty */
} iamw__slot;

typedef struct iamw__series {
	char *ns, *name, *unit;
	iamw__dimension *dims; /* ascending by name */
	size_t n_dims;
	iamw__slot *slots; /* ascending start_ms */
	size_t n_slots, cap_slots;
} iamw__series;

struct iamw__aggregator {
	int64_t period_ms;
	size_t max_dim_sets; /* 0 = unlimited */
	uint64_t overflow;
	iamw__series **series; /* ascending by key */
	size_t n_series, cap_series;
	int64_t *ingest; /* ascending minute starts */
	size_t n_ingest, cap_ingest;
};

/* Counters and limits travel as JSON numbers: keep them exact there. */
#define JSON_INT_MAX 9007199254740992.0 /* 2^53 */

/* ------------------------------------------------------------------ keys */

/* A key with its dimensions sorted by name, pointing into borrowed data. */
typedef struct keyview {
	const char *ns, *name, *unit;
	const iamw__dimension *d[IAMW__AGG_MAX_DIMENSIONS];
	size_t n;
} keyview;

enum { LEVEL_METRIC = 0, LEVEL_DIMS = 1, LEVEL_UNIT = 2 };

static int nonempty(const char *s)
{
	return s && *s;
}

/* unit_default: the "None" a metric filter publishes without a unit. */
static int key_view(const iamw__metric_key *k, keyview *v, const char *unit_default)
{
	if (!k || !nonempty(k->ns) || !nonempty(k->name) || k->n_dims > IAMW__AGG_MAX_DIMENSIONS ||
	    (k->n_dims && !k->dims) || (k->unit && !*k->unit))
		return IAMW_EINVAL;
	v->ns = k->ns;
	v->name = k->name;
	v->unit = k->unit ? k->unit : unit_default;
	v->n = k->n_dims;
	for (size_t i = 0; i < k->n_dims; i++) {
		const iamw__dimension *d = &k->dims[i];
		if (!nonempty(d->name) || !nonempty(d->value))
			return IAMW_EINVAL;
		/* Insertion sort: at most 30 entries. */
		size_t j = i;
		while (j > 0 && strcmp(v->d[j - 1]->name, d->name) > 0) {
			v->d[j] = v->d[j - 1];
			j--;
		}
		if (j > 0 && strcmp(v->d[j - 1]->name, d->name) == 0)
			return IAMW_EINVAL; /* a dimension name given twice */
		v->d[j] = d;
	}
	return IAMW_OK;
}

static void series_view(const iamw__series *s, keyview *v)
{
	v->ns = s->ns;
	v->name = s->name;
	v->unit = s->unit;
	v->n = s->n_dims;
	for (size_t i = 0; i < s->n_dims; i++)
		v->d[i] = &s->dims[i];
}

/* Order: namespace, metric name, dimensions (pairwise, then fewer first),
 * unit. Comparing only up to `level` gives the prefix orders used to find
 * every unit of one metric or every dimension set of one name. */
static int cmp_view(const keyview *a, const keyview *b, int level)
{
	int c = strcmp(a->ns, b->ns);
	if (c)
		return c;
	if ((c = strcmp(a->name, b->name)))
		return c;
	if (level < LEVEL_DIMS)
		return 0;
	for (size_t i = 0; i < a->n && i < b->n; i++) {
		if ((c = strcmp(a->d[i]->name, b->d[i]->name)))
			return c;
		if ((c = strcmp(a->d[i]->value, b->d[i]->value)))
			return c;
	}
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	if (level < LEVEL_UNIT)
		return 0;
	return strcmp(a->unit, b->unit);
}

static int cmp_series(const iamw__series *s, const keyview *k, int level)
{
	keyview v;
	series_view(s, &v);
	return cmp_view(&v, k, level);
}

/* First series not ordered before k (at the given level). */
static size_t series_lb(const iamw__aggregator *agg, const keyview *k, int level)
{
	size_t lo = 0, hi = agg->n_series;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_series(agg->series[mid], k, level) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---------------------------------------------------------------- series */

static void series_free(iamw__series *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_slots; i++)
		iamw__bucket_free(&s->slots[i].b);
	iamw__free(s->slots);
	for (size_t i = 0; i < s->n_dims; i++) {
		iamw__free(s->dims[i].name);
		iamw__free(s->dims[i].value);
	}
	iamw__free(s->dims);
	iamw__free(s->ns);
	iamw__free(s->name);
	iamw__free(s->unit);
	iamw__free(s);
}

static char *dup(const char *s)
{
	return iamw__strndup(s, strlen(s));
}

/* A new series with a copy of k and no slots. */
static iamw__series *series_new(const keyview *k)
{
	iamw__series *s = iamw__calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->ns = dup(k->ns);
	s->name = dup(k->name);
	s->unit = dup(k->unit);
	if (k->n)
		s->dims = iamw__calloc(k->n, sizeof *s->dims);
	if (!s->ns || !s->name || !s->unit || (k->n && !s->dims)) {
		series_free(s);
		return NULL;
	}
	for (size_t i = 0; i < k->n; i++) {
		s->dims[i].name = dup(k->d[i]->name);
		s->dims[i].value = dup(k->d[i]->value);
		s->n_dims = i + 1;
		if (!s->dims[i].name || !s->dims[i].value) {
			series_free(s);
			return NULL;
		}
	}
	return s;
}

static int reserve(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return IAMW_OK;
	size_t c = *cap ? *cap : 4;
	while (c < need)
		c *= 2;
	void *p = iamw__realloc(*arr, c * elem);
	if (!p)
		return IAMW_ENOMEM;
	*arr = p;
	*cap = c;
	return IAMW_OK;
}

static int series_insert(iamw__aggregator *agg, size_t at, iamw__series *s)
{
	if (reserve((void **)&agg->series, &agg->cap_series, agg->n_series + 1,
	            sizeof *agg->series))
		return IAMW_ENOMEM;
	memmove(agg->series + at + 1, agg->series + at, (agg->n_series - at) * sizeof *agg->series);
	agg->series[at] = s;
	agg->n_series++;
	return IAMW_OK;
}

static void series_remove(iamw__aggregator *agg, size_t at)
{
	series_free(agg->series[at]);
	memmove(agg->series + at, agg->series + at + 1,
	        (agg->n_series - at - 1) * sizeof *agg->series);
	agg->n_series--;
}

/* First slot starting at or after t. */
static size_t slot_lb(const iamw__series *s, int64_t t)
{
	size_t lo = 0, hi = s->n_slots;
	/* Samples mostly arrive in time order: try the end first. */
	if (hi && s->slots[hi - 1].start_ms < t)
		return hi;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->slots[mid].start_ms < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int slot_insert(iamw__series *s, size_t at, int64_t start)
{
	if (reserve((void **)&s->slots, &s->cap_slots, s->n_slots + 1, sizeof *s->slots))
		return IAMW_ENOMEM;
	memmove(s->slots + at + 1, s->slots + at, (s->n_slots - at) * sizeof *s->slots);
	s->slots[at].start_ms = start;
	iamw__bucket_init(&s->slots[at].b);
	s->n_slots++;
	return IAMW_OK;
}

static void slot_remove(iamw__series *s, size_t at)
{
	iamw__bucket_free(&s->slots[at].b);
	memmove(s->slots + at, s->slots + at + 1, (s->n_slots - at - 1) * sizeof *s->slots);
	s->n_slots--;
}

/* ------------------------------------------------------------------ time */

static int time_ok(int64_t t)
{
	return t >= -IAMW__AGG_MAX_ABS_TIME_MS && t <= IAMW__AGG_MAX_ABS_TIME_MS;
}

/* floor(t / p) * p, also for negative t (C division truncates). */
static int64_t floor_to(int64_t t, int64_t p)
{
	int64_t r = t % p;
	if (r < 0)
		r += p;
	return t - r;
}

static int period_ok(int64_t p)
{
	return p == 10000 || p == 20000 || p == 30000 ||
	       (p > 0 && p % 60000 == 0 && p <= IAMW__AGG_MAX_PERIOD_MS);
}

/* ------------------------------------------------------------- lifecycle */

int iamw__aggregator_new(iamw__aggregator **out, int64_t period_ms, size_t max_dimension_sets)
{
	if (!out)
		return IAMW_EINVAL;
	*out = NULL;
	if (period_ms == 0)
		period_ms = IAMW__AGG_DEFAULT_PERIOD_MS;
	if (!period_ok(period_ms) || (double)max_dimension_sets > JSON_INT_MAX)
		return IAMW_EINVAL;
	iamw__aggregator *agg = iamw__calloc(1, sizeof *agg);
	if (!agg)
		return IAMW_ENOMEM;
	agg->period_ms = period_ms;
	agg->max_dim_sets = max_dimension_sets;
	*out = agg;
	return IAMW_OK;
}

static void agg_clear(iamw__aggregator *agg)
{
	for (size_t i = 0; i < agg->n_series; i++)
		series_free(agg->series[i]);
	iamw__free(agg->series);
	iamw__free(agg->ingest);
	agg->series = NULL;
	agg->ingest = NULL;
	agg->n_series = agg->cap_series = agg->n_ingest = agg->cap_ingest = 0;
}

void iamw__aggregator_free(iamw__aggregator *agg)
{
	if (!agg)
		return;
	agg_clear(agg);
	iamw__free(agg);
}

int64_t iamw__aggregator_period(const iamw__aggregator *agg)
{
	return agg ? agg->period_ms : 0;
}

uint64_t iamw__aggregator_overflow(const iamw__aggregator *agg)
{
	return agg ? agg->overflow : 0;
}

/* Hand src's contents to dst, free dst's old contents and src itself. */
static void agg_replace(iamw__aggregator *dst, iamw__aggregator *src)
{
	iamw__aggregator old = *dst;
	*dst = *src;
	*src = old;
	iamw__aggregator_free(src);
}

/* ------------------------------------------------------------------- add */

static size_t count_dim_sets(const iamw__aggregator *agg, const keyview *k)
{
	size_t i = series_lb(agg, k, LEVEL_METRIC), n = 0;
	for (; i < agg->n_series && cmp_series(agg->series[i], k, LEVEL_METRIC) == 0; i++) {
		/* Units of one dimension set are adjacent: count changes only. */
		if (n == 0) {
			n = 1;
			continue;
		}
		keyview prev;
		series_view(agg->series[i - 1], &prev);
		if (cmp_series(agg->series[i], &prev, LEVEL_DIMS) != 0)
			n++;
	}
	return n;
}

size_t iamw__aggregator_dimension_sets(const iamw__aggregator *agg, const char *ns,
                                       const char *name)
{
	if (!agg || !nonempty(ns) || !nonempty(name))
		return 0;
	keyview k = {.ns = ns, .name = name, .unit = "", .n = 0};
	return count_dim_sets(agg, &k);
}

int iamw__aggregator_add(iamw__aggregator *agg, const iamw__metric_key *key, int64_t timestamp_ms,
                         double value)
{
	keyview k;
	if (!agg || key_view(key, &k, "None") || !time_ok(timestamp_ms) || !isfinite(value) ||
	    fabs(value) > IAMW__MAX_ABS_VALUE)
		return IAMW_EINVAL;
	size_t si = series_lb(agg, &k, LEVEL_UNIT);
	int created = 0;
	if (si == agg->n_series || cmp_series(agg->series[si], &k, LEVEL_UNIT) != 0) {
		if (agg->max_dim_sets) {
			size_t d = series_lb(agg, &k, LEVEL_DIMS);
			int known =
			    d < agg->n_series && cmp_series(agg->series[d], &k, LEVEL_DIMS) == 0;
			if (!known && count_dim_sets(agg, &k) >= agg->max_dim_sets) {
				if ((double)agg->overflow < JSON_INT_MAX)
					agg->overflow++;
				return IAMW_ELIMIT;
			}
		}
		iamw__series *s = series_new(&k);
		if (!s)
			return IAMW_ENOMEM;
		if (series_insert(agg, si, s)) {
			series_free(s);
			return IAMW_ENOMEM;
		}
		created = 1;
	}
	iamw__series *s = agg->series[si];
	int64_t start = floor_to(timestamp_ms, agg->period_ms);
	size_t j = slot_lb(s, start);
	int inserted = 0, rc = IAMW_OK;
	if (j == s->n_slots || s->slots[j].start_ms != start) {
		rc = slot_insert(s, j, start);
		inserted = !rc;
	}
	if (!rc)
		rc = iamw__bucket_add(&s->slots[j].b, value, 1);
	if (rc) {
		/* Undo: no empty slot or metric is left behind. */
		if (inserted)
			slot_remove(s, j);
		if (created)
			series_remove(agg, si);
	}
	return rc;
}

/* ----------------------------------------------------------------- merge */

/* A new series with a's key and the union of a's and b's slots (b may be
 * NULL: a copy of a). */
static iamw__series *series_union(const iamw__series *a, const iamw__series *b)
{
	keyview k;
	series_view(a, &k);
	iamw__series *s = series_new(&k);
	if (!s)
		return NULL;
	size_t nb = b ? b->n_slots : 0, cap = a->n_slots + nb;
	s->slots = iamw__malloc(cap * sizeof *s->slots);
	if (!s->slots) {
		series_free(s);
		return NULL;
	}
	s->cap_slots = cap;
	size_t i = 0, j = 0;
	while (i < a->n_slots || j < nb) {
		iamw__slot *o = &s->slots[s->n_slots];
		int rc;
		if (j == nb || (i < a->n_slots && a->slots[i].start_ms < b->slots[j].start_ms)) {
			o->start_ms = a->slots[i].start_ms;
			rc = iamw__bucket_copy(&o->b, &a->slots[i++].b);
		} else if (i == a->n_slots || b->slots[j].start_ms < a->slots[i].start_ms) {
			o->start_ms = b->slots[j].start_ms;
			rc = iamw__bucket_copy(&o->b, &b->slots[j++].b);
		} else {
			o->start_ms = a->slots[i].start_ms;
			rc = iamw__bucket_copy(&o->b, &a->slots[i++].b);
			if (!rc) {
				s->n_slots++; /* owned from here on, freed on failure */
				rc = iamw__bucket_merge(&o->b, &b->slots[j++].b);
				if (rc) {
					series_free(s);
					return NULL;
				}
				continue;
			}
		}
		if (rc) {
			iamw__bucket_free(&o->b);
			series_free(s);
			return NULL;
		}
		s->n_slots++;
	}
	return s;
}

static int ingest_union(const iamw__aggregator *a, const iamw__aggregator *b, iamw__aggregator *c)
{
	size_t cap = a->n_ingest + b->n_ingest;
	if (!cap)
		return IAMW_OK;
	c->ingest = iamw__malloc(cap * sizeof *c->ingest);
	if (!c->ingest)
		return IAMW_ENOMEM;
	c->cap_ingest = cap;
	size_t i = 0, j = 0;
	while (i < a->n_ingest || j < b->n_ingest) {
		int64_t v;
		if (j == b->n_ingest || (i < a->n_ingest && a->ingest[i] < b->ingest[j]))
			v = a->ingest[i++];
		else if (i == a->n_ingest || b->ingest[j] < a->ingest[i])
			v = b->ingest[j++];
		else
			v = a->ingest[i++], j++;
		c->ingest[c->n_ingest++] = v;
	}
	return IAMW_OK;
}

int iamw__aggregator_merge(iamw__aggregator *agg, const iamw__aggregator *other)
{
	if (!agg || !other || agg->period_ms != other->period_ms)
		return IAMW_EINVAL;
	iamw__aggregator *c;
	int rc = iamw__aggregator_new(&c, agg->period_ms, agg->max_dim_sets);
	if (rc)
		return rc;
	size_t cap = agg->n_series + other->n_series;
	if (cap && reserve((void **)&c->series, &c->cap_series, cap, sizeof *c->series))
		goto oom;
	size_t i = 0, j = 0;
	while (i < agg->n_series || j < other->n_series) {
		iamw__series *s;
		int cmp;
		if (i == agg->n_series) {
			cmp = 1;
		} else if (j == other->n_series) {
			cmp = -1;
		} else {
			keyview kb;
			series_view(other->series[j], &kb);
			cmp = cmp_series(agg->series[i], &kb, LEVEL_UNIT);
		}
		if (cmp < 0)
			s = series_union(agg->series[i++], NULL);
		else if (cmp > 0)
			s = series_union(other->series[j++], NULL);
		else
			s = series_union(agg->series[i++], other->series[j++]);
		if (!s)
			goto oom;
		c->series[c->n_series++] = s;
	}
	if (ingest_union(agg, other, c))
		goto oom;
	c->overflow = agg->overflow + other->overflow;
	if ((double)c->overflow > JSON_INT_MAX || c->overflow < agg->overflow)
		c->overflow = (uint64_t)JSON_INT_MAX;
	agg_replace(agg, c);
	return IAMW_OK;
oom:
	iamw__aggregator_free(c);
	return IAMW_ENOMEM;
}

/* ----------------------------------------------------------------- prune */

void iamw__aggregator_prune(iamw__aggregator *agg, int64_t cutoff_ms)
{
	if (!agg)
		return;
	for (size_t i = agg->n_series; i-- > 0;) {
		iamw__series *s = agg->series[i];
		size_t k = 0;
		/* Keep a bucket while any part of its period is at or after the
		 * cutoff. */
		while (k < s->n_slots && s->slots[k].start_ms + agg->period_ms <= cutoff_ms)
			iamw__bucket_free(&s->slots[k++].b);
		memmove(s->slots, s->slots + k, (s->n_slots - k) * sizeof *s->slots);
		s->n_slots -= k;
		if (!s->n_slots)
			series_remove(agg, i);
	}
	size_t k = 0;
	while (k < agg->n_ingest && agg->ingest[k] + IAMW__AGG_INGEST_PERIOD_MS <= cutoff_ms)
		k++;
	if (k) {
		memmove(agg->ingest, agg->ingest + k, (agg->n_ingest - k) * sizeof *agg->ingest);
		agg->n_ingest -= k;
	}
}

/* ----------------------------------------------------------------- query */

int iamw__aggregator_query(const iamw__aggregator *agg, const iamw__metric_key *key,
                           int64_t start_ms, int64_t period_ms, const iamw__stat_spec *spec,
                           double *value, double *sample_count)
{
	keyview k;
	if (value)
		*value = 0;
	if (sample_count)
		*sample_count = 0;
	if (!agg || !spec || key_view(key, &k, NULL) || period_ms <= 0 ||
	    period_ms > IAMW__AGG_MAX_ABS_TIME_MS || period_ms % agg->period_ms != 0 ||
	    !time_ok(start_ms) || floor_to(start_ms, agg->period_ms) != start_ms)
		return IAMW_EINVAL;
	int64_t end = start_ms + period_ms;
	/* Without a unit every unit of the metric is merged (LEVEL_DIMS never
	 * looks at k.unit). */
	int level = k.unit ? LEVEL_UNIT : LEVEL_DIMS;
	iamw__bucket tmp;
	iamw__bucket_init(&tmp);
	const iamw__bucket *one = NULL;
	size_t nb = 0;
	int rc = IAMW_OK;
	for (size_t i = series_lb(agg, &k, level);
	     i < agg->n_series && cmp_series(agg->series[i], &k, level) == 0; i++) {
		const iamw__series *s = agg->series[i];
		for (size_t j = slot_lb(s, start_ms); j < s->n_slots && s->slots[j].start_ms < end;
		     j++) {
			/* One bucket is read in place; more are merged into tmp. */
			if (nb == 1)
				rc = iamw__bucket_copy(&tmp, one);
			if (!rc && nb >= 1)
				rc = iamw__bucket_merge(&tmp, &s->slots[j].b);
			if (rc)
				goto done;
			if (nb == 0)
				one = &s->slots[j].b;
			nb++;
		}
	}
	const iamw__bucket *b = nb == 0 ? NULL : nb == 1 ? one : &tmp;
	double v = 0;
	rc = b ? iamw__bucket_stat(b, spec, &v) : 0;
	if (value)
		*value = rc ? v : 0;
	if (sample_count)
		*sample_count = b ? (double)b->count : 0;
done:
	iamw__bucket_free(&tmp);
	return rc;
}

/* ------------------------------------------------------------- iteration */

size_t iamw__aggregator_series_count(const iamw__aggregator *agg)
{
	return agg ? agg->n_series : 0;
}

int iamw__aggregator_series_key(const iamw__aggregator *agg, size_t i, iamw__metric_key *out)
{
	if (!agg || !out || i >= agg->n_series)
		return 0;
	const iamw__series *s = agg->series[i];
	out->ns = s->ns;
	out->name = s->name;
	out->dims = s->dims;
	out->n_dims = s->n_dims;
	out->unit = s->unit;
	return 1;
}

size_t iamw__aggregator_series_periods(const iamw__aggregator *agg, size_t i)
{
	return agg && i < agg->n_series ? agg->series[i]->n_slots : 0;
}

const iamw__bucket *iamw__aggregator_series_bucket(const iamw__aggregator *agg, size_t i, size_t j,
                                                   int64_t *start_ms)
{
	if (!agg || i >= agg->n_series || j >= agg->series[i]->n_slots)
		return NULL;
	if (start_ms)
		*start_ms = agg->series[i]->slots[j].start_ms;
	return &agg->series[i]->slots[j].b;
}

/* ---------------------------------------------------------------- ingest */

static size_t ingest_lb(const iamw__aggregator *agg, int64_t m)
{
	size_t lo = 0, hi = agg->n_ingest;
	if (hi && agg->ingest[hi - 1] < m)
		return hi;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (agg->ingest[mid] < m)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int iamw__aggregator_note_ingest(iamw__aggregator *agg, int64_t timestamp_ms)
{
	if (!agg || !time_ok(timestamp_ms))
		return IAMW_EINVAL;
	int64_t m = floor_to(timestamp_ms, IAMW__AGG_INGEST_PERIOD_MS);
	size_t i = ingest_lb(agg, m);
	if (i < agg->n_ingest && agg->ingest[i] == m)
		return IAMW_OK;
	if (reserve((void **)&agg->ingest, &agg->cap_ingest, agg->n_ingest + 1,
	            sizeof *agg->ingest))
		return IAMW_ENOMEM;
	memmove(agg->ingest + i + 1, agg->ingest + i, (agg->n_ingest - i) * sizeof *agg->ingest);
	agg->ingest[i] = m;
	agg->n_ingest++;
	return IAMW_OK;
}

int iamw__aggregator_ingested(const iamw__aggregator *agg, int64_t timestamp_ms)
{
	if (!agg || !time_ok(timestamp_ms))
		return 0;
	int64_t m = floor_to(timestamp_ms, IAMW__AGG_INGEST_PERIOD_MS);
	size_t i = ingest_lb(agg, m);
	return i < agg->n_ingest && agg->ingest[i] == m;
}

size_t iamw__aggregator_ingest_count(const iamw__aggregator *agg)
{
	return agg ? agg->n_ingest : 0;
}

int64_t iamw__aggregator_ingest_minute(const iamw__aggregator *agg, size_t i)
{
	return agg && i < agg->n_ingest ? agg->ingest[i] : 0;
}

int iamw__aggregator_emit_defaults(iamw__aggregator *agg, const iamw__metric_key *key,
                                   double default_value, int64_t from_ms, int64_t to_ms)
{
	keyview k;
	if (!agg || key_view(key, &k, "None") || !time_ok(from_ms) || !time_ok(to_ms) ||
	    IAMW__AGG_INGEST_PERIOD_MS % agg->period_ms != 0 || !isfinite(default_value) ||
	    fabs(default_value) > IAMW__MAX_ABS_VALUE)
		return IAMW_EINVAL;
	size_t si = series_lb(agg, &k, LEVEL_UNIT);
	iamw__series *s = si < agg->n_series && cmp_series(agg->series[si], &k, LEVEL_UNIT) == 0
	                      ? agg->series[si]
	                      : NULL;
	/* Minutes to fill: ingested, in range, without a sample of this metric.
	 * A storage period divides the minute, so each such minute is one new
	 * slot. Everything that can fail is prepared before anything changes. */
	size_t n = 0;
	for (size_t i = ingest_lb(agg, from_ms); i < agg->n_ingest && agg->ingest[i] < to_ms; i++) {
		int64_t m = agg->ingest[i];
		size_t j = s ? slot_lb(s, m) : 0;
		if (!s || j == s->n_slots || s->slots[j].start_ms >= m + IAMW__AGG_INGEST_PERIOD_MS)
			n++;
	}
	if (n == 0)
		return 0;
	if (n > INT32_MAX)
		return IAMW_ELIMIT;
	iamw__slot *fresh = iamw__calloc(n, sizeof *fresh);
	if (!fresh)
		return IAMW_ENOMEM;
	int rc = IAMW_OK, created = 0;
	size_t f = 0;
	for (size_t i = ingest_lb(agg, from_ms); i < agg->n_ingest && agg->ingest[i] < to_ms; i++) {
		int64_t m = agg->ingest[i];
		size_t j = s ? slot_lb(s, m) : 0;
		if (s && j < s->n_slots && s->slots[j].start_ms < m + IAMW__AGG_INGEST_PERIOD_MS)
			continue;
		fresh[f].start_ms = m;
		if ((rc = iamw__bucket_add(&fresh[f++].b, default_value, 1)))
			goto fail;
	}
	if (!s) {
		if (!(s = series_new(&k)) || series_insert(agg, si, s)) {
			series_free(s);
			rc = IAMW_ENOMEM;
			goto fail;
		}
		created = 1;
	}
	if (reserve((void **)&s->slots, &s->cap_slots, s->n_slots + n, sizeof *s->slots)) {
		if (created)
			series_remove(agg, si);
		rc = IAMW_ENOMEM;
		goto fail;
	}
	for (f = 0; f < n; f++) {
		size_t j = slot_lb(s, fresh[f].start_ms);
		memmove(s->slots + j + 1, s->slots + j, (s->n_slots - j) * sizeof *s->slots);
		s->slots[j] = fresh[f];
		s->n_slots++;
	}
	iamw__free(fresh);
	return (int)n;
fail:
	for (f = 0; f < n; f++)
		iamw__bucket_free(&fresh[f].b);
	iamw__free(fresh);
	return rc;
}

/* ------------------------------------------------------------------ save */

static void add_str(iamw__buf *b, const char *s)
{
	iamw__buf_add_json_string(b, s, strlen(s));
}

void iamw__aggregator_save_buf(const iamw__aggregator *agg, iamw__buf *b)
{
	iamw__buf_addf(b,
	               "{\"format\":\"" IAMW__AGG_FORMAT "\",\"version\":%d,\"period\":%" PRId64
	               ",\"max_dimension_sets\":%zu,\"overflow\":%" PRIu64 ",\"ingest\":[",
	               IAMW__AGG_VERSION, agg->period_ms / 1000, agg->max_dim_sets, agg->overflow);
	for (size_t i = 0; i < agg->n_ingest; i++)
		iamw__buf_addf(b, "%s%" PRId64, i ? "," : "", agg->ingest[i]);
	iamw__buf_adds(b, "],\"series\":[");
	for (size_t i = 0; i < agg->n_series; i++) {
		const iamw__series *s = agg->series[i];
		iamw__buf_adds(b, i ? ",{\"namespace\":" : "{\"namespace\":");
		add_str(b, s->ns);
		iamw__buf_adds(b, ",\"metric\":");
		add_str(b, s->name);
		iamw__buf_adds(b, ",\"unit\":");
		add_str(b, s->unit);
		iamw__buf_adds(b, ",\"dimensions\":[");
		for (size_t d = 0; d < s->n_dims; d++) {
			iamw__buf_adds(b, d ? ",[" : "[");
			add_str(b, s->dims[d].name);
			iamw__buf_addc(b, ',');
			add_str(b, s->dims[d].value);
			iamw__buf_addc(b, ']');
		}
		iamw__buf_adds(b, "],\"buckets\":[");
		for (size_t j = 0; j < s->n_slots; j++) {
			iamw__buf_addf(b, "%s[%" PRId64 ",", j ? "," : "", s->slots[j].start_ms);
			iamw__bucket_to_json(&s->slots[j].b, b);
			iamw__buf_addc(b, ']');
		}
		iamw__buf_adds(b, "]}");
	}
	iamw__buf_adds(b, "]}");
}

int iamw__aggregator_save(const iamw__aggregator *agg, char **out, size_t *out_len)
{
	if (!out)
		return IAMW_EINVAL;
	*out = NULL;
	if (out_len)
		*out_len = 0;
	if (!agg)
		return IAMW_EINVAL;
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__aggregator_save_buf(agg, &b);
	return iamw__buf_steal(&b, out, out_len);
}

/* --------------------------------------------------------------- restore */

#define BAD(...) iamw__error_set(err, IAMW_ESTATE, IAMW_NO_OFFSET, 0, "state", __VA_ARGS__)

static const char *json_str(const cJSON *obj, const char *name)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(j) && nonempty(j->valuestring) ? j->valuestring : NULL;
}

static int restore_series(iamw__aggregator *agg, const cJSON *js, size_t idx, iamw_error *err)
{
	if (!cJSON_IsObject(js))
		return BAD("series %zu is not an object", idx);
	iamw__dimension dims[IAMW__AGG_MAX_DIMENSIONS];
	iamw__metric_key key = {json_str(js, "namespace"), json_str(js, "metric"), dims, 0,
	                        json_str(js, "unit")};
	if (!key.ns || !key.name || !key.unit)
		return BAD("series %zu needs non-empty namespace, metric and unit strings", idx);
	const cJSON *jd = cJSON_GetObjectItemCaseSensitive(js, "dimensions");
	if (!cJSON_IsArray(jd) || cJSON_GetArraySize(jd) > IAMW__AGG_MAX_DIMENSIONS)
		return BAD("series %zu: dimensions must be an array of at most 30 pairs", idx);
	const cJSON *it;
	cJSON_ArrayForEach(it, jd)
	{
		const cJSON *n = cJSON_GetArrayItem(it, 0), *v = cJSON_GetArrayItem(it, 1);
		if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 || !cJSON_IsString(n) ||
		    !cJSON_IsString(v) || !nonempty(n->valuestring) || !nonempty(v->valuestring))
			return BAD("series %zu: a dimension is not [name, value]", idx);
		if (key.n_dims && strcmp(dims[key.n_dims - 1].name, n->valuestring) >= 0)
			return BAD("series %zu: dimensions not sorted by name", idx);
		/* Borrowed from the cJSON tree; series_new copies them. */
		dims[key.n_dims].name = n->valuestring;
		dims[key.n_dims++].value = v->valuestring;
	}
	keyview k;
	if (key_view(&key, &k, NULL))
		return BAD("series %zu: invalid key", idx);
	if (agg->n_series && cmp_series(agg->series[agg->n_series - 1], &k, LEVEL_UNIT) >= 0)
		return BAD("series %zu out of order or duplicated", idx);
	const cJSON *jb = cJSON_GetObjectItemCaseSensitive(js, "buckets");
	if (!cJSON_IsArray(jb) || cJSON_GetArraySize(jb) < 1)
		return BAD("series %zu: buckets must be a non-empty array", idx);
	iamw__series *s = series_new(&k);
	if (!s || series_insert(agg, agg->n_series, s)) {
		series_free(s);
		return IAMW_ENOMEM;
	}
	cJSON_ArrayForEach(it, jb)
	{
		double start;
		if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 ||
		    !iamw__json_int(cJSON_GetArrayItem(it, 0), -IAMW__AGG_MAX_ABS_TIME_MS,
		                    IAMW__AGG_MAX_ABS_TIME_MS, &start))
			return BAD("series %zu: a bucket is not [start, bucket]", idx);
		int64_t t = (int64_t)start;
		if (floor_to(t, agg->period_ms) != t)
			return BAD("series %zu: bucket start %" PRId64 " not aligned to the period",
			           idx, t);
		if (s->n_slots && s->slots[s->n_slots - 1].start_ms >= t)
			return BAD("series %zu: buckets not in ascending time order", idx);
		if (slot_insert(s, s->n_slots, t))
			return IAMW_ENOMEM;
		int rc = iamw__bucket_from_json(&s->slots[s->n_slots - 1].b,
		                                cJSON_GetArrayItem(it, 1), err);
		if (rc) {
			s->n_slots--;
			return rc;
		}
	}
	return IAMW_OK;
}

static int restore(iamw__aggregator **out, const cJSON *json, iamw_error *err)
{
	*out = NULL;
	if (!cJSON_IsObject(json))
		return BAD("aggregator state is not a JSON object");
	const char *fmt = json_str(json, "format");
	if (!fmt || strcmp(fmt, IAMW__AGG_FORMAT) != 0)
		return BAD("not an \"" IAMW__AGG_FORMAT "\" state");
	double version, period, max_sets, overflow;
	if (!iamw__json_int(cJSON_GetObjectItemCaseSensitive(json, "version"), 0, JSON_INT_MAX,
	                    &version))
		return BAD("missing or invalid \"version\"");
	if (version != IAMW__AGG_VERSION)
		return BAD("unsupported aggregator state version %.0f (expected %d)", version,
		           IAMW__AGG_VERSION);
	if (!iamw__json_int(cJSON_GetObjectItemCaseSensitive(json, "period"), 1,
	                    IAMW__AGG_MAX_PERIOD_MS / 1000, &period) ||
	    !period_ok((int64_t)period * 1000))
		return BAD("invalid \"period\"");
	if (!iamw__json_int(cJSON_GetObjectItemCaseSensitive(json, "max_dimension_sets"), 0,
	                    JSON_INT_MAX, &max_sets) ||
	    !iamw__json_int(cJSON_GetObjectItemCaseSensitive(json, "overflow"), 0, JSON_INT_MAX,
	                    &overflow))
		return BAD("invalid \"max_dimension_sets\" or \"overflow\"");
	const cJSON *ingest = cJSON_GetObjectItemCaseSensitive(json, "ingest");
	const cJSON *series = cJSON_GetObjectItemCaseSensitive(json, "series");
	if (!cJSON_IsArray(ingest) || !cJSON_IsArray(series))
		return BAD("\"ingest\" and \"series\" must be arrays");
	iamw__aggregator *agg;
	int rc = iamw__aggregator_new(&agg, (int64_t)period * 1000, (size_t)max_sets);
	if (rc)
		return rc;
	agg->overflow = (uint64_t)overflow;
	const cJSON *it;
	cJSON_ArrayForEach(it, ingest)
	{
		double m;
		if (!iamw__json_int(it, -IAMW__AGG_MAX_ABS_TIME_MS, IAMW__AGG_MAX_ABS_TIME_MS,
		                    &m) ||
		    floor_to((int64_t)m, IAMW__AGG_INGEST_PERIOD_MS) != (int64_t)m ||
		    (agg->n_ingest && agg->ingest[agg->n_ingest - 1] >= (int64_t)m)) {
			rc = BAD("\"ingest\" must hold ascending minute starts");
			goto fail;
		}
		if (reserve((void **)&agg->ingest, &agg->cap_ingest, agg->n_ingest + 1,
		            sizeof *agg->ingest)) {
			rc = IAMW_ENOMEM;
			goto fail;
		}
		agg->ingest[agg->n_ingest++] = (int64_t)m;
	}
	size_t idx = 0;
	cJSON_ArrayForEach(it, series)
	{
		if ((rc = restore_series(agg, it, idx++, err)))
			goto fail;
	}
	*out = agg;
	return IAMW_OK;
fail:
	iamw__aggregator_free(agg);
	return rc;
}

int iamw__aggregator_restore(iamw__aggregator **out, const cJSON *json, iamw_error *err)
{
	if (!out)
		return IAMW_EINVAL;
	int rc = restore(out, json, err);
	if (!rc)
		iamw__error_clear(err);
	return rc;
}

int iamw__aggregator_restore_text(iamw__aggregator **out, const char *text, size_t len,
                                  iamw_error *err)
{
	if (!out)
		return IAMW_EINVAL;
	*out = NULL;
	if (!text)
		return IAMW_EINVAL;
	if (len == IAMW_NUL_TERMINATED)
		len = strlen(text);
	cJSON *json;
	size_t off;
	int prc = iamw__json_parse(text, len, &json, &off);
	if (prc == IAMW_ENOMEM)
		return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "state", "out of memory");
	if (prc)
		return iamw__error_set(err, IAMW_ESTATE, off <= len ? off : IAMW_NO_OFFSET, 0,
		                       "state", "aggregator state is not valid JSON");
	int rc = iamw__aggregator_restore(out, json, err);
	cJSON_Delete(json);
	return rc;
}

int iamw__aggregator_load(iamw__aggregator *agg, const cJSON *json, iamw_error *err)
{
	if (!agg)
		return IAMW_EINVAL;
	iamw__aggregator *fresh;
	int rc = iamw__aggregator_restore(&fresh, json, err);
	if (rc)
		return rc;
	agg_replace(agg, fresh);
	return IAMW_OK;
}
