/* SPDX-License-Identifier: MIT */
/*
 * fuzz-rule.c - libFuzzer target: composite alarm AlarmRule text (internal
 * API of libiamwatch/composite.h, linked from the internal static library).
 *
 * Checks (abort() on violation):
 *  - the lexer (iamw__rule_lex) walks the whole input: every token starts at
 *    or after the previous end, lies within the input and makes progress,
 *    and the walk ends with EOF at the input length;
 *  - failure: the rule pointer is reset to NULL, err.code equals the status,
 *    err.source is "rule", the offset is <= the input length (no offset only
 *    for ENOMEM), the message is non-empty;
 *  - success: err cleared; source copy equals the input; the dump succeeds,
 *    is non-empty and deterministic; ref/element counts are within the
 *    documented limits; every ref name is found again by iamw__rule_ref_find
 *    (and by its ARN), its offset lies in the input; evaluation with states
 *    derived from the input and iamw__rule_witnesses / the cycle check run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alarms/composite.h"
#include "common/private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz-rule: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

static void walk_tokens(const uint8_t *data, size_t size)
{
	char *z = malloc(size + 1);
	if (!z)
		return;
	if (size)
		memcpy(z, data, size);
	z[size] = '\0';
	size_t pos = 0;
	for (size_t steps = 0;; steps++) {
		if (steps > size + 1)
			fail("lexer does not terminate", NULL);
		iamw__rule_token t = iamw__rule_lex(z, size, pos);
		if (t.offset < pos || t.offset > size || t.length > size - t.offset)
			fail("token out of range", iamw__rule_tok_name(t.kind));
		if (iamw__rule_tok_name(t.kind) == NULL)
			fail("token kind without a name", NULL);
		if (t.kind == IAMW__RT_EOF) {
			if (t.offset != size || t.length != 0)
				fail("EOF not at the end", NULL);
			break;
		}
		if (t.length == 0)
			fail("empty non-EOF token", iamw__rule_tok_name(t.kind));
		pos = t.offset + t.length;
	}
	free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	walk_tokens(data, size);

	/* Exact-size copy, not NUL-terminated: the compiler must copy it. */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	if (size)
		memcpy(text, data, size);

	iamw__rule *r = (iamw__rule *)&text; /* must be reset */
	iamw_error err;
	int rc = iamw__rule_compile(&r, text, size, &err);
	if (rc != IAMW_OK) {
		if (r != NULL)
			fail("rule not NULL after failure", NULL);
		if (rc >= 0 || err.code != rc)
			fail("err.code differs from the status", err.text);
		if (strcmp(err.source, "rule") != 0)
			fail("err.source is not \"rule\"", err.source);
		if (err.offset == IAMW_NO_OFFSET ? rc != IAMW_ENOMEM : err.offset > size)
			fail("error offset out of range", err.text);
		if (err.text[0] == '\0')
			fail("empty error message", NULL);
		char buf[512];
		size_t need = iamw_error_format(&err, text, size, buf, sizeof buf);
		if (need < sizeof buf && strlen(buf) != need)
			fail("iamw_error_format length mismatch", buf);
		free(text);
		return 0;
	}
	if (!r)
		fail("NULL rule after success", NULL);
	if (err.code != IAMW_OK || err.offset != IAMW_NO_OFFSET)
		fail("err not cleared on success", NULL);
	if (iamw__rule_source_len(r) != size || memcmp(iamw__rule_source(r), text, size) != 0 ||
	    iamw__rule_source(r)[size] != '\0')
		fail("source copy differs", NULL);

	iamw__buf b1, b2;
	iamw__buf_init(&b1);
	iamw__buf_init(&b2);
	int d1 = iamw__rule_dump(r, &b1);
	int d2 = iamw__rule_dump(r, &b2);
	if (d1 == IAMW_OK && d2 == IAMW_OK) {
		if (b1.len == 0 || !b1.data || strlen(b1.data) != b1.len)
			fail("bad dump", b1.data);
		if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0)
			fail("dump not deterministic", b1.data);
	} else if (d1 != IAMW_ENOMEM && d2 != IAMW_ENOMEM) {
		fail("dump failed", NULL);
	}
	iamw__buf_free(&b1);
	iamw__buf_free(&b2);

	size_t n = iamw__rule_ref_count(r);
	if (n > IAMW_RULE_MAX_CHILDREN)
		fail("too many children accepted", NULL);
	if (iamw__rule_element_count(r) > IAMW_RULE_MAX_ELEMENTS)
		fail("too many elements accepted", NULL);
	if (iamw__rule_ref_name(r, n) != NULL)
		fail("ref name beyond count", NULL);
	iamw_alarm_state states[IAMW_RULE_MAX_CHILDREN];
	int64_t times[IAMW_RULE_MAX_CHILDREN];
	size_t idx[IAMW_RULE_MAX_CHILDREN];
	for (size_t i = 0; i < n; i++) {
		const char *name = iamw__rule_ref_name(r, i);
		if (!name)
			fail("NULL ref name", NULL);
		if (iamw__rule_ref_find(r, name) != i)
			fail("ref not found by its name", name);
		const char *arn = iamw__rule_ref_arn(r, i);
		if (arn && iamw__rule_ref_find(r, arn) != i)
			fail("ref not found by its ARN", arn);
		if (iamw__rule_ref_offset(r, i) >= size)
			fail("ref offset out of range", name);
		uint8_t s = size ? data[(i * 7) % size] : 0;
		states[i] = (iamw_alarm_state)(s % 3);
		times[i] = (int64_t)s * 1000;
	}
	int val = -1;
	if (iamw__rule_eval_states(r, states, n, &val) != IAMW_OK || (val != 0 && val != 1))
		fail("eval_states failed", NULL);
	size_t nw = (size_t)-1;
	if (iamw__rule_witnesses(r, states, times, n, idx, &nw) != IAMW_OK || nw > n)
		fail("witnesses failed", NULL);
	for (size_t i = 0; i < nw; i++)
		if (idx[i] >= n)
			fail("witness index out of range", NULL);

	/* A composite named after its first child references itself. */
	if (n > 0) {
		iamw__rule_set_entry set[1] = {{iamw__rule_ref_name(r, 0), r}};
		iamw__buf path;
		iamw__buf_init(&path);
		iamw_error cerr;
		int cr = iamw__rule_check_cycles(set, 1, &path, &cerr);
		if (cr != IAMW_EVALIDATION && cr != IAMW_ENOMEM)
			fail("self-reference not reported as a cycle", NULL);
		iamw__buf_free(&path);
	}

	iamw__rule_free(r);
	free(text);
	return 0;
}
