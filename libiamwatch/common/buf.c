/* SPDX-License-Identifier: MIT */
/*
 * buf.c - a growable string builder used by every renderer in the library
 * (AST dumps, JSON output, reasons). Allocation failure is sticky so callers
 * check once at the end.
 */
#include <stdio.h>
#include <string.h>

#include "common/private.h"

void iamw__buf_init(iamw__buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

void iamw__buf_free(iamw__buf *b)
{
	iamw__free(b->data);
	iamw__buf_init(b);
}

void iamw__buf_reset(iamw__buf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int reserve(iamw__buf *b, size_t extra)
{
	if (b->oom)
		return 0;
	if (b->len + extra + 1 <= b->cap)
		return 1;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1) {
		if (cap > ((size_t)-1) / 2) {
			b->oom = 1;
			return 0;
		}
		cap *= 2;
	}
	char *d = iamw__realloc(b->data, cap);
	if (!d) {
		b->oom = 1;
		return 0;
	}
	b->data = d;
	b->cap = cap;
	return 1;
}

void iamw__buf_add(iamw__buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	if (n)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void iamw__buf_adds(iamw__buf *b, const char *s)
{
	iamw__buf_add(b, s, strlen(s));
}

void iamw__buf_addc(iamw__buf *b, char c)
{
	iamw__buf_add(b, &c, 1);
}

void iamw__buf_addf(iamw__buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char small[256];
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if ((size_t)n < sizeof small) {
		iamw__buf_add(b, small, (size_t)n);
		return;
	}
	if (!reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

size_t iamw__utf8_sequence(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	unsigned cp = c & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* A JSON string literal of s[0..n): quotes, backslashes and control bytes
 * escaped; with utf8, bytes that are not valid UTF-8 become \ufffd (one per
 * byte), so that the output is valid JSON text whatever s holds. */
static void add_json_string(iamw__buf *b, const char *s, size_t n, int utf8)
{
	static const char hex[] = "0123456789abcdef";
	iamw__buf_addc(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80 && utf8) {
			size_t k = iamw__utf8_sequence((const unsigned char *)s + i, n - i);
			if (k) {
				i += k;
				continue;
			}
		} else if (c >= 0x20 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		iamw__buf_add(b, s + run, i - run);
		switch (c) {
		case '"': iamw__buf_add(b, "\\\"", 2); break;
		case '\\': iamw__buf_add(b, "\\\\", 2); break;
		case '\n': iamw__buf_add(b, "\\n", 2); break;
		case '\r': iamw__buf_add(b, "\\r", 2); break;
		case '\t': iamw__buf_add(b, "\\t", 2); break;
		case '\b': iamw__buf_add(b, "\\b", 2); break;
		case '\f': iamw__buf_add(b, "\\f", 2); break;
		default:
			if (c >= 0x80) {
				iamw__buf_add(b, "\\ufffd", 6);
			} else {
				char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
				iamw__buf_add(b, u, 6);
			}
		}
		run = ++i;
	}
	iamw__buf_add(b, s + run, n - run);
	iamw__buf_addc(b, '"');
}

void iamw__buf_add_json_string(iamw__buf *b, const char *s, size_t n)
{
	add_json_string(b, s, n, 0);
}

void iamw__buf_add_json_text(iamw__buf *b, const char *s, size_t n)
{
	add_json_string(b, s, n, 1);
}

int iamw__buf_steal(iamw__buf *b, char **out, size_t *out_len)
{
	if (b->oom || !reserve(b, 0)) {
		iamw__buf_free(b);
		*out = NULL;
		if (out_len)
			*out_len = 0;
		return IAMW_ENOMEM;
	}
	b->data[b->len] = '\0';
	*out = b->data;
	if (out_len)
		*out_len = b->len;
	iamw__buf_init(b);
	return IAMW_OK;
}
