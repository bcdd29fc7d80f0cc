/* SPDX-License-Identifier: MIT */
/*
 * eval.c - evaluates a compiled pattern against one log event: term
 * patterns by substring search over the raw text (T-1..T-5), standalone
 * regexes by search, JSON patterns over a cJSON tree (J-1..J-12), and
 * space-delimited patterns over the event's fields (D-1..D-7). Extracted
 * values land in the caller's iamw_match scratch; the compiled pattern is
 * only read, so one pattern may be matched from many threads at once.
 * This is the plain path; match.c puts the prefilter and projection in front
 * of it.
 */
#define _GNU_SOURCE /* memmem */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/json_check.h"
#include "match/eval.h"

/* ------------------------------------------------------------------ scratch */

int iamw_match_new(iamw_match **out)
{
	if (!out)
		return IAMW_EINVAL;
	iamw_match *m = iamw__calloc(1, sizeof *m);
	*out = m;
	if (!m)
		return IAMW_ENOMEM;
	m->max_event = IAMW_DEFAULT_MAX_EVENT_SIZE;
	iamw__buf_init(&m->names);
	iamw__buf_init(&m->values);
	return IAMW_OK;
}

void iamw_match_free(iamw_match *m)
{
	if (!m)
		return;
	iamw__buf_free(&m->names);
	iamw__buf_free(&m->values);
	iamw__free(m->vals);
	iamw__free(m->spans);
	iamw__free(m);
}

int iamw_match_set_max_event_size(iamw_match *m, size_t max_bytes)
{
	if (!m)
		return IAMW_EINVAL;
	m->max_event = max_bytes ? max_bytes : IAMW_DEFAULT_MAX_EVENT_SIZE;
	return IAMW_OK;
}

void iamw__match_reset_values(iamw_match *m)
{
	m->n_vals = 0;
	iamw__buf_reset(&m->names);
	iamw__buf_reset(&m->values);
}

int iamw__match_add_value(iamw_match *m, const char *name, size_t name_len, const char *value,
                          size_t value_len)
{
	if (m->n_vals == m->cap_vals) {
		size_t cap = m->cap_vals ? m->cap_vals * 2 : 16;
		iamw__extracted *v = iamw__realloc(m->vals, cap * sizeof *v);
		if (!v)
			return IAMW_ENOMEM;
		m->vals = v;
		m->cap_vals = cap;
	}
	iamw__extracted *e = &m->vals[m->n_vals];
	e->name_off = m->names.len;
	iamw__buf_add(&m->names, name, name_len);
	iamw__buf_addc(&m->names, '\0');
	e->value_off = m->values.len;
	e->value_len = value_len;
	iamw__buf_add(&m->values, value, value_len);
	iamw__buf_addc(&m->values, '\0');
	if (m->names.oom || m->values.oom)
		return IAMW_ENOMEM;
	m->n_vals++;
	return IAMW_OK;
}

size_t iamw_match_value_count(const iamw_match *m)
{
	return m ? m->n_vals : 0;
}

int iamw_match_value(const iamw_match *m, size_t i, const char **name_out, const char **value_out,
                     size_t *len_out)
{
	if (!m || i >= m->n_vals)
		return 0;
	if (name_out)
		*name_out = m->names.data + m->vals[i].name_off;
	if (value_out)
		*value_out = m->values.data + m->vals[i].value_off;
	if (len_out)
		*len_out = m->vals[i].value_len;
	return 1;
}

int iamw_match_get(const iamw_match *m, const char *name, const char **value_out, size_t *len_out)
{
	if (!m || !name)
		return 0;
	for (size_t i = 0; i < m->n_vals; i++) {
		if (strcmp(m->names.data + m->vals[i].name_off, name) == 0)
			return iamw_match_value(m, i, NULL, value_out, len_out);
	}
	return 0;
}

/* ------------------------------------------------------------------ comparisons */

int iamw__glob_eq(const iamw__value *v, const char *s, size_t n)
{
	if (v->kind == IAMW__VAL_STAR)
		return 1;
	const char *t = v->text;
	size_t k = v->len;
	if (v->lead_star && v->trail_star)
		return k == 0 || (n >= k && memmem(s, n, t, k) != NULL);
	if (v->lead_star)
		return n >= k && memcmp(s + n - k, t, k) == 0;
	if (v->trail_star)
		return n >= k && memcmp(s, t, k) == 0;
	return n == k && memcmp(s, t, k) == 0;
}

static int cmp_numbers(iamw__cmp_op op, double a, double b)
{
	switch (op) {
	case IAMW__OP_EQ: return a == b;
	case IAMW__OP_NE: return a != b;
	case IAMW__OP_LT: return a < b;
	case IAMW__OP_LE: return a <= b;
	case IAMW__OP_GT: return a > b;
	case IAMW__OP_GE: return a >= b;
	}
	return 0;
}

/* Compare a scalar given as text (and, when is_number, as a number) with a
 * pattern value. Shared by JSON values and delimited fields: the rules are
 * the same once the value is reduced to text plus an optional number. */
static int cmp_scalar(const iamw__value *v, iamw__cmp_op op, const char *s, size_t n, int is_number,
                      double num)
{
	int eq;
	switch (v->kind) {
	case IAMW__VAL_STAR:
		eq = 1;
		break;
	case IAMW__VAL_NUMBER:
		if (op != IAMW__OP_EQ && op != IAMW__OP_NE)
			return is_number && cmp_numbers(op, num, v->num);
		eq = is_number ? num == v->num : (n == v->len && memcmp(s, v->text, n) == 0);
		break;
	case IAMW__VAL_STRING:
		eq = iamw__glob_eq(v, s, n);
		break;
	case IAMW__VAL_REGEX: {
		int r = iamw__regex_search(v->re, s, n);
		if (r < 0)
			return r;
		eq = r;
		break;
	}
	default:
		return 0;
	}
	return op == IAMW__OP_NE ? !eq : eq;
}

/* ------------------------------------------------------------------ JSON */

int iamw__json_scalar_text(const cJSON *node, char *numbuf, size_t numbuf_size, const char **out,
                           size_t *out_len)
{
	if (cJSON_IsString(node) && node->valuestring) {
		*out = node->valuestring;
		*out_len = strlen(node->valuestring);
		return 1;
	}
	if (cJSON_IsNumber(node)) {
		*out_len = iamw__fmt_shortest(node->valuedouble, numbuf, numbuf_size);
		*out = numbuf;
		return 1;
	}
	return 0;
}

int iamw__parse_event_json_ex(const char *msg, size_t len, cJSON **out)
{
	*out = NULL;
	size_t a = 0, b = len;
	while (a < b && (msg[a] == ' ' || msg[a] == '\t' || msg[a] == '\r' || msg[a] == '\n'))
		a++;
	while (b > a && (msg[b - 1] == ' ' || msg[b - 1] == '\t' || msg[b - 1] == '\r' ||
	                 msg[b - 1] == '\n'))
		b--;
	if (a == b || msg[a] != '{' || msg[b - 1] != '}')
		return IAMW_OK;
	const char *end = NULL;
	cJSON *tree = cJSON_ParseWithLengthOpts(msg + a, b - a, &end, 0);
	if (!tree) /* bad syntax, or no memory: the strict check tells which */
		return iamw__json_check_object(msg + a, b - a) ? IAMW_ENOMEM : IAMW_OK;
	if (!cJSON_IsObject(tree) || end != msg + b) {
		cJSON_Delete(tree);
		return IAMW_OK;
	}
	*out = tree;
	return IAMW_OK;
}

cJSON *iamw__parse_event_json(const char *msg, size_t len)
{
	cJSON *tree;
	return iamw__parse_event_json_ex(msg, len, &tree) == IAMW_OK ? tree : NULL;
}

const cJSON *iamw__resolve_single(const cJSON *node, const iamw__selector *sel)
{
	for (size_t i = 0; i < sel->n_steps && node; i++) {
		const iamw__step *st = &sel->steps[i];
		if (st->kind == IAMW__STEP_NAME)
			node = cJSON_IsObject(node) ? cJSON_GetObjectItemCaseSensitive(node, st->name) : NULL;
		else if (st->kind == IAMW__STEP_INDEX)
			node = cJSON_IsArray(node) && st->index < (size_t)1 << 30
			           ? cJSON_GetArrayItem(node, (int)st->index)
			           : NULL;
		else
			return NULL;
	}
	return node;
}

/* Original number lexemes (A-6: a quoted literal compares with the number as
 * written, "400.0" is not "400"). cJSON keeps only the double, so when a
 * string comparison reaches a number, the raw text is scanned once for its
 * number tokens, which pair up with the tree's number nodes in document
 * order. Built lazily: most patterns never need it. */
typedef struct lexemes {
	const char *raw;
	size_t raw_len;
	int built; /* 0 not yet, 1 ready, -1 unavailable (fall back to rendering) */
	const cJSON **nodes;
	size_t *off;
	size_t *len;
	size_t n;
	/* Strings holding U+0000: cJSON's NUL-terminated valuestring stops at
	 * the first NUL, so such strings are decoded again from the raw text
	 * (built lazily, only for events that contain "\u0000"). */
	int strings_built; /* 0 not yet, 1 ready, -1 not needed or unavailable */
	const cJSON **str_nodes;
	char **str_data;
	size_t *str_len;
	size_t n_str;
} lexemes;

/* Every string token of the raw text (keys and values), in order. */
static size_t scan_strings(const char *s, size_t len, size_t *off, size_t *end, size_t max)
{
	size_t count = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '"')
			continue;
		size_t j = i + 1;
		while (j < len && s[j] != '"') {
			if (s[j] == '\\')
				j++;
			j++;
		}
		if (count < max) {
			off[count] = i + 1;
			end[count] = j < len ? j : len;
		}
		count++;
		i = j;
	}
	return count;
}

/* Pre-order pairing with the string tokens: a member's key comes before its
 * value. Key slots are recorded as NULL. */
static void collect_strings(const cJSON *node, int in_object, const cJSON **nodes, size_t *n,
                            size_t max)
{
	for (; node; node = node->next) {
		if (in_object) {
			if (*n < max && nodes)
				nodes[*n] = NULL;
			(*n)++;
		}
		if (cJSON_IsString(node)) {
			if (*n < max && nodes)
				nodes[*n] = node;
			(*n)++;
		}
		if (node->child)
			collect_strings(node->child, cJSON_IsObject(node), nodes, n, max);
	}
}

static unsigned hex4(const char *s)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v = v * 16 + (unsigned)(c >= '0' && c <= '9' ? c - '0' : (c | 32) - 'a' + 10);
	}
	return v;
}

/* Decode a JSON string body (escapes, \uXXXX with surrogate pairs) into d;
 * returns the decoded length. d has room for n bytes (decoding never grows). */
static size_t json_unescape(const char *s, size_t n, char *d)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 >= n) {
			d[o++] = s[i];
			continue;
		}
		char e = s[++i];
		switch (e) {
		case 'b': d[o++] = '\b'; break;
		case 'f': d[o++] = '\f'; break;
		case 'n': d[o++] = '\n'; break;
		case 'r': d[o++] = '\r'; break;
		case 't': d[o++] = '\t'; break;
		case 'u': {
			if (i + 4 >= n) {
				d[o++] = e;
				break;
			}
			unsigned cp = hex4(s + i + 1);
			i += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < n && s[i + 1] == '\\' && s[i + 2] == 'u') {
				unsigned lo = hex4(s + i + 3);
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					i += 6;
				}
			}
			if (cp < 0x80) {
				d[o++] = (char)cp;
			} else if (cp < 0x800) {
				d[o++] = (char)(0xC0 | (cp >> 6));
				d[o++] = (char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				d[o++] = (char)(0xE0 | (cp >> 12));
				d[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				d[o++] = (char)(0x80 | (cp & 0x3F));
			} else {
				d[o++] = (char)(0xF0 | (cp >> 18));
				d[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
				d[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				d[o++] = (char)(0x80 | (cp & 0x3F));
			}
			break;
		}
		default: d[o++] = e;
		}
	}
	return o;
}

static void strings_build(lexemes *lx, const cJSON *root)
{
	lx->strings_built = -1;
	/* U+0000 escaped, or a raw NUL byte (not strict JSON, but cJSON keeps
	 * it in the string and then reads the string only up to it) */
	if (!lx->raw || (!memmem(lx->raw, lx->raw_len, "\\u0000", 6) &&
	                 !memchr(lx->raw, '\0', lx->raw_len)))
		return;
	size_t n = 0;
	collect_strings(root->child, cJSON_IsObject(root), NULL, &n, 0);
	if (!n)
		return;
	const cJSON **nodes = iamw__calloc(n, sizeof *nodes);
	size_t *off = iamw__calloc(n, sizeof *off), *end = iamw__calloc(n, sizeof *end);
	lx->str_nodes = iamw__calloc(n, sizeof *lx->str_nodes);
	lx->str_data = iamw__calloc(n, sizeof *lx->str_data);
	lx->str_len = iamw__calloc(n, sizeof *lx->str_len);
	if (nodes && off && end && lx->str_nodes && lx->str_data && lx->str_len) {
		size_t k = 0;
		collect_strings(root->child, cJSON_IsObject(root), nodes, &k, n);
		if (scan_strings(lx->raw, lx->raw_len, off, end, n) == n) {
			size_t m = 0;
			for (size_t i = 0; i < n; i++) {
				if (!nodes[i])
					continue;
				size_t blen = end[i] - off[i];
				char *d = iamw__malloc(blen + 1);
				if (!d)
					break;
				lx->str_len[m] = json_unescape(lx->raw + off[i], blen, d);
				lx->str_data[m] = d;
				lx->str_nodes[m++] = nodes[i];
			}
			lx->n_str = m;
			lx->strings_built = 1;
		}
	}
	iamw__free(nodes);
	iamw__free(off);
	iamw__free(end);
}

static void collect_numbers(const cJSON *node, const cJSON **nodes, size_t *n, size_t max)
{
	for (; node; node = node->next) {
		if (cJSON_IsNumber(node)) {
			if (*n < max)
				nodes[*n] = node;
			(*n)++;
		}
		if (node->child)
			collect_numbers(node->child, nodes, n, max);
	}
}

static size_t scan_numbers(const char *s, size_t len, size_t *off, size_t *nlen, size_t max)
{
	size_t count = 0;
	for (size_t i = 0; i < len;) {
		char c = s[i];
		if (c == '"') {
			for (i++; i < len && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			i++;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			size_t j = i;
			while (j < len && ((s[j] >= '0' && s[j] <= '9') || s[j] == '-' || s[j] == '+' ||
			                   s[j] == '.' || s[j] == 'e' || s[j] == 'E'))
				j++;
			if (count < max) {
				off[count] = i;
				nlen[count] = j - i;
			}
			count++;
			i = j;
		} else {
			i++;
		}
	}
	return count;
}

static void lexemes_build(lexemes *lx, const cJSON *root)
{
	lx->built = -1;
	if (!lx->raw)
		return;
	size_t n = 0;
	collect_numbers(root, NULL, &n, 0);
	if (!n)
		return;
	lx->nodes = iamw__malloc(n * sizeof *lx->nodes);
	lx->off = iamw__malloc(n * sizeof *lx->off);
	lx->len = iamw__malloc(n * sizeof *lx->len);
	if (!lx->nodes || !lx->off || !lx->len)
		return;
	size_t k = 0;
	collect_numbers(root, lx->nodes, &k, n);
	if (scan_numbers(lx->raw, lx->raw_len, lx->off, lx->len, n) != n)
		return;
	lx->n = n;
	lx->built = 1;
}

static void lexemes_free(lexemes *lx)
{
	iamw__free(lx->nodes);
	iamw__free(lx->off);
	iamw__free(lx->len);
	for (size_t i = 0; i < lx->n_str; i++)
		iamw__free(lx->str_data[i]);
	iamw__free(lx->str_nodes);
	iamw__free(lx->str_data);
	iamw__free(lx->str_len);
}

typedef struct json_ctx {
	const iamw__node *cond;
	const cJSON *root;
	lexemes *lex;
	char numbuf[64];
	int error;
} json_ctx;

/* Text of a value node for string comparisons: the string, or the number's
 * lexeme as written in the event (rendered shortest when unknown). */
static int json_text(json_ctx *c, const cJSON *node, const char **s, size_t *len)
{
	if (cJSON_IsString(node) && c->lex) {
		if (c->lex->strings_built == 0)
			strings_build(c->lex, c->root);
		for (size_t i = 0; c->lex->strings_built == 1 && i < c->lex->n_str; i++) {
			if (c->lex->str_nodes[i] == node) {
				*s = c->lex->str_data[i];
				*len = c->lex->str_len[i];
				return 1;
			}
		}
	}
	if (cJSON_IsNumber(node) && c->lex) {
		if (c->lex->built == 0)
			lexemes_build(c->lex, c->root);
		if (c->lex->built == 1) {
			for (size_t i = 0; i < c->lex->n; i++) {
				if (c->lex->nodes[i] == node) {
					*s = c->lex->raw + c->lex->off[i];
					*len = c->lex->len[i];
					return 1;
				}
			}
		}
	}
	return iamw__json_scalar_text(node, c->numbuf, sizeof c->numbuf, s, len);
}

/* The predicate of one condition on one resolved node. */
static int json_leaf(json_ctx *c, const cJSON *node)
{
	const iamw__node *n = c->cond;
	switch (n->kind) {
	case IAMW__NODE_IS_NULL: return cJSON_IsNull(node);
	case IAMW__NODE_IS_TRUE: return cJSON_IsTrue(node);
	case IAMW__NODE_IS_FALSE: return cJSON_IsFalse(node);
	case IAMW__NODE_NOT_EXISTS: return 1; /* "some node exists", negated by the caller */
	case IAMW__NODE_CMP: {
		const char *s;
		size_t len;
		/* J-2/J-3: only strings and numbers are value nodes; anything else
		 * makes every comparison false, != included. */
		if (!cJSON_IsString(node) && !cJSON_IsNumber(node))
			return 0;
		if (n->val.kind == IAMW__VAL_NUMBER && cJSON_IsNumber(node)) {
			s = NULL; /* numeric comparison: the text is not used */
			len = 0;
		} else if (!json_text(c, node, &s, &len)) {
			return 0;
		}
		int r = cmp_scalar(&n->val, n->op, s, len, cJSON_IsNumber(node), node->valuedouble);
		if (r < 0) {
			c->error = r;
			return 0;
		}
		return r;
	}
	default: return 0;
	}
}

/* Existential resolution: is there a node reached by steps[i..] from node
 * for which the condition holds? Wildcards try every member (J-10). */
static int json_any(json_ctx *c, const cJSON *node, const iamw__selector *sel, size_t i)
{
	for (; i < sel->n_steps; i++) {
		const iamw__step *st = &sel->steps[i];
		switch (st->kind) {
		case IAMW__STEP_NAME:
			if (!cJSON_IsObject(node))
				return 0;
			node = cJSON_GetObjectItemCaseSensitive(node, st->name);
			break;
		case IAMW__STEP_INDEX:
			if (!cJSON_IsArray(node) || st->index >= (size_t)1 << 30)
				return 0;
			node = cJSON_GetArrayItem(node, (int)st->index);
			break;
		case IAMW__STEP_ANY_FIELD:
		case IAMW__STEP_ANY_ELEMENT: {
			int want_obj = st->kind == IAMW__STEP_ANY_FIELD;
			if (want_obj ? !cJSON_IsObject(node) : !cJSON_IsArray(node))
				return 0;
			for (const cJSON *k = node->child; k; k = k->next)
				if (json_any(c, k, sel, i + 1))
					return 1;
			return 0;
		}
		}
		if (!node)
			return 0;
	}
	return json_leaf(c, node);
}

static int json_eval(const iamw__node *n, const cJSON *root, lexemes *lex, int *error)
{
	switch (n->kind) {
	case IAMW__NODE_AND:
		for (size_t i = 0; i < n->n_kids; i++)
			if (!json_eval(n->kids[i], root, lex, error))
				return 0;
		return 1;
	case IAMW__NODE_OR:
		for (size_t i = 0; i < n->n_kids; i++)
			if (json_eval(n->kids[i], root, lex, error))
				return 1;
		return 0;
	default: {
		json_ctx c;
		c.cond = n;
		c.root = root;
		c.lex = lex;
		c.error = 0;
		int r = json_any(&c, root, n->sel, 0);
		if (c.error)
			*error = c.error;
		return n->kind == IAMW__NODE_NOT_EXISTS ? !r : r;
	}
	}
}

static int extract_json(const iamw_pattern *p, const cJSON *root, iamw_match *m)
{
	for (size_t i = 0; i < p->n_selectors; i++) {
		const iamw__selector *sel = p->selectors[i];
		if (sel->wildcards)
			continue;
		const cJSON *node = iamw__resolve_single(root, sel);
		const char *s;
		size_t len;
		if (!node || !iamw__json_scalar_text(node, m->num_text, sizeof m->num_text, &s, &len))
			continue;
		if (iamw_match_get(m, sel->text, NULL, NULL))
			continue;
		if (iamw__match_add_value(m, sel->text, strlen(sel->text), s, len))
			return IAMW_ENOMEM;
	}
	return IAMW_OK;
}

/* ------------------------------------------------------------------ delimited */

static int field_eval(const iamw__node *n, const char *s, size_t len, int is_number, double num,
                      int *error)
{
	switch (n->kind) {
	case IAMW__NODE_AND:
		for (size_t i = 0; i < n->n_kids; i++)
			if (!field_eval(n->kids[i], s, len, is_number, num, error))
				return 0;
		return 1;
	case IAMW__NODE_OR:
		for (size_t i = 0; i < n->n_kids; i++)
			if (field_eval(n->kids[i], s, len, is_number, num, error))
				return 1;
		return 0;
	case IAMW__NODE_CMP: {
		int r = cmp_scalar(&n->val, n->op, s, len, is_number, num);
		if (r < 0) {
			*error = r;
			return 0;
		}
		return r;
	}
	default:
		return 0;
	}
}

/* Where pattern field f binds in the event: token index and, for the field
 * that absorbs the rest of the line, the end of the message. */
typedef struct binding {
	size_t tok;
	int absorb;
} binding;

static int extract_positional(iamw_match *m, const char *msg, size_t tok)
{
	char name[32];
	int nl = snprintf(name, sizeof name, "$%zu", tok + 1);
	const iamw__span *sp = &m->spans[tok];
	return iamw__match_add_value(m, name, (size_t)nl, msg + sp->value_start, sp->value_len);
}

static int match_delimited(const iamw_pattern *p, const char *msg, size_t len, iamw_match *m)
{
	int rc = iamw__split_fields(m, msg, len);
	if (rc)
		return rc;
	size_t T = m->n_spans, P = p->n_fields;
	/* Trailing line endings and blanks are not part of an absorbed value. */
	size_t end = len;
	while (end && (msg[end - 1] == '\n' || msg[end - 1] == '\r' || msg[end - 1] == ' ' ||
	               msg[end - 1] == '\t'))
		end--;

	if (P == 0) { /* [] matches every event and extracts every field (D-7) */
		for (size_t t = 0; t < T; t++)
			if ((rc = extract_positional(m, msg, t)))
				return rc;
		return 1;
	}
	size_t before, after;
	if (p->ellipsis >= 0) {
		before = (size_t)p->ellipsis;
		after = P - before - 1;
		if (T < before + after)
			return 0;
	} else {
		if (T < P)
			return 0;
		before = P;
		after = 0;
	}
	/* First pass: evaluate every condition; extraction only after a match. */
	for (size_t f = 0; f < P; f++) {
		const iamw__field *fd = &p->fields[f];
		if (fd->kind == IAMW__FIELD_ELLIPSIS || !fd->cond)
			continue;
		size_t tok = f < before ? f : T - (P - f);
		const char *s = msg + m->spans[tok].value_start;
		size_t n = m->spans[tok].value_len;
		if (p->ellipsis < 0 && f == P - 1 && T > P) {
			s = msg + m->spans[tok].raw_start;
			n = end - m->spans[tok].raw_start;
		}
		double num = 0;
		int is_number = iamw__parse_double_c(s, n, &num);
		int error = 0;
		int ok = field_eval(fd->cond, s, n, is_number, num, &error);
		if (error)
			return error;
		if (!ok)
			return 0;
	}
	for (size_t f = 0; f < P; f++) {
		const iamw__field *fd = &p->fields[f];
		if (fd->kind == IAMW__FIELD_ELLIPSIS) {
			for (size_t t = before; t < T - after; t++)
				if ((rc = extract_positional(m, msg, t)))
					return rc;
			continue;
		}
		size_t tok = f < before ? f : T - (P - f);
		const char *s = msg + m->spans[tok].value_start;
		size_t n = m->spans[tok].value_len;
		if (p->ellipsis < 0 && f == P - 1 && T > P) {
			s = msg + m->spans[tok].raw_start;
			n = end - m->spans[tok].raw_start;
		}
		if (fd->kind == IAMW__FIELD_ANON) {
			char name[32];
			int nl = snprintf(name, sizeof name, "$%zu", tok + 1);
			rc = iamw__match_add_value(m, name, (size_t)nl, s, n);
		} else {
			char name[IAMW_MAX_PATTERN_LEN + 2];
			name[0] = '$';
			memcpy(name + 1, fd->name, fd->name_len);
			rc = iamw__match_add_value(m, name, fd->name_len + 1, s, n);
		}
		if (rc)
			return rc;
	}
	return 1;
}

/* ------------------------------------------------------------------ terms */

static int match_terms(const iamw_pattern *p, const char *msg, size_t len)
{
	if (p->n_terms == 0)
		return 1;
	if (p->any_of) {
		for (size_t i = 0; i < p->n_terms; i++)
			if (memmem(msg, len, p->terms[i].text, p->terms[i].len))
				return 1;
		return 0;
	}
	for (size_t i = 0; i < p->n_terms; i++) {
		const iamw__term *t = &p->terms[i];
		if (t->kind == IAMW__TERM_OPTIONAL)
			continue;
		int found = t->len == 0 || memmem(msg, len, t->text, t->len) != NULL;
		if (found != (t->kind == IAMW__TERM_REQUIRED))
			return 0;
	}
	return 1;
}

/* ------------------------------------------------------------------ entry points */

int iamw__json_eval(const iamw_pattern *p, const cJSON *tree, const char *raw, size_t raw_len)
{
	lexemes lex;
	memset(&lex, 0, sizeof lex);
	lex.raw = raw;
	lex.raw_len = raw_len;
	int error = 0;
	int r = json_eval(p->root, tree, &lex, &error);
	lexemes_free(&lex);
	return error ? error : r;
}

int iamw__match_evaluate(const iamw_pattern *p, const cJSON *tree, int have_tree, const char *raw,
                         size_t raw_len, iamw_match *m)
{
	switch (p->kind) {
	case IAMW_PATTERN_TERMS:
		return match_terms(p, raw, raw_len);
	case IAMW_PATTERN_REGEX:
		return iamw__regex_search(p->regex, raw, raw_len);
	case IAMW_PATTERN_DELIMITED:
		return match_delimited(p, raw, raw_len, m);
	case IAMW_PATTERN_JSON: {
		cJSON *owned = NULL;
		if (!have_tree) {
			int rc = iamw__parse_event_json_ex(raw, raw_len, &owned);
			if (rc)
				return rc;
			tree = owned;
		}
		int r = 0;
		if (tree && cJSON_IsObject(tree)) {
			r = iamw__json_eval(p, tree, raw, raw_len);
			if (r == 1 && (p->flags & IAMW_COMPILE_JSON_EXTRACT))
				r = extract_json(p, tree, m) ? IAMW_ENOMEM : 1;
		}
		cJSON_Delete(owned);
		return r;
	}
	}
	return IAMW_EINVAL;
}

