/* SPDX-License-Identifier: MIT */
/*
 * json_skip.c - a small iterative JSON skipper: it validates the syntax of a
 * value and says where it ends, without building a tree, so that the record
 * decoder can hand out records as their exact bytes. Its nesting lives in a
 * heap stack of one byte per level, so deep nesting cannot overflow the C
 * stack; the text it may look at is bounded by the caller (a line or one
 * top-level value of at most max_bytes).
 *
 * Errors say whether the text ended inside the value ("incomplete"): the
 * decoder tells a truncated document from a broken one by it.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/private.h"
#include "formats/json_skip.h"

static int fail(iamw__jerr *e, size_t pos, const char *msg, int ch, int incomplete)
{
	e->pos = pos;
	e->msg = msg;
	e->ch = ch;
	e->incomplete = incomplete;
	return IAMW_EJSON;
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void iamw__jstack_free(iamw__jstack *st)
{
	iamw__free(st->v);
	st->v = NULL;
	st->cap = 0;
}

size_t iamw__json_ws(const char *s, size_t n, size_t p)
{
	while (p < n && is_ws((unsigned char)s[p]))
		p++;
	return p;
}

/* A word with 0x80 in each byte of v that is zero (and maybe above one
 * that is: only "any" is trusted). */
static uint64_t zero_bytes(uint64_t v)
{
	return (v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull;
}

/* The first offset at or after p holding '"', '\\' or '\n' (or n). Strings
 * are most of a CloudTrail record, so they are crossed eight bytes at a
 * time. */
static size_t string_stop(const char *s, size_t n, size_t p)
{
	for (; p + 8 <= n; p += 8) {
		uint64_t w;
		memcpy(&w, s + p, 8);
		if (zero_bytes(w ^ 0x2222222222222222ull) | zero_bytes(w ^ 0x5c5c5c5c5c5c5c5cull) |
		    zero_bytes(w ^ 0x0a0a0a0a0a0a0a0aull))
			break;
	}
	while (p < n && s[p] != '"' && s[p] != '\\' && s[p] != '\n')
		p++;
	return p;
}

int iamw__json_skip_string(const char *s, size_t n, size_t p, size_t *end, iamw__jerr *e)
{
	size_t start = p++;
	for (;;) {
		p = string_stop(s, n, p);
		if (p >= n)
			return fail(e, start, "unterminated string", -1, 1);
		if (s[p] == '"') {
			*end = p + 1;
			return IAMW_OK;
		}
		if (s[p] == '\n')
			return fail(e, start, "unterminated string", -1, 0);
		if (++p >= n)
			return fail(e, start, "unterminated string", -1, 1);
		switch (s[p]) {
		case '"':
		case '\\':
		case '/':
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't': p++; break;
		case 'u':
			for (size_t k = 1; k <= 4; k++) {
				if (p + k >= n)
					return fail(e, start, "unterminated string", -1, 1);
				if (hex_value(s[p + k]) < 0)
					return fail(e, p - 1, "invalid \\u escape in string", -1,
					            0);
			}
			p += 5;
			break;
		default: return fail(e, p - 1, "invalid escape in string", -1, 0);
		}
	}
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int skip_number(const char *s, size_t n, size_t p, size_t *end, iamw__jerr *e)
{
	size_t start = p;
	if (s[p] == '-')
		p++;
	if (p >= n)
		return fail(e, start, "incomplete number", -1, 1);
	if (s[p] == '0')
		p++;
	else if (is_digit(s[p]))
		while (p < n && is_digit(s[p]))
			p++;
	else
		return fail(e, start, "invalid number", -1, 0);
	if (p < n && s[p] == '.') {
		if (++p >= n)
			return fail(e, start, "incomplete number", -1, 1);
		if (!is_digit(s[p]))
			return fail(e, start, "invalid number", -1, 0);
		while (p < n && is_digit(s[p]))
			p++;
	}
	if (p < n && (s[p] == 'e' || s[p] == 'E')) {
		p++;
		if (p < n && (s[p] == '+' || s[p] == '-'))
			p++;
		if (p >= n)
			return fail(e, start, "incomplete number", -1, 1);
		if (!is_digit(s[p]))
			return fail(e, start, "invalid number", -1, 0);
		while (p < n && is_digit(s[p]))
			p++;
	}
	*end = p;
	return IAMW_OK;
}

static int skip_literal(const char *s, size_t n, size_t p, size_t *end, iamw__jerr *e)
{
	const char *lit = s[p] == 't' ? "true" : s[p] == 'f' ? "false" : "null";
	size_t len = strlen(lit);
	for (size_t k = 0; k < len; k++) {
		if (p + k >= n)
			return fail(e, p, "incomplete literal", -1, 1);
		if (s[p + k] != lit[k])
			return fail(e, p, "invalid literal", -1, 0);
	}
	*end = p + len;
	return IAMW_OK;
}

static int push(iamw__jstack *st, size_t depth, unsigned char c)
{
	if (depth == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 256;
		unsigned char *v = iamw__realloc(st->v, cap);
		if (!v)
			return IAMW_ENOMEM;
		st->v = v;
		st->cap = cap;
	}
	st->v[depth] = c;
	return IAMW_OK;
}

int iamw__json_skip(iamw__jstack *st, const char *s, size_t n, size_t p, size_t *end, iamw__jerr *e)
{
	enum { VALUE, KEY, AFTER } state = VALUE;
	size_t depth = 0;
	int rc;
	for (;;) {
		if (state == AFTER && depth == 0) {
			*end = p; /* not past trailing white space: spans are exact */
			return IAMW_OK;
		}
		p = iamw__json_ws(s, n, p);
		if (p >= n)
			return fail(e, p, "unexpected end of input", -1, 1);
		char c = s[p];
		if (state == KEY) {
			if (c != '"')
				return fail(e, p, "expected a string key", -1, 0);
			if ((rc = iamw__json_skip_string(s, n, p, &p, e)) != IAMW_OK)
				return rc;
			p = iamw__json_ws(s, n, p);
			if (p >= n)
				return fail(e, p, "unexpected end of input", -1, 1);
			if (s[p] != ':')
				return fail(e, p, "expected ':'", -1, 0);
			p++;
			state = VALUE;
			continue;
		}
		if (state == AFTER) {
			unsigned char open = st->v[depth - 1];
			char close = open == '{' ? '}' : ']';
			if (c == ',') {
				p++;
				state = open == '{' ? KEY : VALUE;
			} else if (c == close) {
				p++;
				depth--;
			} else {
				return fail(e, p,
				            open == '{' ? "expected ',' or '}'"
				                        : "expected ',' or ']'",
				            -1, 0);
			}
			continue;
		}
		/* VALUE */
		switch (c) {
		case '{':
		case '[':
			if ((rc = push(st, depth, (unsigned char)c)) != IAMW_OK)
				return rc;
			depth++;
			p = iamw__json_ws(s, n, p + 1);
			if (p < n && s[p] == (c == '{' ? '}' : ']')) {
				p++;
				depth--;
				state = AFTER;
			} else {
				state = c == '{' ? KEY : VALUE;
			}
			continue;
		case '"': rc = iamw__json_skip_string(s, n, p, &p, e); break;
		case 't':
		case 'f':
		case 'n': rc = skip_literal(s, n, p, &p, e); break;
		default:
			if (c == '-' || is_digit(c))
				rc = skip_number(s, n, p, &p, e);
			else
				rc = fail(e, p, "unexpected character", (unsigned char)c, 0);
			break;
		}
		if (rc != IAMW_OK)
			return rc;
		state = AFTER;
	}
}

const char *iamw__json_type(char c)
{
	switch (c) {
	case '{': return "an object";
	case '[': return "an array";
	case '"': return "a string";
	case 't':
	case 'f': return "a boolean";
	case 'n': return "null";
	default: return "a number";
	}
}

void iamw__json_describe(const iamw__jerr *e, char *buf, size_t size)
{
	if (e->ch < 0)
		snprintf(buf, size, "%s", e->msg);
	else if (e->ch > 0x20 && e->ch < 0x7f)
		snprintf(buf, size, "%s '%c'", e->msg, e->ch);
	else
		snprintf(buf, size, "%s (byte 0x%02x)", e->msg, (unsigned)e->ch);
}

static unsigned long hex4(const char *s)
{
	unsigned long v = 0;
	for (int k = 0; k < 4; k++)
		v = v << 4 | (unsigned long)hex_value(s[k]);
	return v;
}

static char *put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xC0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xE0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (char)(0xF0 | (cp >> 18));
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	}
	return o;
}

int iamw__json_unescape(const char *s, size_t n, char **buf, size_t *cap, size_t *out_len)
{
	/* Every escape decodes to no more bytes than it takes: \uXXXX (6) to at
	 * most 3, a surrogate pair (12) to 4. */
	if (*cap < n + 1) {
		char *b = iamw__realloc(*buf, n + 1);
		if (!b)
			return IAMW_ENOMEM;
		*buf = b;
		*cap = n + 1;
	}
	char *o = *buf;
	size_t i = 1, end = n - 1;
	while (i < end) {
		const char *bs = memchr(s + i, '\\', end - i);
		size_t plain = bs ? (size_t)(bs - (s + i)) : end - i;
		memcpy(o, s + i, plain);
		o += plain;
		i += plain;
		if (i >= end)
			break;
		char c = s[i + 1];
		i += 2;
		switch (c) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned long cp = hex4(s + i);
			i += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= end && s[i] == '\\' &&
			    s[i + 1] == 'u') {
				unsigned long lo = hex4(s + i + 2);
				if (lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					i += 6;
				}
			}
			if (cp >= 0xD800 && cp < 0xE000)
				cp = 0xFFFD;
			o = put_utf8(o, cp);
			break;
		}
		default: *o++ = c; break; /* '"', '\\', '/' */
		}
	}
	*o = '\0';
	*out_len = (size_t)(o - *buf);
	return IAMW_OK;
}
