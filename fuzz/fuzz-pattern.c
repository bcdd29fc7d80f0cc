/* SPDX-License-Identifier: MIT */
/*
 * fuzz-pattern.c - libFuzzer target: compile arbitrary bytes as a filter
 * pattern (public API only).
 *
 * Checks (abort() on violation, which libFuzzer reports as a crash):
 *  - success: err is cleared (code OK, offset IAMW_NO_OFFSET); dump and
 *    canonical rendering succeed and are NUL-terminated with the reported
 *    length; the canonical text compiles again (unless it is longer than
 *    1024 bytes) to the same kind, the same dump (the header promises "the
 *    same AST") and an identical canonical text (a fixed point);
 *  - failure: *out is NULL, err->code equals the returned status, the offset
 *    is within the input (offset <= size; IAMW_NO_OFFSET only for ENOMEM),
 *    the message is non-empty, and iamw_error_format() returns the length it
 *    writes and truncates safely into a small buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamwatch.h"

#define MAX_PATTERN 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "fuzz-pattern: %s\n", what);
	if (a)
		fprintf(stderr, "  first : [%s]\n", a);
	if (b)
		fprintf(stderr, "  second: [%s]\n", b);
	abort();
}

static void check_error(int rc, const iamw_error *err, const char *text, size_t size)
{
	if (rc >= 0)
		fail("negative status expected", NULL, NULL);
	if (err->code != rc)
		fail("err.code differs from the returned status", NULL, NULL);
	if (err->offset == IAMW_NO_OFFSET) {
		if (rc != IAMW_ENOMEM)
			fail("error without offset", err->text, NULL);
	} else if (err->offset > size) {
		fail("error offset beyond the input", err->text, NULL);
	}
	if (memchr(err->text, '\0', sizeof err->text) == NULL ||
	    memchr(err->source, '\0', sizeof err->source) == NULL)
		fail("error text not NUL-terminated", NULL, NULL);
	if (err->text[0] == '\0')
		fail("empty error message", NULL, NULL);

	size_t need = iamw_error_format(err, text, size, NULL, 0);
	char *full = malloc(need + 1);
	if (!full)
		return;
	size_t got = iamw_error_format(err, text, size, full, need + 1);
	if (got != need || strlen(full) != need)
		fail("iamw_error_format length mismatch", full, NULL);
	char small[16];
	memset(small, 'x', sizeof small);
	got = iamw_error_format(err, text, size, small, sizeof small);
	if (got != need || strlen(small) != (need < sizeof small ? need : sizeof small - 1) ||
	    strncmp(small, full, strlen(small)) != 0)
		fail("iamw_error_format truncation wrong", small, full);
	free(full);
}

static char *render(const iamw_pattern *p, int canonical, size_t *len)
{
	char *out = NULL;
	*len = (size_t)-1;
	int rc = canonical ? iamw_pattern_canonical(p, &out, len) : iamw_pattern_dump(p, &out, len);
	if (rc == IAMW_ENOMEM)
		return NULL;
	if (rc != IAMW_OK || !out)
		fail(canonical ? "iamw_pattern_canonical failed" : "iamw_pattern_dump failed", NULL,
		     NULL);
	if (strlen(out) != *len)
		fail("rendering length differs from strlen", out, NULL);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Copy so that the pattern is not NUL-terminated in the fuzzer's buffer
	 * by accident and ASan sees reads past the end. */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	if (size)
		memcpy(text, data, size);

	iamw_pattern *p = (iamw_pattern *)&text; /* must be reset */
	iamw_error err;
	int rc = iamw_pattern_compile(&p, text, size, 0, &err);
	if (rc != IAMW_OK) {
		if (p != NULL)
			fail("*out not NULL after a failed compile", NULL, NULL);
		check_error(rc, &err, text, size);
		free(text);
		return 0;
	}
	if (!p)
		fail("NULL pattern after success", NULL, NULL);
	if (err.code != IAMW_OK || err.offset != IAMW_NO_OFFSET)
		fail("err not cleared on success", NULL, NULL);
	const char *src = iamw_pattern_source(p);
	if (!src || memcmp(src, text, size) != 0 || src[size] != '\0')
		fail("iamw_pattern_source differs from the input", NULL, NULL);
	iamw_pattern_kind kind = iamw_pattern_kind_of(p);
	if (kind < IAMW_PATTERN_TERMS || kind > IAMW_PATTERN_REGEX)
		fail("bad pattern kind", NULL, NULL);
	(void)iamw_pattern_regex_count(p);
	(void)iamw_pattern_wildcard_selector_count(p);

	size_t dump_len, canon_len;
	char *dump = render(p, 0, &dump_len);
	char *canon = render(p, 1, &canon_len);
	if (dump && canon && canon_len <= MAX_PATTERN) {
		iamw_pattern *q = NULL;
		iamw_error err2;
		int rc2 = iamw_pattern_compile(&q, canon, canon_len, 0, &err2);
		if (rc2 == IAMW_ENOMEM) {
			/* nothing to check */
		} else if (rc2 != IAMW_OK) {
			fprintf(stderr, "fuzz-pattern: input  [%.*s]\n", (int)size, text);
			fprintf(stderr, "fuzz-pattern: error  %s at %zu: %s\n", iamw_status_name(rc2),
			        err2.offset, err2.text);
			fail("canonical text does not compile", canon, NULL);
		} else {
			if (iamw_pattern_kind_of(q) != kind)
				fail("canonical text compiles to another kind", canon, NULL);
			size_t dump2_len, canon2_len;
			char *dump2 = render(q, 0, &dump2_len);
			char *canon2 = render(q, 1, &canon2_len);
			if (canon2 && (canon2_len != canon_len || memcmp(canon2, canon, canon_len) != 0)) {
				fprintf(stderr, "fuzz-pattern: input  [%.*s]\n", (int)size, text);
				fail("canonical text is not a fixed point", canon, canon2);
			}
			if (dump2 && (dump2_len != dump_len || memcmp(dump2, dump, dump_len) != 0)) {
				fprintf(stderr, "fuzz-pattern: input  [%.*s]\n", (int)size, text);
				fprintf(stderr, "fuzz-pattern: canon  [%s]\n", canon);
				fail("canonical text compiles to a different AST", dump, dump2);
			}
			iamw_free(dump2);
			iamw_free(canon2);
			iamw_pattern_free(q);
		}
	}
	iamw_free(dump);
	iamw_free(canon);
	iamw_pattern_free(p);
	free(text);
	return 0;
}
