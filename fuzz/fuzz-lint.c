/* SPDX-License-Identifier: MIT */
/*
 * fuzz-lint.c - libFuzzer target: lint arbitrary bytes as a filter pattern
 * (public API only).
 *
 * Checks (abort() on violation, which libFuzzer reports as a crash):
 *  - the call returns IAMW_OK (or IAMW_ENOMEM) and reports exactly one target,
 *    index 0, whose pattern has the input's length (NUL bytes included);
 *  - every finding has a code, a message, a known severity and index 0;
 *    errors carry a negative status, warnings and notes none;
 *  - an offset is IAMW_NO_OFFSET (length 0) or lies in the pattern with
 *    offset + length <= pattern_len;
 *  - at most one compile error, and it comes first;
 *  - the same input linted again gives the same findings (the knowledge and
 *    the typical records hold no state between calls).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamwatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seen {
	size_t targets, findings, errors;
	size_t size;     /* the input's length */
	uint64_t digest; /* of every finding, to compare two runs */
} seen;

static void fail(const char *what)
{
	fprintf(stderr, "fuzz-lint: %s\n", what);
	abort();
}

static void mix(uint64_t *h, const char *s)
{
	for (; s && *s; s++)
		*h = (*h ^ (unsigned char)*s) * 0x100000001b3ull;
	*h = (*h ^ 0xff) * 0x100000001b3ull;
}

static int on_target(const iamw_lint_target *t, void *payload)
{
	seen *s = payload;
	if (t->index != 0 || s->targets++ || !t->pattern || t->filter || t->location)
		fail("a single pattern is one target, index 0, without filter or location");
	if (t->pattern_len != s->size || t->pattern[t->pattern_len] != '\0')
		fail("the target's pattern is not the input");
	return 0;
}

static int on_finding(const iamw_lint_finding *f, void *payload)
{
	seen *s = payload;
	if (!f->code || !f->code[0] || !f->message || !f->message[0] || !f->pattern)
		fail("finding without code, message or pattern");
	if (f->index != 0)
		fail("finding index is not 0");
	size_t n = f->pattern_len;
	if (n != s->size)
		fail("the finding's pattern is not the input");
	if (f->offset == IAMW_NO_OFFSET ? f->length != 0
	                                : f->offset > n || f->length > n - f->offset)
		fail("finding span outside the pattern");
	if (f->severity == IAMW_LINT_ERROR) {
		if (f->status >= 0 || s->findings)
			fail("an error must carry a status and come first");
		s->errors++;
	} else if (f->severity == IAMW_LINT_WARNING || f->severity == IAMW_LINT_INFO) {
		if (f->status != 0)
			fail("a warning carries a status");
	} else {
		fail("unknown severity");
	}
	s->findings++;
	mix(&s->digest, f->code);
	mix(&s->digest, f->message);
	mix(&s->digest, f->suggestion);
	s->digest += f->offset * 31 + f->length;
	return 0;
}

static int lint(const iamw_knowledge *k, const char *text, size_t size, seen *s)
{
	iamw_lint_options o;
	if (iamw_lint_options_init(&o, IAMW_LINT_OPTIONS_VERSION) != IAMW_OK)
		fail("options_init");
	o.on_finding = on_finding;
	o.on_target = on_target;
	o.payload = s;
	memset(s, 0, sizeof *s);
	s->size = size;
	iamw_error err;
	return iamw_lint_pattern(k, text, size, &o, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static iamw_knowledge *k; /* built once: immutable, shared by every input */
	if (!k && iamw_knowledge_new(&k) != IAMW_OK)
		return 0;
	/* An exact-size heap copy, so that ASan sees reads past the end. */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	if (size)
		memcpy(text, data, size);
	seen a, b;
	int rc = lint(k, text, size, &a);
	if (rc == IAMW_ENOMEM) {
		free(text);
		return 0;
	}
	if (rc != IAMW_OK)
		fail("lint did not return IAMW_OK");
	if (a.targets != 1)
		fail("one target expected");
	rc = lint(k, text, size, &b);
	if (rc == IAMW_OK && (a.findings != b.findings || a.digest != b.digest))
		fail("a second lint of the same input differs");
	free(text);
	return 0;
}
