/* SPDX-License-Identifier: MIT */
/*
 * conformance.c - runs the data-driven conformance cases in
 * tests/conformance/ (one JSON file per topic): each case is a filter pattern, an event and the
 * expected outcome (match / nomatch with the exact extracted values, or a
 * compile error with its code and byte offset). Every compiled case is also
 * checked through its canonical rendering: canonical text must compile to a
 * pattern with the same canonical text and the same outcome.
 * Prints one line per failure and ends with "N passed, N failed".
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamwatch.h"

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

static int same_extracted(const iamw_match *m, const cJSON *want, char *why, size_t whysize)
{
	size_t n = iamw_match_value_count(m);
	if ((size_t)cJSON_GetArraySize(want) != n) {
		snprintf(why, whysize, "extracted %zu values, expected %d", n, cJSON_GetArraySize(want));
		return 0;
	}
	for (const cJSON *it = want->child; it; it = it->next) {
		const char *v;
		if (!iamw_match_get(m, it->string, &v, NULL)) {
			snprintf(why, whysize, "no extracted value %s", it->string);
			return 0;
		}
		if (!cJSON_IsString(it) || strcmp(v, it->valuestring) != 0) {
			snprintf(why, whysize, "%s = \"%s\", expected \"%s\"", it->string, v,
			         cJSON_IsString(it) ? it->valuestring : "?");
			return 0;
		}
	}
	return 1;
}

static int run_case(const cJSON *c, char *why, size_t whysize)
{
	const cJSON *pat = cJSON_GetObjectItemCaseSensitive(c, "pattern");
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(c, "event");
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(c, "expect");
	if (!cJSON_IsString(pat) || !cJSON_IsString(exp)) {
		snprintf(why, whysize, "malformed case");
		return 0;
	}
	iamw_error err;
	iamw_pattern *p = NULL;
	int rc = iamw_pattern_compile(&p, pat->valuestring, strlen(pat->valuestring), 0, &err);
	if (strcmp(exp->valuestring, "error") == 0) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(c, "error");
		const cJSON *code = e ? cJSON_GetObjectItemCaseSensitive(e, "code") : NULL;
		const cJSON *off = e ? cJSON_GetObjectItemCaseSensitive(e, "offset") : NULL;
		if (rc == IAMW_OK) {
			iamw_pattern_free(p);
			snprintf(why, whysize, "compiled, expected an error");
			return 0;
		}
		if (cJSON_IsString(code) && strcmp(iamw_status_name(rc), code->valuestring) != 0) {
			snprintf(why, whysize, "error %s (%s at %zu), expected %s", iamw_status_name(rc),
			         err.text, err.offset, code->valuestring);
			return 0;
		}
		if (cJSON_IsNumber(off) && (double)err.offset != off->valuedouble) {
			snprintf(why, whysize, "error offset %zu (%s), expected %d", err.offset, err.text,
			         off->valueint);
			return 0;
		}
		return 1;
	}
	if (rc != IAMW_OK) {
		snprintf(why, whysize, "compile failed: %s at %zu: %s", iamw_status_name(rc), err.offset,
		         err.text);
		return 0;
	}
	int ok = 1;
	iamw_match *m = NULL;
	iamw_pattern *again = NULL;
	char *canon = NULL, *canon2 = NULL;
	if (!cJSON_IsString(ev)) {
		snprintf(why, whysize, "malformed case: no event");
		ok = 0;
		goto out;
	}
	int want = strcmp(exp->valuestring, "match") == 0;
	iamw_match_new(&m);
	int r = iamw_pattern_match_text(p, ev->valuestring, strlen(ev->valuestring), m);
	if (r < 0 || r != want) {
		snprintf(why, whysize, "%s, expected %s", r < 0 ? iamw_strerror(r) : (r ? "match" : "nomatch"),
		         exp->valuestring);
		ok = 0;
		goto out;
	}
	const cJSON *extracted = cJSON_GetObjectItemCaseSensitive(c, "extracted");
	if (want && cJSON_IsObject(extracted) && !same_extracted(m, extracted, why, whysize)) {
		ok = 0;
		goto out;
	}
	/* Canonical round trip (a canonical text over the length limit cannot be
	 * compiled, so the check stops at rendering for those). */
	size_t canon_len = 0;
	if (iamw_pattern_canonical(p, &canon, &canon_len) == IAMW_OK && canon_len > 1024)
		goto out;
	if (!canon ||
	    iamw_pattern_compile(&again, canon, strlen(canon), 0, &err) != IAMW_OK) {
		snprintf(why, whysize, "canonical form '%s' does not compile: %s", canon ? canon : "?",
		         err.text);
		ok = 0;
		goto out;
	}
	iamw_pattern_canonical(again, &canon2, NULL);
	if (strcmp(canon, canon2) != 0) {
		snprintf(why, whysize, "canonical form not stable: '%s' -> '%s'", canon, canon2);
		ok = 0;
		goto out;
	}
	if (iamw_pattern_match_text(again, ev->valuestring, strlen(ev->valuestring), m) != r) {
		snprintf(why, whysize, "canonical form '%s' gives a different outcome", canon);
		ok = 0;
	}
out:
	iamw_free(canon);
	iamw_free(canon2);
	iamw_pattern_free(again);
	iamw_match_free(m);
	iamw_pattern_free(p);
	return ok;
}

int main(int argc, char **argv)
{
	unsigned passed = 0, failed = 0;
	for (int i = 1; i < argc; i++) {
		size_t len;
		char *data = read_all(argv[i], &len);
		cJSON *doc = data ? cJSON_ParseWithLength(data, len) : NULL;
		const cJSON *cases = doc ? cJSON_GetObjectItemCaseSensitive(doc, "cases") : NULL;
		if (!cJSON_IsArray(cases)) {
			fprintf(stderr, "%s: cannot read conformance cases\n", argv[i]);
			failed++;
			cJSON_Delete(doc);
			free(data);
			continue;
		}
		for (const cJSON *c = cases->child; c; c = c->next) {
			char why[512] = "";
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "id");
			if (run_case(c, why, sizeof why)) {
				passed++;
			} else {
				failed++;
				const cJSON *pat = cJSON_GetObjectItemCaseSensitive(c, "pattern");
				printf("FAIL %s: %s [pattern: %s]\n", cJSON_IsString(id) ? id->valuestring : "?", why,
				       cJSON_IsString(pat) ? pat->valuestring : "?");
			}
		}
		cJSON_Delete(doc);
		free(data);
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
