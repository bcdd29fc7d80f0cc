/* SPDX-License-Identifier: MIT */
/*
 * lexer.h - tokens of the filter pattern language. A token is a kind plus
 * (offset, length) into the NUL-terminated pattern copy; the lexer never
 * allocates, unescapes or converts.
 */
#ifndef IAMW_LEXER_H
#define IAMW_LEXER_H

#include <stddef.h>

typedef enum iamw__tok_kind {
	IAMW_TOK_EOF = 0,
	IAMW_TOK_INVALID,      /* a byte no rule accepts */
	IAMW_TOK_WS,
	IAMW_TOK_LBRACE,
	IAMW_TOK_RBRACE,
	IAMW_TOK_LBRACKET,
	IAMW_TOK_RBRACKET,
	IAMW_TOK_LPAREN,
	IAMW_TOK_RPAREN,
	IAMW_TOK_COMMA,
	IAMW_TOK_AND,          /* && */
	IAMW_TOK_OR,           /* || */
	IAMW_TOK_EQ,
	IAMW_TOK_NE,
	IAMW_TOK_LT,
	IAMW_TOK_LE,
	IAMW_TOK_GT,
	IAMW_TOK_GE,
	IAMW_TOK_SELECTOR,     /* $.a.b[0] ... (whole selector) */
	IAMW_TOK_NUMBER,
	IAMW_TOK_STRING,       /* "..." including the quotes */
	IAMW_TOK_UNTERMINATED, /* " without its closing quote */
	IAMW_TOK_REGEX,        /* %...% including the percent signs */
	IAMW_TOK_UNTERMINATED_REGEX,
	IAMW_TOK_BARE,         /* unquoted value text */
	IAMW_TOK_TERM,         /* [A-Za-z0-9_]+ in term patterns */
	IAMW_TOK_QMARK,        /* ? prefix in term patterns */
	IAMW_TOK_MINUS,        /* - prefix in term patterns */
	IAMW_TOK_ELLIPSIS,     /* ... */
	IAMW_TOK_KW_IS,
	IAMW_TOK_KW_NOT,
	IAMW_TOK_KW_NULL,
	IAMW_TOK_KW_TRUE,
	IAMW_TOK_KW_FALSE,
	IAMW_TOK_KW_EXISTS
} iamw__tok_kind;

typedef struct iamw__token {
	iamw__tok_kind kind;
	size_t offset;
	size_t length;
} iamw__token;

/* The text being scanned: src[len] must be '\0' (re2c's sentinel). */
typedef struct iamw__lexer {
	const char *src;
	size_t len;
	size_t pos;
} iamw__lexer;

/* Next token of a term pattern (terms, quoted phrases, ?, -, %regex%). */
iamw__token iamw__lex_term(iamw__lexer *lx);
/* Next token of a JSON or space-delimited pattern. */
iamw__token iamw__lex_expr(iamw__lexer *lx);

#endif /* IAMW_LEXER_H */
