/* SPDX-License-Identifier: MIT */
/*
 * alarm_rule.re - splits a composite alarm's AlarmRule into tokens (re2c
 * input; the C file is generated at build time). Keywords are upper case
 * only; a bare word that is not exactly a keyword is a NAME (so "alarm",
 * "ALARMS" and "And" are names, and the parser explains the mistake). A bare
 * name is a run of bytes other than blanks, parentheses, commas (which
 * separate AT_LEAST's arguments), '"' and control bytes; quoted names may hold anything but control bytes, with \" and \\
 * as the only escapes. The rule copy is NUL-terminated, so the end rule
 * fires only at YYLIMIT and an embedded NUL comes out as an invalid token.
 * The lexer only finds token boundaries and never allocates.
 */
#include "alarms/composite.h"

static iamw__rule_token make(const unsigned char *base, iamw__rule_tok_kind kind,
                             const unsigned char *start, const unsigned char *end)
{
	iamw__rule_token t;
	t.kind = kind;
	t.offset = (size_t)(start - base);
	t.length = (size_t)(end - start);
	return t;
}

/*!re2c
	re2c:define:YYCTYPE = "unsigned char";
	re2c:yyfill:enable = 0;
	re2c:eof = 0;

	ws      = [ \t\r\n]+;
	bare    = [^ \t\r\n(),"\x00-\x1f\x7f]+;
	strch   = [^"\\\x00-\x1f\x7f] | [\\] ["\\];
*/

iamw__rule_token iamw__rule_lex(const char *src, size_t len, size_t pos)
{
	const unsigned char *base = (const unsigned char *)src;
	const unsigned char *YYCURSOR = base + pos;
	const unsigned char *YYLIMIT = base + len;
	const unsigned char *YYMARKER = YYCURSOR;
	const unsigned char *start;
	(void)YYMARKER; /* every prefix of a token is itself a token */
	for (;;) {
		start = YYCURSOR;
		/*!re2c
			$                      { return make(base, IAMW__RT_EOF, start, start); }
			*                      { return make(base, IAMW__RT_INVALID, start, YYCURSOR); }
			ws                     { continue; }
			"("                    { return make(base, IAMW__RT_LPAREN, start, YYCURSOR); }
			")"                    { return make(base, IAMW__RT_RPAREN, start, YYCURSOR); }
			","                    { return make(base, IAMW__RT_COMMA, start, YYCURSOR); }
			"ALARM"                { return make(base, IAMW__RT_ALARM, start, YYCURSOR); }
			"OK"                   { return make(base, IAMW__RT_OK, start, YYCURSOR); }
			"INSUFFICIENT_DATA"    { return make(base, IAMW__RT_INSUFFICIENT_DATA, start, YYCURSOR); }
			"TRUE"                 { return make(base, IAMW__RT_TRUE, start, YYCURSOR); }
			"FALSE"                { return make(base, IAMW__RT_FALSE, start, YYCURSOR); }
			"AND"                  { return make(base, IAMW__RT_AND, start, YYCURSOR); }
			"OR"                   { return make(base, IAMW__RT_OR, start, YYCURSOR); }
			"NOT"                  { return make(base, IAMW__RT_NOT, start, YYCURSOR); }
			"AT_LEAST"             { return make(base, IAMW__RT_AT_LEAST, start, YYCURSOR); }
			bare                   { return make(base, IAMW__RT_NAME, start, YYCURSOR); }
			["] strch* ["]         { return make(base, IAMW__RT_STRING, start, YYCURSOR); }
			["] strch* [\\]        { return make(base, IAMW__RT_BAD_ESCAPE, start, YYCURSOR); }
			["] strch*             { return make(base, IAMW__RT_UNTERMINATED, start, YYCURSOR); }
		*/
	}
}

const char *iamw__rule_tok_name(iamw__rule_tok_kind kind)
{
	switch (kind) {
	case IAMW__RT_EOF: return "EOF";
	case IAMW__RT_INVALID: return "INVALID";
	case IAMW__RT_LPAREN: return "(";
	case IAMW__RT_RPAREN: return ")";
	case IAMW__RT_ALARM: return "ALARM";
	case IAMW__RT_OK: return "OK";
	case IAMW__RT_INSUFFICIENT_DATA: return "INSUFFICIENT_DATA";
	case IAMW__RT_TRUE: return "TRUE";
	case IAMW__RT_FALSE: return "FALSE";
	case IAMW__RT_AND: return "AND";
	case IAMW__RT_OR: return "OR";
	case IAMW__RT_NOT: return "NOT";
	case IAMW__RT_AT_LEAST: return "AT_LEAST";
	case IAMW__RT_COMMA: return ",";
	case IAMW__RT_NAME: return "NAME";
	case IAMW__RT_STRING: return "STRING";
	case IAMW__RT_BAD_ESCAPE: return "BAD_ESCAPE";
	case IAMW__RT_UNTERMINATED: return "UNTERMINATED";
	}
	return "?";
}
