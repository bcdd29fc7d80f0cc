/* SPDX-License-Identifier: MIT */
/*
 * json_check.c - strict, allocation-free JSON object check (json_check.h).
 *
 * Used after a projection (projection.h) has shown that a pattern matches
 * the members it reads: if the whole event is certainly accepted by cJSON,
 * the full parse would reach the same members and the match is final.
 * Every rule here is at least as strict as cJSON 1.7's parser; where cJSON
 * is looser (any byte <= 32 as whitespace, raw control bytes in strings,
 * "\uZZZZ" read as U+0000, 1000 nesting levels) the event is refused and
 * the caller falls back to cJSON itself.
 */
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/json_check.h"

#define BAD ((size_t)-1)
/* Upstream cJSON 1.7.15 copies at most 63 characters of a number before
 * strtod (Debian's patched build reads any length): stay below both. */
#define MAX_NUMBER_CHARS 63

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && is_ws(s[i]))
		i++;
	return i;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at s[i..i+4) as a code unit, or -1. */
static long hex4(const char *s, size_t n, size_t i)
{
	if (n - i < 4)
		return -1;
	long v = 0;
	for (size_t k = 0; k < 4; k++) {
		int d = hex_digit(s[i + k]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* The first byte at or after i that a string body cannot simply contain:
 * '"', '\' or a control byte (n when none). */
static size_t next_special(const char *s, size_t n, size_t i)
{
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
	              ctl = _mm_set1_epi8(0x1f);
	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		/* x <= 0x1f (unsigned) <=> max(x, 0x1f) == 0x1f */
		__m128i m =
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
		                 _mm_cmpeq_epi8(_mm_max_epu8(x, ctl), ctl));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		if (bits)
			return i + (size_t)__builtin_ctz(bits);
	}
#endif
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\' || c < 0x20)
			return i;
	}
	return n;
}

/* i at the opening quote: the index after the closing one, or BAD. */
static size_t check_string(const char *s, size_t n, size_t i)
{
	i++;
	for (;;) {
		i = next_special(s, n, i);
		if (i >= n || (unsigned char)s[i] < 0x20)
			return BAD;
		if (s[i] == '"')
			return i + 1;
		/* an escape */
		if (i + 1 >= n)
			return BAD;
		char e = s[i + 1];
		if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
		    e == 'r' || e == 't') {
			i += 2;
			continue;
		}
		if (e != 'u')
			return BAD;
		long cu = hex4(s, n, i + 2);
		if (cu < 0 || (cu >= 0xDC00 && cu <= 0xDFFF))
			return BAD; /* cJSON refuses a lone low surrogate */
		if (cu >= 0xD800 && cu <= 0xDBFF) {
			/* a high surrogate must be followed by \u and a low one */
			if (n - (i + 6) < 6 || s[i + 6] != '\\' || s[i + 7] != 'u')
				return BAD;
			long lo = hex4(s, n, i + 8);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return BAD;
			i += 12;
		} else {
			i += 6;
		}
	}
}

static size_t digits(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static size_t check_number(const char *s, size_t n, size_t i)
{
	size_t start = i;
	if (i < n && s[i] == '-')
		i++;
	if (i >= n)
		return BAD;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		i = digits(s, n, i);
	else
		return BAD;
	if (i < n && s[i] == '.') {
		size_t j = digits(s, n, i + 1);
		if (j == i + 1)
			return BAD;
		i = j;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t j = digits(s, n, i);
		if (j == i)
			return BAD;
		i = j;
	}
	return i - start <= MAX_NUMBER_CHARS ? i : BAD;
}

static size_t check_word(const char *s, size_t n, size_t i, const char *w, size_t wl)
{
	return n - i >= wl && memcmp(s + i, w, wl) == 0 ? i + wl : BAD;
}

static int check_value(const char *s, size_t n, int object_only)
{
	size_t a = skip_ws(s, n, 0), b = n;
	while (b > a && is_ws(s[b - 1]))
		b--;
	if (a == b || (object_only && s[a] != '{'))
		return 0;
	/* one bit per open container: 1 object, 0 array */
	uint8_t kinds[IAMW__JSON_CHECK_MAX_DEPTH / 8];
	size_t depth = 0;
	size_t i = a;
	enum { VALUE, KEY, AFTER } state = VALUE;
	for (;;) {
		if (state == KEY) {
			if (i >= b || s[i] != '"')
				return 0;
			i = check_string(s, b, i);
			if (i == BAD)
				return 0;
			i = skip_ws(s, b, i);
			if (i >= b || s[i] != ':')
				return 0;
			i = skip_ws(s, b, i + 1);
			state = VALUE;
			continue;
		}
		if (state == AFTER) {
			if (depth == 0)
				return i == b;
			i = skip_ws(s, b, i);
			if (i >= b)
				return 0;
			int object = (kinds[(depth - 1) / 8] >> ((depth - 1) % 8)) & 1;
			if (s[i] == ',') {
				i = skip_ws(s, b, i + 1);
				state = object ? KEY : VALUE;
			} else if (s[i] == (object ? '}' : ']')) {
				i++;
				depth--;
			} else {
				return 0;
			}
			continue;
		}
		/* VALUE */
		if (i >= b)
			return 0;
		char c = s[i];
		if (c == '{' || c == '[') {
			if (depth == IAMW__JSON_CHECK_MAX_DEPTH)
				return 0;
			uint8_t bit = (uint8_t)(1u << (depth % 8));
			kinds[depth / 8] =
			    (uint8_t)(c == '{' ? kinds[depth / 8] | bit : kinds[depth / 8] & ~bit);
			depth++;
			i = skip_ws(s, b, i + 1);
			if (i < b && s[i] == (c == '{' ? '}' : ']')) {
				i++;
				depth--;
				state = AFTER;
			} else {
				state = c == '{' ? KEY : VALUE;
			}
			continue;
		}
		if (c == '"')
			i = check_string(s, b, i);
		else if (c == 't')
			i = check_word(s, b, i, "true", 4);
		else if (c == 'f')
			i = check_word(s, b, i, "false", 5);
		else if (c == 'n')
			i = check_word(s, b, i, "null", 4);
		else
			i = check_number(s, b, i);
		if (i == BAD)
			return 0;
		state = AFTER;
	}
}

int iamw__json_check_object(const char *s, size_t n)
{
	return check_value(s, n, 1);
}

int iamw__json_check_value(const char *s, size_t n)
{
	return check_value(s, n, 0);
}
