/* SPDX-License-Identifier: MIT */
/*
 * alloc.c - the library's allocation wrappers. Every allocation goes through
 * here so that a fault-injection build (meson -Dfault_injection=true) can
 * fail the Nth one, and so that buffers handed to callers are freed by the
 * same allocator (iamw_free).
 *
 * The fault countdown is thread-local and exists only in that build: tests
 * arm it (iamw__fault_arm) around one call of the public API on their own
 * thread; nothing else can see it. cJSON's allocations are counted too when
 * the test installs cJSON hooks that ask iamw__fault_next() first (the
 * library itself never sets cJSON's process-wide hooks).
 */
#include <stdlib.h>
#include <string.h>

#include "common/private.h"

#ifdef IAMW_FAULT_INJECTION
static _Thread_local long fault_countdown; /* 0: disarmed; 1: the next allocation fails */
static _Thread_local int fault_fired;

void iamw__fault_arm(long n)
{
	fault_countdown = n > 0 ? n : 0;
	fault_fired = 0;
}

int iamw__fault_fired(void)
{
	return fault_fired;
}

int iamw__fault_next(void)
{
	if (fault_countdown == 0)
		return 0;
	if (--fault_countdown > 0)
		return 0;
	fault_fired = 1;
	return 1;
}
#define FAIL_NOW() iamw__fault_next()
#else
#define FAIL_NOW() 0
#endif

void *iamw__malloc(size_t n)
{
	return FAIL_NOW() ? NULL : malloc(n ? n : 1);
}

void *iamw__calloc(size_t n, size_t size)
{
	return FAIL_NOW() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *iamw__realloc(void *p, size_t n)
{
	return FAIL_NOW() ? NULL : realloc(p, n ? n : 1);
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
