/* SPDX-License-Identifier: MIT */
/*
 * arena.c - a bump allocator that owns every node of one compiled pattern,
 * so the parser's error paths never free nodes one by one and freeing a
 * pattern is one walk over a short block list.
 */
#include <string.h>

#include "lang/ast.h"

struct iamw__arena_block {
	iamw__arena_block *next;
	size_t used;
	size_t cap;
	max_align_t data[];
};

#define ARENA_BLOCK 4096

void *iamw__arena_alloc(iamw__arena *a, size_t size)
{
	size_t align = sizeof(max_align_t);
	size = (size + align - 1) / align * align;
	iamw__arena_block *b = a->head;
	if (!b || b->cap - b->used < size) {
		size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
		b = iamw__malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->next = a->head;
		b->used = 0;
		b->cap = cap;
		a->head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += size;
	memset(p, 0, size);
	return p;
}

char *iamw__arena_strndup(iamw__arena *a, const char *s, size_t n)
{
	char *d = iamw__arena_alloc(a, n + 1);
	if (!d)
		return NULL;
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void iamw__arena_free(iamw__arena *a)
{
	iamw__arena_block *b = a->head;
	while (b) {
		iamw__arena_block *next = b->next;
		iamw__free(b);
		b = next;
	}
	a->head = NULL;
}
