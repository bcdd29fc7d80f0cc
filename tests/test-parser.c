/* SPDX-License-Identifier: MIT */
/*
 * test-parser.c - compile-time behaviour of filter patterns: the AST each
 * family compiles to (canonical S-expression dumps), the canonical pattern
 * text, the source positions kept for tools, and every error with its code,
 * byte offset and message.
 */
#include <string.h>

#include "iamw-test.h"
#include "lang/ast.h"
#include "lang/walk.h"

static void assert_dump(const char *pattern, const char *want)
{
	iamw_pattern *p;
	iamw_error err;
	int rc = iamw_pattern_compile(&p, pattern, IAMW_NUL_TERMINATED, 0, &err);
	ck_assert_msg(rc == IAMW_OK, "'%s' did not compile: %s at %zu", pattern, err.text,
	              err.offset);
	char *dump;
	ck_assert_int_eq(iamw_pattern_dump(p, &dump, NULL), IAMW_OK);
	ck_assert_msg(strcmp(dump, want) == 0, "'%s'\n  dump: %s\n  want: %s", pattern, dump, want);
	iamw_free(dump);
	iamw_pattern_free(p);
}

static void assert_canonical(const char *pattern, const char *want)
{
	iamw_pattern *p;
	ck_assert_int_eq(iamw_pattern_compile(&p, pattern, IAMW_NUL_TERMINATED, 0, NULL), IAMW_OK);
	char *text;
	ck_assert_int_eq(iamw_pattern_canonical(p, &text, NULL), IAMW_OK);
	ck_assert_msg(strcmp(text, want) == 0, "'%s'\n  canonical: %s\n  want:      %s", pattern,
	              text, want);
	iamw_free(text);
	iamw_pattern_free(p);
}

static void assert_error(const char *pattern, int code, size_t offset, const char *text_part)
{
	iamw_pattern *p = (iamw_pattern *)1;
	iamw_error err;
	int rc = iamw_pattern_compile(&p, pattern, IAMW_NUL_TERMINATED, 0, &err);
	ck_assert_msg(rc == code, "'%s': got %s (%s), want %s", pattern, iamw_status_name(rc),
	              err.text, iamw_status_name(code));
	ck_assert_ptr_null(p);
	ck_assert_int_eq(err.code, code);
	ck_assert_msg(err.offset == offset, "'%s': offset %zu, want %zu (%s)", pattern, err.offset,
	              offset, err.text);
	ck_assert_str_eq(err.source, "pattern");
	ck_assert_msg(strstr(err.text, text_part) != NULL, "'%s': message '%s' lacks '%s'", pattern,
	              err.text, text_part);
}

START_TEST(dump_terms)
{
	assert_dump("", "(all)");
	assert_dump("   ", "(all)");
	assert_dump("\" \"", "(all)");
	assert_dump("ERROR", "(terms (req \"ERROR\"))");
	assert_dump("ERROR -ARGUMENTS", "(terms (req \"ERROR\") (not \"ARGUMENTS\"))");
	assert_dump("ORDER-ITEM-1",
	            "(terms (req \"ORDER\") (not \"ITEM\") (not \"1\"))"); /* */
	assert_dump("\"a b\"-c", "(terms (req \"a b\") (not \"c\"))");
	assert_dump("?ERROR ?WARN", "(any (opt \"ERROR\") (opt \"WARN\"))");
	assert_dump("?ERROR ?ARGUMENTS REQUEST",
	            "(terms (opt \"ERROR\") (opt \"ARGUMENTS\") (req \"REQUEST\"))");
	assert_dump("\"INTERNAL SERVER ERROR\"", "(terms (req \"INTERNAL SERVER ERROR\"))");
	assert_dump("-\"level=DEBUG\" \"a\\\"b\\\\c\"",
	            "(terms (not \"level=DEBUG\") (req \"a\\\"b\\\\c\"))");
	assert_dump("%^[hc]at%", "(regex %^[hc]at%)");
}
END_TEST

START_TEST(dump_json)
{
	assert_dump("{ $.eventType = \"UpdateTrail\" }", "(json (eq $.eventType \"UpdateTrail\"))");
	assert_dump("{$.a=1||$.b!=x&&$.c>=-2.5e3}",
	            "(json (or (eq $.a 1) (and (ne $.b \"x\") (ge $.c -2.5e3))))");
	assert_dump("{ ($.a = 1 || $.b = 2) && $.c NOT EXISTS }",
	            "(json (and (or (eq $.a 1) (eq $.b 2)) (not-exists $.c)))");
	assert_dump("{ $.x IS NULL || $.y IS TRUE || $.z IS FALSE }",
	            "(json (or (is-null $.x) (is-true $.y) (is-false $.z)))");
	assert_dump("{ $.a[0][1].b = * }", "(json (eq $.a[0][1].b *))");
	assert_dump("{ $.a = \"*\" }", "(json (eq $.a *))");
	assert_dump("{ $.e = *Event }", "(json (eq $.e \"*Event\"))");
	assert_dump("{ $.x = \"Ev*ent\" }", "(json (eq $.x \"Ev*ent\"))");
	assert_dump("{ $.['cluster.name'] = c }", "(json (eq $.['cluster.name'] \"c\"))");
	assert_dump("{ $.arrayKey[*] = %val.{2}% }", "(json (eq $.arrayKey[*] %val.{2}%))");
	assert_dump("{ $.t = TRUE }", "(json (eq $.t \"TRUE\"))");
	assert_dump("{ $.i = s3.amazonaws.com }", "(json (eq $.i \"s3.amazonaws.com\"))");
}
END_TEST

START_TEST(dump_delimited)
{
	assert_dump("[]", "(delimited)");
	assert_dump("[ip, user, ..., status_code = 4* && status_code != 403, bytes > 1000]",
	            "(delimited (field ip) (field user) (...) (field status_code (and (eq "
	            "status_code \"4*\") (ne status_code 403))) (field bytes (gt bytes 1000)))");
	assert_dump("[..., request=*.html*, status_code=4*,]",
	            "(delimited (...) (field request (eq request \"*.html*\")) (field status_code "
	            "(eq status_code \"4*\")) (anon))");
	assert_dump("[w1=ERROR || w1=%WARN%, w2]",
	            "(delimited (field w1 (or (eq w1 \"ERROR\") (eq w1 %WARN%))) (field w2))");
	assert_dump("[a, (b = 1 || b = 2) && b != 3]",
	            "(delimited (field a) (field b (and (or (eq b 1) (eq b 2)) (ne b 3))))");
}
END_TEST

START_TEST(canonical)
{
	assert_canonical("{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)}",
	                 "{ $.eventName = \"DeleteGroupPolicy\" || $.eventName = \"DeleteRolePolicy\" }");
	assert_canonical("{ ($.a = 1) && (($.b = 2) || ($.c NOT EXISTS)) }",
	                 "{ $.a = 1 && ($.b = 2 || $.c NOT EXISTS) }");
	assert_canonical("ERROR   -\"x y\"  ?z", "\"ERROR\" -\"x y\" ?\"z\"");
	assert_canonical("[ ip , ... , s = 4* ]", "[ip, ..., s = \"4*\"]");
	assert_canonical("  %a|b%  ", "%a|b%");
}
END_TEST

START_TEST(errors_json)
{
	assert_error("{ $.a = \"x\" ", IAMW_ESYNTAX, 12, "must end with '}'");
	assert_error("{ status = \"401\" }", IAMW_ESYNTAX, 2, "must start with '$.'");
	assert_error("{ $.*[*] = \"a\" }", IAMW_ESELWILDCARD, 5, "one wildcard");
	assert_error("{ $.a.* = 1 || $.b[*] = 1 || $.c.* = 1 || $.d[*] = 1 }", IAMW_EWILDCARDS, 45,
	             "at most 3");
	assert_error("{ $.a IS NOT NULL }", IAMW_EUNSUPPORTED, 6, "IS NOT");
	assert_error("{ $.a EXISTS }", IAMW_EUNSUPPORTED, 6, "EXISTS");
	assert_error("{ $.a is null }", IAMW_ESYNTAX, 6, "expected a comparison operator");
	assert_error("{ $.a > abc }", IAMW_ESYNTAX, 8, "need a number");
	assert_error("{ $.a = }", IAMW_ESYNTAX, 8, "expected a value");
	assert_error("{ $.a = 1 && }", IAMW_ESYNTAX, 13, "expected a property selector");
	assert_error("{ }", IAMW_ESYNTAX, 2, "empty JSON");
	assert_error("{ ($.a = 1 }", IAMW_ESYNTAX, 11, "expected ')'");
	assert_error("{ $.a = 1) }", IAMW_ESYNTAX, 9, "unbalanced ')'");
	assert_error("{ $.a = \"x }", IAMW_ESYNTAX, 8, "unterminated quoted string");
	assert_error("{ $.a = %x }", IAMW_ESYNTAX, 8, "unterminated regular expression");
	assert_error("{ $.a = %x% || $.b = %y% || $.c = %z% }", IAMW_EREGEXCOUNT, 34, "at most 2");
	assert_error("{ $.a = %(ab)+% }", IAMW_EREGEX, 9, "");
	assert_error("{ $.a = 1 } x", IAMW_ESYNTAX, 13, "must end with '}'");
	assert_error("{ $ = 1 }", IAMW_ESYNTAX, 2, "'$.'");
}
END_TEST

START_TEST(errors_limits)
{
	char buf[1100];
	/* 1025 bytes: rejected with the offset of the first byte past the limit. */
	memset(buf, 'a', 1025);
	buf[1025] = '\0';
	assert_error(buf, IAMW_ETOOLONG, 1024, "1024");
	/* 1024 bytes: accepted. */
	buf[1024] = '\0';
	iamw_pattern *p;
	ck_assert_int_eq(iamw_pattern_compile(&p, buf, IAMW_NUL_TERMINATED, 0, NULL), IAMW_OK);
	iamw_pattern_free(p);
	/* 64 nested parentheses compile; 65 do not. */
	for (int depth = 64; depth <= 65; depth++) {
		size_t n = 0;
		buf[n++] = '{';
		for (int i = 0; i < depth; i++)
			buf[n++] = '(';
		memcpy(buf + n, "$.a=1", 5);
		n += 5;
		for (int i = 0; i < depth; i++)
			buf[n++] = ')';
		buf[n++] = '}';
		buf[n] = '\0';
		if (depth == 64) {
			ck_assert_int_eq(iamw_pattern_compile(&p, buf, IAMW_NUL_TERMINATED, 0, NULL),
			                 IAMW_OK);
			iamw_pattern_free(p);
		} else {
			assert_error(buf, IAMW_EDEPTH, 65, "nested deeper");
		}
	}
}
END_TEST

START_TEST(errors_terms_and_delimited)
{
	assert_error("email@x.com", IAMW_ESYNTAX, 5, "'@' is not allowed");
	/* a '-' glued to a term starts an exclusion: nothing may follow it */
	/* J-13: bracket forms CloudWatch does not document get their documented spelling */
	assert_error("{ $['a.b'] = 1 }", IAMW_ESYNTAX, 2, "write $.['key']");
	assert_error("{ $.x.[\"a.b\"] = 1 }", IAMW_ESYNTAX, 2, "single quotes");
	assert_error("{ $.caf\xc3\xa9 = 1 }", IAMW_ESYNTAX, 2, "bracket form .['name']");
	assert_dump("{ $.['caf\xc3\xa9'] = 1 }", "(json (eq $.['caf\xc3\xa9'] 1))");
	assert_error("ORDER-", IAMW_ESYNTAX, 5, "followed directly");
	assert_error("ORDER--ITEM", IAMW_ESYNTAX, 6, "a term or a quoted phrase");
	assert_error("ORDER?ITEM", IAMW_ESYNTAX, 5, "'?' is not allowed");
	assert_error("ERROR %x%", IAMW_EUNSUPPORTED, 6, "whole filter pattern");
	assert_error("%x% ERROR", IAMW_EUNSUPPORTED, 4, "whole filter pattern");
	assert_error("? ERROR", IAMW_ESYNTAX, 0, "followed directly");
	assert_error("\"abc", IAMW_ESYNTAX, 0, "unterminated");
	assert_error("ERR*", IAMW_ESYNTAX, 3, "'*' is not allowed");
	assert_error("%something!%", IAMW_EREGEX, 10, "");
	assert_error("[a, b", IAMW_ESYNTAX, 5, "must end with ']'");
	assert_error("[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]",
	             IAMW_ESYNTAX, 61, "must name that field");
	assert_error("[..., a, ...]", IAMW_ESYNTAX, 9, "only once");
	assert_error("[a, a]", IAMW_ESYNTAX, 4, "duplicate field name");
	assert_error("[a=%x%, b=%y%, c=%z%]", IAMW_EREGEXCOUNT, 17, "at most 2");
	assert_error("[123, b]", IAMW_ESYNTAX, 1, "invalid field name");
	assert_error("[a > x]", IAMW_ESYNTAX, 5, "need a number");
	assert_error("[a b]", IAMW_ESYNTAX, 3, "expected a comparison operator");
	char nul[] = "ERROR\0X";
	iamw_pattern *p;
	iamw_error err;
	ck_assert_int_eq(iamw_pattern_compile(&p, nul, sizeof nul - 1, 0, &err), IAMW_ESYNTAX);
	ck_assert_uint_eq(err.offset, 5);
}
END_TEST

START_TEST(error_format)
{
	iamw_pattern *p;
	iamw_error err;
	const char *pat = "{ $.a = 1 && }";
	ck_assert_int_eq(iamw_pattern_compile(&p, pat, IAMW_NUL_TERMINATED, 0, &err), IAMW_ESYNTAX);
	char buf[256];
	size_t need = iamw_error_format(&err, pat, IAMW_NUL_TERMINATED, buf, sizeof buf);
	ck_assert_uint_eq(need, strlen(buf));
	ck_assert_str_eq(buf, "pattern:13: expected a property selector ($.field) or '(', found "
	                      "'}'\n  { $.a = 1 && }\n               ^");
	/* Truncation keeps the snprintf contract. */
	char small[8];
	ck_assert_uint_eq(iamw_error_format(&err, pat, IAMW_NUL_TERMINATED, small, sizeof small),
	                  need);
	ck_assert_uint_eq(strlen(small), 7);
}
END_TEST

START_TEST(api_misuse)
{
	iamw_error err;
	ck_assert_int_eq(iamw_pattern_compile(NULL, "x", 1, 0, &err), IAMW_EINVAL);
	iamw_pattern *p;
	ck_assert_int_eq(iamw_pattern_compile(&p, "x", 1, 0x100, &err), IAMW_EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(iamw_pattern_compile(&p, "x", 1, 0, NULL), IAMW_OK);
	ck_assert_int_eq(iamw_pattern_kind_of(p), IAMW_PATTERN_TERMS);
	ck_assert_str_eq(iamw_pattern_source(p), "x");
	ck_assert_int_eq(iamw_pattern_match_text(NULL, "x", 1, NULL), IAMW_EINVAL);
	ck_assert_int_eq(iamw_pattern_match_json(p, NULL, NULL, 0, NULL), IAMW_EINVAL);
	iamw_pattern_free(p);
	iamw_pattern_free(NULL);
	ck_assert_str_eq(iamw_strerror(IAMW_ESYNTAX), "syntax error");
	ck_assert_str_eq(iamw_status_name(IAMW_EDEPTH), "EDEPTH");
	ck_assert_str_eq(iamw_strerror(12345), "unknown error");
}
END_TEST

/* Source positions the AST keeps for tools (analysis/): where each value is
 * written and whether it is quoted, which groups were parenthesised, and
 * where the first operator of an && / || chain stands. */
static int collect_leaf(const iamw__leaf *leaf, void *payload)
{
	const iamw__node **out = payload;
	while (*out)
		out++;
	*out = leaf->node;
	return 0;
}

START_TEST(positions)
{
	const char *text = "{ $.a = \"x y\" || ($.b = 12 && $.c = bare*) && $.d = *z }";
	iamw_pattern *p;
	ck_assert_int_eq(iamw_pattern_compile(&p, text, IAMW_NUL_TERMINATED, 0, NULL), IAMW_OK);
	const iamw__node *leaves[8] = {NULL};
	ck_assert_int_eq(iamw__walk_leaves(p, collect_leaf, leaves), 0);
	const char *want[] = {"\"x y\"", "12", "bare*", "*z"};
	for (int i = 0; i < 4; i++) {
		ck_assert_ptr_nonnull(leaves[i]);
		const iamw__value *v = &leaves[i]->val;
		ck_assert_msg(v->length == strlen(want[i]) &&
		                  strncmp(text + v->offset, want[i], v->length) == 0,
		              "value %d at %zu+%zu", i, v->offset, v->length);
		ck_assert_int_eq(v->quoted, i == 0);
	}
	ck_assert_ptr_null(leaves[4]);
	/* OR( a, AND( (b && c), d ) ): the inner AND is a group, the outer not */
	const iamw__node *root = p->root;
	ck_assert_int_eq(root->kind, IAMW__NODE_OR);
	ck_assert_int_eq(root->grouped, 0);
	ck_assert_ptr_eq(text + root->op_offset, strstr(text, "||"));
	const iamw__node *and1 = root->kids[1];
	ck_assert_int_eq(and1->kind, IAMW__NODE_AND);
	ck_assert_int_eq(and1->grouped, 0);
	ck_assert_int_eq(and1->kids[0]->kind, IAMW__NODE_AND);
	ck_assert_int_eq(and1->kids[0]->grouped, 1);
	ck_assert_ptr_eq(text + and1->op_offset, strstr(text, ") &&") + 2);
	ck_assert_ptr_eq(text + and1->kids[0]->op_offset, strstr(text, "&&"));
	iamw_pattern_free(p);

	/* delimited fields keep the same positions */
	text = "[ip, st = 404 || st = \"5*\", size]";
	ck_assert_int_eq(iamw_pattern_compile(&p, text, IAMW_NUL_TERMINATED, 0, NULL), IAMW_OK);
	memset(leaves, 0, sizeof leaves);
	ck_assert_int_eq(iamw__walk_leaves(p, collect_leaf, leaves), 0);
	ck_assert_ptr_nonnull(leaves[1]);
	ck_assert_int_eq(leaves[1]->val.quoted, 1);
	ck_assert_uint_eq(leaves[1]->val.offset, (size_t)(strstr(text, "\"5*") - text));
	ck_assert_ptr_eq(text + p->fields[1].cond->op_offset, strstr(text, "||"));
	iamw_pattern_free(p);
}
END_TEST

static Suite *parser_suite(void)
{
	Suite *s = suite_create("parser");
	TCase *tc = tcase_create("dumps");
	tcase_add_test(tc, dump_terms);
	tcase_add_test(tc, dump_json);
	tcase_add_test(tc, dump_delimited);
	tcase_add_test(tc, canonical);
	tcase_add_test(tc, positions);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, errors_json);
	tcase_add_test(tc, errors_limits);
	tcase_add_test(tc, errors_terms_and_delimited);
	tcase_add_test(tc, error_format);
	tcase_add_test(tc, api_misuse);
	suite_add_tcase(s, tc);
	return s;
}

IAMW_TEST_MAIN(parser_suite)
