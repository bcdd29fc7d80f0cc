/* SPDX-License-Identifier: MIT */
/*
 * delimited.c - splits a log event into the fields a space-delimited pattern
 * binds to (filter-patterns.md D-1 and A-10): fields are separated by runs of
 * spaces and tabs; a field that starts with '"' ends at the next unescaped
 * '"', one that starts with '[' at its matching ']'; the delimiters are not
 * part of the value; an unbalanced opener makes the rest of the line one
 * field. Only spans are recorded: no bytes are copied.
 */
#include "match/eval.h"

static int push(iamw_match *m, size_t vstart, size_t vlen, size_t raw)
{
	if (m->n_spans == m->cap_spans) {
		size_t cap = m->cap_spans ? m->cap_spans * 2 : 32;
		iamw__span *s = iamw__realloc(m->spans, cap * sizeof *s);
		if (!s)
			return IAMW_ENOMEM;
		m->spans = s;
		m->cap_spans = cap;
	}
	m->spans[m->n_spans].value_start = vstart;
	m->spans[m->n_spans].value_len = vlen;
	m->spans[m->n_spans].raw_start = raw;
	m->n_spans++;
	return IAMW_OK;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int iamw__split_fields(iamw_match *m, const char *msg, size_t len)
{
	m->n_spans = 0;
	/* A trailing line ending is not part of the last field. */
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	size_t i = 0;
	while (i < len) {
		while (i < len && is_blank(msg[i]))
			i++;
		if (i >= len)
			break;
		size_t start = i;
		int rc;
		if (msg[i] == '"') {
			size_t j = i + 1;
			while (j < len && msg[j] != '"') {
				if (msg[j] == '\\' && j + 1 < len)
					j++;
				j++;
			}
			if (j < len) {
				rc = push(m, i + 1, j - i - 1, start);
				i = j + 1;
			} else {
				rc = push(m, i + 1, len - i - 1, start);
				i = len;
			}
		} else if (msg[i] == '[') {
			size_t j = i + 1;
			unsigned depth = 1;
			while (j < len) {
				if (msg[j] == '[')
					depth++;
				else if (msg[j] == ']' && --depth == 0)
					break;
				j++;
			}
			if (j < len) {
				rc = push(m, i + 1, j - i - 1, start);
				i = j + 1;
			} else {
				rc = push(m, i + 1, len - i - 1, start);
				i = len;
			}
		} else {
			size_t j = i;
			while (j < len && !is_blank(msg[j]))
				j++;
			rc = push(m, i, j - i, start);
			i = j;
		}
		if (rc != IAMW_OK)
			return rc;
	}
	return IAMW_OK;
}
