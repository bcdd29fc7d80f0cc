/* SPDX-License-Identifier: MIT */
/*
 * fuzz-json-check.c - libFuzzer target: the strict JSON object check
 * (libiamwatch/json_check.c) against the full parser.
 *
 * Input: the event text, as is.
 *
 * Checks (abort() on violation):
 *  - iamw__json_check_object() returns 0 or 1, and 1 only when
 *    iamw__parse_event_json() (cJSON) accepts the same bytes: the check is
 *    never looser than the full parser;
 *  - the same with the input inside surrounding whitespace (space, tab, CR,
 *    LF): both functions trim it, so both give the same answer as without;
 *  - the same with the input as the value of a member, {"":<input>}, so that
 *    arrays, strings, numbers and literals at any depth are reached without
 *    the fuzzer having to find the enclosing object first.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/json_check.h"
#include "match/eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *text, size_t len, int check, int parsed)
{
	fprintf(stderr, "fuzz-json-check: %s (check %d, cJSON %s)\n  text [", what, check,
	        parsed ? "accepts" : "refuses");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fputs("]\n", stderr);
	abort();
}

/* Checks the contract on text[0..len); returns the check's answer and sets
 * *parsed to whether cJSON accepts the text. */
static int contract(const char *text, size_t len, int *parsed)
{
	int r = iamw__json_check_object(text, len);
	cJSON *tree = iamw__parse_event_json(text, len);
	*parsed = tree != NULL;
	if (r != 0 && r != 1)
		fail("result neither 0 nor 1", text, len, r, *parsed);
	if (r == 1 && !tree)
		fail("check accepts what cJSON refuses", text, len, r, *parsed);
	if (tree && !cJSON_IsObject(tree))
		fail("parsed event is not an object", text, len, r, *parsed);
	cJSON_Delete(tree);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	int parsed;
	int r = contract(text, size, &parsed);

	/* exact-size copies, so that ASan sees reads past either end */
	static const char pre[] = " \t\r\n", post[] = "\n\r\t ";
	char *ws = malloc(size + 8);
	if (!ws)
		return 0;
	memcpy(ws, pre, 4);
	if (size)
		memcpy(ws + 4, data, size);
	memcpy(ws + 4 + size, post, 4);
	int parsed_ws;
	int r_ws = contract(ws, size + 8, &parsed_ws);
	if (r_ws != r)
		fail("surrounding whitespace changes the check", text, size, r, parsed);
	if (parsed_ws != parsed)
		fail("surrounding whitespace changes cJSON's answer", text, size, r, parsed);
	free(ws);

	char *member = malloc(size + 5);
	if (!member)
		return 0;
	memcpy(member, "{\"\":", 4);
	if (size)
		memcpy(member + 4, data, size);
	member[size + 4] = '}';
	(void)contract(member, size + 5, &parsed);
	free(member);
	return 0;
}
