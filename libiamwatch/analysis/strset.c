/* SPDX-License-Identifier: MIT */
/*
 * strset.c - owned string lists and sorted string sets (strset.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/strset.h"

static int grow(iamw__strset *s)
{
	if (s->n < s->cap)
		return IAMW_OK;
	size_t cap = s->cap ? s->cap * 2 : 16;
	char **v = iamw__realloc(s->v, cap * sizeof *v);
	if (!v)
		return IAMW_ENOMEM;
	s->v = v;
	s->cap = cap;
	return IAMW_OK;
}

int iamw__strset_add(iamw__strset *s, const char *str, size_t len)
{
	if (grow(s))
		return IAMW_ENOMEM;
	char *c = iamw__strndup(str, len);
	if (!c)
		return IAMW_ENOMEM;
	s->v[s->n++] = c;
	return IAMW_OK;
}

int iamw__strset_addf(iamw__strset *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[256];
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(tmp, sizeof tmp, fmt, aq);
	va_end(aq);
	int rc = IAMW_ENOMEM;
	if (n >= 0 && (size_t)n < sizeof tmp) {
		rc = iamw__strset_add(s, tmp, (size_t)n);
	} else if (n >= 0) {
		char *big = iamw__malloc((size_t)n + 1);
		if (big) {
			vsnprintf(big, (size_t)n + 1, fmt, ap);
			rc = iamw__strset_add(s, big, (size_t)n);
			iamw__free(big);
		}
	}
	va_end(ap);
	return rc;
}

int iamw__strset_add_buf(iamw__strset *s, const iamw__buf *b)
{
	if (b->oom)
		return IAMW_ENOMEM;
	return iamw__strset_add(s, b->data ? b->data : "", b->len);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void iamw__strset_sort(iamw__strset *s)
{
	if (s->n)
		qsort(s->v, s->n, sizeof *s->v, cmp_str);
	size_t o = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (o && strcmp(s->v[o - 1], s->v[i]) == 0)
			iamw__free(s->v[i]);
		else
			s->v[o++] = s->v[i];
	}
	s->n = o;
}

int iamw__strset_has(const iamw__strset *s, const char *str)
{
	if (!s->n || !str)
		return 0;
	return bsearch(&str, s->v, s->n, sizeof *s->v, cmp_str) != NULL;
}

int iamw__strset_contains(const iamw__strset *s, const char *str)
{
	for (size_t i = 0; str && i < s->n; i++)
		if (strcmp(s->v[i], str) == 0)
			return 1;
	return 0;
}

void iamw__strset_free(iamw__strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		iamw__free(s->v[i]);
	iamw__free(s->v);
	memset(s, 0, sizeof *s);
}
