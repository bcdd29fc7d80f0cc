/* SPDX-License-Identifier: MIT */
/*
 * stats.c - the per-period sample store ("bucket") behind every metric data
 * point, the CloudWatch statistics over it, the ExtendedStatistic parser and
 * the bucket's JSON form used in saved aggregator state.
 *
 * A bucket is exact while small (sorted distinct values with counts) and
 * turns into a DDSketch-style logarithmic sketch past IAMW__BUCKET_EXACT_CAP
 * distinct values. Everything a bucket stores is a function of the multiset
 * of samples it was fed, never of their order: the regime (distinct values >
 * cap), the pairs, the sketch bins, min/max/count, and the sum, which is kept
 * in an exact fixed-point accumulator. That is what makes merging two buckets
 * equal to feeding one bucket everything, and merge associative, bit for bit.
 * See stats.h for the accuracy contract and docs/semantics.md for the
 * statistic definitions (nearest-rank percentiles, rank-based trimming).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "metrics/stats.h"

#define ACC_W IAMW__ACC_WORDS

typedef struct iamw__sk_bin {
	int32_t index;
	uint64_t count;
} iamw__sk_bin;

typedef struct iamw__sk_store {
	iamw__sk_bin *bins; /* ascending index, counts > 0 */
	size_t n, cap;
} iamw__sk_store;

struct iamw__sketch {
	/* Exact sum: two's complement fixed point, least significant word first,
	 * unit 2^-1074 (the smallest subnormal), so every double is an integer. */
	uint64_t acc[ACC_W];
	uint64_t zero;      /* samples equal to 0 */
	iamw__sk_store pos; /* bins of positive values */
	iamw__sk_store neg; /* bins of |v| for negative values */
};

/* ----------------------------------------------------- exact accumulator */

static void acc_add_word(uint64_t *acc, size_t k, uint64_t x, int negative)
{
	/* Carries (borrows) run upwards and wrap off the top word, which is
	 * what two's complement arithmetic wants. */
	while (x && k < ACC_W) {
		uint64_t old = acc[k];
		if (negative) {
			acc[k] = old - x;
			x = old < x;
		} else {
			acc[k] = old + x;
			x = acc[k] < old;
		}
		k++;
	}
}

/* acc += (or -=) x * 2^bit */
static void acc_add_shifted(uint64_t *acc, uint64_t x, unsigned bit, int negative)
{
	size_t k = bit / 64;
	unsigned s = bit % 64;
	acc_add_word(acc, k, x << s, negative);
	if (s)
		acc_add_word(acc, k + 1, x >> (64 - s), negative);
}

/* acc += v * count, exactly. */
static void acc_add_value(uint64_t *acc, double v, uint64_t count)
{
	double a = fabs(v);
	if (a == 0 || count == 0)
		return;
	int ex;
	(void)frexp(a, &ex);
	int e = ex - 53; /* a = m * 2^e with m < 2^53 an integer */
	if (e < -1074)
		e = -1074;
	uint64_t m = (uint64_t)ldexp(a, -e);
	unsigned bit = (unsigned)(e + 1074);
	/* m * count is up to 117 bits: four 32x32 partial products. */
	uint64_t ml = m & 0xffffffffu, mh = m >> 32;
	uint64_t cl = count & 0xffffffffu, ch = count >> 32;
	int neg = v < 0;
	acc_add_shifted(acc, ml * cl, bit, neg);
	acc_add_shifted(acc, ml * ch, bit + 32, neg);
	acc_add_shifted(acc, mh * cl, bit + 32, neg);
	acc_add_shifted(acc, mh * ch, bit + 64, neg);
}

static void acc_add_acc(uint64_t *acc, const uint64_t *src)
{
	uint64_t carry = 0;
	for (size_t k = 0; k < ACC_W; k++) {
		uint64_t s = acc[k] + src[k];
		uint64_t c1 = s < acc[k];
		uint64_t t = s + carry;
		uint64_t c2 = t < s;
		acc[k] = t;
		carry = c1 | c2;
	}
}

static void acc_negate(uint64_t *w)
{
	uint64_t carry = 1;
	for (size_t k = 0; k < ACC_W; k++) {
		w[k] = ~w[k] + carry;
		carry = carry && w[k] == 0;
	}
}

static int clz64(uint64_t x)
{
	int n = 0;
	while (!(x & (UINT64_C(1) << 63))) {
		x <<= 1;
		n++;
	}
	return n;
}

/* The accumulator rounded to the nearest double (ties to even). */
static double acc_to_double(const uint64_t *acc)
{
	uint64_t mag[ACC_W];
	memcpy(mag, acc, sizeof mag);
	int neg = (int)(mag[ACC_W - 1] >> 63);
	if (neg)
		acc_negate(mag);
	size_t h = ACC_W;
	while (h > 0 && mag[h - 1] == 0)
		h--;
	if (h == 0)
		return 0.0;
	h--;
	double r;
	if (h == 0 && mag[0] < (UINT64_C(1) << 53)) {
		r = ldexp((double)mag[0], -1074); /* exact, possibly subnormal */
	} else {
		int lz = clz64(mag[h]);
		uint64_t top = mag[h] << lz;
		int sticky = 0;
		if (h > 0) {
			if (lz)
				top |= mag[h - 1] >> (64 - lz);
			sticky = (mag[h - 1] << lz) != 0;
			for (size_t k = 0; k + 1 < h && !sticky; k++)
				sticky = mag[k] != 0;
		}
		uint64_t mant = top >> 11, rem = top & 0x7ff;
		if (rem > 0x400 || (rem == 0x400 && (sticky || (mant & 1))))
			mant++;
		int pos = (int)(64 * h) + 63 - lz; /* bit index of the leading one */
		r = ldexp((double)mant, pos - 52 - 1074);
	}
	return neg ? -r : r;
}

static void acc_to_hex(const uint64_t *acc, iamw__buf *out)
{
	uint64_t mag[ACC_W];
	memcpy(mag, acc, sizeof mag);
	if (mag[ACC_W - 1] >> 63) {
		acc_negate(mag);
		iamw__buf_addc(out, '-');
	}
	size_t h = ACC_W;
	while (h > 0 && mag[h - 1] == 0)
		h--;
	if (h == 0) {
		iamw__buf_addc(out, '0');
		return;
	}
	iamw__buf_addf(out, "%" PRIx64, mag[h - 1]);
	for (size_t k = h - 1; k-- > 0;)
		iamw__buf_addf(out, "%016" PRIx64, mag[k]);
}

/* Inverse of acc_to_hex; only its canonical output is accepted. */
static int acc_from_hex(uint64_t *acc, const char *s)
{
	memset(acc, 0, sizeof(uint64_t) * ACC_W);
	int neg = *s == '-';
	if (neg)
		s++;
	size_t n = strlen(s);
	if (n == 0 || n > ACC_W * 16 || (s[0] == '0' && (n > 1 || neg)))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[n - 1 - i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return 0;
		acc[i / 16] |= (uint64_t)d << (4 * (i % 16));
	}
	if (acc[ACC_W - 1] >> 63)
		return 0; /* magnitude does not fit beside the sign */
	if (neg)
		acc_negate(acc);
	return 1;
}

/* ---------------------------------------------------------------- sketch */

/* gamma = (1 + alpha) / (1 - alpha); bin i holds values in (gamma^(i-1),
 * gamma^i] and reports 2 gamma^i / (gamma + 1), which is within alpha of
 * every value of the bin. */
static double sk_log_gamma(void)
{
	return log1p(2 * IAMW__SKETCH_ALPHA / (1 - IAMW__SKETCH_ALPHA));
}

static int32_t sk_index(double a)
{
	return (int32_t)ceil(log(a) / sk_log_gamma());
}

static double sk_value(int32_t i)
{
	double gamma = (1 + IAMW__SKETCH_ALPHA) / (1 - IAMW__SKETCH_ALPHA);
	return 2.0 * exp((double)i * sk_log_gamma()) / (gamma + 1);
}

static size_t store_find(const iamw__sk_store *s, int32_t index)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->bins[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int store_add(iamw__sk_store *s, int32_t index, uint64_t count)
{
	size_t i = store_find(s, index);
	if (i < s->n && s->bins[i].index == index) {
		s->bins[i].count += count;
		return IAMW_OK;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		iamw__sk_bin *nb = iamw__realloc(s->bins, cap * sizeof *nb);
		if (!nb)
			return IAMW_ENOMEM;
		s->bins = nb;
		s->cap = cap;
	}
	memmove(s->bins + i + 1, s->bins + i, (s->n - i) * sizeof *s->bins);
	s->bins[i].index = index;
	s->bins[i].count = count;
	s->n++;
	return IAMW_OK;
}

/* *out = a ∪ b as a fresh array (not yet installed anywhere). */
static int store_union(const iamw__sk_store *a, const iamw__sk_store *b, iamw__sk_store *out)
{
	out->n = out->cap = 0;
	out->bins = NULL;
	if (a->n + b->n == 0)
		return IAMW_OK;
	out->bins = iamw__malloc((a->n + b->n) * sizeof *out->bins);
	if (!out->bins)
		return IAMW_ENOMEM;
	out->cap = a->n + b->n;
	size_t i = 0, j = 0;
	while (i < a->n || j < b->n) {
		if (j == b->n || (i < a->n && a->bins[i].index < b->bins[j].index)) {
			out->bins[out->n++] = a->bins[i++];
		} else if (i == a->n || b->bins[j].index < a->bins[i].index) {
			out->bins[out->n++] = b->bins[j++];
		} else {
			out->bins[out->n] = a->bins[i++];
			out->bins[out->n++].count += b->bins[j++].count;
		}
	}
	return IAMW_OK;
}

static void sketch_free(iamw__sketch *s)
{
	if (!s)
		return;
	iamw__free(s->pos.bins);
	iamw__free(s->neg.bins);
	iamw__free(s);
}

/* Record `count` samples of v in the bins and the sum. The only fallible
 * step (growing a bin array) comes first, so on failure nothing changed. */
static int sketch_add(iamw__sketch *s, double v, uint64_t count)
{
	if (v > 0) {
		int rc = store_add(&s->pos, sk_index(v), count);
		if (rc)
			return rc;
	} else if (v < 0) {
		int rc = store_add(&s->neg, sk_index(-v), count);
		if (rc)
			return rc;
	} else {
		s->zero += count;
	}
	acc_add_value(s->acc, v, count);
	return IAMW_OK;
}

static int sketch_from_pairs(const iamw__value_count *p, size_t n, iamw__sketch **out)
{
	iamw__sketch *s = iamw__calloc(1, sizeof *s);
	if (!s)
		return IAMW_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (sketch_add(s, p[i].value, p[i].count)) {
			sketch_free(s);
			return IAMW_ENOMEM;
		}
	}
	*out = s;
	return IAMW_OK;
}

/* dst ∪= src, all or nothing. */
static int sketch_absorb(iamw__sketch *dst, const iamw__sketch *src)
{
	iamw__sk_store pos, neg;
	if (store_union(&dst->pos, &src->pos, &pos))
		return IAMW_ENOMEM;
	if (store_union(&dst->neg, &src->neg, &neg)) {
		iamw__free(pos.bins);
		return IAMW_ENOMEM;
	}
	iamw__free(dst->pos.bins);
	iamw__free(dst->neg.bins);
	dst->pos = pos;
	dst->neg = neg;
	dst->zero += src->zero;
	acc_add_acc(dst->acc, src->acc);
	return IAMW_OK;
}

static int sketch_clone(const iamw__sketch *src, iamw__sketch **out)
{
	iamw__sketch *s = iamw__calloc(1, sizeof *s);
	if (!s)
		return IAMW_ENOMEM;
	if (sketch_absorb(s, src)) {
		sketch_free(s);
		return IAMW_ENOMEM;
	}
	*out = s;
	return IAMW_OK;
}

/* ---------------------------------------------------------------- bucket */

void iamw__bucket_init(iamw__bucket *b)
{
	memset(b, 0, sizeof *b);
}

void iamw__bucket_free(iamw__bucket *b)
{
	if (!b)
		return;
	iamw__free(b->vals);
	sketch_free(b->sketch);
	iamw__bucket_init(b);
}

int iamw__bucket_is_sketch(const iamw__bucket *b)
{
	return b->sketch != NULL;
}

static void note_range(iamw__bucket *b, double lo, double hi, uint64_t count)
{
	if (b->count == 0 || lo < b->min)
		b->min = lo;
	if (b->count == 0 || hi > b->max)
		b->max = hi;
	b->count += count;
}

static size_t vals_find(const iamw__bucket *b, double v)
{
	size_t lo = 0, hi = b->n_vals;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->vals[mid].value < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int iamw__bucket_add(iamw__bucket *b, double value, uint64_t count)
{
	if (!b || count == 0 || !isfinite(value) || fabs(value) > IAMW__MAX_ABS_VALUE)
		return IAMW_EINVAL;
	if (value == 0)
		value = 0.0; /* -0 and 0 are one value */
	if (b->sketch) {
		if (sketch_add(b->sketch, value, count))
			return IAMW_ENOMEM;
		note_range(b, value, value, count);
		return IAMW_OK;
	}
	size_t i = vals_find(b, value);
	if (i < b->n_vals && b->vals[i].value == value) {
		b->vals[i].count += count;
		note_range(b, value, value, count);
		return IAMW_OK;
	}
	if (b->n_vals == IAMW__BUCKET_EXACT_CAP) {
		iamw__sketch *s;
		if (sketch_from_pairs(b->vals, b->n_vals, &s))
			return IAMW_ENOMEM;
		if (sketch_add(s, value, count)) {
			sketch_free(s);
			return IAMW_ENOMEM;
		}
		iamw__free(b->vals);
		b->vals = NULL;
		b->n_vals = b->cap_vals = 0;
		b->sketch = s;
		note_range(b, value, value, count);
		return IAMW_OK;
	}
	if (b->n_vals == b->cap_vals) {
		size_t cap = b->cap_vals ? b->cap_vals * 2 : 4;
		if (cap > IAMW__BUCKET_EXACT_CAP)
			cap = IAMW__BUCKET_EXACT_CAP;
		iamw__value_count *nv = iamw__realloc(b->vals, cap * sizeof *nv);
		if (!nv)
			return IAMW_ENOMEM;
		b->vals = nv;
		b->cap_vals = cap;
	}
	memmove(b->vals + i + 1, b->vals + i, (b->n_vals - i) * sizeof *b->vals);
	b->vals[i].value = value;
	b->vals[i].count = count;
	b->n_vals++;
	note_range(b, value, value, count);
	return IAMW_OK;
}

int iamw__bucket_copy(iamw__bucket *dst, const iamw__bucket *src)
{
	iamw__bucket_init(dst);
	if (src->sketch) {
		if (sketch_clone(src->sketch, &dst->sketch))
			return IAMW_ENOMEM;
	} else if (src->n_vals) {
		dst->vals = iamw__malloc(src->n_vals * sizeof *dst->vals);
		if (!dst->vals)
			return IAMW_ENOMEM;
		memcpy(dst->vals, src->vals, src->n_vals * sizeof *dst->vals);
		dst->n_vals = dst->cap_vals = src->n_vals;
	}
	dst->count = src->count;
	dst->min = src->min;
	dst->max = src->max;
	return IAMW_OK;
}

int iamw__bucket_merge(iamw__bucket *dst, const iamw__bucket *src)
{
	if (!src->count)
		return IAMW_OK;
	if (!dst->count) {
		iamw__bucket t;
		if (iamw__bucket_copy(&t, src))
			return IAMW_ENOMEM;
		iamw__bucket_free(dst);
		*dst = t;
		return IAMW_OK;
	}
	if (!dst->sketch && !src->sketch) {
		size_t cap = dst->n_vals + src->n_vals;
		iamw__value_count *m = iamw__malloc(cap * sizeof *m);
		if (!m)
			return IAMW_ENOMEM;
		size_t i = 0, j = 0, n = 0;
		while (i < dst->n_vals || j < src->n_vals) {
			if (j == src->n_vals ||
			    (i < dst->n_vals && dst->vals[i].value < src->vals[j].value)) {
				m[n++] = dst->vals[i++];
			} else if (i == dst->n_vals || src->vals[j].value < dst->vals[i].value) {
				m[n++] = src->vals[j++];
			} else {
				m[n] = dst->vals[i++];
				m[n++].count += src->vals[j++].count;
			}
		}
		if (n <= IAMW__BUCKET_EXACT_CAP) {
			iamw__free(dst->vals);
			dst->vals = m;
			dst->n_vals = n;
			dst->cap_vals = cap;
		} else {
			iamw__sketch *s;
			int rc = sketch_from_pairs(m, n, &s);
			iamw__free(m);
			if (rc)
				return rc;
			iamw__free(dst->vals);
			dst->vals = NULL;
			dst->n_vals = dst->cap_vals = 0;
			dst->sketch = s;
		}
	} else {
		/* At least one side is a sketch: the result is one. Build what can
		 * fail first, install last. */
		iamw__sketch *tmp = NULL;
		const iamw__sketch *from = src->sketch;
		if (!from) {
			if (sketch_from_pairs(src->vals, src->n_vals, &tmp))
				return IAMW_ENOMEM;
			from = tmp;
		}
		if (dst->sketch) {
			int rc = sketch_absorb(dst->sketch, from);
			sketch_free(tmp);
			if (rc)
				return rc;
		} else {
			iamw__sketch *s;
			if (sketch_from_pairs(dst->vals, dst->n_vals, &s)) {
				sketch_free(tmp);
				return IAMW_ENOMEM;
			}
			int rc = sketch_absorb(s, from);
			sketch_free(tmp);
			if (rc) {
				sketch_free(s);
				return rc;
			}
			iamw__free(dst->vals);
			dst->vals = NULL;
			dst->n_vals = dst->cap_vals = 0;
			dst->sketch = s;
		}
	}
	note_range(dst, src->min, src->max, src->count);
	return IAMW_OK;
}

double iamw__bucket_sum(const iamw__bucket *b)
{
	if (b->sketch)
		return acc_to_double(b->sketch->acc);
	uint64_t acc[ACC_W] = {0};
	for (size_t i = 0; i < b->n_vals; i++)
		acc_add_value(acc, b->vals[i].value, b->vals[i].count);
	return acc_to_double(acc);
}

/* ------------------------------------------------------------ statistics */

/* ceil(a * b / d) for b <= d, without overflow (128-bit product, long
 * division); the percent-to-rank step must be exact: p95 of 20 samples is
 * rank 19, not 20 because 0.95 * 20 rounded up a hair. */
static uint64_t mul_div_ceil(uint64_t a, uint64_t b, uint64_t d)
{
	uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
	uint64_t lo = (p00 & 0xffffffffu) | (mid << 32);
	uint64_t hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
	uint64_t q = 0, r = 0;
	for (int i = 127; i >= 0; i--) {
		uint64_t bit = i >= 64 ? (hi >> (i - 64)) & 1 : (lo >> i) & 1;
		r = (r << 1) | bit;
		q <<= 1; /* quotient <= a, so bits above 63 are never set */
		if (r >= d) {
			r -= d;
			q |= 1;
		}
	}
	return r ? q + 1 : q;
}

/* Nearest rank (1-based) of a percentage among n samples; 0 for 0 %. */
static uint64_t pct_rank(uint64_t n, int64_t pct)
{
	return mul_div_ceil(n, (uint64_t)pct, (uint64_t)IAMW__PCT_100);
}

/* The samples in ascending order as (value, count) groups. In the sketch
 * regime values are the bins' representatives clamped to [min, max]; this
 * is only used for non-negative data, so the negative store is skipped. */
typedef struct grp_iter {
	const iamw__bucket *b;
	size_t i;
	int zero_done;
} grp_iter;

static int grp_next(grp_iter *it, double *v, uint64_t *c)
{
	const iamw__bucket *b = it->b;
	if (!b->sketch) {
		if (it->i >= b->n_vals)
			return 0;
		*v = b->vals[it->i].value;
		*c = b->vals[it->i++].count;
		return 1;
	}
	if (!it->zero_done) {
		it->zero_done = 1;
		if (b->sketch->zero) {
			*v = 0;
			*c = b->sketch->zero;
			return 1;
		}
	}
	if (it->i >= b->sketch->pos.n)
		return 0;
	double r = sk_value(b->sketch->pos.bins[it->i].index);
	*v = r < b->min ? b->min : r > b->max ? b->max : r;
	*c = b->sketch->pos.bins[it->i++].count;
	return 1;
}

/* Value of the sample of 1-based rank r (1 <= r <= count). */
static double rank_value(const iamw__bucket *b, uint64_t r)
{
	grp_iter it = {b, 0, 0};
	double v = b->max;
	uint64_t c, cum = 0;
	while (grp_next(&it, &v, &c)) {
		cum += c;
		if (cum >= r)
			return v;
	}
	return v;
}

static int stat_percent_range(const iamw__bucket *b, const iamw__stat_spec *s, double *out)
{
	uint64_t n = b->count;
	uint64_t lo = s->has_lower ? pct_rank(n, s->lower_pct) : 0;
	uint64_t hi = s->has_upper ? pct_rank(n, s->upper_pct) : n;
	uint64_t kept = hi > lo ? hi - lo : 0;
	double sum = 0, first = 0, last = 0;
	if (kept) {
		grp_iter it = {b, 0, 0};
		double v;
		uint64_t c, cum = 0;
		while (cum < hi && grp_next(&it, &v, &c)) {
			uint64_t a = cum > lo ? cum : lo;         /* overlap of (cum, cum+c] */
			uint64_t e = cum + c < hi ? cum + c : hi; /* with (lo, hi] */
			if (e > a) {
				if (a == lo)
					first = v; /* holds rank lo + 1 */
				sum += v * (double)(e - a);
				last = v;
			}
			cum += c;
		}
	}
	switch (s->kind) {
	case IAMW__STAT_TC: *out = (double)kept; return 1;
	case IAMW__STAT_TS: *out = sum; return 1;
	case IAMW__STAT_TM:
		if (!kept)
			return 0;
		*out = sum / (double)kept;
		return 1;
	case IAMW__STAT_WM:
		/* Classic winsorizing: trimmed samples take the value of the
		 * nearest kept sample. */
		if (!kept)
			return 0;
		*out = (sum + first * (double)lo + last * (double)(n - hi)) / (double)n;
		return 1;
	default: return 0;
	}
}

static int stat_absolute_range(const iamw__bucket *b, const iamw__stat_spec *s, double *out)
{
	grp_iter it = {b, 0, 0};
	double v, sum = 0, wsum = 0;
	uint64_t c, kept = 0;
	while (grp_next(&it, &v, &c)) {
		/* Absolute bounds exclude the lower and include the upper value. */
		if (s->has_lower && v <= s->lower) {
			wsum += s->lower * (double)c;
		} else if (s->has_upper && v > s->upper) {
			wsum += s->upper * (double)c;
		} else {
			kept += c;
			sum += v * (double)c;
			wsum += v * (double)c;
		}
	}
	switch (s->kind) {
	case IAMW__STAT_TC: *out = (double)kept; return 1;
	case IAMW__STAT_TS: *out = sum; return 1;
	case IAMW__STAT_TM:
		if (!kept)
			return 0;
		*out = sum / (double)kept;
		return 1;
	case IAMW__STAT_WM: *out = wsum / (double)b->count; return 1;
	case IAMW__STAT_PR: *out = 100.0 * (double)kept / (double)b->count; return 1;
	default: return 0;
	}
}

int iamw__bucket_stat(const iamw__bucket *b, const iamw__stat_spec *spec, double *out)
{
	if (!b || !spec || !out || b->count == 0)
		return 0;
	switch (spec->kind) {
	case IAMW__STAT_SAMPLE_COUNT: *out = (double)b->count; return 1;
	case IAMW__STAT_SUM: *out = iamw__bucket_sum(b); return 1;
	case IAMW__STAT_AVERAGE: *out = iamw__bucket_sum(b) / (double)b->count; return 1;
	case IAMW__STAT_MINIMUM: *out = b->min; return 1;
	case IAMW__STAT_MAXIMUM: *out = b->max; return 1;
	default: break;
	}
	/* CloudWatch: extended statistics are not available when any value in
	 * the period is negative. */
	if (b->min < 0)
		return 0;
	if (spec->kind == IAMW__STAT_PERCENTILE) {
		if (spec->upper_pct == 0)
			*out = b->min;
		else if (spec->upper_pct == IAMW__PCT_100)
			*out = b->max;
		else
			*out = rank_value(b, pct_rank(b->count, spec->upper_pct));
		return 1;
	}
	if (spec->percent)
		return stat_percent_range(b, spec, out);
	return stat_absolute_range(b, spec, out);
}

/* ---------------------------------------------------------------- parser */

/* A percentage: 0..100 with at most 10 decimals and no sign. Leading zeros
 * are read as the number they spell ("p05" is p5, docs/semantics.md M-12).
 * Sets *pct in 1e-10 % units. */
static int parse_pct(const char *s, size_t n, int64_t *pct)
{
	size_t i = 0;
	while (i + 1 < n && s[i] == '0' && s[i + 1] >= '0' && s[i + 1] <= '9')
		i++; /* leading zeros, keeping the last digit before '.' or the end */
	size_t int_start = i;
	int64_t ip = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		if (i - int_start >= 3)
			return 0;
		ip = ip * 10 + (s[i] - '0');
		i++;
	}
	if (i == int_start)
		return 0;
	int64_t frac = 0;
	int digits = 0;
	if (i < n) {
		if (s[i] != '.')
			return 0;
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (++digits > 10)
				return 0;
			frac = frac * 10 + (s[i] - '0');
			i++;
		}
		if (digits == 0 || i != n)
			return 0;
	}
	for (; digits < 10; digits++)
		frac *= 10;
	int64_t v = ip * IAMW__PCT_SCALE + frac;
	if (v > IAMW__PCT_100)
		return 0;
	*pct = v;
	return 1;
}

/* An absolute bound: -?digits(.digits)? */
static int parse_abs(const char *s, size_t n, double *out)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	size_t d0 = i;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == d0)
		return 0;
	if (i < n) {
		if (s[i] != '.')
			return 0;
		size_t f0 = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == f0 || i != n)
			return 0;
	}
	return iamw__parse_double_c(s, n, out) && isfinite(*out);
}

/* One side of a range: "" (absent), "N%" or "N". *is_pct = -1 when absent. */
static int parse_bound(const char *s, size_t n, int *is_pct, double *v, int64_t *pct)
{
	if (n == 0) {
		*is_pct = -1;
		return 1;
	}
	if (s[n - 1] == '%') {
		*is_pct = 1;
		if (!parse_pct(s, n - 1, pct))
			return 0;
		*v = (double)*pct / (double)IAMW__PCT_SCALE;
		return 1;
	}
	*is_pct = 0;
	return parse_abs(s, n, v);
}

int iamw__stat_parse(const char *text, iamw__stat_spec *out)
{
	static const struct {
		const char *name;
		iamw__stat_kind kind;
	} simple[] = {
	    {"SampleCount", IAMW__STAT_SAMPLE_COUNT}, {"Sum", IAMW__STAT_SUM},
	    {"Average", IAMW__STAT_AVERAGE},          {"Minimum", IAMW__STAT_MINIMUM},
	    {"Maximum", IAMW__STAT_MAXIMUM},
	};
	static const struct {
		const char *lower, *upper;
		iamw__stat_kind kind;
	} trims[] = {
	    {"tm", "TM", IAMW__STAT_TM}, {"wm", "WM", IAMW__STAT_WM}, {"tc", "TC", IAMW__STAT_TC},
	    {"ts", "TS", IAMW__STAT_TS}, {NULL, "PR", IAMW__STAT_PR},
	};
	if (!text || !out)
		return IAMW_EINVAL;
	iamw__stat_spec s;
	memset(&s, 0, sizeof s);
	for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
		if (strcmp(text, simple[i].name) == 0) {
			s.kind = simple[i].kind;
			*out = s;
			return IAMW_OK;
		}
	}
	size_t n = strlen(text);
	if (strcmp(text, "IQM") == 0) {
		/* IQM is TM(25%:75%). */
		s.kind = IAMW__STAT_TM;
		s.percent = s.has_lower = s.has_upper = 1;
		s.lower_pct = 25 * IAMW__PCT_SCALE;
		s.upper_pct = 75 * IAMW__PCT_SCALE;
		s.lower = 25;
		s.upper = 75;
		s.short_form = 1;
		*out = s;
		return IAMW_OK;
	}
	if (text[0] == 'p') {
		if (!parse_pct(text + 1, n - 1, &s.upper_pct))
			return IAMW_EINVAL;
		s.kind = IAMW__STAT_PERCENTILE;
		s.percent = s.has_upper = s.short_form = 1;
		s.upper = (double)s.upper_pct / (double)IAMW__PCT_SCALE;
		*out = s;
		return IAMW_OK;
	}
	if (n < 3)
		return IAMW_EINVAL;
	for (size_t i = 0; i < sizeof trims / sizeof trims[0]; i++) {
		/* One number, lowercase: an upper percentile bound (tm99 = TM(:99%)). */
		if (trims[i].lower && strncmp(text, trims[i].lower, 2) == 0) {
			if (!parse_pct(text + 2, n - 2, &s.upper_pct))
				return IAMW_EINVAL;
			s.kind = trims[i].kind;
			s.percent = s.has_upper = s.short_form = 1;
			s.upper = (double)s.upper_pct / (double)IAMW__PCT_SCALE;
			*out = s;
			return IAMW_OK;
		}
		/* Range, uppercase: XX(lower:upper), either side may be empty. */
		if (strncmp(text, trims[i].upper, 2) == 0) {
			if (n < 5 || text[2] != '(' || text[n - 1] != ')')
				return IAMW_EINVAL;
			const char *body = text + 3, *end = text + n - 1;
			const char *colon = memchr(body, ':', (size_t)(end - body));
			if (!colon)
				return IAMW_EINVAL;
			int lp, up;
			if (!parse_bound(body, (size_t)(colon - body), &lp, &s.lower,
			                 &s.lower_pct) ||
			    !parse_bound(colon + 1, (size_t)(end - colon - 1), &up, &s.upper,
			                 &s.upper_pct))
				return IAMW_EINVAL;
			if (lp < 0 && up < 0)
				return IAMW_EINVAL; /* "TM(:)" */
			if (lp >= 0 && up >= 0 && lp != up)
				return IAMW_EINVAL; /* mixing percent and absolute bounds */
			s.kind = trims[i].kind;
			s.has_lower = lp >= 0;
			s.has_upper = up >= 0;
			s.percent = lp > 0 || up > 0;
			if (s.percent && s.kind == IAMW__STAT_PR)
				return IAMW_EINVAL; /* PR bounds are values */
			if (s.has_lower && s.has_upper &&
			    (s.percent ? s.lower_pct >= s.upper_pct : s.lower >= s.upper))
				return IAMW_EINVAL;
			*out = s;
			return IAMW_OK;
		}
	}
	return IAMW_EINVAL;
}

int iamw__stat_from_statistic(iamw_statistic stat, const char *extended, iamw__stat_spec *out)
{
	static const iamw__stat_kind map[] = {
	    [IAMW_STAT_SAMPLE_COUNT] = IAMW__STAT_SAMPLE_COUNT,
	    [IAMW_STAT_SUM] = IAMW__STAT_SUM,
	    [IAMW_STAT_AVERAGE] = IAMW__STAT_AVERAGE,
	    [IAMW_STAT_MINIMUM] = IAMW__STAT_MINIMUM,
	    [IAMW_STAT_MAXIMUM] = IAMW__STAT_MAXIMUM,
	};
	if (!out)
		return IAMW_EINVAL;
	if (stat == IAMW_STAT_EXTENDED)
		return iamw__stat_parse(extended, out);
	if (stat < IAMW_STAT_SAMPLE_COUNT || stat > IAMW_STAT_MAXIMUM)
		return IAMW_EINVAL;
	memset(out, 0, sizeof *out);
	out->kind = map[stat];
	return IAMW_OK;
}

/* ------------------------------------------------------------------ JSON */

static void add_double(iamw__buf *out, double v)
{
	char tmp[40];
	size_t n = iamw__fmt_shortest(v, tmp, sizeof tmp);
	if (n == 0 || n >= sizeof tmp) {
		out->oom = 1;
		return;
	}
	iamw__buf_add(out, tmp, n);
}

static void add_store(iamw__buf *out, const iamw__sk_store *s)
{
	iamw__buf_addc(out, '[');
	for (size_t i = 0; i < s->n; i++)
		iamw__buf_addf(out, "%s[%" PRId32 ",%" PRIu64 "]", i ? "," : "", s->bins[i].index,
		               s->bins[i].count);
	iamw__buf_addc(out, ']');
}

void iamw__bucket_to_json(const iamw__bucket *b, iamw__buf *out)
{
	if (!b->sketch) {
		iamw__buf_adds(out, "{\"values\":[");
		for (size_t i = 0; i < b->n_vals; i++) {
			iamw__buf_adds(out, i ? ",[" : "[");
			add_double(out, b->vals[i].value);
			iamw__buf_addf(out, ",%" PRIu64 "]", b->vals[i].count);
		}
		iamw__buf_adds(out, "]}");
		return;
	}
	iamw__buf_addf(out, "{\"count\":%" PRIu64 ",\"min\":", b->count);
	add_double(out, b->min);
	iamw__buf_adds(out, ",\"max\":");
	add_double(out, b->max);
	iamw__buf_adds(out, ",\"sum\":\"");
	acc_to_hex(b->sketch->acc, out);
	iamw__buf_addf(out, "\",\"zero\":%" PRIu64 ",\"pos\":", b->sketch->zero);
	add_store(out, &b->sketch->pos);
	iamw__buf_adds(out, ",\"neg\":");
	add_store(out, &b->sketch->neg);
	iamw__buf_addc(out, '}');
}

/* Integers travel as JSON numbers, which cJSON reads as doubles: only values
 * up to 2^53 are exact, so larger ones are refused rather than rounded. */
int iamw__json_int(const cJSON *j, double lo, double hi, double *out)
{
	if (!cJSON_IsNumber(j))
		return 0;
	double v = j->valuedouble;
	if (!isfinite(v) || v != floor(v) || v < lo || v > hi)
		return 0;
	*out = v;
	return 1;
}

static int json_value(const cJSON *j, double *out)
{
	if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble) ||
	    fabs(j->valuedouble) > IAMW__MAX_ABS_VALUE)
		return 0;
	*out = j->valuedouble == 0 ? 0.0 : j->valuedouble;
	return 1;
}

static int bad(iamw_error *err, const char *what)
{
	return iamw__error_set(err, IAMW_ESTATE, IAMW_NO_OFFSET, 0, "state", "bucket: %s", what);
}

static int store_from_json(iamw__sk_store *s, const cJSON *arr, uint64_t *total, iamw_error *err)
{
	if (!cJSON_IsArray(arr))
		return bad(err, "sketch bins are not an array");
	size_t n = (size_t)cJSON_GetArraySize(arr);
	s->bins = n ? iamw__malloc(n * sizeof *s->bins) : NULL;
	if (n && !s->bins)
		return IAMW_ENOMEM;
	s->cap = n;
	s->n = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		double idx, c;
		if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 ||
		    !iamw__json_int(cJSON_GetArrayItem(it, 0), -2147483648.0, 2147483647.0, &idx) ||
		    !iamw__json_int(cJSON_GetArrayItem(it, 1), 1, 0x1p53, &c))
			return bad(err, "sketch bin is not [index, count]");
		if (s->n && (int32_t)idx <= s->bins[s->n - 1].index)
			return bad(err, "sketch bins not in ascending index order");
		s->bins[s->n].index = (int32_t)idx;
		s->bins[s->n++].count = (uint64_t)c;
		if (*total + (uint64_t)c < *total)
			return bad(err, "sample count overflows");
		*total += (uint64_t)c;
	}
	return IAMW_OK;
}

static int bucket_from_json(iamw__bucket *b, const cJSON *obj, iamw_error *err)
{
	if (!cJSON_IsObject(obj))
		return bad(err, "not an object");
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(obj, "values");
	if (values) {
		if (!cJSON_IsArray(values))
			return bad(err, "\"values\" is not an array");
		int n = cJSON_GetArraySize(values);
		if (n < 1 || n > IAMW__BUCKET_EXACT_CAP)
			return bad(err, "\"values\" must hold 1 to 1024 pairs");
		b->vals = iamw__malloc((size_t)n * sizeof *b->vals);
		if (!b->vals)
			return IAMW_ENOMEM;
		b->cap_vals = (size_t)n;
		const cJSON *it;
		cJSON_ArrayForEach(it, values)
		{
			double v, c;
			if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 ||
			    !json_value(cJSON_GetArrayItem(it, 0), &v) ||
			    !iamw__json_int(cJSON_GetArrayItem(it, 1), 1, 0x1p53, &c))
				return bad(err, "value entry is not [value, count]");
			if (b->n_vals && v <= b->vals[b->n_vals - 1].value)
				return bad(err, "values not strictly ascending");
			b->vals[b->n_vals].value = v;
			b->vals[b->n_vals++].count = (uint64_t)c;
			note_range(b, v, v, (uint64_t)c);
		}
		return IAMW_OK;
	}
	double count, min, max, zero;
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(obj, "sum");
	if (!iamw__json_int(cJSON_GetObjectItemCaseSensitive(obj, "count"), 1, 0x1p53, &count) ||
	    !json_value(cJSON_GetObjectItemCaseSensitive(obj, "min"), &min) ||
	    !json_value(cJSON_GetObjectItemCaseSensitive(obj, "max"), &max) ||
	    !iamw__json_int(cJSON_GetObjectItemCaseSensitive(obj, "zero"), 0, 0x1p53, &zero) ||
	    !cJSON_IsString(sum))
		return bad(err, "sketch needs count, min, max, sum and zero");
	if (count <= IAMW__BUCKET_EXACT_CAP || min > max)
		return bad(err, "sketch count/min/max inconsistent");
	b->sketch = iamw__calloc(1, sizeof *b->sketch);
	if (!b->sketch)
		return IAMW_ENOMEM;
	if (!acc_from_hex(b->sketch->acc, sum->valuestring))
		return bad(err, "sketch sum is not a canonical hex integer");
	uint64_t total = (uint64_t)zero;
	b->sketch->zero = (uint64_t)zero;
	int rc = store_from_json(&b->sketch->pos, cJSON_GetObjectItemCaseSensitive(obj, "pos"),
	                         &total, err);
	if (rc)
		return rc;
	rc = store_from_json(&b->sketch->neg, cJSON_GetObjectItemCaseSensitive(obj, "neg"), &total,
	                     err);
	if (rc)
		return rc;
	if (total != (uint64_t)count)
		return bad(err, "sketch bin counts do not add up to count");
	/* The bins must agree with the sign of the extremes. */
	if ((b->sketch->neg.n > 0) != (min < 0) || (b->sketch->pos.n > 0) != (max > 0) ||
	    (b->sketch->zero > 0 && (min > 0 || max < 0)))
		return bad(err, "sketch bins disagree with min/max");
	b->count = (uint64_t)count;
	b->min = min;
	b->max = max;
	return IAMW_OK;
}

int iamw__bucket_from_json(iamw__bucket *out, const cJSON *obj, iamw_error *err)
{
	iamw__bucket_init(out);
	int rc = bucket_from_json(out, obj, err);
	if (rc)
		iamw__bucket_free(out);
	return rc;
}
