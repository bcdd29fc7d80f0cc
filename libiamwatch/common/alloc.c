/* SPDX-License-Identifier: MIT */
/*
 * alloc.c - the library's allocation wrappers. Every allocation goes through
 * here so that a fault-injection build can fail the Nth one, and so that
 * buffers handed to callers are freed by the same allocator (iamw_free).
 */
#include <stdlib.h>
#include <string.h>

#include "common/private.h"

void *iamw__malloc(size_t n)
{
	return malloc(n ? n : 1);
}

void *iamw__calloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size ? size : 1);
}

void *iamw__realloc(void *p, size_t n)
{
	return realloc(p, n ? n : 1);
}

void iamw__free(void *p)
{
	free(p);
}

char *iamw__strndup(const char *s, size_t n)
{
	char *d = iamw__malloc(n + 1);
	if (!d)
		return NULL;
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void iamw_free(void *ptr)
{
	iamw__free(ptr);
}
