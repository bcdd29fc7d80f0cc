/* SPDX-License-Identifier: MIT */
/*
 * projection.c - partial parsing of JSON events: copy the few top-level
 * members a pattern reads into a small object text (projection.h).
 *
 * The scanner follows cJSON's grammar closely enough that, for every text
 * cJSON accepts, the value spans it finds are exactly cJSON's: whitespace
 * is any byte <= 32 (cJSON's rule), strings end at the first unescaped
 * quote, containers end at their matching bracket, scalars end at a comma,
 * a bracket or whitespace. Text cJSON refuses may be projected any way at
 * all: such an event cannot match on the full path, a "no match" on the
 * projection says the same, and a match on it only stands once the strict
 * check (json_check.h) has shown that cJSON accepts the text after all;
 * projected.c evaluates patterns on projections and applies that rule.
 */
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/private.h"
#include "match/projection.h"

/* ------------------------------------------------------------------ build */

static void level_clear(iamw__pname *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		iamw__plevel *sub = names[i].sub;
		if (sub) {
			level_clear(sub->names, sub->n);
			iamw__free(sub->names);
			iamw__free(sub);
		}
	}
}

/* The entry for s in the list (added when missing; a new entry has no
 * sub-list and is not whole), or NULL on OOM. */
static iamw__pname *level_add(iamw__pname **names, size_t *n, size_t *cap, const char *s,
                              size_t len)
{
	for (size_t i = 0; i < *n; i++)
		if ((*names)[i].len == len && memcmp((*names)[i].s, s, len) == 0)
			return &(*names)[i];
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		iamw__pname *v = iamw__realloc(*names, nc * sizeof *v);
		if (!v)
			return NULL;
		*names = v;
		*cap = nc;
	}
	iamw__pname *e = &(*names)[(*n)++];
	*e = (iamw__pname){s, len, 0, NULL};
	return e;
}

/* Add the path of property names steps[0..r) to the list: the value at
 * the last one is wanted whole, those before only for what they lead to. */
static int add_path(iamw__pname **names, size_t *n, size_t *cap, const iamw__step *steps, size_t r)
{
	for (size_t d = 0; d < r; d++) {
		iamw__pname *e = level_add(names, n, cap, steps[d].name, steps[d].name_len);
		if (!e)
			return IAMW_ENOMEM;
		if (d + 1 == r)
			e->whole = 1;
		if (e->whole)
			return IAMW_OK; /* the whole value already includes the rest */
		if (!e->sub) {
			e->sub = iamw__calloc(1, sizeof *e->sub);
			if (!e->sub)
				return IAMW_ENOMEM;
		}
		names = &e->sub->names;
		n = &e->sub->n;
		cap = &e->sub->cap;
	}
	return IAMW_OK;
}

/* Merge a list into another (deep): whole wins over a sub-list. */
static int level_merge(iamw__pname **names, size_t *n, size_t *cap, const iamw__pname *src,
                       size_t src_n)
{
	for (size_t i = 0; i < src_n; i++) {
		iamw__pname *e = level_add(names, n, cap, src[i].s, src[i].len);
		if (!e)
			return IAMW_ENOMEM;
		if (e->whole)
			continue;
		if (src[i].whole || !src[i].sub) {
			e->whole = 1;
			continue;
		}
		if (!e->sub) {
			e->sub = iamw__calloc(1, sizeof *e->sub);
			if (!e->sub)
				return IAMW_ENOMEM;
		}
		if (level_merge(&e->sub->names, &e->sub->n, &e->sub->cap, src[i].sub->names,
		                src[i].sub->n))
			return IAMW_ENOMEM;
	}
	return IAMW_OK;
}

/* 1 when every selector under n starts with a property name (its path of
 * leading names added to the list), 0 when one does not, <0 on OOM. */
static int collect(const iamw__node *n, iamw__plevel *lv)
{
	if (n->kind == IAMW__NODE_AND || n->kind == IAMW__NODE_OR) {
		for (size_t i = 0; i < n->n_kids; i++) {
			int r = collect(n->kids[i], lv);
			if (r <= 0)
				return r;
		}
		return 1;
	}
	const iamw__selector *sel = n->sel;
	if (!sel || sel->n_steps == 0 || sel->steps[0].kind != IAMW__STEP_NAME)
		return 0;
	size_t r = 0;
	while (r < sel->n_steps && sel->steps[r].kind == IAMW__STEP_NAME) {
		/* A name with a NUL could only be compared up to it by cJSON. */
		if (memchr(sel->steps[r].name, '\0', sel->steps[r].name_len))
			return 0;
		r++;
	}
	return add_path(&lv->names, &lv->n, &lv->cap, sel->steps, r) ? IAMW_ENOMEM : 1;
}

int iamw__projection_build(iamw__projection **out, const iamw_pattern *p)
{
	*out = NULL;
	if (p->kind != IAMW_PATTERN_JSON || !p->root)
		return IAMW_OK;
	iamw__plevel lv = {NULL, 0, 0};
	int r = collect(p->root, &lv);
	if (r <= 0 || lv.n == 0) {
		level_clear(lv.names, lv.n);
		iamw__free(lv.names);
		return r < 0 ? IAMW_ENOMEM : IAMW_OK;
	}
	iamw__projection *pr = iamw__malloc(sizeof *pr);
	if (!pr) {
		level_clear(lv.names, lv.n);
		iamw__free(lv.names);
		return IAMW_ENOMEM;
	}
	pr->names = lv.names;
	pr->n = lv.n;
	*out = pr;
	return IAMW_OK;
}

void iamw__projection_free(iamw__projection *pr)
{
	if (!pr)
		return;
	level_clear(pr->names, pr->n);
	iamw__free(pr->names);
	iamw__free(pr);
}

int iamw__projection_merge(iamw__pname **names, size_t *n, size_t *cap, const iamw__projection *pr,
                           const char *extra)
{
	if (pr && level_merge(names, n, cap, pr->names, pr->n))
		return IAMW_ENOMEM;
	if (extra) {
		iamw__pname *e = level_add(names, n, cap, extra, strlen(extra));
		if (!e)
			return IAMW_ENOMEM;
		e->whole = 1;
	}
	return IAMW_OK;
}

/* ------------------------------------------------------------------ scan */

#define NOT_FOUND ((size_t)-1)

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (unsigned char)s[i] <= 32)
		i++;
	return i;
}

/* i at an opening quote: the index just past the closing one. */
static size_t skip_string(const char *s, size_t n, size_t i)
{
	for (i++; i < n;) {
		const char *q = memchr(s + i, '"', n - i);
		if (!q)
			return NOT_FOUND;
		size_t j = (size_t)(q - s);
		/* escaped when preceded by an odd run of backslashes */
		size_t b = j;
		while (b > i && s[b - 1] == '\\')
			b--;
		if (((j - b) & 1) == 0)
			return j + 1;
		i = j + 1;
	}
	return NOT_FOUND;
}

/* The first of '"', '{', '}', '[', ']' at or after i (n when none). */
static size_t next_structural(const char *s, size_t n, size_t i)
{
#if defined(__SSE2__)
	/* '[' and ']' are '{' and '}' without bit 0x20 */
	const __m128i quote = _mm_set1_epi8('"'), open = _mm_set1_epi8('{'),
	              close = _mm_set1_epi8('}'), b20 = _mm_set1_epi8(0x20);
	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i f = _mm_or_si128(x, b20);
		__m128i m =
		    _mm_or_si128(_mm_cmpeq_epi8(x, quote),
		                 _mm_or_si128(_mm_cmpeq_epi8(f, open), _mm_cmpeq_epi8(f, close)));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		if (bits)
			return i + (size_t)__builtin_ctz(bits);
	}
#endif
	for (; i < n; i++) {
		char c = s[i];
		if (c == '"' || c == '{' || c == '}' || c == '[' || c == ']')
			return i;
	}
	return n;
}

#if defined(__SSE2__)
/* Bit k set when p[k] == c, for 64 bytes (f: the bytes to compare). */
static uint64_t eq_mask64(const __m128i f[4], char c)
{
	const __m128i v = _mm_set1_epi8(c);
	uint64_t m = 0;
	for (int k = 0; k < 4; k++)
		m |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(f[k], v)) << (16 * k);
	return m;
}

/* Bit k: parity of the bits 0..k of x (which bytes lie inside strings). */
static uint64_t prefix_xor(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}
#endif

/* i at '{' or '[': the index after the matching bracket, or NOT_FOUND.
 * 64 bytes at a time while they hold no backslash: quotes give the string
 * mask by prefix parity, and only brackets outside strings are visited. */
static size_t skip_container(const char *s, size_t n, size_t i)
{
	size_t depth = 0;
	int in_string = 0;
#if defined(__SSE2__)
	const __m128i b20 = _mm_set1_epi8(0x20);
	while (n - i >= 64) {
		__m128i x[4], f[4];
		for (int k = 0; k < 4; k++) {
			x[k] = _mm_loadu_si128((const __m128i *)(s + i + 16 * k));
			f[k] = _mm_or_si128(x[k], b20); /* '[' ']' are '{' '}' without 0x20 */
		}
		if (eq_mask64(x, '\\'))
			break; /* escapes: byte by byte from this block on */
		uint64_t quotes = eq_mask64(x, '"');
		uint64_t open = eq_mask64(f, '{'), close = eq_mask64(f, '}');
		uint64_t inside = prefix_xor(quotes) ^ (in_string ? ~(uint64_t)0 : 0);
		uint64_t brackets = (open | close) & ~inside;
		while (brackets) {
			unsigned k = (unsigned)__builtin_ctzll(brackets);
			brackets &= brackets - 1;
			if ((open >> k) & 1)
				depth++;
			else if (--depth == 0)
				return i + k + 1;
		}
		in_string = (int)(inside >> 63);
		i += 64;
	}
#endif
	if (in_string) {
		/* the string began in a block without backslashes: its body so far
		 * holds no escape, so the scan may start at i */
		i = skip_string(s, n, i - 1);
		if (i == NOT_FOUND)
			return NOT_FOUND;
	}
	while ((i = next_structural(s, n, i)) < n) {
		char c = s[i];
		if (c == '"') {
			i = skip_string(s, n, i);
			if (i == NOT_FOUND)
				return NOT_FOUND;
			continue;
		}
		if (c == '{' || c == '[') {
			depth++;
		} else if (--depth == 0) {
			return i + 1;
		}
		i++;
	}
	return NOT_FOUND;
}

static size_t skip_value(const char *s, size_t n, size_t i)
{
	if (i >= n)
		return NOT_FOUND;
	char c = s[i];
	if (c == '"')
		return skip_string(s, n, i);
	if (c == '{' || c == '[')
		return skip_container(s, n, i);
	size_t j = i;
	while (j < n && (unsigned char)s[j] > 32 && s[j] != ',' && s[j] != '}' && s[j] != ']')
		j++;
	return j > i ? j : NOT_FOUND;
}

static int key_is_plain(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\\' || (unsigned char)s[i] < 0x20)
			return 0;
	return 1;
}

/* iamw__project for the names whose bit is set in want (the others are
 * neither looked for nor copied). */
static int locate(const char *text, size_t len, const iamw__pname *names, size_t k, uint64_t want,
                  iamw__pspan *spans)
{
	if (k > IAMW__PROJECTION_MAX_NAMES)
		return 0;
	size_t wanted = 0;
	for (size_t j = 0; j < k; j++) {
		spans[j] = (iamw__pspan){0, 0};
		wanted += (want >> j) & 1;
	}
	size_t found = 0;
	size_t i = skip_ws(text, len, 0);
	if (i >= len || text[i] != '{')
		return 0;
	i = skip_ws(text, len, i + 1);
	int empty = i < len && text[i] == '}';
	while (!empty && found < wanted) {
		if (i >= len || text[i] != '"')
			return 0;
		size_t key = i + 1;
		size_t end = skip_string(text, len, i);
		if (end == NOT_FOUND)
			return 0;
		size_t key_len = end - 1 - key;
		if (!key_is_plain(text + key, key_len))
			return 0;
		i = skip_ws(text, len, end);
		if (i >= len || text[i] != ':')
			return 0;
		i = skip_ws(text, len, i + 1);
		size_t v = i;
		i = skip_value(text, len, i);
		if (i == NOT_FOUND)
			return 0;
		for (size_t j = 0; j < k; j++) {
			if (((want >> j) & 1) && spans[j].len == 0 && names[j].len == key_len &&
			    memcmp(names[j].s, text + key, key_len) == 0) {
				spans[j] = (iamw__pspan){v, i - v};
				found++;
				break;
			}
		}
		i = skip_ws(text, len, i);
		if (i < len && text[i] == ',')
			i = skip_ws(text, len, i + 1);
		else if (i < len && text[i] == '}')
			break;
		else
			return 0;
	}
	return 1;
}

/* cJSON reads a key or string holding a raw NUL byte only up to it; such
 * events (not strict JSON) are not projected: the full path decides. */
static int has_nul(const char *text, size_t len)
{
	return memchr(text, '\0', len) != NULL;
}

/* Append bytes to out[0..cap) at *o; 0 when they do not fit. */
static int put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	if (cap - *o < n)
		return 0;
	memcpy(out + *o, s, n);
	*o += n;
	return 1;
}

static int emit_members(const char *text, const iamw__pname *names, size_t k,
                        const iamw__pspan *spans, char *out, size_t cap, size_t *o, int depth);

/* One member's value: as written, or, for an object of which only some
 * members are read, the projection of those (the first occurrence of each,
 * as cJSON's lookup finds them; anything unusual: the value as written). */
static int emit_value(const char *text, const iamw__pname *e, const iamw__pspan *span, char *out,
                      size_t cap, size_t *o, int depth)
{
	const char *v = text + span->off;
	if (!e->whole && e->sub && e->sub->n <= IAMW__PROJECTION_MAX_NAMES && depth < 64 &&
	    v[0] == '{') {
		iamw__pspan sub[IAMW__PROJECTION_MAX_NAMES];
		uint64_t all = e->sub->n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << e->sub->n) - 1;
		if (locate(v, span->len, e->sub->names, e->sub->n, all, sub))
			return emit_members(v, e->sub->names, e->sub->n, sub, out, cap, o,
			                    depth + 1);
	}
	return put(out, cap, o, v, span->len);
}

/* {"name":value,...} for the members found. */
static int emit_members(const char *text, const iamw__pname *names, size_t k,
                        const iamw__pspan *spans, char *out, size_t cap, size_t *o, int depth)
{
	if (!put(out, cap, o, "{", 1))
		return 0;
	int first = 1;
	for (size_t j = 0; j < k; j++) {
		if (!spans[j].len)
			continue;
		if ((!first && !put(out, cap, o, ",", 1)) || !put(out, cap, o, "\"", 1) ||
		    !put(out, cap, o, names[j].s, names[j].len) || !put(out, cap, o, "\":", 2) ||
		    !emit_value(text, &names[j], &spans[j], out, cap, o, depth))
			return 0;
		first = 0;
	}
	return put(out, cap, o, "}", 1);
}

int iamw__project_masked(const char *text, size_t len, const iamw__pname *names, size_t k,
                          uint64_t want, char *out, size_t cap, size_t *out_len, iamw__pspan *spans)
{
	if (has_nul(text, len) || !locate(text, len, names, k, want, spans))
		return 0;
	size_t o = 0;
	if (!emit_members(text, names, k, spans, out, cap, &o, 0))
		return 0;
	*out_len = o;
	return 1;
}

int iamw__project_member(const char *text, size_t len, const char *name, iamw__pspan *span)
{
	iamw__pname one = {name, strlen(name), 1, NULL};
	return !has_nul(text, len) && locate(text, len, &one, 1, 1, span) && span->len != 0;
}

int iamw__project(const char *text, size_t len, const iamw__pname *names, size_t k, char *out,
                  size_t cap, size_t *out_len, iamw__pspan *spans)
{
	iamw__pspan local[IAMW__PROJECTION_MAX_NAMES];
	uint64_t all = k >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << k) - 1;
	return iamw__project_masked(text, len, names, k, all, out, cap, out_len, spans ? spans : local);
}

/* ------------------------------------------------------------------ sets */

int iamw__projection_set_build(iamw__projection_set **out, const iamw_pattern *const *patterns,
                               size_t n, const char *extra)
{
	*out = NULL;
	iamw__projection_set *s = iamw__calloc(1, sizeof *s);
	if (!s)
		return IAMW_ENOMEM;
	s->patterns = iamw__calloc(n ? n : 1, sizeof *s->patterns);
	if (!s->patterns)
		goto oom;
	s->n_patterns = n;
	size_t projectable = 0;
	for (size_t i = 0; i < n; i++) {
		if (!patterns[i] || !patterns[i]->projection)
			continue;
		if (iamw__projection_merge(&s->names, &s->n_names, &s->names_cap,
		                           patterns[i]->projection, NULL))
			goto oom;
		s->patterns[i] = patterns[i];
		projectable++;
	}
	s->masks = iamw__calloc(n ? n : 1, sizeof *s->masks);
	if (!s->masks)
		goto oom;
	for (size_t i = 0; i < n && s->n_names <= IAMW__PROJECTION_MAX_NAMES; i++) {
		const iamw__projection *pr = s->patterns[i] ? s->patterns[i]->projection : NULL;
		for (size_t a = 0; pr && a < pr->n; a++)
			for (size_t j = 0; j < s->n_names; j++)
				if (s->names[j].len == pr->names[a].len &&
				    memcmp(s->names[j].s, pr->names[a].s, pr->names[a].len) == 0)
					s->masks[i] |= (uint64_t)1 << j;
	}
	s->extra_index = -1;
	if (extra && projectable) {
		if (iamw__projection_merge(&s->names, &s->n_names, &s->names_cap, NULL, extra))
			goto oom;
		for (size_t j = 0; j < s->n_names; j++)
			if (s->names[j].len == strlen(extra) &&
			    !memcmp(s->names[j].s, extra, s->names[j].len))
				s->extra_index = (long)j;
	}
	if (!projectable || s->n_names > IAMW__PROJECTION_MAX_NAMES) {
		/* nothing to gain, or more names than one scan compares */
		iamw__projection_set_free(s);
		return IAMW_OK;
	}
	*out = s;
	return IAMW_OK;
oom:
	iamw__projection_set_free(s);
	return IAMW_ENOMEM;
}

/* The leading property names of a selector (0: it starts otherwise). */
static size_t name_run(const iamw__selector *sel)
{
	size_t r = 0;
	while (sel && r < sel->n_steps && sel->steps[r].kind == IAMW__STEP_NAME &&
	       !memchr(sel->steps[r].name, '\0', sel->steps[r].name_len))
		r++;
	return r;
}

static long name_index(const iamw__projection_set *s, const char *name, size_t len)
{
	for (size_t j = 0; j < s->n_names; j++)
		if (s->names[j].len == len && memcmp(s->names[j].s, name, len) == 0)
			return (long)j;
	return -1;
}

int iamw__projection_set_add_paths(iamw__projection_set *s, size_t i,
                                   const iamw__selector *const *sels, size_t k)
{
	if (i >= s->n_patterns || !s->patterns[i])
		return 0;
	/* all or nothing: check first, then add */
	size_t new_names = 0;
	for (size_t a = 0; a < k; a++) {
		if (!name_run(sels[a]))
			return 0;
		const iamw__step *first = &sels[a]->steps[0];
		int seen = name_index(s, first->name, first->name_len) >= 0;
		for (size_t b = 0; b < a && !seen; b++)
			seen = sels[b]->steps[0].name_len == first->name_len &&
			       memcmp(sels[b]->steps[0].name, first->name, first->name_len) == 0;
		new_names += !seen;
	}
	if (s->n_names + new_names > IAMW__PROJECTION_MAX_NAMES)
		return 0;
	for (size_t a = 0; a < k; a++) {
		if (add_path(&s->names, &s->n_names, &s->names_cap, sels[a]->steps,
		             name_run(sels[a])))
			return IAMW_ENOMEM;
		const iamw__step *first = &sels[a]->steps[0];
		s->masks[i] |= (uint64_t)1 << name_index(s, first->name, first->name_len);
	}
	return 1;
}

void iamw__projection_set_free(iamw__projection_set *s)
{
	if (!s)
		return;
	level_clear(s->names, s->n_names);
	iamw__free(s->names);
	iamw__free(s->patterns);
	iamw__free(s->masks);
	iamw__free(s);
}
