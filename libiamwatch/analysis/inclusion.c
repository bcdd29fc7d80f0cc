/* SPDX-License-Identifier: MIT */
/*
 * inclusion.c - the corpus-based inclusion test (inclusion.h).
 *
 * Both patterns' JSON conditions give, per compared field, a domain of
 * values: every literal either pattern compares the field with, wildcard
 * variants of those literals (the core with filler on the wildcard side),
 * n and n +- 1 for numbers, null / true / false for IS NULL / TRUE / FALSE,
 * "another value", and absence (except for fields every CloudTrail record
 * has). Each combination of field values is written into a base record and
 * matched with the library's own matcher: when the reference matches and the
 * candidate does not, the record is a counterexample. Whether a record
 * matches these patterns depends only on which class each field's value
 * falls into, so enumerating the classes decides inclusion exactly for the
 * shapes CIS uses; large products are sampled (pairwise, then at random with
 * a fixed seed) and say so.
 */
#include <string.h>

#include "analysis/conditions.h"
#include "analysis/inclusion.h"
#include "analysis/knowledge.h"
#include "analysis/records.h"

#define OTHER_VALUE "iamw-other-value"
#define FILL        "Iamw"

/* Products up to this size are enumerated; above it, sampled. */
#define EXHAUSTIVE_CAP 20000u
/* Random combinations after the pairwise pass, and the overall cap. */
#define SAMPLE_RANDOM 4000u
#define SAMPLE_MAX    30000u

enum { GV_ABSENT, GV_NULL, GV_TRUE, GV_FALSE, GV_STRING, GV_NUMBER };

typedef struct gval {
	int type;
	char *text;  /* GV_STRING / GV_NUMBER */
	char *label; /* how the reference wrote it, when literal */
	int literal; /* a value the reference names (= or !=) */
	size_t refc, failc;
} gval;

typedef struct gfield {
	const char *sel_text; /* canonical selector text (borrowed from an AST) */
	const iamw__selector *sel;
	gval *v;
	size_t n, cap;
} gfield;

typedef struct gspace {
	gfield *f;
	size_t n, cap;
	int oom;
} gspace;

static gfield *space_field(gspace *s, const iamw__selector *sel)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->f[i].sel_text, sel->text) == 0)
			return &s->f[i];
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		gfield *f = iamw__realloc(s->f, cap * sizeof *f);
		if (!f) {
			s->oom = 1;
			return NULL;
		}
		s->f = f;
		s->cap = cap;
	}
	gfield *f = &s->f[s->n++];
	memset(f, 0, sizeof *f);
	f->sel_text = sel->text;
	f->sel = sel;
	return f;
}

static int same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void field_value(gspace *s, gfield *f, int type, const char *text, const char *label,
                        int literal)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		gval *v = &f->v[i];
		if (v->type == type && same_text(v->text, text)) {
			if (literal && !v->literal) {
				char *l = label ? iamw__strndup(label, strlen(label)) : NULL;
				if (label && !l) {
					s->oom = 1;
					return;
				}
				v->literal = 1;
				iamw__free(v->label);
				v->label = l;
			}
			return;
		}
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		gval *v = iamw__realloc(f->v, cap * sizeof *v);
		if (!v) {
			s->oom = 1;
			return;
		}
		f->v = v;
		f->cap = cap;
	}
	gval v;
	memset(&v, 0, sizeof v);
	v.type = type;
	v.literal = literal;
	v.text = text ? iamw__strndup(text, strlen(text)) : NULL;
	v.label = literal && label ? iamw__strndup(label, strlen(label)) : NULL;
	if ((text && !v.text) || (literal && label && !v.label)) {
		iamw__free(v.text);
		iamw__free(v.label);
		s->oom = 1;
		return;
	}
	f->v[f->n++] = v;
}

static void space_free(gspace *s)
{
	for (size_t i = 0; i < s->n; i++) {
		for (size_t j = 0; j < s->f[i].n; j++) {
			iamw__free(s->f[i].v[j].text);
			iamw__free(s->f[i].v[j].label);
		}
		iamw__free(s->f[i].v);
	}
	iamw__free(s->f);
	memset(s, 0, sizeof *s);
}

/* A string value and its wildcard variants ("core", "Iamwcore", ...). */
static void string_values(gspace *s, gfield *f, const iamw__value *v, int lit)
{
	iamw__buf label, b;
	iamw__buf_init(&label);
	iamw__buf_init(&b);
	iamw__buf_addf(&label, "%s%s%s", v->lead_star ? "*" : "", v->text,
	               v->trail_star ? "*" : "");
	if (label.oom) {
		s->oom = 1;
		iamw__buf_free(&label);
		return;
	}
	field_value(s, f, GV_STRING, v->text, label.data, lit);
	for (int variant = 1; variant <= 3; variant++) {
		int lead = variant & 1, trail = variant & 2;
		if ((lead && !v->lead_star) || (trail && !v->trail_star))
			continue;
		iamw__buf_reset(&b);
		iamw__buf_addf(&b, "%s%s%s", lead ? FILL : "", v->text, trail ? FILL : "");
		if (b.oom) {
			s->oom = 1;
			break;
		}
		field_value(s, f, GV_STRING, b.data, label.data, lit);
	}
	iamw__buf_free(&label);
	iamw__buf_free(&b);
}

static void number_values(gspace *s, gfield *f, const iamw__value *v, int lit)
{
	char buf[64];
	field_value(s, f, GV_NUMBER, v->text, v->text, lit);
	iamw__fmt_shortest(v->num + 1, buf, sizeof buf);
	field_value(s, f, GV_NUMBER, buf, NULL, 0);
	iamw__fmt_shortest(v->num - 1, buf, sizeof buf);
	field_value(s, f, GV_NUMBER, buf, NULL, 0);
}

/* Add the values one pattern's conditions call for. */
static void space_add_conds(gspace *s, const iamw__cond_list *l, int is_ref)
{
	for (size_t i = 0; i < l->n && !s->oom; i++) {
		const iamw__cond *c = &l->v[i];
		if (!c->sel)
			continue; /* terms, regex and delimited fields: not a record field */
		gfield *f = space_field(s, c->sel);
		switch (c->op) {
		case IAMW_OP_IS_NULL: field_value(s, f, GV_NULL, NULL, NULL, 0); break;
		case IAMW_OP_IS_TRUE:
		case IAMW_OP_IS_FALSE:
			field_value(s, f, GV_TRUE, NULL, NULL, 0);
			field_value(s, f, GV_FALSE, NULL, NULL, 0);
			break;
		case IAMW_OP_NOT_EXISTS: field_value(s, f, GV_ABSENT, NULL, NULL, 0); break;
		default: {
			int lit = is_ref && (c->op == IAMW_OP_EQ || c->op == IAMW_OP_NE);
			if (c->value->kind == IAMW__VAL_STRING)
				string_values(s, f, c->value, lit);
			else if (c->value->kind == IAMW__VAL_NUMBER)
				number_values(s, f, c->value, lit);
			/* '*' alone: OTHER_VALUE is "some value"; regex: not generated */
			break;
		}
		}
	}
}

static void space_finish(gspace *s)
{
	for (size_t i = 0; i < s->n; i++) {
		gfield *f = &s->f[i];
		field_value(s, f, GV_STRING, OTHER_VALUE, NULL, 0);
		if (!iamw__field_always_present(f->sel_text))
			field_value(s, f, GV_ABSENT, NULL, NULL, 0);
	}
}

static gfield *find_field(gspace *s, const char *sel_text)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->f[i].sel_text, sel_text) == 0)
			return &s->f[i];
	return NULL;
}

typedef struct source_ctx {
	gspace *s;
	gfield *src;
} source_ctx;

static int add_source(const char *source, size_t len, void *payload)
{
	source_ctx *x = payload;
	char *text = iamw__strndup(source, len);
	if (!text) {
		x->s->oom = 1;
		return 1;
	}
	field_value(x->s, x->src, GV_STRING, text, NULL, 0);
	iamw__free(text);
	return x->s->oom;
}

/* Realistic sources: for each event name the patterns mention, every
 * eventSource it is known under (so that e.g. organizations.amazonaws.com
 * CreatePolicy is generated when a pattern restricts to IAM). */
static void space_add_sources(gspace *s, const iamw_knowledge *k)
{
	gfield *src = find_field(s, "$.eventSource");
	gfield *name = find_field(s, "$.eventName");
	if (!k || !src || !name)
		return;
	source_ctx x = {s, src};
	for (size_t j = 0; j < name->n && !s->oom; j++)
		if (name->v[j].type == GV_STRING)
			iamw__knowledge_sources_of(k, name->v[j].text, add_source, &x);
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

typedef struct runner {
	const iamw_knowledge *k;
	const iamw_pattern *ref, *cand;
	iamw_match *m;
	gspace *s;
	cJSON *base;
	int quick;
	size_t *first_fail; /* value index per field of the first counterexample */
	int have_fail;
	iamw__inclusion *out;
	int error;
	long src_field, name_field; /* indexes of $.eventSource / $.eventName, or -1 */
} runner;

/* A known event name with a source it never has: not a real record. */
static int impossible(const runner *r, const size_t *idx)
{
	if (!r->k || r->src_field < 0 || r->name_field < 0)
		return 0;
	const gval *src = &r->s->f[r->src_field].v[idx[r->src_field]];
	const gval *name = &r->s->f[r->name_field].v[idx[r->name_field]];
	if (src->type != GV_STRING || name->type != GV_STRING)
		return 0;
	if (!iamw__knowledge_name_paired(r->k, name->text))
		return 0;
	return !iamw__knowledge_pair_known(r->k, src->text, name->text);
}

static cJSON *make_value(const gval *v)
{
	switch (v->type) {
	case GV_NULL: return cJSON_CreateNull();
	case GV_TRUE: return cJSON_CreateTrue();
	case GV_FALSE: return cJSON_CreateFalse();
	case GV_NUMBER: return cJSON_CreateRaw(v->text); /* the lexeme as written */
	default: return cJSON_CreateString(v->text ? v->text : "");
	}
}

/* Keep a copy of the first record of a kind. */
static int keep(char **slot, const char *text)
{
	if (*slot)
		return IAMW_OK;
	*slot = iamw__strndup(text, strlen(text));
	return *slot ? IAMW_OK : IAMW_ENOMEM;
}

/* Evaluate one combination (value index per field). Returns 1 to stop. */
static int run_one(runner *r, const size_t *idx)
{
	if (impossible(r, idx))
		return 0;
	cJSON *rec = cJSON_Duplicate(r->base, 1);
	if (!rec) {
		r->error = IAMW_ENOMEM;
		return 1;
	}
	for (size_t i = 0; i < r->s->n; i++) {
		const gval *v = &r->s->f[i].v[idx[i]];
		cJSON *item = NULL;
		if (v->type != GV_ABSENT && !(item = make_value(v))) {
			r->error = IAMW_ENOMEM;
			break;
		}
		int rc = iamw__record_put(rec, r->s->f[i].sel, item);
		if (rc) {
			r->error = rc;
			break;
		}
	}
	char *text = r->error ? NULL : iamw__record_text(rec);
	cJSON_Delete(rec);
	if (!text) {
		if (!r->error)
			r->error = IAMW_ENOMEM;
		return 1;
	}
	r->out->records++;
	int a = iamw_pattern_match_text(r->ref, text, IAMW_NUL_TERMINATED, r->m);
	int b = a > 0 ? iamw_pattern_match_text(r->cand, text, IAMW_NUL_TERMINATED, r->m) : 0;
	int rc = IAMW_OK;
	if (a < 0 || b < 0)
		rc = a < 0 ? a : b;
	else if (a && !(rc = keep(&r->out->ref, text)))
		rc = keep(b ? &r->out->both : &r->out->missed, text);
	iamw__free(text);
	if (rc) {
		r->error = rc;
		return 1;
	}
	if (!a)
		return 0;
	r->out->ref_matches++;
	if (b)
		r->out->both_matches++;
	for (size_t i = 0; i < r->s->n; i++) {
		r->s->f[i].v[idx[i]].refc++;
		if (!b)
			r->s->f[i].v[idx[i]].failc++;
	}
	if (!b && !r->have_fail) {
		r->have_fail = 1;
		memcpy(r->first_fail, idx, r->s->n * sizeof *idx);
	}
	return !b && r->quick;
}

static void describe_value(iamw__buf *b, const gval *v)
{
	switch (v->type) {
	case GV_ABSENT: iamw__buf_adds(b, "(absent)"); break;
	case GV_NULL: iamw__buf_adds(b, "null"); break;
	case GV_TRUE: iamw__buf_adds(b, "true"); break;
	case GV_FALSE: iamw__buf_adds(b, "false"); break;
	case GV_NUMBER: iamw__buf_adds(b, v->text); break;
	default:
		if (strcmp(v->text, OTHER_VALUE) == 0)
			iamw__buf_adds(b, "(another value)");
		else
			iamw__buf_addf(b, "\"%s\"", v->text);
	}
}

/* For the first literal value of field f that carries label j's text: how
 * many reference records it had (rc) and how many of them the candidate
 * failed (fc). 0 when an earlier value has the same label. */
static int label_counts(const gfield *f, size_t j, size_t *rc, size_t *fc)
{
	for (size_t k = 0; k < j; k++)
		if (f->v[k].literal && same_text(f->v[k].label, f->v[j].label))
			return 0;
	*rc = *fc = 0;
	for (size_t k = j; k < f->n; k++)
		if (f->v[k].literal && same_text(f->v[k].label, f->v[j].label)) {
			*rc += f->v[k].refc;
			*fc += f->v[k].failc;
		}
	return 1;
}

static char *make_reason(runner *r)
{
	gspace *s = r->s;
	iamw__buf b;
	iamw__buf_init(&b);
	/* per field: the literal labels of the reference, and those for which the
	 * candidate fails on every record the reference matches */
	size_t best = (size_t)-1, best_missing = 0, best_relevant = 0;
	for (size_t i = 0; i < s->n; i++) {
		gfield *f = &s->f[i];
		size_t relevant = 0, missing = 0;
		for (size_t j = 0; j < f->n; j++) {
			size_t rc, fc;
			if (!f->v[j].literal || !label_counts(f, j, &rc, &fc))
				continue;
			if (rc) {
				relevant++;
				if (fc == rc)
					missing++;
			}
		}
		if (missing && (best == (size_t)-1 || relevant > best_relevant)) {
			best = i;
			best_missing = missing;
			best_relevant = relevant;
		}
	}
	if (best != (size_t)-1) {
		gfield *f = &s->f[best];
		iamw__buf_addf(&b,
		               "pattern matches only %zu of the %zu %s values of the reference: ",
		               best_relevant - best_missing, best_relevant, f->sel_text);
		size_t listed = 0;
		for (size_t j = 0; j < f->n; j++) {
			size_t rc, fc;
			if (!f->v[j].literal || !label_counts(f, j, &rc, &fc))
				continue;
			if (rc && fc == rc)
				iamw__buf_addf(&b, "%s%s", listed++ ? ", " : "",
				               f->v[j].label ? f->v[j].label : "");
		}
		iamw__buf_adds(&b, " missing");
	} else {
		iamw__buf_addf(
		    &b, "pattern misses %zu of the %zu generated events the reference matches",
		    r->out->ref_matches - r->out->both_matches, r->out->ref_matches);
	}
	if (r->have_fail) {
		iamw__buf_adds(&b, "; e.g. no match for {");
		for (size_t i = 0; i < s->n; i++) {
			iamw__buf_addf(&b, "%s%s=", i ? ", " : "", s->f[i].sel_text);
			describe_value(&b, &s->f[i].v[r->first_fail[i]]);
		}
		iamw__buf_adds(&b, "}");
	}
	if (!r->out->exhaustive)
		iamw__buf_addf(&b, " (sampled %zu of %zu combinations)", r->out->records,
		               r->out->combinations);
	char *text = NULL;
	if (iamw__buf_steal(&b, &text, NULL) != IAMW_OK)
		return NULL;
	return text;
}

static void enumerate(runner *r, size_t *idx)
{
	gspace *s = r->s;
	size_t nf = s->n;
	if (r->out->combinations <= EXHAUSTIVE_CAP) {
		r->out->exhaustive = 1;
		for (;;) {
			if (run_one(r, idx))
				return;
			size_t i = 0;
			while (i < nf && ++idx[i] == s->f[i].n)
				idx[i++] = 0;
			if (i == nf)
				return;
		}
	}
	/* pairwise coverage of every two fields' values, then random
	 * combinations; fixed seed so that runs are reproducible */
	uint64_t seed = 0x9E3779B97F4A7C15ull;
	int stop = 0;
	for (size_t a = 0; a < nf && !stop; a++)
		for (size_t b = a + 1; b < nf && !stop; b++)
			for (size_t va = 0; va < s->f[a].n && !stop; va++)
				for (size_t vb = 0; vb < s->f[b].n && !stop; vb++) {
					for (size_t i = 0; i < nf; i++)
						idx[i] = (size_t)(rng_next(&seed) % s->f[i].n);
					idx[a] = va;
					idx[b] = vb;
					stop = run_one(r, idx) || r->out->records >= SAMPLE_MAX;
				}
	for (size_t k = 0; k < SAMPLE_RANDOM && !stop; k++) {
		for (size_t i = 0; i < nf; i++)
			idx[i] = (size_t)(rng_next(&seed) % s->f[i].n);
		stop = run_one(r, idx);
	}
}

int iamw__inclusion_check(const iamw_knowledge *k, const iamw_pattern *ref,
                          const iamw_pattern *cand, iamw_match *m, int quick, iamw__inclusion *out)
{
	memset(out, 0, sizeof *out);
	if (!ref || !cand || !m)
		return IAMW_EINVAL;
	iamw__cond_list lr, lc;
	int rc = iamw__conds_collect(ref, &lr);
	if (rc)
		return rc;
	if ((rc = iamw__conds_collect(cand, &lc))) {
		iamw__conds_free(&lr);
		return rc;
	}
	gspace s;
	memset(&s, 0, sizeof s);
	space_add_conds(&s, &lr, 1);
	space_add_conds(&s, &lc, 0);
	space_finish(&s);
	space_add_sources(&s, k);
	iamw__conds_free(&lr);
	iamw__conds_free(&lc);

	runner r;
	memset(&r, 0, sizeof r);
	r.k = k;
	r.ref = ref;
	r.cand = cand;
	r.m = m;
	r.s = &s;
	r.quick = quick;
	r.out = out;
	r.src_field = r.name_field = -1;
	for (size_t i = 0; i < s.n; i++) {
		if (!strcmp(s.f[i].sel_text, "$.eventSource"))
			r.src_field = (long)i;
		else if (!strcmp(s.f[i].sel_text, "$.eventName"))
			r.name_field = (long)i;
	}
	size_t *idx = iamw__calloc(s.n + 1, sizeof *idx);
	r.first_fail = iamw__calloc(s.n + 1, sizeof *idx);
	r.base = s.oom ? NULL : iamw__record_base();
	if (!r.base || !idx || !r.first_fail) {
		rc = IAMW_ENOMEM;
		goto done;
	}
	size_t product = 1;
	for (size_t i = 0; i < s.n; i++)
		product = product > SIZE_MAX / (s.f[i].n + 1) ? SIZE_MAX : product * s.f[i].n;
	out->combinations = product;
	enumerate(&r, idx);
	if (r.error) {
		rc = r.error;
		goto done;
	}
	out->included = !r.have_fail;
	if (!quick && r.have_fail && !(out->reason = make_reason(&r)))
		rc = IAMW_ENOMEM;
done:
	iamw__free(idx);
	iamw__free(r.first_fail);
	cJSON_Delete(r.base);
	space_free(&s);
	return rc;
}

void iamw__inclusion_free(iamw__inclusion *r)
{
	iamw__free(r->reason);
	iamw__free(r->missed);
	iamw__free(r->both);
	iamw__free(r->ref);
	memset(r, 0, sizeof *r);
}
