/* SPDX-License-Identifier: MIT */
/*
 * prefilter.c - required-literal prefilter: derive a CNF of byte strings
 * from a compiled pattern, test it against raw events, and scan many
 * patterns' literals in one Aho-Corasick pass (prefilter.h,
 * docs/performance.md).
 *
 * Derivation (each rule only produces text that must appear verbatim):
 *   terms      required term -> clause {text}; excluded / optional -> none;
 *              all-optional ("any of") -> one clause with every term
 *   regex      iamw__regex_required_literals -> one clause
 *   delimited  field `= "text"` -> {fixed text}; `= %re%` -> regex literals
 *              (field values are raw substrings of the event)
 *   JSON       a condition that needs its field to exist (everything but
 *              NOT EXISTS) -> {"key"} for the selector's last property name;
 *              `= "text"` -> {fixed text}, with the string's quotes where
 *              the text cannot be a number lexeme; `= %re%` -> regex literals; IS
 *              NULL / TRUE / FALSE -> {null} / {true} / {false}; numbers, `*`,
 *              `!=`, `<`... contribute no value literal.
 *              JSON strings may be escaped, so a literal is cut to its
 *              longest run free of '"', '\' and control bytes (which JSON
 *              always escapes), and events holding "\u" (or "\/" when a
 *              literal has '/') bypass the prefilter.
 *   AND        union of the children's clauses
 *   OR         one clause: the union of the best clause of every child
 *              (nothing when some child has no clause)
 */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
/* The set scan's SSSE3 and AVX2 paths are chosen at run time (no -m flags
 * needed). */
#define IAMW_HAVE_SSSE3_DISPATCH 1
#include <immintrin.h>
#endif

#include "lang/ast.h"
#include "match/pair_rank.h"
#include "match/prefilter.h"

/* ================================================================== build-time CNF */

typedef struct blit {
	char *s;
	size_t len;
	int key;
} blit;

typedef struct bclause {
	blit *v;
	size_t n, cap;
} bclause;

typedef struct bcnf {
	bclause *v;
	size_t n, cap;
	int oom;
} bcnf;

static void clause_free(bclause *c)
{
	for (size_t i = 0; i < c->n; i++)
		iamw__free(c->v[i].s);
	iamw__free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

static void cnf_free(bcnf *f)
{
	for (size_t i = 0; i < f->n; i++)
		clause_free(&f->v[i]);
	iamw__free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
}

static int clause_add(bclause *c, const char *s, size_t len, int key)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].len == len && memcmp(c->v[i].s, s, len) == 0) {
			c->v[i].key &= key;
			return IAMW_OK;
		}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4;
		blit *v = iamw__realloc(c->v, cap * sizeof *v);
		if (!v)
			return IAMW_ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	char *d = iamw__strndup(s, len);
	if (!d)
		return IAMW_ENOMEM;
	c->v[c->n].s = d;
	c->v[c->n].len = len;
	c->v[c->n].key = key;
	c->n++;
	return IAMW_OK;
}

/* Takes ownership of *c (empty clauses are dropped). */
static void cnf_push(bcnf *f, bclause *c)
{
	if (!c->n) {
		clause_free(c);
		return;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 4;
		bclause *v = iamw__realloc(f->v, cap * sizeof *v);
		if (!v) {
			f->oom = 1;
			clause_free(c);
			return;
		}
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n++] = *c;
	memset(c, 0, sizeof *c);
}

static void cnf_single(bcnf *f, const char *s, size_t len, int key)
{
	if (!len)
		return; /* the empty string is in every event: no constraint */
	bclause c = {0};
	if (clause_add(&c, s, len, key)) {
		f->oom = 1;
		clause_free(&c);
		return;
	}
	cnf_push(f, &c);
}

/* Longest run of s free of bytes JSON always escapes. */
static void json_safe_run(const char *s, size_t len, size_t *start, size_t *n)
{
	size_t best = 0, best_len = 0, run = 0;
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)s[i] : 0;
		if (i < len && c != '"' && c != '\\' && c >= 0x20) {
			continue;
		}
		if (i - run > best_len) {
			best = run;
			best_len = i - run;
		}
		run = i + 1;
	}
	*start = best;
	*n = best_len;
}

/* Clauses without key names (values, terms) score above this: they are
 * far more selective, as every CloudTrail record has the same keys. */
#define CLAUSE_VALUE_SCORE 10000000L

/* How common a literal is likely to be in CloudTrail: the measured
 * commonness of its rarest byte pair (pair_rank.h; 0 when some pair is not
 * among the commonest), since a literal occurs at most as often as each of
 * its pairs. "ec2.amazonaws.com" is made of common pairs only (it is in
 * every EC2 record); "CreateRoute" has a rare one. */
static long literal_commonness(const char *s, size_t len)
{
	if (len < 2)
		return IAMW__PAIR_RANKS + 1;
	long best = IAMW__PAIR_RANKS;
	for (size_t j = 0; j + 1 < len && best > 0; j++) {
		unsigned pr = (unsigned char)s[j] | (unsigned)(unsigned char)s[j + 1] << 8;
		long c = 0;
		size_t lo = 0, hi = IAMW__PAIR_RANKS;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (iamw__sorted_pairs[mid] < pr)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < IAMW__PAIR_RANKS && iamw__sorted_pairs[lo] == pr)
			c = iamw__sorted_pair_weights[lo];
		if (c < best)
			best = c;
	}
	return best;
}

/* Selectivity of a clause: value literals beat key names, then rare beats
 * common (its commonest literal counts), long beats short, few
 * alternatives beat many. */
static long clause_score(const bclause *c)
{
	size_t min_len = (size_t)-1;
	int key = 0;
	long common = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i].len < min_len)
			min_len = c->v[i].len;
		key |= c->v[i].key;
		long k = literal_commonness(c->v[i].s, c->v[i].len);
		if (k > common)
			common = k;
	}
	if (min_len > 64)
		min_len = 64;
	return (key ? 0 : CLAUSE_VALUE_SCORE) + (IAMW__PAIR_RANKS + 1 - common) * 1000 +
	       (long)min_len * 10 - (long)(c->n < 9 ? c->n : 9);
}

/* Regex literals as one clause; json: cut each to its safe run (all or none). */
static void add_regex(bcnf *f, const iamw__regex *re, int json)
{
	const char *lits[64];
	size_t lens[64];
	size_t k = re ? iamw__regex_required_literals(re, lits, lens, 64) : 0;
	if (!k)
		return;
	bclause c = {0};
	for (size_t i = 0; i < k; i++) {
		size_t a = 0, n = lens[i];
		if (json)
			json_safe_run(lits[i], lens[i], &a, &n);
		if (!n) { /* some alternative has no usable text: no clause */
			clause_free(&c);
			return;
		}
		if (clause_add(&c, lits[i] + a, n, 0)) {
			f->oom = 1;
			clause_free(&c);
			return;
		}
	}
	cnf_push(f, &c);
}

static void add_key(bcnf *f, const iamw__selector *sel)
{
	if (!sel)
		return;
	const iamw__step *last = NULL;
	for (size_t i = 0; i < sel->n_steps; i++)
		if (sel->steps[i].kind == IAMW__STEP_NAME)
			last = &sel->steps[i];
	if (!last)
		return;
	size_t a, n;
	json_safe_run(last->name, last->name_len, &a, &n);
	if (n == last->name_len && n + 2 <= IAMW_MAX_PATTERN_LEN) {
		char q[IAMW_MAX_PATTERN_LEN + 2];
		q[0] = '"';
		memcpy(q + 1, last->name, n);
		q[n + 1] = '"';
		cnf_single(f, q, n + 2, 1);
	} else {
		cnf_single(f, last->name + a, n, 1);
	}
}

static void derive(const iamw__node *n, bcnf *out, int json);

static void derive_or(const iamw__node *n, bcnf *out, int json)
{
	bclause u = {0};
	for (size_t i = 0; i < n->n_kids; i++) {
		bcnf k = {0};
		derive(n->kids[i], &k, json);
		if (k.oom)
			out->oom = 1;
		long best_score = 0;
		size_t best = (size_t)-1;
		for (size_t j = 0; j < k.n; j++) {
			long s = clause_score(&k.v[j]);
			if (best == (size_t)-1 || s > best_score) {
				best = j;
				best_score = s;
			}
		}
		if (best == (size_t)-1) { /* this alternative needs nothing */
			cnf_free(&k);
			clause_free(&u);
			return;
		}
		for (size_t j = 0; j < k.v[best].n; j++)
			if (clause_add(&u, k.v[best].v[j].s, k.v[best].v[j].len, k.v[best].v[j].key))
				out->oom = 1;
		cnf_free(&k);
	}
	cnf_push(out, &u);
}

static void derive(const iamw__node *n, bcnf *out, int json)
{
	if (!n)
		return;
	switch (n->kind) {
	case IAMW__NODE_AND:
		for (size_t i = 0; i < n->n_kids; i++)
			derive(n->kids[i], out, json);
		return;
	case IAMW__NODE_OR:
		derive_or(n, out, json);
		return;
	case IAMW__NODE_NOT_EXISTS:
		return;
	case IAMW__NODE_IS_NULL:
	case IAMW__NODE_IS_TRUE:
	case IAMW__NODE_IS_FALSE:
		if (json) {
			add_key(out, n->sel);
			const char *tok = n->kind == IAMW__NODE_IS_NULL   ? "null"
			                  : n->kind == IAMW__NODE_IS_TRUE ? "true"
			                                                  : "false";
			cnf_single(out, tok, strlen(tok), 0);
		}
		return;
	case IAMW__NODE_CMP:
		if (json)
			add_key(out, n->sel); /* every comparison needs a string or number there */
		if (n->op != IAMW__OP_EQ)
			return;
		if (n->val.kind == IAMW__VAL_STRING) {
			size_t a = 0, len = n->val.len;
			if (json)
				json_safe_run(n->val.text, n->val.len, &a, &len);
			if (json && len && len == n->val.len && len <= IAMW_MAX_PATTERN_LEN) {
				/* A value that cannot be a number's lexeme is a JSON
				 * string: its quotes are part of the raw text. Anchored
				 * at the start (no leading '*') the opening quote
				 * precedes it, anchored at the end the closing one
				 * follows ("Add*" is `"Add`, which "sourceIPAddress"
				 * does not contain). */
				const char *t = n->val.text;
				int open = !n->val.lead_star && !strchr("0123456789-", t[0]);
				int close = !n->val.trail_star && !strchr("0123456789.eE+-", t[len - 1]);
				char q[IAMW_MAX_PATTERN_LEN + 2];
				size_t k = 0;
				if (open)
					q[k++] = '"';
				memcpy(q + k, t, len);
				k += len;
				if (close)
					q[k++] = '"';
				cnf_single(out, q, k, 0);
				return;
			}
			cnf_single(out, n->val.text + a, len, 0);
		} else if (n->val.kind == IAMW__VAL_REGEX) {
			add_regex(out, n->val.re, json);
		}
		return;
	}
}

static int is_sub(const blit *small, const blit *big)
{
	if (small->len > big->len)
		return 0;
	if (small->len == big->len)
		return memcmp(small->s, big->s, small->len) == 0;
	return memmem(big->s, big->len, small->s, small->len) != NULL;
}

/* Simplify: within a clause drop a literal that contains another one (the
 * shorter is found whenever the longer is); drop a clause implied by
 * another (every literal of the other is contained in one of its own). */
static void normalize(bcnf *f)
{
	for (size_t c = 0; c < f->n; c++) {
		bclause *cl = &f->v[c];
		for (size_t i = 0; i < cl->n;) {
			int drop = 0;
			for (size_t j = 0; j < cl->n && !drop; j++)
				if (j != i && is_sub(&cl->v[j], &cl->v[i]) &&
				    (cl->v[j].len < cl->v[i].len || j < i))
					drop = 1;
			if (drop) {
				iamw__free(cl->v[i].s);
				cl->v[i] = cl->v[--cl->n];
			} else {
				i++;
			}
		}
	}
	for (size_t c = 0; c < f->n;) {
		int drop = 0;
		for (size_t d = 0; d < f->n && !drop; d++) {
			if (d == c)
				continue;
			/* does clause d imply clause c? every literal of d contains a literal of c */
			int implies = 1;
			for (size_t i = 0; i < f->v[d].n && implies; i++) {
				int hit = 0;
				for (size_t j = 0; j < f->v[c].n && !hit; j++)
					hit = is_sub(&f->v[c].v[j], &f->v[d].v[i]);
				implies = hit;
			}
			/* equal clauses imply each other: keep the first */
			if (implies) {
				int back = 1;
				for (size_t i = 0; i < f->v[c].n && back; i++) {
					int hit = 0;
					for (size_t j = 0; j < f->v[d].n && !hit; j++)
						hit = is_sub(&f->v[d].v[j], &f->v[c].v[i]);
					back = hit;
				}
				drop = !back || d < c;
			}
		}
		if (drop) {
			clause_free(&f->v[c]);
			f->v[c] = f->v[--f->n];
		} else {
			c++;
		}
	}
}

/* ================================================================== compiled form */

typedef struct pf_lit {
	const char *s;
	uint32_t len;
	uint32_t a1, a2; /* anchor offsets: the two rarest bytes */
} pf_lit;

struct iamw__prefilter {
	int json;      /* escapes in the event can hide literals */
	int has_slash; /* some literal contains '/' ("\/" hides it) */
	size_t n_clauses;
	size_t n_value_clauses; /* the leading clauses with no key-name literal */
	uint32_t *clause_off; /* n_clauses + 1 offsets into lits */
	pf_lit *lits;
	size_t n_lits;
	char *pool;
};

/* Rough byte frequencies in CloudTrail JSON / log text (higher: commoner). */
static int byte_rank(unsigned char c)
{
	if (c == '"' || c == ':' || c == ',' || c == ' ')
		return 9;
	if (c && strchr("etaoinsr", c))
		return 8;
	if (c >= 'a' && c <= 'z')
		return 6;
	if (c == '.' || c == '-' || c == '_' || c == '{' || c == '}' || (c >= '0' && c <= '9'))
		return 5;
	if (c >= 'A' && c <= 'Z')
		return 3;
	return 1;
}

static void pick_anchors(pf_lit *l)
{
	uint32_t a1 = 0, a2 = l->len > 1 ? l->len - 1 : 0;
	if (l->len > 2) {
		/* rarest byte, then the rarest at another offset; ties: far apart */
		int r1 = 100;
		for (uint32_t i = 0; i < l->len; i++) {
			int r = byte_rank((unsigned char)l->s[i]);
			if (r < r1) {
				r1 = r;
				a1 = i;
			}
		}
		int r2 = 100;
		for (uint32_t i = l->len; i-- > 0;) {
			if (i == a1 || (unsigned char)l->s[i] == (unsigned char)l->s[a1])
				continue;
			int r = byte_rank((unsigned char)l->s[i]);
			if (r < r2) {
				r2 = r;
				a2 = i;
			}
		}
		if (r2 == 100)
			a2 = a1 == l->len - 1 ? 0 : l->len - 1;
	}
	l->a1 = a1 < a2 ? a1 : a2;
	l->a2 = a1 < a2 ? a2 : a1;
}

typedef struct order {
	long score;
	size_t idx;
} order;

static int cmp_order(const void *a, const void *b)
{
	const order *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int compile_cnf(iamw__prefilter **out, bcnf *f, int json)
{
	*out = NULL;
	if (!f->n)
		return IAMW_OK;
	size_t nl = 0, bytes = 0;
	for (size_t c = 0; c < f->n; c++)
		for (size_t i = 0; i < f->v[c].n; i++) {
			nl++;
			bytes += f->v[c].v[i].len + 1;
		}
	iamw__prefilter *pf = iamw__calloc(1, sizeof *pf);
	order *ord = iamw__malloc(f->n * sizeof *ord);
	if (pf) {
		pf->clause_off = iamw__malloc((f->n + 1) * sizeof *pf->clause_off);
		pf->lits = iamw__malloc(nl * sizeof *pf->lits);
		pf->pool = iamw__malloc(bytes);
	}
	if (!pf || !ord || !pf->clause_off || !pf->lits || !pf->pool) {
		iamw__free(ord);
		iamw__prefilter_free(pf);
		return IAMW_ENOMEM;
	}
	for (size_t c = 0; c < f->n; c++) {
		ord[c].score = clause_score(&f->v[c]);
		ord[c].idx = c;
	}
	qsort(ord, f->n, sizeof *ord, cmp_order);
	pf->json = json;
	pf->n_clauses = f->n;
	size_t k = 0, off = 0;
	for (size_t o = 0; o < f->n; o++) {
		const bclause *cl = &f->v[ord[o].idx];
		if (ord[o].score >= CLAUSE_VALUE_SCORE)
			pf->n_value_clauses++;
		pf->clause_off[o] = (uint32_t)k;
		for (size_t i = 0; i < cl->n; i++) {
			memcpy(pf->pool + off, cl->v[i].s, cl->v[i].len);
			pf->pool[off + cl->v[i].len] = '\0';
			pf_lit *l = &pf->lits[k++];
			l->s = pf->pool + off;
			l->len = (uint32_t)cl->v[i].len;
			pick_anchors(l);
			if (memchr(l->s, '/', l->len))
				pf->has_slash = 1;
			off += cl->v[i].len + 1;
		}
	}
	pf->clause_off[f->n] = (uint32_t)k;
	pf->n_lits = k;
	iamw__free(ord);
	*out = pf;
	return IAMW_OK;
}

int iamw__prefilter_build(iamw__prefilter **out, const iamw_pattern *p)
{
	*out = NULL;
	bcnf f = {0};
	int json = 0;
	switch (p->kind) {
	case IAMW_PATTERN_TERMS:
		if (p->any_of) {
			bclause c = {0};
			int empty = 0;
			for (size_t i = 0; i < p->n_terms; i++) {
				if (!p->terms[i].len)
					empty = 1;
				else if (clause_add(&c, p->terms[i].text, p->terms[i].len, 0))
					f.oom = 1;
			}
			if (empty)
				clause_free(&c);
			else
				cnf_push(&f, &c);
		} else {
			for (size_t i = 0; i < p->n_terms; i++)
				if (p->terms[i].kind == IAMW__TERM_REQUIRED)
					cnf_single(&f, p->terms[i].text, p->terms[i].len, 0);
		}
		break;
	case IAMW_PATTERN_REGEX:
		add_regex(&f, p->regex, 0);
		break;
	case IAMW_PATTERN_DELIMITED:
		for (size_t i = 0; i < p->n_fields; i++)
			if (p->fields[i].kind != IAMW__FIELD_ELLIPSIS && p->fields[i].cond)
				derive(p->fields[i].cond, &f, 0);
		break;
	case IAMW_PATTERN_JSON:
		json = 1;
		derive(p->root, &f, 1);
		break;
	}
	if (f.oom) {
		cnf_free(&f);
		return IAMW_ENOMEM;
	}
	normalize(&f);
	int rc = compile_cnf(out, &f, json);
	cnf_free(&f);
	return rc;
}

void iamw__prefilter_free(iamw__prefilter *pf)
{
	if (!pf)
		return;
	iamw__free(pf->clause_off);
	iamw__free(pf->lits);
	iamw__free(pf->pool);
	iamw__free(pf);
}

void iamw__prefilter_describe(const iamw__prefilter *pf, iamw__buf *b)
{
	if (!pf) {
		iamw__buf_adds(b, "none");
		return;
	}
	iamw__buf_adds(b, pf->json ? "json (and" : "raw (and");
	for (size_t c = 0; c < pf->n_clauses; c++) {
		iamw__buf_adds(b, " (or");
		for (uint32_t i = pf->clause_off[c]; i < pf->clause_off[c + 1]; i++) {
			iamw__buf_addc(b, ' ');
			iamw__buf_add_json_string(b, pf->lits[i].s, pf->lits[i].len);
		}
		iamw__buf_addc(b, ')');
	}
	iamw__buf_addc(b, ')');
}

/* ================================================================== single-pattern search */

/* Is l somewhere in s[0..n)? Candidates are positions where both anchor
 * bytes agree (16 at a time with SSE2), then verified with memcmp. */
static int find_lit(const char *s, size_t n, const pf_lit *l)
{
	size_t len = l->len;
	if (len > n)
		return 0;
	if (len == 1)
		return memchr(s, l->s[0], n) != NULL;
	size_t last = n - len; /* last start position */
	size_t i = 0;
	const char c1 = l->s[l->a1], c2 = l->s[l->a2];
#if defined(__SSE2__)
	const __m128i v1 = _mm_set1_epi8(c1), v2 = _mm_set1_epi8(c2);
	const char *p1 = s + l->a1, *p2 = s + l->a2;
	for (; i + 16 <= last + 1; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p1 + i));
		__m128i y = _mm_loadu_si128((const __m128i *)(const void *)(p2 + i));
		unsigned mask = (unsigned)_mm_movemask_epi8(
		    _mm_and_si128(_mm_cmpeq_epi8(x, v1), _mm_cmpeq_epi8(y, v2)));
		while (mask) {
			unsigned bit = (unsigned)__builtin_ctz(mask);
			if (memcmp(s + i + bit, l->s, len) == 0)
				return 1;
			mask &= mask - 1;
		}
	}
#endif
	for (; i <= last; i++)
		if (s[i + l->a1] == c1 && s[i + l->a2] == c2 && memcmp(s + i, l->s, len) == 0)
			return 1;
	return 0;
}

/* Could a JSON escape in the event hide some literal's bytes? */
static int hiding_escapes(const char *s, size_t n, int slash)
{
	/* cJSON reads a key holding a raw NUL byte only up to it: "ab\0c"
	 * is found as "ab", which the literal "\"ab\"" does not show */
	if (memchr(s, '\0', n))
		return 1;
	const char *end = s + n, *p = s;
	while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
		if (p + 1 < end && (p[1] == 'u' || (slash && p[1] == '/')))
			return 1;
		p++;
	}
	return 0;
}

int iamw__prefilter_may_match(const iamw__prefilter *pf, const char *text, size_t len)
{
	if (!pf)
		return 1;
	for (size_t c = 0; c < pf->n_clauses; c++) {
		int found = 0;
		for (uint32_t i = pf->clause_off[c]; i < pf->clause_off[c + 1] && !found; i++)
			found = find_lit(text, len, &pf->lits[i]);
		if (!found)
			return pf->json ? hiding_escapes(text, len, pf->has_slash) : 0;
	}
	return 1;
}

const iamw__prefilter *iamw__pattern_prefilter(const iamw_pattern *p)
{
	return p ? p->prefilter : NULL;
}

/* ================================================================== multi-pattern set */

#define AC_OUT 0x80000000u

typedef struct set_pat {
	uint8_t mode; /* 0: always may match; 1: raw; 2: JSON */
	uint8_t slash;
	uint32_t clause_first, n_clauses;
} set_pat;

typedef struct uniq {
	const char *s;
	uint32_t len;
} uniq;

struct iamw__prefilter_set {
	size_t n;
	set_pat *pats;
	uint32_t *clause_off; /* into ids */
	uint32_t *ids;        /* literal ids */
	size_t n_set_clauses;
	uint32_t *lit_clause_off; /* n_ids_lits + 1: the clauses holding each literal ... */
	uint32_t *lit_clauses;    /* ... as indexes into clause_off */
	size_t n_ids_lits;    /* distinct literals, ids 0 ("\u") and 1 ("\/") included */
	/* Aho-Corasick DFA over byte classes; entries are next*ncls | AC_OUT */
	uint8_t cls[256];
	uint32_t ncls;
	uint32_t nstates;
	uint32_t *delta;
	uint32_t *out_off; /* nstates + 1 */
	uint32_t *out_ids;
	/* Bigram anchors: each literal (>= 2 bytes) is looked up only where its
	 * least common byte pair occurs. The bitmap of anchor pairs fits in L1,
	 * and its tests are independent loads, unlike the DFA's chain of table
	 * lookups. NULL when some literal is a single byte (the DFA is used). */
	uint64_t *bg_bits;   /* 65536 bits */
	uint32_t *bg_first;  /* 65537 offsets into bg_ids, by pair */
	uint32_t *bg_ids;    /* literal ids */
	char *lit_bytes;     /* copies of the literals */
	uint32_t *lit_off;   /* n_ids_lits + 1 */
	uint8_t *lit_anchor; /* offset of the anchor pair in each literal */
	/* Nibble tables for a 16/32-bytes-at-a-time filter (SSSE3/AVX2 pshufb):
	 * the anchors are split into 8 buckets; a position passes when the
	 * nibbles of it and the next two bytes allow a common bucket.
	 * Positions that pass are checked against bg_bits exactly. */
	int simd; /* 0 none, 1 SSSE3, 2 AVX2 */
	uint8_t nib[6][16]; /* low/high nibble of the anchor's 1st, 2nd, 3rd byte */
};

/* How common a byte pair is in CloudTrail JSON: 0 when it is not among the
 * measured commonest (pair_rank.h), else higher for commoner pairs. */
static void pair_costs(uint16_t *cost)
{
	memset(cost, 0, 65536 * sizeof *cost);
	for (unsigned i = 0; i < IAMW__PAIR_RANKS; i++)
		cost[iamw__common_pairs[i]] = (uint16_t)(IAMW__PAIR_RANKS - i);
}

/* Does a bucket's nibble table admit the pair (a, b) at positions 0, 1? */
static int nib_admits(uint8_t nib[6][16], uint8_t bit, unsigned a, unsigned b)
{
	return nib[0][a & 15] & nib[1][a >> 4] & nib[2][b & 15] & nib[3][b >> 4] & bit;
}

/* Buckets for the SIMD filter. Every literal's anchor (the pair bg_* keys
 * on, and the byte after it when the literal has one) goes into one of 8
 * buckets, greedily where it lets through the least measured CloudTrail
 * pair weight (pair_rank.h) that the bucket did not already let through.
 * The third byte sharpens the filter further (a wildcard for 2-byte
 * literals). */
static void build_nibbles(iamw__prefilter_set *s, const uniq *u, size_t nu,
                          const uint16_t *cost)
{
	memset(s->nib, 0, sizeof s->nib);
	size_t members[8] = {0};
	/* commonest anchors first: they constrain the choice most */
	size_t *ord = iamw__malloc((nu ? nu : 1) * sizeof *ord);
	if (!ord)
		return; /* no SIMD filter: the scalar scan is exact */
	for (size_t k = 0; k < nu; k++)
		ord[k] = k;
	for (size_t x = 1; x < nu; x++) {
		size_t v = ord[x], y = x;
		const unsigned char *lv = (const unsigned char *)u[v].s + s->lit_anchor[v];
		unsigned cv = cost[lv[0] | (unsigned)lv[1] << 8];
		while (y > 0) {
			const unsigned char *lw = (const unsigned char *)u[ord[y - 1]].s +
			                          s->lit_anchor[ord[y - 1]];
			if (cost[lw[0] | (unsigned)lw[1] << 8] >= cv)
				break;
			ord[y] = ord[y - 1];
			y--;
		}
		ord[y] = v;
	}
	for (size_t x = 0; x < nu; x++) {
		size_t k = ord[x];
		const unsigned char *l = (const unsigned char *)u[k].s + s->lit_anchor[k];
		int third = u[k].len >= 3;
		unsigned a = l[0], b = l[1], c = third ? l[2] : 0;
		long best_delta = -1;
		unsigned best = 0;
		/* A bucket that already admits the anchor costs nothing; since
		 * each other choice sets a new nibble bit (8 x 64 in all), the
		 * weighing below runs for at most 512 anchors of any set. */
		for (unsigned bk = 0; bk < 8; bk++) {
			uint8_t bit = (uint8_t)(1u << bk);
			if (nib_admits(s->nib, bit, a, b) && (best_delta < 0 || members[bk] < members[best])) {
				best_delta = 0;
				best = bk;
			}
		}
		for (unsigned bk = 0; bk < 8 && best_delta != 0; bk++) {
			uint8_t bit = (uint8_t)(1u << bk);
			uint8_t trial[6][16];
			memcpy(trial, s->nib, sizeof trial);
			trial[0][a & 15] |= bit;
			trial[1][a >> 4] |= bit;
			trial[2][b & 15] |= bit;
			trial[3][b >> 4] |= bit;
			long delta = 0;
			for (unsigned r = 0; r < IAMW__PAIR_RANKS; r++) {
				unsigned pa = iamw__common_pairs[r] & 255, pb = iamw__common_pairs[r] >> 8;
				if (nib_admits(trial, bit, pa, pb) && !nib_admits(s->nib, bit, pa, pb))
					delta += IAMW__PAIR_RANKS - r;
			}
			delta = delta * 64 + (long)members[bk];
			if (best_delta < 0 || delta < best_delta) {
				best_delta = delta;
				best = bk;
			}
		}
		uint8_t bit = (uint8_t)(1u << best);
		members[best]++;
		s->nib[0][a & 15] |= bit;
		s->nib[1][a >> 4] |= bit;
		s->nib[2][b & 15] |= bit;
		s->nib[3][b >> 4] |= bit;
		for (unsigned i = 0; i < 16; i++) {
			if (!third || (c & 15) == i)
				s->nib[4][i] |= bit;
			if (!third || (c >> 4) == i)
				s->nib[5][i] |= bit;
		}
	}
	iamw__free(ord);
#if defined(IAMW_HAVE_SSSE3_DISPATCH)
	s->simd = __builtin_cpu_supports("avx2") ? 2 : __builtin_cpu_supports("ssse3") ? 1 : 0;
#endif
}

static int build_bigrams(iamw__prefilter_set *s, const uniq *u, size_t nu)
{
	size_t bytes = 0;
	for (size_t k = 0; k < nu; k++) {
		if (u[k].len < 2)
			return IAMW_OK; /* a 1-byte literal: keep the DFA */
		bytes += u[k].len;
	}
	s->bg_bits = iamw__calloc(65536 / 64, sizeof *s->bg_bits);
	s->bg_first = iamw__calloc(65537, sizeof *s->bg_first);
	s->bg_ids = iamw__malloc((nu ? nu : 1) * sizeof *s->bg_ids);
	s->lit_bytes = iamw__malloc(bytes ? bytes : 1);
	s->lit_off = iamw__malloc((nu + 1) * sizeof *s->lit_off);
	s->lit_anchor = iamw__malloc(nu ? nu : 1);
	uint16_t *pair = iamw__malloc((nu ? nu : 1) * sizeof *pair);
	uint16_t *cost = iamw__malloc(65536 * sizeof *cost);
	if (!s->bg_bits || !s->bg_first || !s->bg_ids || !s->lit_bytes || !s->lit_off ||
	    !s->lit_anchor || !pair || !cost) {
		iamw__free(pair);
		iamw__free(cost);
		return IAMW_ENOMEM;
	}
	pair_costs(cost);
	size_t o = 0;
	for (size_t k = 0; k < nu; k++) {
		s->lit_off[k] = (uint32_t)o;
		memcpy(s->lit_bytes + o, u[k].s, u[k].len);
		o += u[k].len;
		const unsigned char *l = (const unsigned char *)u[k].s;
		/* the rarest pair; among equals, one fewer literals share (each
		 * literal on a pair is compared wherever the pair occurs) */
		uint32_t best = 0;
		long best_score = -1;
		for (uint32_t j = 0; j + 1 < u[k].len && j < 256; j++) {
			if (u[k].len >= 3 && j + 2 >= u[k].len)
				break; /* the anchor's third byte (SIMD filter) must exist */
			unsigned pr = (unsigned)l[j] | (unsigned)l[j + 1] << 8;
			long sc = (long)cost[pr] * 65536 + (long)s->bg_first[pr + 1];
			if (u[k].len >= 3)
				sc += (long)cost[l[j + 1] | (unsigned)l[j + 2] << 8] * 65536;
			if (best_score < 0 || sc < best_score) {
				best_score = sc;
				best = j;
			}
		}
		s->lit_anchor[k] = (uint8_t)best;
		pair[k] = (uint16_t)(l[best] | l[best + 1] << 8);
		s->bg_bits[pair[k] >> 6] |= (uint64_t)1 << (pair[k] & 63);
		s->bg_first[pair[k] + 1]++;
	}
	s->lit_off[nu] = (uint32_t)o;
	for (size_t b = 0; b < 65536; b++)
		s->bg_first[b + 1] += s->bg_first[b];
	uint32_t *fill = iamw__malloc(65536 * sizeof *fill);
	if (!fill) {
		iamw__free(pair);
		iamw__free(cost);
		return IAMW_ENOMEM;
	}
	memcpy(fill, s->bg_first, 65536 * sizeof *fill);
	for (size_t k = 0; k < nu; k++)
		s->bg_ids[fill[pair[k]]++] = (uint32_t)k;
	iamw__free(fill);
	iamw__free(pair);
	build_nibbles(s, u, nu, cost);
	iamw__free(cost);
	return IAMW_OK;
}

/* Free the pair tables and forget them: after a failed build_bigrams the
 * set keeps working on its DFA, and is freed later with everything else. */
static void free_bigrams(iamw__prefilter_set *s)
{
	iamw__free(s->bg_bits);
	iamw__free(s->bg_first);
	iamw__free(s->bg_ids);
	iamw__free(s->lit_bytes);
	iamw__free(s->lit_off);
	iamw__free(s->lit_anchor);
	s->bg_bits = NULL;
	s->bg_first = NULL;
	s->bg_ids = NULL;
	s->lit_bytes = NULL;
	s->lit_off = NULL;
	s->lit_anchor = NULL;
}

size_t iamw__prefilter_set_count(const iamw__prefilter_set *s)
{
	return s ? s->n : 0;
}

void iamw__prefilter_set_free(iamw__prefilter_set *s)
{
	if (!s)
		return;
	iamw__free(s->pats);
	iamw__free(s->clause_off);
	iamw__free(s->ids);
	iamw__free(s->lit_clause_off);
	iamw__free(s->lit_clauses);
	iamw__free(s->delta);
	iamw__free(s->out_off);
	iamw__free(s->out_ids);
	free_bigrams(s);
	iamw__free(s);
}

/* How many of a pattern's clauses (best first) the set scans for: those
 * naming values, or the best one when all name keys. Key names occur in
 * nearly every record, so scanning for them costs time on every event
 * and rules out few; the candidates they would have refused are sorted
 * out after the scan (engine: projection.h). The CNF stays a necessary
 * condition. */
static size_t set_clauses(const iamw__prefilter *pf)
{
	if (pf->n_value_clauses)
		return pf->n_value_clauses;
	return pf->n_clauses ? 1 : 0;
}

/* The scratch of one set build, freed in one place whatever step failed. */
typedef struct set_build {
	uniq *u;            /* the distinct literals */
	size_t nu;
	size_t n_ids;       /* literal references of all clauses */
	size_t n_clauses;   /* clauses the set scans for */
	size_t total_bytes; /* bytes of all literals: bounds the trie's states */
	int32_t *trie;      /* child[state * ncls + class], -1: none */
	uint32_t *term;     /* per state: literal id + 1, 0: none */
	uint32_t *cnt;      /* per state: outputs (own and fail chain) */
	uint32_t *fail;
	uint32_t *queue;
} set_build;

static void set_build_free(set_build *b)
{
	iamw__free(b->u);
	iamw__free(b->trie);
	iamw__free(b->term);
	iamw__free(b->cnt);
	iamw__free(b->fail);
	iamw__free(b->queue);
}

/* Step 1: number each distinct literal (the two escapes every JSON event
 * may spell a literal with come first), and list each pattern's clauses as
 * literal ids. */
static int gather_literals(iamw__prefilter_set *s, set_build *b, const iamw_pattern *const *patterns,
                           size_t n)
{
	size_t total_clauses = 0, total_lits = 0;
	b->total_bytes = 4;
	for (size_t i = 0; i < n; i++) {
		const iamw__prefilter *pf = iamw__pattern_prefilter(patterns[i]);
		if (!pf)
			continue;
		total_clauses += set_clauses(pf);
		total_lits += pf->clause_off[set_clauses(pf)];
		for (size_t k = 0; k < pf->clause_off[set_clauses(pf)]; k++)
			b->total_bytes += pf->lits[k].len;
	}
	b->u = iamw__malloc((total_lits + 2) * sizeof *b->u);
	s->pats = iamw__calloc(n ? n : 1, sizeof *s->pats);
	s->clause_off = iamw__malloc((total_clauses + 1) * sizeof *s->clause_off);
	s->ids = iamw__malloc((total_lits ? total_lits : 1) * sizeof *s->ids);
	if (!b->u || !s->pats || !s->clause_off || !s->ids)
		return IAMW_ENOMEM;
	uniq *u = b->u;
	size_t nu = 0;
	u[nu++] = (uniq){"\\u", 2};
	u[nu++] = (uniq){"\\/", 2};
	size_t ci = 0, ii = 0;
	for (size_t i = 0; i < n; i++) {
		const iamw__prefilter *pf = iamw__pattern_prefilter(patterns[i]);
		if (!pf)
			continue;
		s->pats[i].mode = pf->json ? 2 : 1;
		s->pats[i].slash = (uint8_t)pf->has_slash;
		s->pats[i].clause_first = (uint32_t)ci;
		s->pats[i].n_clauses = (uint32_t)set_clauses(pf);
		for (size_t c = 0; c < set_clauses(pf); c++) {
			s->clause_off[ci++] = (uint32_t)ii;
			for (uint32_t k = pf->clause_off[c]; k < pf->clause_off[c + 1]; k++) {
				const pf_lit *l = &pf->lits[k];
				size_t id = 0;
				while (id < nu && !(u[id].len == l->len && memcmp(u[id].s, l->s, l->len) == 0))
					id++;
				if (id == nu)
					u[nu++] = (uniq){l->s, l->len};
				s->ids[ii++] = (uint32_t)id;
			}
		}
	}
	s->clause_off[ci] = (uint32_t)ii;
	s->n_ids_lits = nu;
	s->n_set_clauses = ci;
	b->nu = nu;
	b->n_ids = ii;
	b->n_clauses = ci;
	return IAMW_OK;
}

/* Step 2: literal -> clauses, so that a scan only visits the clauses of
 * the literals it found. */
static int index_clauses(iamw__prefilter_set *s, const set_build *b)
{
	size_t nu = b->nu;
	s->lit_clause_off = iamw__calloc(nu + 1, sizeof *s->lit_clause_off);
	s->lit_clauses = iamw__malloc((b->n_ids ? b->n_ids : 1) * sizeof *s->lit_clauses);
	uint32_t *fill = iamw__malloc((nu ? nu : 1) * sizeof *fill);
	if (!s->lit_clause_off || !s->lit_clauses || !fill) {
		iamw__free(fill);
		return IAMW_ENOMEM;
	}
	for (size_t k = 0; k < b->n_ids; k++)
		s->lit_clause_off[s->ids[k] + 1]++;
	for (size_t k = 0; k < nu; k++)
		s->lit_clause_off[k + 1] += s->lit_clause_off[k];
	memcpy(fill, s->lit_clause_off, nu * sizeof *fill);
	for (size_t c = 0; c < b->n_clauses; c++)
		for (uint32_t k = s->clause_off[c]; k < s->clause_off[c + 1]; k++)
			s->lit_clauses[fill[s->ids[k]]++] = (uint32_t)c;
	iamw__free(fill);
	return IAMW_OK;
}

/* Step 3: byte classes (every byte a literal uses gets its own class) and
 * the trie of the literals in class space. */
static int build_trie(iamw__prefilter_set *s, set_build *b)
{
	memset(s->cls, 0, sizeof s->cls);
	s->ncls = 1;
	for (size_t k = 0; k < b->nu; k++)
		for (uint32_t j = 0; j < b->u[k].len; j++) {
			unsigned char c = (unsigned char)b->u[k].s[j];
			if (!s->cls[c])
				s->cls[c] = (uint8_t)s->ncls++;
		}
	size_t max_states = b->total_bytes + 1;
	uint32_t ncls = s->ncls;
	b->trie = iamw__malloc(max_states * ncls * sizeof *b->trie);
	b->cnt = iamw__calloc(max_states, sizeof *b->cnt);
	b->term = iamw__calloc(max_states, sizeof *b->term);
	if (!b->trie || !b->cnt || !b->term)
		return IAMW_ENOMEM;
	memset(b->trie, 0xff, max_states * ncls * sizeof *b->trie);
	uint32_t ns = 1;
	for (size_t k = 0; k < b->nu; k++) {
		uint32_t st = 0;
		for (uint32_t j = 0; j < b->u[k].len; j++) {
			uint32_t c = s->cls[(unsigned char)b->u[k].s[j]];
			if (b->trie[st * ncls + c] < 0)
				b->trie[st * ncls + c] = (int32_t)ns++;
			st = (uint32_t)b->trie[st * ncls + c];
		}
		b->term[st] = (uint32_t)k + 1;
	}
	s->nstates = ns;
	/* transitions carry the output flag in their top bit */
	return (size_t)ns * ncls >= AC_OUT ? IAMW_ELIMIT : IAMW_OK;
}

/* Step 4: Aho-Corasick: fail links by BFS, the complete transition
 * function, and each state's outputs (its own literal and those of its
 * fail chain; BFS order completes a fail state before its dependants). */
static int build_automaton(iamw__prefilter_set *s, set_build *b)
{
	uint32_t ns = s->nstates, ncls = s->ncls;
	b->fail = iamw__calloc(ns, sizeof *b->fail);
	b->queue = iamw__malloc(ns * sizeof *b->queue);
	s->delta = iamw__malloc((size_t)ns * ncls * sizeof *s->delta);
	s->out_off = iamw__calloc(ns + 1, sizeof *s->out_off);
	if (!b->fail || !b->queue || !s->delta || !s->out_off)
		return IAMW_ENOMEM;
	const int32_t *trie = b->trie;
	uint32_t *fail = b->fail, *queue = b->queue;
	size_t qh = 0, qt = 0;
	for (uint32_t c = 0; c < ncls; c++) {
		int32_t ch = trie[c];
		if (ch >= 0) {
			fail[ch] = 0;
			queue[qt++] = (uint32_t)ch;
			s->delta[c] = (uint32_t)ch;
		} else {
			s->delta[c] = 0;
		}
	}
	while (qh < qt) {
		uint32_t st = queue[qh++];
		for (uint32_t c = 0; c < ncls; c++) {
			int32_t ch = trie[st * ncls + c];
			if (ch >= 0) {
				fail[ch] = s->delta[fail[st] * ncls + c];
				queue[qt++] = (uint32_t)ch;
				s->delta[st * ncls + c] = (uint32_t)ch;
			} else {
				s->delta[st * ncls + c] = s->delta[fail[st] * ncls + c];
			}
		}
	}
	for (uint32_t st = 1; st < ns; st++) {
		uint32_t c = 0;
		for (uint32_t f = st; f; f = fail[f])
			if (b->term[f])
				c++;
		b->cnt[st] = c;
	}
	for (uint32_t st = 0; st < ns; st++)
		s->out_off[st + 1] = s->out_off[st] + b->cnt[st];
	s->out_ids = iamw__malloc((s->out_off[ns] ? s->out_off[ns] : 1) * sizeof *s->out_ids);
	if (!s->out_ids)
		return IAMW_ENOMEM;
	for (uint32_t st = 1; st < ns; st++) {
		uint32_t o = s->out_off[st];
		for (uint32_t f = st; f; f = fail[f])
			if (b->term[f])
				s->out_ids[o++] = b->term[f] - 1;
	}
	return IAMW_OK;
}

/* Step 5: premultiply the transitions by the class count and flag the
 * states with outputs, so that the scan loop does one load per byte. */
static void finish_delta(iamw__prefilter_set *s, const set_build *b)
{
	size_t n = (size_t)s->nstates * s->ncls;
	for (size_t e = 0; e < n; e++) {
		uint32_t nx = s->delta[e];
		s->delta[e] = nx * s->ncls | (b->cnt[nx] ? AC_OUT : 0);
	}
}

int iamw__prefilter_set_build(iamw__prefilter_set **out, const iamw_pattern *const *patterns,
                              size_t n)
{
	if (!out || (n && !patterns))
		return IAMW_EINVAL;
	*out = NULL;
	iamw__prefilter_set *s = iamw__calloc(1, sizeof *s);
	if (!s)
		return IAMW_ENOMEM;
	s->n = n;
	set_build b;
	memset(&b, 0, sizeof b);
	int rc = gather_literals(s, &b, patterns, n);
	if (rc == IAMW_OK)
		rc = index_clauses(s, &b);
	if (rc == IAMW_OK)
		rc = build_trie(s, &b);
	if (rc == IAMW_OK)
		rc = build_automaton(s, &b);
	if (rc == IAMW_OK) {
		/* the pair tables only speed the scan up: without them the DFA works */
		if (build_bigrams(s, b.u, b.nu) != IAMW_OK)
			free_bigrams(s);
		finish_delta(s, &b);
		*out = s;
		s = NULL;
	}
	set_build_free(&b);
	iamw__prefilter_set_free(s);
	/* a set too large for the transition encoding is refused like one that
	 * did not fit in memory: the engine then tries every filter */
	return rc == IAMW_ELIMIT ? IAMW_ENOMEM : rc;
}

/* The literals anchored on the pair at p[i], if it is an anchor pair. */
static inline void pair_check(const iamw__prefilter_set *s, const unsigned char *p, size_t len,
                              size_t i, uint8_t *found)
{
	unsigned pr = (unsigned)p[i] | (unsigned)p[i + 1] << 8;
	if (!((s->bg_bits[pr >> 6] >> (pr & 63)) & 1))
		return;
	for (uint32_t k = s->bg_first[pr]; k < s->bg_first[pr + 1]; k++) {
		uint32_t id = s->bg_ids[k];
		size_t a = s->lit_anchor[id];
		size_t ll = s->lit_off[id + 1] - s->lit_off[id];
		if (i >= a && i - a + ll <= len &&
		    memcmp(p + i - a, s->lit_bytes + s->lit_off[id], ll) == 0)
			found[id] = 1;
	}
}

#if defined(IAMW_HAVE_SSSE3_DISPATCH)
/* The same filter 32 positions at a time (AVX2: vpshufb works per 16-byte
 * lane, so the tables are repeated in both lanes). */
__attribute__((target("avx2"))) static size_t
pair_scan_avx2(const iamw__prefilter_set *s, const unsigned char *p, size_t len, uint8_t *found)
{
	__m256i t[6];
	for (int k = 0; k < 6; k++)
		t[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)s->nib[k]));
	const __m256i low4 = _mm256_set1_epi8(0x0f);
	const __m256i zero = _mm256_setzero_si256();
	size_t i = 0;
	for (; i + 34 <= len; i += 32) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(p + i));
		__m256i y = _mm256_loadu_si256((const __m256i *)(p + i + 1));
		__m256i z = _mm256_loadu_si256((const __m256i *)(p + i + 2));
		__m256i m0 = _mm256_and_si256(
		    _mm256_shuffle_epi8(t[0], _mm256_and_si256(x, low4)),
		    _mm256_shuffle_epi8(t[1], _mm256_and_si256(_mm256_srli_epi16(x, 4), low4)));
		__m256i m1 = _mm256_and_si256(
		    _mm256_shuffle_epi8(t[2], _mm256_and_si256(y, low4)),
		    _mm256_shuffle_epi8(t[3], _mm256_and_si256(_mm256_srli_epi16(y, 4), low4)));
		__m256i m2 = _mm256_and_si256(
		    _mm256_shuffle_epi8(t[4], _mm256_and_si256(z, low4)),
		    _mm256_shuffle_epi8(t[5], _mm256_and_si256(_mm256_srli_epi16(z, 4), low4)));
		__m256i m = _mm256_and_si256(_mm256_and_si256(m0, m1), m2);
		uint32_t hits = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(m, zero));
		while (hits) {
			unsigned j = (unsigned)__builtin_ctz(hits);
			hits &= hits - 1;
			pair_check(s, p, len, i + j, found);
		}
	}
	return i;
}

/* 16 positions at a time from position i: the nibble tables rule out most
 * positions with a few shuffles; the rest go through pair_check. Returns
 * the first position not examined. */
__attribute__((target("ssse3"))) static size_t
pair_scan_ssse3(const iamw__prefilter_set *s, const unsigned char *p, size_t len, size_t i,
                uint8_t *found)
{
	const __m128i lo0 = _mm_loadu_si128((const __m128i *)s->nib[0]);
	const __m128i hi0 = _mm_loadu_si128((const __m128i *)s->nib[1]);
	const __m128i lo1 = _mm_loadu_si128((const __m128i *)s->nib[2]);
	const __m128i hi1 = _mm_loadu_si128((const __m128i *)s->nib[3]);
	const __m128i lo2 = _mm_loadu_si128((const __m128i *)s->nib[4]);
	const __m128i hi2 = _mm_loadu_si128((const __m128i *)s->nib[5]);
	const __m128i low4 = _mm_set1_epi8(0x0f);
	const __m128i zero = _mm_setzero_si128();
	for (; i + 18 <= len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		__m128i y = _mm_loadu_si128((const __m128i *)(p + i + 1));
		__m128i z = _mm_loadu_si128((const __m128i *)(p + i + 2));
		__m128i m0 = _mm_and_si128(_mm_shuffle_epi8(lo0, _mm_and_si128(x, low4)),
		                           _mm_shuffle_epi8(hi0, _mm_and_si128(_mm_srli_epi16(x, 4), low4)));
		__m128i m1 = _mm_and_si128(_mm_shuffle_epi8(lo1, _mm_and_si128(y, low4)),
		                           _mm_shuffle_epi8(hi1, _mm_and_si128(_mm_srli_epi16(y, 4), low4)));
		__m128i m2 = _mm_and_si128(_mm_shuffle_epi8(lo2, _mm_and_si128(z, low4)),
		                           _mm_shuffle_epi8(hi2, _mm_and_si128(_mm_srli_epi16(z, 4), low4)));
		__m128i m = _mm_and_si128(_mm_and_si128(m0, m1), m2);
		unsigned hits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(m, zero)) ^ 0xffffu;
		while (hits) {
			unsigned j = (unsigned)__builtin_ctz(hits);
			hits &= hits - 1;
			pair_check(s, p, len, i + j, found);
		}
	}
	return i;
}
#endif

int iamw__prefilter_set_scan(const iamw__prefilter_set *s, const char *text, size_t len,
                             uint8_t *may_match)
{
	if (!s || (!text && len) || (!may_match && s->n))
		return IAMW_EINVAL;
	uint8_t stack_found[512];
	uint8_t *found = stack_found;
	size_t n_found = (s->n_ids_lits + 7) & ~(size_t)7; /* read 8 at a time below */
	if (n_found > sizeof stack_found) {
		found = iamw__malloc(n_found);
		if (!found)
			return IAMW_ENOMEM;
	}
	memset(found, 0, n_found);
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	if (s->bg_bits) {
		size_t i = 0;
#if defined(IAMW_HAVE_SSSE3_DISPATCH)
		if (s->simd == 2)
			i = pair_scan_avx2(s, p, len, found);
		if (s->simd)
			i = pair_scan_ssse3(s, p, len, i, found); /* AVX2's tail, 16 at a time */
#endif
		for (; i + 1 < len; i++)
			pair_check(s, p, len, i, found);
	} else {
		const uint32_t *delta = s->delta;
		const uint8_t *cls = s->cls;
		const uint32_t ncls = s->ncls;
		uint32_t row = 0;
		for (; p < end; p++) {
			uint32_t e = delta[row + cls[*p]];
			row = e & ~AC_OUT;
			if (e & AC_OUT) {
				uint32_t st = row / ncls;
				for (uint32_t o = s->out_off[st]; o < s->out_off[st + 1]; o++)
					found[s->out_ids[o]] = 1;
			}
		}
	}
	int count = 0;
	int nul = -1; /* a raw NUL byte in the event (see hiding_escapes) */
	/* the clauses that hold: those of the literals found (few, if any) */
	uint8_t stack_ok[512];
	uint8_t *clause_ok = stack_ok;
	if (s->n_set_clauses > sizeof stack_ok) {
		clause_ok = iamw__malloc(s->n_set_clauses);
		if (!clause_ok) {
			if (found != stack_found)
				iamw__free(found);
			return IAMW_ENOMEM;
		}
	}
	memset(clause_ok, 0, s->n_set_clauses);
	for (size_t w = 0; w < n_found; w += 8) {
		uint64_t any;
		memcpy(&any, found + w, sizeof any);
		for (size_t id = w; any && id < w + 8 && id < s->n_ids_lits; id++)
			if (found[id])
				for (uint32_t k = s->lit_clause_off[id]; k < s->lit_clause_off[id + 1]; k++)
					clause_ok[s->lit_clauses[k]] = 1;
	}
	for (size_t i = 0; i < s->n; i++) {
		const set_pat *sp = &s->pats[i];
		int ok = 1;
		if (sp->mode) {
			for (uint32_t c = sp->clause_first; c < sp->clause_first + sp->n_clauses && ok; c++)
				ok = clause_ok[c];
			if (!ok && sp->mode == 2 && (found[0] || (sp->slash && found[1])))
				ok = 1;
			if (!ok && sp->mode == 2) {
				if (nul < 0)
					nul = len && memchr(text, '\0', len) != NULL;
				ok = nul;
			}
		}
		may_match[i] = (uint8_t)ok;
		count += ok;
	}
	if (found != stack_found)
		iamw__free(found);
	if (clause_ok != stack_ok)
		iamw__free(clause_ok);
	return count;
}
