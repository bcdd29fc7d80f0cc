/* SPDX-License-Identifier: MIT */
/*
 * json_skip.h - finding the extent of JSON values in text without building
 * a tree (formats/json_skip.c), for the record decoder.
 */
#ifndef IAMW_JSON_SKIP_H
#define IAMW_JSON_SKIP_H

#include <stddef.h>

/* Where and why a value did not parse. */
typedef struct iamw__jerr {
	size_t pos;      /* offset of the offending byte (or of the value it breaks) */
	const char *msg; /* static text, e.g. "unterminated string" */
	int ch;          /* the offending byte for "unexpected character", else -1 */
	int incomplete;  /* the text ended inside the value (more input might fix it) */
} iamw__jerr;

/* The open brackets of iamw__json_skip(), one byte per level, on the heap so
 * that input cannot choose the C stack's depth. Zero-initialise; free with
 * iamw__jstack_free(). */
typedef struct iamw__jstack {
	unsigned char *v;
	size_t cap;
} iamw__jstack;

void iamw__jstack_free(iamw__jstack *st);

/* The first offset at or after p that is not JSON white space (or n). */
size_t iamw__json_ws(const char *s, size_t n, size_t p);

/* Skip the string at s[p] == '"': IAMW_OK with *end just past its closing
 * quote, or IAMW_EJSON with e filled. Bytes inside are not checked (invalid
 * UTF-8 and control characters are the JSON parser's business) except a raw
 * newline, which ends the string in error: a JSON string cannot span lines,
 * and so a broken NDJSON line is told from a document that goes on. */
int iamw__json_skip_string(const char *s, size_t n, size_t p, size_t *end, iamw__jerr *e);

/* Skip the value at or after s[p] (leading white space allowed): IAMW_OK with
 * *end just past it (not past trailing white space), IAMW_EJSON with e
 * filled, or IAMW_ENOMEM when the nesting stack cannot grow. */
int iamw__json_skip(iamw__jstack *st, const char *s, size_t n, size_t p, size_t *end,
                    iamw__jerr *e);

/* "an object", "an array", "a string", "a boolean", "null" or "a number",
 * from the first byte of a valid value. */
const char *iamw__json_type(char c);

/* e as text: "unexpected character 'x'", "unexpected character (byte 0xff)",
 * or e->msg. */
void iamw__json_describe(const iamw__jerr *e, char *buf, size_t size);

/* Decode the JSON string s[0..n) (quotes included, already validated by
 * iamw__json_skip_string) into *buf (grown as needed, NUL-terminated).
 * Lone surrogates become U+FFFD; other bytes pass unchanged.
 * Returns IAMW_OK or IAMW_ENOMEM. */
int iamw__json_unescape(const char *s, size_t n, char **buf, size_t *cap, size_t *out_len);

#endif /* IAMW_JSON_SKIP_H */
