/* SPDX-License-Identifier: MIT */
/*
 * ast.h - the compiled form of a filter pattern. Every node lives in the
 * pattern's arena and is freed with it; nothing here changes after compile,
 * which is what lets one compiled pattern serve many threads.
 */
#ifndef IAMW_AST_H
#define IAMW_AST_H

#include <stddef.h>

#include "common/private.h"
#include "lang/regex.h"

/* ------------------------------------------------------------------ arena */
typedef struct iamw__arena_block iamw__arena_block;
typedef struct iamw__arena {
	iamw__arena_block *head;
} iamw__arena;

void *iamw__arena_alloc(iamw__arena *a, size_t size); /* zeroed; NULL on OOM */
char *iamw__arena_strndup(iamw__arena *a, const char *s, size_t n);
void iamw__arena_free(iamw__arena *a);

/* ------------------------------------------------------------------ values */
typedef enum iamw__cmp_op {
	IAMW__OP_EQ,
	IAMW__OP_NE,
	IAMW__OP_LT,
	IAMW__OP_LE,
	IAMW__OP_GT,
	IAMW__OP_GE
} iamw__cmp_op;

typedef enum iamw__value_kind {
	IAMW__VAL_NUMBER, /* numeric literal: num + its lexeme in text */
	IAMW__VAL_STRING, /* quoted or bare string; may carry leading/trailing '*' */
	IAMW__VAL_STAR,   /* '*' or "*" alone: any string or number */
	IAMW__VAL_REGEX   /* %...%: text is the body */
} iamw__value_kind;

typedef struct iamw__value {
	iamw__value_kind kind;
	const char *text; /* unescaped, without wildcard stars; NUL-terminated */
	size_t len;
	int lead_star;
	int trail_star;
	double num;
	iamw__regex *re;
	size_t offset; /* the value as written in the pattern source (quotes included) */
	size_t length;
	int quoted;    /* written as a "quoted string" */
} iamw__value;

/* ------------------------------------------------------------------ selectors */
typedef enum iamw__step_kind {
	IAMW__STEP_NAME,        /* .name or .['name'] */
	IAMW__STEP_INDEX,       /* [n] */
	IAMW__STEP_ANY_FIELD,   /* .* */
	IAMW__STEP_ANY_ELEMENT  /* [*] */
} iamw__step_kind;

typedef struct iamw__step {
	iamw__step_kind kind;
	const char *name; /* NUL-terminated */
	size_t name_len;
	int bracket;      /* written as .['name'] */
	size_t index;
} iamw__step;

typedef struct iamw__selector {
	iamw__step *steps;
	size_t n_steps;
	const char *text; /* canonical rendering, e.g. $.a.b[0] */
	unsigned wildcards;
} iamw__selector;

/* ------------------------------------------------------------------ expressions */
typedef enum iamw__node_kind {
	IAMW__NODE_AND,
	IAMW__NODE_OR,
	IAMW__NODE_CMP,        /* selector/field op value */
	IAMW__NODE_IS_NULL,
	IAMW__NODE_IS_TRUE,
	IAMW__NODE_IS_FALSE,
	IAMW__NODE_NOT_EXISTS
} iamw__node_kind;

typedef struct iamw__node {
	iamw__node_kind kind;
	struct iamw__node **kids; /* AND / OR */
	size_t n_kids;
	const iamw__selector *sel; /* JSON conditions */
	iamw__cmp_op op;
	iamw__value val;
	size_t offset; /* span of a condition in the pattern source */
	size_t length;
	size_t op_offset; /* AND / OR: offset of the first '&&' / '||' between the kids */
	int grouped;      /* written inside parentheses of its own */
} iamw__node;

/* ------------------------------------------------------------------ families */
typedef enum iamw__term_kind { IAMW__TERM_REQUIRED, IAMW__TERM_OPTIONAL, IAMW__TERM_EXCLUDED } iamw__term_kind;

typedef struct iamw__term {
	iamw__term_kind kind;
	int quoted;
	size_t offset;
	size_t length;
	const char *text; /* unescaped */
	size_t len;
} iamw__term;

typedef enum iamw__field_kind {
	IAMW__FIELD_ELLIPSIS,
	IAMW__FIELD_ANON,
	IAMW__FIELD_NAMED
} iamw__field_kind;

typedef struct iamw__field {
	iamw__field_kind kind;
	const char *name; /* NAMED: the field name */
	size_t name_len;
	iamw__node *cond; /* NULL: unconstrained */
} iamw__field;

struct iamw_pattern {
	iamw_pattern_kind kind;
	uint32_t flags;
	char *source;
	size_t source_len;
	iamw__arena arena;

	/* terms: all-optional means "any of"; otherwise ? items are ignored */
	iamw__term *terms;
	size_t n_terms;
	int any_of;

	/* standalone regex */
	iamw__regex *regex;

	/* JSON */
	iamw__node *root;
	const iamw__selector **selectors; /* every selector, for JSON extraction */
	size_t n_selectors;

	/* delimited */
	iamw__field *fields;
	size_t n_fields;
	long ellipsis; /* index of '...', or -1 */

	/* every compiled regex, for freeing */
	iamw__regex *regexes[IAMW_MAX_REGEX_PER_PATTERN + 1];
	unsigned n_regexes;
	unsigned n_wildcard_selectors;

	/* required-literal prefilter (prefilter.h); NULL: none / disabled */
	struct iamw__prefilter *prefilter;
	/* top-level members a JSON pattern reads (projection.h); NULL: none */
	struct iamw__projection *projection;
};

/* parser.c */
int iamw__parse_pattern(iamw_pattern *p, iamw_error *err);

/* Compile one property selector ("$.a.b[0]") into host's arena, e.g. for a
 * metric value or dimension. Wildcards are refused (they name no single
 * value). Errors are reported with err->source = source. */
int iamw__compile_selector(iamw_pattern *host, const char *text, size_t len,
                           const iamw__selector **out, iamw_error *err, const char *source);

/* dump.c */
void iamw__dump_pattern(const iamw_pattern *p, iamw__buf *b);
void iamw__canonical_pattern(const iamw_pattern *p, iamw__buf *b);

#endif /* IAMW_AST_H */
