/* SPDX-License-Identifier: MIT */
/*
 * lexer.re - splits filter pattern text into tokens (re2c input; the C file
 * is generated at build time). Two blocks: one for term patterns, one for
 * the expression syntax shared by JSON and space-delimited patterns. The
 * parser decides what a token means in its position; the lexer only finds
 * where tokens begin and end. The pattern copy is NUL-terminated, so the
 * end-of-input rule fires only at YYLIMIT and an embedded NUL byte comes out
 * as an invalid token.
 */
#include "lang/lexer.h"

static iamw__token make(iamw__lexer *lx, iamw__tok_kind kind, const unsigned char *start,
                        const unsigned char *end)
{
	iamw__token t;
	t.kind = kind;
	t.offset = (size_t)(start - (const unsigned char *)lx->src);
	t.length = (size_t)(end - start);
	lx->pos = t.offset + t.length;
	return t;
}

/*!re2c
	re2c:define:YYCTYPE = "unsigned char";
	re2c:yyfill:enable = 0;
	re2c:eof = 0;

	ws        = [ \t\r\n]+;
	digits    = [0-9]+;
	number    = [+-]? digits ("." digits)? ([eE] [+-]? digits)?;
	qstring   = ["] ([^"\\\x00] | [\\][^\x00])* ["];
	regex     = [%] [^%\x00]* [%];
	name      = [A-Za-z0-9_\-]+;
	step      = "." name | "." "*" | "[" digits "]" | "[" "*" "]" | "." "[" ['] [^'\x00]* ['] "]";
	selector  = "$" step*;
	bare      = [^ \t\r\n(){}[\],"&|!=<>%\x00]+;
*/

iamw__token iamw__lex_term(iamw__lexer *lx)
{
	const unsigned char *YYCURSOR = (const unsigned char *)lx->src + lx->pos;
	const unsigned char *YYLIMIT = (const unsigned char *)lx->src + lx->len;
	const unsigned char *YYMARKER = YYCURSOR;
	const unsigned char *start = YYCURSOR;
	(void)YYMARKER;
	/*!re2c
		$                 { return make(lx, IAMW_TOK_EOF, start, start); }
		*                 { return make(lx, IAMW_TOK_INVALID, start, YYCURSOR); }
		[ \t\r\n]+        { return make(lx, IAMW_TOK_WS, start, YYCURSOR); }
		"?"               { return make(lx, IAMW_TOK_QMARK, start, YYCURSOR); }
		"-"               { return make(lx, IAMW_TOK_MINUS, start, YYCURSOR); }
		[A-Za-z0-9_]+     { return make(lx, IAMW_TOK_TERM, start, YYCURSOR); }
		qstring           { return make(lx, IAMW_TOK_STRING, start, YYCURSOR); }
		["]               { return make(lx, IAMW_TOK_UNTERMINATED, start, YYCURSOR); }
		regex             { return make(lx, IAMW_TOK_REGEX, start, YYCURSOR); }
		[%]               { return make(lx, IAMW_TOK_UNTERMINATED_REGEX, start, YYCURSOR); }
	*/
}

iamw__token iamw__lex_expr(iamw__lexer *lx)
{
	const unsigned char *YYCURSOR = (const unsigned char *)lx->src + lx->pos;
	const unsigned char *YYLIMIT = (const unsigned char *)lx->src + lx->len;
	const unsigned char *YYMARKER = YYCURSOR;
	const unsigned char *start = YYCURSOR;
	/*!re2c
		$                 { return make(lx, IAMW_TOK_EOF, start, start); }
		*                 { return make(lx, IAMW_TOK_INVALID, start, YYCURSOR); }
		ws                { return make(lx, IAMW_TOK_WS, start, YYCURSOR); }
		"{"               { return make(lx, IAMW_TOK_LBRACE, start, YYCURSOR); }
		"}"               { return make(lx, IAMW_TOK_RBRACE, start, YYCURSOR); }
		"["               { return make(lx, IAMW_TOK_LBRACKET, start, YYCURSOR); }
		"]"               { return make(lx, IAMW_TOK_RBRACKET, start, YYCURSOR); }
		"("               { return make(lx, IAMW_TOK_LPAREN, start, YYCURSOR); }
		")"               { return make(lx, IAMW_TOK_RPAREN, start, YYCURSOR); }
		","               { return make(lx, IAMW_TOK_COMMA, start, YYCURSOR); }
		"&&"              { return make(lx, IAMW_TOK_AND, start, YYCURSOR); }
		"||"              { return make(lx, IAMW_TOK_OR, start, YYCURSOR); }
		"="               { return make(lx, IAMW_TOK_EQ, start, YYCURSOR); }
		"!="              { return make(lx, IAMW_TOK_NE, start, YYCURSOR); }
		"<"               { return make(lx, IAMW_TOK_LT, start, YYCURSOR); }
		"<="              { return make(lx, IAMW_TOK_LE, start, YYCURSOR); }
		">"               { return make(lx, IAMW_TOK_GT, start, YYCURSOR); }
		">="              { return make(lx, IAMW_TOK_GE, start, YYCURSOR); }
		"..."             { return make(lx, IAMW_TOK_ELLIPSIS, start, YYCURSOR); }
		selector          { return make(lx, IAMW_TOK_SELECTOR, start, YYCURSOR); }
		number            { return make(lx, IAMW_TOK_NUMBER, start, YYCURSOR); }
		"IS"              { return make(lx, IAMW_TOK_KW_IS, start, YYCURSOR); }
		"NOT"             { return make(lx, IAMW_TOK_KW_NOT, start, YYCURSOR); }
		"NULL"            { return make(lx, IAMW_TOK_KW_NULL, start, YYCURSOR); }
		"TRUE"            { return make(lx, IAMW_TOK_KW_TRUE, start, YYCURSOR); }
		"FALSE"           { return make(lx, IAMW_TOK_KW_FALSE, start, YYCURSOR); }
		"EXISTS"          { return make(lx, IAMW_TOK_KW_EXISTS, start, YYCURSOR); }
		qstring           { return make(lx, IAMW_TOK_STRING, start, YYCURSOR); }
		["]               { return make(lx, IAMW_TOK_UNTERMINATED, start, YYCURSOR); }
		regex             { return make(lx, IAMW_TOK_REGEX, start, YYCURSOR); }
		[%]               { return make(lx, IAMW_TOK_UNTERMINATED_REGEX, start, YYCURSOR); }
		bare              { return make(lx, IAMW_TOK_BARE, start, YYCURSOR); }
	*/
}
