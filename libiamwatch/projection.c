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
 * all, because only a "no match" on the projection is trusted and such an
 * event cannot match on the full path either.
 */
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "json_check.h"
#include "match.h"
#include "projection.h"

/* Longest projection the single-pattern path builds on its stack. */
#define PROJ_STACK_BYTES 4096

/* ------------------------------------------------------------------ build */

static int names_add(iamw__pname **names, size_t *n, size_t *cap, const char *s, size_t len)
{
	for (size_t i = 0; i < *n; i++)
		if ((*names)[i].len == len && memcmp((*names)[i].s, s, len) == 0)
			return IAMW_OK;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		iamw__pname *v = iamw__realloc(*names, nc * sizeof *v);
		if (!v)
			return IAMW_ENOMEM;
		*names = v;
		*cap = nc;
	}
	(*names)[(*n)++] = (iamw__pname){s, len};
	return IAMW_OK;
}

/* 1 when every selector under n starts with a property name (collected
 * into the set), 0 when one does not, <0 on OOM. */
static int collect(const iamw__node *n, iamw__pname **names, size_t *k, size_t *cap)
{
	if (n->kind == IAMW__NODE_AND || n->kind == IAMW__NODE_OR) {
		for (size_t i = 0; i < n->n_kids; i++) {
			int r = collect(n->kids[i], names, k, cap);
			if (r <= 0)
				return r;
		}
		return 1;
	}
	const iamw__selector *sel = n->sel;
	if (!sel || sel->n_steps == 0 || sel->steps[0].kind != IAMW__STEP_NAME)
		return 0;
	const iamw__step *st = &sel->steps[0];
	/* A name with a NUL could only be compared up to it by cJSON. */
	if (memchr(st->name, '\0', st->name_len))
		return 0;
	return names_add(names, k, cap, st->name, st->name_len) ? IAMW_ENOMEM : 1;
}

int iamw__projection_build(iamw__projection **out, const iamw_pattern *p)
{
	*out = NULL;
	if (p->kind != IAMW_PATTERN_JSON || !p->root)
		return IAMW_OK;
	iamw__pname *names = NULL;
	size_t n = 0, cap = 0;
	int r = collect(p->root, &names, &n, &cap);
	if (r <= 0 || n == 0) {
		iamw__free(names);
		return r < 0 ? IAMW_ENOMEM : IAMW_OK;
	}
	iamw__projection *pr = iamw__malloc(sizeof *pr);
	if (!pr) {
		iamw__free(names);
		return IAMW_ENOMEM;
	}
	pr->names = names;
	pr->n = n;
	*out = pr;
	return IAMW_OK;
}

void iamw__projection_free(iamw__projection *pr)
{
	if (!pr)
		return;
	iamw__free(pr->names);
	iamw__free(pr);
}

int iamw__projection_merge(iamw__pname **names, size_t *n, size_t *cap, const iamw__projection *pr,
                           const char *extra)
{
	for (size_t i = 0; pr && i < pr->n; i++)
		if (names_add(names, n, cap, pr->names[i].s, pr->names[i].len))
			return IAMW_ENOMEM;
	if (extra && names_add(names, n, cap, extra, strlen(extra)))
		return IAMW_ENOMEM;
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

static size_t skip_value(const char *s, size_t n, size_t i)
{
	if (i >= n)
		return NOT_FOUND;
	char c = s[i];
	if (c == '"')
		return skip_string(s, n, i);
	if (c == '{' || c == '[') {
		size_t depth = 0;
		while ((i = next_structural(s, n, i)) < n) {
			c = s[i];
			if (c == '"') {
				i = skip_string(s, n, i);
				if (i == NOT_FOUND)
					return NOT_FOUND;
				continue;
			}
			if (c == '{' || c == '[') {
				depth++;
			} else if (c == '}' || c == ']') {
				if (--depth == 0)
					return i + 1;
			}
			i++;
		}
		return NOT_FOUND;
	}
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
	/* cJSON reads a key or string holding a raw NUL byte only up to it;
	 * such events (not strict JSON) take the full path */
	if (memchr(text, '\0', len))
		return 0;
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

static int project_masked(const char *text, size_t len, const iamw__pname *names, size_t k,
                          uint64_t want, char *out, size_t cap, size_t *out_len, iamw__pspan *spans)
{
	if (!locate(text, len, names, k, want, spans))
		return 0;
	/* {"name":value,...} */
	size_t o = 0;
	if (cap < 2)
		return 0;
	out[o++] = '{';
	for (size_t j = 0; j < k; j++) {
		if (!spans[j].len)
			continue;
		size_t need = names[j].len + spans[j].len + 4;
		if (cap - o < need + 1)
			return 0;
		if (o > 1)
			out[o++] = ',';
		out[o++] = '"';
		memcpy(out + o, names[j].s, names[j].len);
		o += names[j].len;
		out[o++] = '"';
		out[o++] = ':';
		memcpy(out + o, text + spans[j].off, spans[j].len);
		o += spans[j].len;
	}
	out[o++] = '}';
	*out_len = o;
	return 1;
}

int iamw__project_member(const char *text, size_t len, const char *name, iamw__pspan *span)
{
	iamw__pname one = {name, strlen(name)};
	return locate(text, len, &one, 1, 1, span) && span->len != 0;
}

int iamw__project(const char *text, size_t len, const iamw__pname *names, size_t k, char *out,
                  size_t cap, size_t *out_len, iamw__pspan *spans)
{
	iamw__pspan local[IAMW__PROJECTION_MAX_NAMES];
	uint64_t all = k >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << k) - 1;
	return project_masked(text, len, names, k, all, out, cap, out_len, spans ? spans : local);
}

int iamw__projection_decide(const iamw_pattern *p, const char *text, size_t len)
{
	const iamw__projection *pr = p->projection;
	if (!pr)
		return -1;
	char buf[PROJ_STACK_BYTES];
	size_t n;
	if (!iamw__project(text, len, pr->names, pr->n, buf, sizeof buf, &n, NULL))
		return -1;
	cJSON *tree = iamw__parse_event_json(buf, n);
	if (!tree)
		return -1;
	int r = iamw__json_eval(p, tree, buf, n);
	cJSON_Delete(tree);
	if (r == 0)
		return 0;
	/* A match stands when the full parse is certain to succeed. */
	return r == 1 && iamw__json_check_object(text, len) ? 1 : -1;
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
	size_t cap = 0, projectable = 0;
	for (size_t i = 0; i < n; i++) {
		if (!patterns[i] || !patterns[i]->projection)
			continue;
		if (iamw__projection_merge(&s->names, &s->n_names, &cap, patterns[i]->projection,
		                           NULL))
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
		if (iamw__projection_merge(&s->names, &s->n_names, &cap, NULL, extra))
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

void iamw__projection_set_free(iamw__projection_set *s)
{
	if (!s)
		return;
	iamw__free(s->names);
	iamw__free(s->patterns);
	iamw__free(s->masks);
	iamw__free(s);
}

int iamw__projection_set_refine(const iamw__projection_set *s, const char *text, size_t len,
                                char *buf, size_t cap, uint8_t *may, int count, iamw__pspan *extra)
{
	iamw__pspan spans[IAMW__PROJECTION_MAX_NAMES];
	if (extra)
		*extra = (iamw__pspan){0, 0};
	/* only the members the remaining candidates read, and the extra */
	uint64_t want = 0;
	for (size_t i = 0; i < s->n_patterns; i++)
		if (may[i])
			want |= s->masks[i];
	if (!want)
		return count;
	if (s->extra_index >= 0)
		want |= (uint64_t)1 << s->extra_index;
	size_t n;
	if (!project_masked(text, len, s->names, s->n_names, want, buf, cap, &n, spans))
		return count;
	if (extra && s->extra_index >= 0)
		*extra = spans[s->extra_index];
	cJSON *tree = NULL;
	for (size_t i = 0; i < s->n_patterns && count > 0; i++) {
		if (!may[i] || !s->patterns[i])
			continue;
		if (!tree) {
			tree = iamw__parse_event_json(buf, n);
			if (!tree)
				break;
		}
		if (iamw__json_eval(s->patterns[i], tree, buf, n) == 0) {
			may[i] = 0;
			count--;
		}
	}
	cJSON_Delete(tree);
	return count;
}
