/* SPDX-License-Identifier: MIT */
/*
 * eval.h - the match scratch object and the evaluation of compiled patterns
 * (eval.c, delimited.c), which metric filters and the engine reuse.
 */
#ifndef IAMW_MATCH_H
#define IAMW_MATCH_H

#include <cjson/cJSON.h>

#include "lang/ast.h"

/* Span of one space-delimited event field. */
typedef struct iamw__span {
	size_t value_start; /* value without surrounding quotes / brackets */
	size_t value_len;
	size_t raw_start;   /* first byte of the field as written */
} iamw__span;

typedef struct iamw__extracted {
	size_t name_off; /* into names buffer */
	size_t value_off; /* into values buffer */
	size_t value_len;
} iamw__extracted;

struct iamw_match {
	size_t max_event;
	iamw__buf names;
	iamw__buf values;
	iamw__extracted *vals;
	size_t n_vals;
	size_t cap_vals;
	iamw__span *spans;
	size_t n_spans;
	size_t cap_spans;
	char num_text[64]; /* scratch for number renderings */
};

/* delimited.c: split a message into fields. Returns IAMW_OK or ENOMEM. */
int iamw__split_fields(iamw_match *m, const char *msg, size_t len);

/* match.c */
void iamw__match_reset_values(iamw_match *m);
int iamw__match_add_value(iamw_match *m, const char *name, size_t name_len, const char *value,
                          size_t value_len);
/* Glob comparison of a value with a pattern string (J-6). */
int iamw__glob_eq(const iamw__value *v, const char *s, size_t n);
/* Parse a message as one JSON object; NULL if it is not one. The caller
 * frees the tree with cJSON_Delete. */
cJSON *iamw__parse_event_json(const char *msg, size_t len);
/* The same, telling out of memory apart: IAMW_OK with *out the tree, or NULL
 * when the message is not one JSON object; IAMW_ENOMEM when an allocation
 * failed on a message that is one. */
int iamw__parse_event_json_ex(const char *msg, size_t len, cJSON **out);

/* Evaluate a JSON pattern's expression on a parsed object; raw is the text
 * the tree was parsed from (for number lexemes and U+0000 strings).
 * 1 match, 0 no match, <0 an error code. */
int iamw__json_eval(const iamw_pattern *p, const cJSON *tree, const char *raw, size_t raw_len);
/* The plain evaluation of any pattern kind on one event: raw text (term,
 * regex, delimited; the JSON text, which is parsed when have_tree is 0) or a
 * parsed tree. m may be NULL when the pattern extracts nothing.
 * 1 match, 0 no match, <0 an error code. */
int iamw__match_evaluate(const iamw_pattern *p, const cJSON *tree, int have_tree, const char *raw,
                         size_t raw_len, iamw_match *m);
/* Resolve a selector without wildcards to one node (NULL: missing). */
const cJSON *iamw__resolve_single(const cJSON *root, const iamw__selector *sel);
/* Render a scalar JSON node as CloudWatch compares it: strings as-is, numbers
 * in shortest round-trip form. Returns 0 for non-scalars. */
int iamw__json_scalar_text(const cJSON *node, char *numbuf, size_t numbuf_size, const char **out,
                           size_t *out_len);

#endif /* IAMW_MATCH_H */
