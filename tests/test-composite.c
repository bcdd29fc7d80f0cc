/* SPDX-License-Identifier: MIT */
/*
 * test-composite.c - unit tests for composite alarms (libiamwatch/composite.c
 * and alarm_rule.re): tokens, AST dumps of AWS's example rules, precedence,
 * every syntax and limit error with its code and exact offset, evaluation
 * truth tables, unknown children, reference cycles, StateReason and
 * StateReasonData byte for byte against AWS samples, the action-suppression
 * state machine and the PutCompositeAlarm reader.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alarms/composite.h"
#include "common/private.h"

/* ------------------------------------------------------------ helpers */

static iamw__rule *compile_ok(const char *text)
{
	iamw__rule *r = NULL;
	iamw_error err;
	int rc = iamw__rule_compile(&r, text, strlen(text), &err);
	ck_assert_msg(rc == IAMW_OK, "compiling \"%s\" failed: %d at %zu: %s", text, rc, err.offset,
	              err.text);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(err.code, IAMW_OK);
	ck_assert(err.offset == IAMW_NO_OFFSET);
	return r;
}

static void check_dump(const char *text, const char *expect)
{
	iamw__rule *r = compile_ok(text);
	iamw__buf b;
	iamw__buf_init(&b);
	ck_assert_int_eq(iamw__rule_dump(r, &b), IAMW_OK);
	ck_assert_msg(strcmp(b.data, expect) == 0, "\"%s\":\n  got    %s\n  expect %s", text,
	              b.data, expect);
	iamw__buf_free(&b);
	iamw__rule_free(r);
}

/* Expect text (len bytes) to fail with code at offset; msg (if not NULL)
 * must equal the error text. */
static void check_error_n(const char *text, size_t len, int code, size_t offset, const char *msg)
{
	iamw__rule *r = (iamw__rule *)&r; /* must be reset to NULL */
	iamw_error err;
	int rc = iamw__rule_compile(&r, text, len, &err);
	ck_assert_msg(rc == code, "\"%.60s\": expected %s, got %s (%s)", text,
	              iamw_status_name(code), iamw_status_name(rc), err.text);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(err.code, code);
	ck_assert_msg(err.offset == offset, "\"%.60s\": expected offset %zu, got %zu (%s)", text,
	              offset, err.offset, err.text);
	ck_assert_str_eq(err.source, "rule");
	ck_assert(err.text[0] != '\0');
	if (msg)
		ck_assert_str_eq(err.text, msg);
}

static void check_error(const char *text, int code, size_t offset, const char *msg)
{
	check_error_n(text, strlen(text), code, offset, msg);
}

/* check_error with part, a piece the error text must hold. */
static void check_error_part(const char *text, int code, size_t offset, const char *part)
{
	iamw__rule *r;
	iamw_error err;
	ck_assert_int_eq(iamw__rule_compile(&r, text, IAMW_NUL_TERMINATED, &err), code);
	ck_assert_msg(err.offset == offset, "\"%s\": expected offset %zu, got %zu (%s)", text,
	              offset, err.offset, err.text);
	ck_assert_msg(strstr(err.text, part), "\"%s\": '%s' not in '%s'", text, part, err.text);
}

static int64_t ts(const char *iso)
{
	int64_t ms = 0;
	ck_assert_msg(iamw__parse_time_iso(iso, strlen(iso), &ms) == 1, "bad time %s", iso);
	return ms;
}

/* A table of children for the lookup callback. */
typedef struct child {
	const char *name;
	iamw_alarm_state state;
	int64_t time_ms;
} child;

typedef struct world {
	child c[8];
	size_t n;
	int fail_with; /* nonzero: lookup returns this */
	unsigned calls;
} world;

static int world_lookup(const char *name, void *payload, iamw_alarm_state *state, int64_t *t)
{
	world *w = payload;
	w->calls++;
	if (w->fail_with)
		return w->fail_with;
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->c[i].name, name) == 0) {
			*state = w->c[i].state;
			*t = w->c[i].time_ms;
			return 1;
		}
	return 0;
}

static void world_set(world *w, const char *name, iamw_alarm_state st, int64_t t)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->c[i].name, name) == 0) {
			w->c[i].state = st;
			w->c[i].time_ms = t;
			return;
		}
	ck_assert(w->n < 8);
	w->c[w->n].name = name;
	w->c[w->n].state = st;
	w->c[w->n].time_ms = t;
	w->n++;
}

static int eval_text(const char *text, world *w)
{
	iamw__rule *r = compile_ok(text);
	int v = -1;
	iamw_error err;
	ck_assert_int_eq(iamw__rule_eval(r, world_lookup, w, &v, &err), IAMW_OK);
	iamw__rule_free(r);
	return v;
}

/* ------------------------------------------------------------- tokens */

static void tokens(const char *text, size_t len, char *out, size_t size)
{
	char *buf = malloc(len + 1);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, text, len);
	buf[len] = '\0';
	size_t pos = 0, used = 0;
	out[0] = '\0';
	for (int guard = 0; guard < 100; guard++) {
		iamw__rule_token t = iamw__rule_lex(buf, len, pos);
		used += (size_t)snprintf(out + used, size - used, "%s%s@%zu+%zu", used ? " " : "",
		                         iamw__rule_tok_name(t.kind), t.offset, t.length);
		if (t.kind == IAMW__RT_EOF)
			break;
		pos = t.offset + t.length;
	}
	free(buf);
}

START_TEST(test_tokens)
{
	char got[1024];
	const char *r1 = "ALARM(x) AND NOT (OK(\"a b\") OR TRUE)";
	tokens(r1, strlen(r1), got, sizeof got);
	ck_assert_str_eq(got, "ALARM@0+5 (@5+1 NAME@6+1 )@7+1 AND@9+3 NOT@13+3 (@17+1 OK@18+2 "
	                      "(@20+1 STRING@21+5 )@26+1 OR@28+2 TRUE@31+4 )@35+1 EOF@36+0");

	const char *r2 = "\tINSUFFICIENT_DATA ( arn:aws:cloudwatch:us-east-1:1:alarm:N )\n\r FALSE";
	tokens(r2, strlen(r2), got, sizeof got);
	ck_assert_str_eq(got,
	                 "INSUFFICIENT_DATA@1+17 (@19+1 NAME@21+38 )@60+1 FALSE@64+5 EOF@69+0");

	/* keywords are exact and upper case; longer words are names */
	const char *r3 = "alarm ALARMS And ORx NOTE OK_ TRUE1";
	tokens(r3, strlen(r3), got, sizeof got);
	ck_assert_str_eq(got, "NAME@0+5 NAME@6+6 NAME@13+3 NAME@17+3 NAME@21+4 NAME@26+3 "
	                      "NAME@30+5 EOF@35+0");

	/* an embedded NUL is an invalid token, not the end */
	tokens("OK(a)\0OR", 8, got, sizeof got);
	ck_assert_str_eq(got, "OK@0+2 (@2+1 NAME@3+1 )@4+1 INVALID@5+1 OR@6+2 EOF@8+0");

	/* quoted names: escapes, bad escape, unterminated, control byte */
	const char *r4 = "\"a\\\"b\\\\\" \"open";
	tokens(r4, strlen(r4), got, sizeof got);
	ck_assert_str_eq(got, "STRING@0+8 UNTERMINATED@9+5 EOF@14+0");
	tokens("\"x\\n\"", 5, got, sizeof got);
	ck_assert_str_eq(got, "BAD_ESCAPE@0+3 NAME@3+1 UNTERMINATED@4+1 EOF@5+0");
	tokens("\"x\\", 3, got, sizeof got);
	ck_assert_str_eq(got, "BAD_ESCAPE@0+3 EOF@3+0");
	tokens("\"a\001b\"", 5, got, sizeof got);
	ck_assert_str_eq(got, "UNTERMINATED@0+2 INVALID@2+1 NAME@3+1 UNTERMINATED@4+1 EOF@5+0");

	/* bare names take any byte but blanks, parentheses, quotes, controls */
	const char *r5 = "OK(a.b-c_d/e:f#\xc3\xa9)";
	tokens(r5, strlen(r5), got, sizeof got);
	ck_assert_str_eq(got, "OK@0+2 (@2+1 NAME@3+14 )@17+1 EOF@18+0");

	tokens("", 0, got, sizeof got);
	ck_assert_str_eq(got, "EOF@0+0");
	tokens(" \t\n", 3, got, sizeof got);
	ck_assert_str_eq(got, "EOF@3+0");
}
END_TEST

/* --------------------------------------------------------------- dumps */

START_TEST(test_dump_aws_examples)
{
	check_dump("ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)",
	           "(and (alarm \"CPUUtilizationTooHigh\") (alarm \"DiskReadOpsTooHigh\"))");
	check_dump("ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)",
	           "(or (alarm \"CPUUtilizationTooHigh\") (alarm \"DiskReadOpsTooHigh\"))");
	check_dump("(ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) AND "
	           "OK(NetworkOutTooHigh)",
	           "(and (or (alarm \"CPUUtilizationTooHigh\") (alarm \"DiskReadOpsTooHigh\")) "
	           "(ok \"NetworkOutTooHigh\"))");
	check_dump("ALARM(\"my alarm\") AND NOT INSUFFICIENT_DATA(x)",
	           "(and (alarm \"my alarm\") (not (insufficient-data \"x\")))");
	check_dump("ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)",
	           "(or (alarm \"ServerCpuTooHigh\") (alarm \"TotalNetworkTrafficTooHigh\"))");
	/* the API model's example */
	check_dump(
	    "ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)",
	    "(and (alarm \"CPUUtilizationTooHigh\") (not (alarm \"DeploymentInProgress\")))");
	check_dump("(ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) AND "
	           "OK(NetworkOutTooHigh) AND NOT INSUFFICIENT_DATA(SomeAlarm)",
	           "(and (or (alarm \"CPUUtilizationTooHigh\") (alarm \"DiskReadOpsTooHigh\")) "
	           "(ok \"NetworkOutTooHigh\") (not (insufficient-data \"SomeAlarm\")))");
	/* CDK output shape: quoted ARNs */
	check_dump("(ALARM(\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:A\") OR "
	           "FALSE)",
	           "(or (alarm \"arn:aws:cloudwatch:us-east-1:123456789012:alarm:A\") false)");
}
END_TEST

START_TEST(test_dump_forms)
{
	check_dump("TRUE", "true");
	check_dump("FALSE", "false");
	check_dump("NOT FALSE", "(not false)");
	check_dump("NOT NOT TRUE", "(not (not true))");
	check_dump("((TRUE))", "true");
	check_dump("FALSE OR TRUE", "(or false true)");
	check_dump("\tALARM ( x )\n\nAND\r\nTRUE", "(and (alarm \"x\") true)");
	check_dump("ALARM(a)AND(OK(b))", "(and (alarm \"a\") (ok \"b\"))");
	/* keywords inside the call are names */
	check_dump("ALARM(TRUE) AND OK(AND) OR INSUFFICIENT_DATA(NOT)",
	           "(or (and (alarm \"TRUE\") (ok \"AND\")) (insufficient-data \"NOT\"))");
	/* quoted names: escapes kept in the dump, parentheses and spaces */
	check_dump("ALARM(\"a \\\"q\\\" \\\\ b\")", "(alarm \"a \\\"q\\\" \\\\ b\")");
	check_dump("OK(\"name (with) parens\")", "(ok \"name (with) parens\")");
	check_dump("OK(\"\xc3\xa9t\xc3\xa9\")", "(ok \"\xc3\xa9t\xc3\xa9\")");
	check_dump("OK(a.b-c_d/e:f#\xc3\xa9)", "(ok \"a.b-c_d/e:f#\xc3\xa9\")");
	/* a backslash in a bare name is an ordinary byte */
	check_dump("OK(a\\b)", "(ok \"a\\\\b\")");
}
END_TEST

START_TEST(test_precedence)
{
	check_dump("ALARM(a) OR ALARM(b) AND ALARM(c)",
	           "(or (alarm \"a\") (and (alarm \"b\") (alarm \"c\")))");
	check_dump("ALARM(a) AND ALARM(b) OR ALARM(c)",
	           "(or (and (alarm \"a\") (alarm \"b\")) (alarm \"c\"))");
	check_dump("NOT ALARM(a) AND ALARM(b)", "(and (not (alarm \"a\")) (alarm \"b\"))");
	check_dump("NOT ALARM(a) OR ALARM(b)", "(or (not (alarm \"a\")) (alarm \"b\"))");
	check_dump("NOT (ALARM(a) AND ALARM(b))", "(not (and (alarm \"a\") (alarm \"b\")))");
	check_dump("ALARM(a) AND ALARM(b) OR ALARM(c) AND ALARM(d)",
	           "(or (and (alarm \"a\") (alarm \"b\")) (and (alarm \"c\") (alarm \"d\")))");
	/* chains are n-ary; explicit parentheses are kept */
	check_dump("ALARM(a) AND ALARM(b) AND ALARM(c)",
	           "(and (alarm \"a\") (alarm \"b\") (alarm \"c\"))");
	check_dump("(ALARM(a) AND ALARM(b)) AND ALARM(c)",
	           "(and (and (alarm \"a\") (alarm \"b\")) (alarm \"c\"))");
	check_dump("ALARM(a) OR ALARM(b) OR ALARM(c)",
	           "(or (alarm \"a\") (alarm \"b\") (alarm \"c\"))");
	check_dump("ALARM(a) AND (ALARM(b) OR ALARM(c))",
	           "(and (alarm \"a\") (or (alarm \"b\") (alarm \"c\")))");
}
END_TEST

START_TEST(test_refs)
{
	iamw__rule *r =
	    compile_ok("ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:Name) AND "
	               "OK(Other) OR ALARM(Name) OR OK(\"arn:aws:cloudwatch:eu-west-1:"
	               "111122223333:alarm:With:colon\")");
	ck_assert_uint_eq(iamw__rule_ref_count(r), 3);
	ck_assert_str_eq(iamw__rule_ref_name(r, 0), "Name");
	ck_assert_str_eq(iamw__rule_ref_arn(r, 0),
	                 "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Name");
	ck_assert_uint_eq(iamw__rule_ref_offset(r, 0), 6);
	ck_assert_str_eq(iamw__rule_ref_name(r, 1), "Other");
	ck_assert_ptr_null(iamw__rule_ref_arn(r, 1));
	ck_assert_str_eq(iamw__rule_ref_name(r, 2), "With:colon");
	ck_assert_ptr_null(iamw__rule_ref_name(r, 3));
	ck_assert_uint_eq(iamw__rule_ref_find(r, "Other"), 1);
	ck_assert_uint_eq(iamw__rule_ref_find(r, "arn:aws:cloudwatch:x:1:alarm:Name"), 0);
	ck_assert_uint_eq(iamw__rule_ref_find(r, "Nope"), (size_t)-1);
	ck_assert_uint_eq(iamw__rule_element_count(r), 4);
	iamw__rule_free(r);

	/* a name seen first plainly, then as an ARN, keeps the ARN too */
	r = compile_ok("OK(N) AND ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:N)");
	ck_assert_uint_eq(iamw__rule_ref_count(r), 1);
	ck_assert_str_eq(iamw__rule_ref_arn(r, 0),
	                 "arn:aws:cloudwatch:us-east-1:123456789012:alarm:N");
	iamw__rule_free(r);

	/* elements: references, constants and grouping pairs */
	r = compile_ok("(ALARM(a) OR (TRUE)) AND NOT FALSE");
	ck_assert_uint_eq(iamw__rule_element_count(r), 5);
	ck_assert_str_eq(iamw__rule_source(r), "(ALARM(a) OR (TRUE)) AND NOT FALSE");
	iamw__rule_free(r);
	iamw__rule_free(NULL);
}
END_TEST

/* -------------------------------------------------------------- errors */

START_TEST(test_syntax_errors)
{
	check_error("", IAMW_ESYNTAX, 0, "empty alarm rule");
	check_error("  \n", IAMW_ESYNTAX, 3, "empty alarm rule");
	check_error("ALARM(", IAMW_ESYNTAX, 6,
	            "expected an alarm name after 'ALARM(' but found end of rule");
	check_error("ALARM()", IAMW_ESYNTAX, 6, "expected an alarm name in ALARM()");
	check_error("OK( )", IAMW_ESYNTAX, 4, "expected an alarm name in OK()");
	check_error(
	    "ALARM(x) AND", IAMW_ESYNTAX, 12,
	    "expected ALARM, OK, INSUFFICIENT_DATA, AT_LEAST, TRUE, FALSE, NOT or '(' but found end of "
	    "rule");
	check_error("ALARM(x) AND ", IAMW_ESYNTAX, 13, NULL);
	check_error("NOT", IAMW_ESYNTAX, 3, NULL);
	check_error("alarm(x)", IAMW_ESYNTAX, 0,
	            "unknown keyword 'alarm' (keywords are upper case)");
	check_error("ALARM(x) and ALARM(y)", IAMW_ESYNTAX, 9,
	            "unknown keyword 'and' (operators are upper case)");
	check_error("ALARM(x) Or ALARM(y)", IAMW_ESYNTAX, 9,
	            "unknown keyword 'Or' (operators are upper case)");
	check_error("not ALARM(y)", IAMW_ESYNTAX, 0,
	            "unknown keyword 'not' (operators are upper case)");
	check_error("ALARM(x) AND true", IAMW_ESYNTAX, 13,
	            "unknown keyword 'true' (keywords are upper case)");
	check_error("(ALARM(x) and OK(y))", IAMW_ESYNTAX, 10,
	            "unknown keyword 'and' (operators are upper case)");
	check_error("ALARM(x) XOR ALARM(y)", IAMW_ESYNTAX, 9,
	            "expected AND, OR or end of rule but found 'XOR'");
	check_error("ALARM(x) ALARM(y)", IAMW_ESYNTAX, 9,
	            "expected AND, OR or end of rule but found 'ALARM'");
	check_error("(ALARM(x) XOR OK(y))", IAMW_ESYNTAX, 10,
	            "expected AND, OR or ')' but found 'XOR'");
	check_error("AND ALARM(x)", IAMW_ESYNTAX, 0, "unexpected AND (missing operand)");
	check_error("ALARM(x) OR OR OK(y)", IAMW_ESYNTAX, 12, "unexpected OR (missing operand)");
	check_error("foo", IAMW_ESYNTAX, 0,
	            "unexpected 'foo': alarm names go inside ALARM(), OK() or INSUFFICIENT_DATA()");
	check_error("\"foo\"", IAMW_ESYNTAX, 0,
	            "unexpected a quoted name: alarm names go inside ALARM(), OK() or "
	            "INSUFFICIENT_DATA()");
	check_error("ALARMS(x)", IAMW_ESYNTAX, 0, NULL);
	check_error("ALARM x", IAMW_ESYNTAX, 6, "expected '(' after ALARM");
	check_error("INSUFFICIENT_DATA", IAMW_ESYNTAX, 17, "expected '(' after INSUFFICIENT_DATA");
	check_error("ALARM(my alarm)", IAMW_ESYNTAX, 9,
	            "expected ')' after the alarm name (quote names that contain spaces)");
	check_error("ALARM(x", IAMW_ESYNTAX, 7,
	            "expected ')' to close 'ALARM(' but found end of rule");
	check_error("ALARM((x))", IAMW_ESYNTAX, 6,
	            "unexpected '(' in an alarm name (quote names that contain parentheses)");
	check_error("ALARM(a(b))", IAMW_ESYNTAX, 7,
	            "unexpected '(' in an alarm name (quote names that contain parentheses)");
	check_error("ALARM(\"\")", IAMW_ESYNTAX, 6, "empty alarm name");
	check_error("ALARM(arn:aws:sns:us-east-1:123456789012:topic)", IAMW_ESYNTAX, 6,
	            "malformed alarm ARN (expected arn:<partition>:cloudwatch:<region>:<account>:"
	            "alarm:<name>)");
	check_error("OK(arn:aws:cloudwatch:us-east-1:123456789012:alarm:)", IAMW_ESYNTAX, 3, NULL);
	check_error("OK(arn:aws:cloudwatch::123456789012:alarm:x)", IAMW_ESYNTAX, 3, NULL);
}
END_TEST

START_TEST(test_paren_errors)
{
	check_error("(ALARM(x)", IAMW_ESYNTAX, 9,
	            "unbalanced parentheses: '(' at offset 0 is not closed");
	check_error("((ALARM(x))", IAMW_ESYNTAX, 11,
	            "unbalanced parentheses: '(' at offset 0 is not closed");
	check_error("ALARM(x))", IAMW_ESYNTAX, 8, "unexpected ')' (unbalanced parentheses)");
	check_error(")", IAMW_ESYNTAX, 0, "unexpected ')'");
	check_error("()", IAMW_ESYNTAX, 1, "unexpected ')'");
	check_error("(ALARM(x) OR)", IAMW_ESYNTAX, 12, "unexpected ')'");
	check_error("(", IAMW_ESYNTAX, 1, NULL);
}
END_TEST

START_TEST(test_lexical_errors)
{
	check_error_n("ALARM(x) AND \0 OK(y)", 20, IAMW_ESYNTAX, 13,
	              "invalid NUL byte in the alarm rule");
	check_error_n("\0", 1, IAMW_ESYNTAX, 0, "invalid NUL byte in the alarm rule");
	check_error_n("ALARM(x\0)", 9, IAMW_ESYNTAX, 7, "invalid NUL byte in the alarm rule");
	check_error_n("ALARM(x)\0", 9, IAMW_ESYNTAX, 8, "invalid NUL byte in the alarm rule");
	check_error_n("ALARM(\"a\0b\")", 12, IAMW_ESYNTAX, 8, "invalid NUL byte in quoted name");
	check_error("ALARM(\"a\tb\")", IAMW_ESYNTAX, 8, "invalid control byte 0x09 in quoted name");
	check_error("ALARM(x)\x01", IAMW_ESYNTAX, 8, "invalid control byte 0x01 in the alarm rule");
	check_error("ALARM(\"abc", IAMW_ESYNTAX, 6, "unterminated quoted name");
	check_error("ALARM(\"abc\\", IAMW_ESYNTAX, 6, "unterminated quoted name");
	check_error("ALARM(\"a\\nb\")", IAMW_ESYNTAX, 8,
	            "invalid escape '\\n' in quoted name (only \\\" and \\\\ are escapes)");
	check_error("ALARM(\"a\\ b\")", IAMW_ESYNTAX, 8,
	            "invalid escape in quoted name (only \\\" and \\\\ are escapes)");
	/* the error carries the token length for carets */
	iamw__rule *r = NULL;
	iamw_error err;
	ck_assert_int_eq(iamw__rule_compile(&r, "ALARM(x) XOR OK(y)", IAMW_NUL_TERMINATED, &err),
	                 IAMW_ESYNTAX);
	ck_assert_uint_eq(err.length, 3);
	char buf[256];
	iamw_error_format(&err, "ALARM(x) XOR OK(y)", IAMW_NUL_TERMINATED, buf, sizeof buf);
	ck_assert_str_eq(buf, "rule:9: expected AND, OR or end of rule but found 'XOR'\n"
	                      "  ALARM(x) XOR OK(y)\n"
	                      "           ^~~");
	/* misuse */
	ck_assert_int_eq(iamw__rule_compile(NULL, "TRUE", 4, &err), IAMW_EINVAL);
	ck_assert_int_eq(iamw__rule_compile(&r, NULL, 4, &err), IAMW_EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(iamw__rule_compile(&r, "X", 1, NULL), IAMW_ESYNTAX);
}
END_TEST

START_TEST(test_limits)
{
	/* length: 10240 bytes is fine, 10241 is ETOOLONG at 10240 */
	char *big = malloc(IAMW_RULE_MAX_LEN + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', IAMW_RULE_MAX_LEN + 1);
	memcpy(big, "TRUE", 4);
	big[IAMW_RULE_MAX_LEN] = '\0';
	iamw__rule *r = compile_ok(big);
	iamw__rule_free(r);
	big[IAMW_RULE_MAX_LEN] = ' ';
	big[IAMW_RULE_MAX_LEN + 1] = '\0';
	check_error(big, IAMW_ETOOLONG, IAMW_RULE_MAX_LEN,
	            "alarm rule longer than 10240 bytes (10241)");
	free(big);

	/* nesting: 64 parentheses are fine, the 65th is EDEPTH at its offset */
	char deep[300];
	size_t n = 0;
	for (int i = 0; i < 64; i++)
		deep[n++] = '(';
	memcpy(deep + n, "TRUE", 4);
	n += 4;
	for (int i = 0; i < 64; i++)
		deep[n++] = ')';
	deep[n] = '\0';
	r = compile_ok(deep);
	iamw__rule_free(r);
	n = 0;
	for (int i = 0; i < 65; i++)
		deep[n++] = '(';
	memcpy(deep + n, "TRUE", 4);
	n += 4;
	for (int i = 0; i < 65; i++)
		deep[n++] = ')';
	deep[n] = '\0';
	check_error(deep, IAMW_EDEPTH, 64, "parentheses and NOT nested deeper than 64");

	/* NOT counts as nesting: 64 are fine, the 65th NOT fails */
	char nots[400];
	n = 0;
	for (int i = 0; i < 64; i++) {
		memcpy(nots + n, "NOT ", 4);
		n += 4;
	}
	memcpy(nots + n, "TRUE", 5);
	r = compile_ok(nots);
	iamw__rule_free(r);
	memmove(nots + 4, nots, strlen(nots) + 1);
	memcpy(nots, "NOT ", 4);
	check_error(nots, IAMW_EDEPTH, 256, NULL);
	/* mixed: 32 "NOT (" = 64 levels, then one more "(" */
	n = 0;
	for (int i = 0; i < 32; i++) {
		memcpy(deep + n, "NOT (", 5);
		n += 5;
	}
	memcpy(deep + n, "(TRUE", 6);
	check_error(deep, IAMW_EDEPTH, 160, NULL);

	/* children: 100 distinct are fine, the 101st is ELIMIT at its name */
	char *many = malloc(4096);
	ck_assert_ptr_nonnull(many);
	size_t off101 = 0;
	n = 0;
	for (int i = 0; i < 101; i++) {
		if (i == 100)
			off101 = n + (i ? 10 : 6);
		n += (size_t)sprintf(many + n, "%sALARM(a%d)", i ? " OR " : "", i);
	}
	check_error(many, IAMW_ELIMIT, off101, "more than 100 child alarms in the alarm rule");
	many[off101 - 10] = '\0'; /* cut before " OR ALARM(a100)" */
	r = compile_ok(many);
	ck_assert_uint_eq(iamw__rule_ref_count(r), 100);
	iamw__rule_free(r);
	/* the same child many times is one child */
	n = 0;
	for (int i = 0; i < 200; i++)
		n += (size_t)sprintf(many + n, "%sOK(same)", i ? " OR " : "");
	r = compile_ok(many);
	ck_assert_uint_eq(iamw__rule_ref_count(r), 1);
	ck_assert_uint_eq(iamw__rule_element_count(r), 200);
	iamw__rule_free(r);
	free(many);

	/* elements: 500 are fine, the 501st is ELIMIT at its offset */
	char *els = malloc(8 * 501 + 1);
	ck_assert_ptr_nonnull(els);
	n = 0;
	for (int i = 0; i < 500; i++)
		n += (size_t)sprintf(els + n, "%sTRUE", i ? " OR " : "");
	r = compile_ok(els);
	ck_assert_uint_eq(iamw__rule_element_count(r), 500);
	iamw__rule_free(r);
	sprintf(els + n, " OR TRUE");
	check_error(els, IAMW_ELIMIT, 4000, "more than 500 elements in the alarm rule");
	/* a grouping pair is an element */
	n = 0;
	for (int i = 0; i < 499; i++)
		n += (size_t)sprintf(els + n, "%sTRUE", i ? " OR " : "");
	sprintf(els + n, " OR (FALSE)");
	check_error(els, IAMW_ELIMIT, n + 5, NULL);
	free(els);

	/* child names: 255 characters are fine, 256 are not */
	char name[600];
	strcpy(name, "OK(");
	memset(name + 3, 'n', 255);
	strcpy(name + 258, ")");
	r = compile_ok(name);
	iamw__rule_free(r);
	memset(name + 3, 'n', 256);
	strcpy(name + 259, ")");
	check_error(name, IAMW_ELIMIT, 3, "alarm name longer than 255 characters");
	/* counted in characters: 255 two-byte characters are fine */
	strcpy(name, "OK(\"");
	for (int i = 0; i < 255; i++)
		memcpy(name + 4 + 2 * i, "\xc3\xa9", 2);
	strcpy(name + 4 + 510, "\")");
	r = compile_ok(name);
	iamw__rule_free(r);
}
END_TEST

/* ---------------------------------------------------------- evaluation */

START_TEST(test_eval_truth_tables)
{
	static const iamw_alarm_state all[3] = {IAMW_STATE_OK, IAMW_STATE_ALARM,
	                                        IAMW_STATE_INSUFFICIENT_DATA};
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			world w;
			memset(&w, 0, sizeof w);
			world_set(&w, "a", all[i], 0);
			world_set(&w, "b", all[j], 0);
			int a_alarm = all[i] == IAMW_STATE_ALARM,
			    b_alarm = all[j] == IAMW_STATE_ALARM;
			int a_ok = all[i] == IAMW_STATE_OK, b_ok = all[j] == IAMW_STATE_OK;
			int a_id = all[i] == IAMW_STATE_INSUFFICIENT_DATA;
			int b_id = all[j] == IAMW_STATE_INSUFFICIENT_DATA;
			ck_assert_int_eq(eval_text("ALARM(a) AND ALARM(b)", &w),
			                 a_alarm && b_alarm);
			ck_assert_int_eq(eval_text("ALARM(a) OR ALARM(b)", &w), a_alarm || b_alarm);
			ck_assert_int_eq(eval_text("ALARM(a) AND NOT OK(b)", &w), a_alarm && !b_ok);
			ck_assert_int_eq(eval_text("OK(a) OR INSUFFICIENT_DATA(b)", &w),
			                 a_ok || b_id);
			ck_assert_int_eq(eval_text("NOT (INSUFFICIENT_DATA(a) OR ALARM(b))", &w),
			                 !(a_id || b_alarm));
			ck_assert_int_eq(eval_text("ALARM(a) AND TRUE", &w), a_alarm);
			ck_assert_int_eq(eval_text("ALARM(b) OR FALSE", &w), b_alarm);
			ck_assert_int_eq(eval_text("(ALARM(a) OR ALARM(b)) AND OK(a)", &w),
			                 (a_alarm || b_alarm) && a_ok);
		}
	world w;
	memset(&w, 0, sizeof w);
	ck_assert_int_eq(eval_text("TRUE", &w), 1);
	ck_assert_int_eq(eval_text("FALSE", &w), 0);
	ck_assert_int_eq(eval_text("NOT TRUE OR NOT FALSE", &w), 1);
	ck_assert_int_eq(eval_text("TRUE AND FALSE OR TRUE", &w), 1);
	ck_assert_int_eq(eval_text("TRUE AND (FALSE OR FALSE)", &w), 0);
	/* precedence decides: a OR (b AND c) vs (a OR b) AND c */
	world_set(&w, "a", IAMW_STATE_ALARM, 0);
	world_set(&w, "b", IAMW_STATE_OK, 0);
	world_set(&w, "c", IAMW_STATE_OK, 0);
	ck_assert_int_eq(eval_text("ALARM(a) OR ALARM(b) AND ALARM(c)", &w), 1);
	ck_assert_int_eq(eval_text("(ALARM(a) OR ALARM(b)) AND ALARM(c)", &w), 0);
	ck_assert_int_eq(eval_text("NOT ALARM(a) AND ALARM(b)", &w), 0);
	ck_assert_int_eq(eval_text("NOT ALARM(b) OR ALARM(c)", &w), 1);
	/* an ARN reference is looked up by name */
	ck_assert_int_eq(eval_text("ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:a)", &w),
	                 1);

	/* eval_states */
	iamw__rule *r = compile_ok("ALARM(x) AND OK(y)");
	iamw_alarm_state st[2] = {IAMW_STATE_ALARM, IAMW_STATE_OK};
	int v = -1;
	ck_assert_int_eq(iamw__rule_eval_states(r, st, 2, &v), IAMW_OK);
	ck_assert_int_eq(v, 1);
	st[1] = IAMW_STATE_INSUFFICIENT_DATA;
	ck_assert_int_eq(iamw__rule_eval_states(r, st, 2, &v), IAMW_OK);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(iamw__rule_eval_states(r, st, 1, &v), IAMW_EINVAL);
	iamw__rule_free(r);
}
END_TEST

START_TEST(test_eval_unknown_child)
{
	world w;
	memset(&w, 0, sizeof w);
	world_set(&w, "a", IAMW_STATE_ALARM, 0);
	iamw__rule *r = compile_ok("ALARM(a) OR OK(missing)");
	int v = -1;
	iamw_error err;
	/* reported although OR would short-circuit */
	ck_assert_int_eq(iamw__rule_eval(r, world_lookup, &w, &v, &err), IAMW_ENOTFOUND);
	ck_assert_int_eq(err.code, IAMW_ENOTFOUND);
	ck_assert_uint_eq(err.offset, 15);
	ck_assert_uint_eq(err.length, 7);
	ck_assert_str_eq(err.text, "unknown child alarm 'missing'");
	ck_assert_int_eq(v, -1);
	/* each child is looked up once */
	world_set(&w, "missing", IAMW_STATE_OK, 0);
	w.calls = 0;
	iamw__rule_free(r);
	r = compile_ok("ALARM(a) OR OK(missing) OR ALARM(a) OR OK(a)");
	ck_assert_int_eq(iamw__rule_eval(r, world_lookup, &w, &v, &err), IAMW_OK);
	ck_assert_uint_eq(w.calls, 2);
	ck_assert_int_eq(v, 1);
	/* a failing lookup passes its code through */
	w.fail_with = IAMW_ENOMEM;
	ck_assert_int_eq(iamw__rule_eval(r, world_lookup, &w, &v, &err), IAMW_ENOMEM);
	ck_assert_int_eq(iamw__rule_eval(r, world_lookup, &w, &v, NULL), IAMW_ENOMEM);
	ck_assert_int_eq(iamw__rule_eval(r, NULL, &w, &v, &err), IAMW_EINVAL);
	iamw__rule_free(r);
}
END_TEST

/* -------------------------------------------------------------- cycles */

static int cycles(const char *const *names, const char *const *rules, size_t n, char *path,
                  size_t size, iamw_error *err)
{
	iamw__rule_set_entry set[8];
	for (size_t i = 0; i < n; i++) {
		set[i].name = names[i];
		set[i].rule = compile_ok(rules[i]);
	}
	iamw__buf b;
	iamw__buf_init(&b);
	int rc = iamw__rule_check_cycles(set, n, &b, err);
	snprintf(path, size, "%s", b.data ? b.data : "");
	iamw__buf_free(&b);
	for (size_t i = 0; i < n; i++)
		iamw__rule_free((iamw__rule *)set[i].rule);
	return rc;
}

START_TEST(test_cycles)
{
	char path[256];
	iamw_error err;
	{
		const char *names[] = {"A"};
		const char *rules[] = {"ALARM(A) OR ALARM(m)"};
		ck_assert_int_eq(cycles(names, rules, 1, path, sizeof path, &err),
		                 IAMW_EVALIDATION);
		ck_assert_str_eq(path, "A -> A");
		ck_assert_str_eq(err.text, "composite alarm rule cycle: A -> A");
		ck_assert_str_eq(err.source, "rule");
		ck_assert(err.offset == IAMW_NO_OFFSET);
	}
	{
		const char *names[] = {"A", "B"};
		const char *rules[] = {"ALARM(m1) OR ALARM(B)", "OK(A) AND ALARM(m2)"};
		ck_assert_int_eq(cycles(names, rules, 2, path, sizeof path, &err),
		                 IAMW_EVALIDATION);
		ck_assert_str_eq(err.text, "composite alarm rule cycle: A -> B -> A");
	}
	{
		const char *names[] = {"A", "B", "C"};
		const char *rules[] = {"ALARM(B)", "ALARM(C) AND NOT OK(m)",
		                       "ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:A)"};
		ck_assert_int_eq(cycles(names, rules, 3, path, sizeof path, &err),
		                 IAMW_EVALIDATION);
		ck_assert_str_eq(err.text, "composite alarm rule cycle: A -> B -> C -> A");
		ck_assert_str_eq(path, "A -> B -> C -> A");
	}
	{
		/* the cycle does not include the first composite visited */
		const char *names[] = {"X", "A", "B"};
		const char *rules[] = {"ALARM(A)", "ALARM(B)", "ALARM(A)"};
		ck_assert_int_eq(cycles(names, rules, 3, path, sizeof path, &err),
		                 IAMW_EVALIDATION);
		ck_assert_str_eq(err.text, "composite alarm rule cycle: A -> B -> A");
	}
	{
		/* diamond, no cycle */
		const char *names[] = {"Top", "L", "R", "Bottom"};
		const char *rules[] = {"ALARM(L) AND ALARM(R)", "ALARM(Bottom) OR ALARM(m1)",
		                       "ALARM(Bottom)", "ALARM(m1) OR ALARM(m2)"};
		ck_assert_int_eq(cycles(names, rules, 4, path, sizeof path, &err), IAMW_OK);
		ck_assert_str_eq(path, "");
		ck_assert_int_eq(err.code, IAMW_OK);
	}
	{
		/* breaking a cycle with FALSE (the documented workaround) */
		const char *names[] = {"A", "B"};
		const char *rules[] = {"ALARM(B)", "FALSE"};
		ck_assert_int_eq(cycles(names, rules, 2, path, sizeof path, &err), IAMW_OK);
	}
	ck_assert_int_eq(iamw__rule_check_cycles(NULL, 0, NULL, &err), IAMW_OK);
}
END_TEST

/* ------------------------------------------------------------- reasons */

static const iamw__account us_east = {"123456789012", "us-east-1"};

START_TEST(test_reason_texts)
{
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__composite_reason_child(&b, &us_east, "ServerCpuTooHigh", IAMW_STATE_ALARM,
	                             ts("2022-07-22T15:57:45.394Z"));
	ck_assert_str_eq(b.data, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh "
	                         "transitioned to ALARM at Friday 22 July, 2022 15:57:45 UTC");
	iamw__buf_reset(&b);
	/* single-digit days are padded, as in AWS's Lambda-action sample
	 * ("Friday 04 August, 2023") */
	iamw__composite_reason_child(&b, &us_east, "X", IAMW_STATE_ALARM,
	                             ts("2023-08-04T09:05:07.000Z"));
	ck_assert_str_eq(b.data, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:X "
	                         "transitioned to ALARM at Friday 04 August, 2023 09:05:07 UTC");
	iamw__buf_reset(&b);
	iamw__composite_reason_config(&b, &us_east, "SuppressionDemo.EventBridge.Main", 0,
	                              IAMW_STATE_OK);
	ck_assert_str_eq(b.data, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:SuppressionDemo."
	                         "EventBridge.Main was created and its alarm rule evaluates to OK");
	iamw__buf_reset(&b);
	iamw__composite_reason_config(&b, NULL, "X y", 1, IAMW_STATE_ALARM);
	ck_assert_str_eq(b.data, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:X y was updated "
	                         "and its alarm rule evaluates to ALARM");
	/* an ARN is used as it is */
	iamw__buf_reset(&b);
	iamw__composite_reason_child(&b, &us_east,
	                             "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:Z",
	                             IAMW_STATE_INSUFFICIENT_DATA, ts("2021-11-10T02:45:55.640Z"));
	ck_assert_str_eq(b.data,
	                 "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:Z transitioned to "
	                 "INSUFFICIENT_DATA at Wednesday 10 November, 2021 02:45:55 UTC");
	/* reason data */
	iamw__buf_reset(&b);
	iamw__composite_child kids[2] = {
	    {"ServerCpuTooHigh", IAMW_STATE_ALARM, ts("2022-07-22T15:57:45.394Z")},
	    {"Q\"uote", IAMW_STATE_OK, ts("2022-07-14T16:28:54.191Z")},
	};
	iamw__composite_reason_data(&b, &us_east, kids, 2);
	ck_assert_str_eq(b.data,
	                 "{\"triggeringAlarms\":[{\"arn\":\"arn:aws:cloudwatch:us-east-1:"
	                 "123456789012:alarm:ServerCpuTooHigh\",\"state\":{\"value\":\"ALARM\","
	                 "\"timestamp\":\"2022-07-22T15:57:45.394+0000\"}},{\"arn\":\"arn:aws:"
	                 "cloudwatch:us-east-1:123456789012:alarm:Q\\\"uote\",\"state\":{"
	                 "\"value\":\"OK\",\"timestamp\":\"2022-07-14T16:28:54.191+0000\"}}]}");
	iamw__buf_reset(&b);
	iamw__composite_reason_data(&b, &us_east, NULL, 0);
	ck_assert_str_eq(b.data, "{\"triggeringAlarms\":[]}");
	iamw__buf_free(&b);
	ck_assert_int_eq(iamw__composite_state_for(1), IAMW_STATE_ALARM);
	ck_assert_int_eq(iamw__composite_state_for(0), IAMW_STATE_OK);
}
END_TEST

/* The AWS EventBridge sample (CW-UG "Alarm events and EventBridge",
 * "State change for a composite alarm with a suppressor alarm"), replayed. */
START_TEST(test_evaluate_aws_sample)
{
	iamw__rule *r = compile_ok("ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)");
	world w;
	memset(&w, 0, sizeof w);
	world_set(&w, "ServerCpuTooHigh", IAMW_STATE_OK, ts("2022-07-14T16:28:54.191Z"));
	world_set(&w, "TotalNetworkTrafficTooHigh", IAMW_STATE_OK, ts("2022-07-14T16:28:57.770Z"));

	iamw__composite_eval_in in;
	memset(&in, 0, sizeof in);
	in.name = "SuppressionDemo.EventBridge.Main";
	in.rule = r;
	in.account = &us_east;
	in.current = IAMW_STATE_INSUFFICIENT_DATA;
	in.current_since_ms = ts("2022-07-14T13:59:46.425Z");
	in.lookup = world_lookup;
	in.payload = &w;
	in.now_ms = ts("2022-07-22T15:56:14.552Z");
	iamw__state_change c;
	iamw_error err;
	ck_assert_int_eq(iamw__composite_evaluate(&in, &c, &err), 1);
	ck_assert_int_eq(c.old_state, IAMW_STATE_INSUFFICIENT_DATA);
	ck_assert_int_eq(c.new_state, IAMW_STATE_OK);
	ck_assert(c.time_ms == ts("2022-07-22T15:56:14.552Z"));
	ck_assert_str_eq(c.reason,
	                 "arn:aws:cloudwatch:us-east-1:123456789012:alarm:SuppressionDemo."
	                 "EventBridge.Main was created and its alarm rule evaluates to OK");
	ck_assert_str_eq(
	    c.reason_data,
	    "{\"triggeringAlarms\":[{\"arn\":\"arn:aws:cloudwatch:us-east-1:123456789012:"
	    "alarm:TotalNetworkTrafficTooHigh\",\"state\":{\"value\":\"OK\",\"timestamp\":"
	    "\"2022-07-14T16:28:57.770+0000\"}},{\"arn\":\"arn:aws:cloudwatch:us-east-1:"
	    "123456789012:alarm:ServerCpuTooHigh\",\"state\":{\"value\":\"OK\","
	    "\"timestamp\":\"2022-07-14T16:28:54.191+0000\"}}]}");
	ck_assert_ptr_null(c.old_reason);
	ck_assert(c.old_state_time_ms == ts("2022-07-14T13:59:46.425Z"));

	/* ServerCpuTooHigh goes to ALARM */
	world_set(&w, "ServerCpuTooHigh", IAMW_STATE_ALARM, ts("2022-07-22T15:57:45.394Z"));
	iamw__composite_eval_in in2 = in;
	in2.current = c.new_state;
	in2.current_since_ms = c.time_ms;
	in2.current_reason = c.reason;
	in2.current_reason_data = c.reason_data;
	in2.trigger = "ServerCpuTooHigh";
	in2.now_ms = ts("2022-07-22T15:57:46Z");
	iamw__state_change c2;
	ck_assert_int_eq(iamw__composite_evaluate(&in2, &c2, &err), 1);
	ck_assert_int_eq(c2.old_state, IAMW_STATE_OK);
	ck_assert_int_eq(c2.new_state, IAMW_STATE_ALARM);
	ck_assert(c2.time_ms == ts("2022-07-22T15:57:45.394Z"));
	ck_assert_str_eq(c2.reason,
	                 "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh "
	                 "transitioned to ALARM at Friday 22 July, 2022 15:57:45 UTC");
	ck_assert_str_eq(
	    c2.reason_data,
	    "{\"triggeringAlarms\":[{\"arn\":\"arn:aws:cloudwatch:us-east-1:123456789012:"
	    "alarm:ServerCpuTooHigh\",\"state\":{\"value\":\"ALARM\",\"timestamp\":"
	    "\"2022-07-22T15:57:45.394+0000\"}}]}");
	ck_assert_str_eq(c2.old_reason, c.reason);
	ck_assert_str_eq(c2.old_reason_data, c.reason_data);
	ck_assert(c2.old_state_time_ms == ts("2022-07-22T15:56:14.552Z"));

	/* the other child also alarms: the rule stays TRUE, no change */
	world_set(&w, "TotalNetworkTrafficTooHigh", IAMW_STATE_ALARM, ts("2022-07-22T16:00:00Z"));
	iamw__composite_eval_in in3 = in2;
	in3.current = IAMW_STATE_ALARM;
	in3.trigger = "TotalNetworkTrafficTooHigh";
	iamw__state_change c3;
	memset(&c3, 0x5a, sizeof c3);
	ck_assert_int_eq(iamw__composite_evaluate(&in3, &c3, &err), 0);

	/* an unknown child */
	world_set(&w, "ServerCpuTooHigh", IAMW_STATE_OK, 0);
	w.c[0].name = "Renamed";
	ck_assert_int_eq(iamw__composite_evaluate(&in3, &c3, &err), IAMW_ENOTFOUND);
	ck_assert_str_eq(err.text, "unknown child alarm 'ServerCpuTooHigh'");

	iamw__composite_state_change_clear(&c);
	iamw__composite_state_change_clear(&c2);
	iamw__composite_state_change_clear(NULL);
	iamw__rule_free(r);
}
END_TEST

/* A 2023 capture: OR going FALSE lists every child, newest first. */
START_TEST(test_evaluate_ok_lists_all)
{
	iamw__rule *r = compile_ok("ALARM(test1) OR ALARM(test2)");
	world w;
	memset(&w, 0, sizeof w);
	world_set(&w, "test1", IAMW_STATE_OK, ts("2023-06-22T14:25:30.174Z"));
	world_set(&w, "test2", IAMW_STATE_OK, ts("2023-06-22T14:26:01.928Z"));
	iamw__account acct = {"0000000000", "ap-northeast-1"};
	iamw__composite_eval_in in;
	memset(&in, 0, sizeof in);
	in.name = "c";
	in.rule = r;
	in.account = &acct;
	in.current = IAMW_STATE_ALARM;
	in.trigger = "test2";
	in.lookup = world_lookup;
	in.payload = &w;
	iamw__state_change c;
	ck_assert_int_eq(iamw__composite_evaluate(&in, &c, NULL), 1);
	ck_assert_int_eq(c.new_state, IAMW_STATE_OK);
	ck_assert_str_eq(c.reason, "arn:aws:cloudwatch:ap-northeast-1:0000000000:alarm:test2 "
	                           "transitioned to OK at Thursday 22 June, 2023 14:26:01 UTC");
	ck_assert_str_eq(c.reason_data,
	                 "{\"triggeringAlarms\":[{\"arn\":\"arn:aws:cloudwatch:ap-northeast-1:"
	                 "0000000000:alarm:test2\",\"state\":{\"value\":\"OK\",\"timestamp\":"
	                 "\"2023-06-22T14:26:01.928+0000\"}},{\"arn\":\"arn:aws:cloudwatch:"
	                 "ap-northeast-1:0000000000:alarm:test1\",\"state\":{\"value\":\"OK\","
	                 "\"timestamp\":\"2023-06-22T14:25:30.174+0000\"}}]}");
	iamw__composite_state_change_clear(&c);

	/* configuration update that flips the state */
	iamw__rule_free(r);
	r = compile_ok("FALSE AND ALARM(test1)");
	in.rule = r;
	in.trigger = NULL;
	in.now_ms = ts("2023-06-22T15:00:00.001Z");
	ck_assert_int_eq(iamw__composite_evaluate(&in, &c, NULL), 1);
	ck_assert_str_eq(c.reason,
	                 "arn:aws:cloudwatch:ap-northeast-1:0000000000:alarm:c was updated "
	                 "and its alarm rule evaluates to OK");
	/* FALSE AND ALARM(test1): both operands are FALSE, test1 is listed */
	ck_assert_str_eq(c.reason_data,
	                 "{\"triggeringAlarms\":[{\"arn\":\"arn:aws:cloudwatch:ap-northeast-1:"
	                 "0000000000:alarm:test1\",\"state\":{\"value\":\"OK\",\"timestamp\":"
	                 "\"2023-06-22T14:25:30.174+0000\"}}]}");
	ck_assert(c.time_ms == ts("2023-06-22T15:00:00.001Z"));
	iamw__composite_state_change_clear(&c);
	iamw__rule_free(r);
}
END_TEST

START_TEST(test_witnesses)
{
	iamw__rule *r = compile_ok("(ALARM(a) AND NOT OK(b)) OR (ALARM(c) AND ALARM(d)) OR TRUE");
	iamw_alarm_state st[4] = {IAMW_STATE_ALARM, IAMW_STATE_INSUFFICIENT_DATA, IAMW_STATE_ALARM,
	                          IAMW_STATE_OK};
	int64_t t[4] = {10, 30, 20, 40};
	size_t idx[4], n = 99;
	ck_assert_int_eq(iamw__rule_witnesses(r, st, t, 4, idx, &n), IAMW_OK);
	/* TRUE OR: the true operands (a AND NOT b) and TRUE; newest first */
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(idx[0], 1);
	ck_assert_uint_eq(idx[1], 0);
	iamw__rule_free(r);

	r = compile_ok("ALARM(a) AND ALARM(b) AND ALARM(c)");
	iamw_alarm_state st2[3] = {IAMW_STATE_OK, IAMW_STATE_ALARM, IAMW_STATE_OK};
	int64_t t2[3] = {5, 5, 7};
	ck_assert_int_eq(iamw__rule_witnesses(r, st2, t2, 3, idx, &n), IAMW_OK);
	/* FALSE AND: the false operands; ties keep rule order */
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(idx[0], 2);
	ck_assert_uint_eq(idx[1], 0);
	iamw__rule_free(r);
}
END_TEST

/* AT_LEAST(threshold, [NOT] STATE, (children)), D-11: counts, percentages
 * (rounded up), NOT, names and ARNs, nesting in AND/OR, the errors with
 * their offsets, and the triggering children. */
START_TEST(test_at_least)
{
	check_dump("AT_LEAST(2, ALARM, (a, b, c))", "(at-least 2 alarm \"a\" \"b\" \"c\")");
	check_dump("AT_LEAST(60%, NOT OK, (a,\"b c\"))", "(at-least 60% not-ok \"a\" \"b c\")");
	check_dump("ALARM(x) OR AT_LEAST(1, INSUFFICIENT_DATA, (a)) AND TRUE",
	           "(or (alarm \"x\") (and (at-least 1 insufficient-data \"a\") true))");
	world w = {0};
	world_set(&w, "a", IAMW_STATE_ALARM, 1);
	world_set(&w, "b", IAMW_STATE_OK, 2);
	world_set(&w, "c", IAMW_STATE_ALARM, 3);
	world_set(&w, "d", IAMW_STATE_INSUFFICIENT_DATA, 4);
	ck_assert_int_eq(eval_text("AT_LEAST(2, ALARM, (a, b, c))", &w), 1);
	ck_assert_int_eq(eval_text("AT_LEAST(3, ALARM, (a, b, c))", &w), 0);
	ck_assert_int_eq(eval_text("AT_LEAST(1, OK, (a, b))", &w), 1);
	/* 2 of 4 in ALARM: 50% holds, 51% needs ceil(2.04) = 3 */
	ck_assert_int_eq(eval_text("AT_LEAST(50%, ALARM, (a, b, c, d))", &w), 1);
	ck_assert_int_eq(eval_text("AT_LEAST(51%, ALARM, (a, b, c, d))", &w), 0);
	ck_assert_int_eq(eval_text("AT_LEAST(100%, NOT OK, (a, c, d))", &w), 1);
	ck_assert_int_eq(eval_text("AT_LEAST(3, NOT ALARM, (a, b, c, d))", &w), 0);
	ck_assert_int_eq(eval_text("AT_LEAST(1, ALARM, (arn:aws:cloudwatch:us-east-1:123456789012:"
	                           "alarm:c))",
	                           &w),
	                 1);
	ck_assert_int_eq(eval_text("NOT AT_LEAST(2, ALARM, (a, b)) AND ALARM(c)", &w), 1);

	check_error_part("AT_LEAST(0, ALARM, (a))", IAMW_ESYNTAX, 9, "count is from 1");
	check_error_part("AT_LEAST(3, ALARM, (a, b))", IAMW_ESYNTAX, 9, "count is from 1");
	check_error_part("AT_LEAST(0%, ALARM, (a))", IAMW_ESYNTAX, 9, "from 1% to 100%");
	check_error_part("AT_LEAST(101%, ALARM, (a))", IAMW_ESYNTAX, 9, "from 1% to 100%");
	check_error_part("AT_LEAST(x, ALARM, (a))", IAMW_ESYNTAX, 9, "needs a count or a percentage");
	check_error_part("AT_LEAST(2 ALARM, (a))", IAMW_ESYNTAX, 11, "expected ',' after the AT_LEAST threshold");
	check_error_part("AT_LEAST(2, TRUE, (a, b))", IAMW_ESYNTAX, 12, "ALARM, OK or INSUFFICIENT_DATA");
	check_error_part("AT_LEAST(1, ALARM, a)", IAMW_ESYNTAX, 19, "'(' opening");
	check_error_part("AT_LEAST(1, ALARM, (a b))", IAMW_ESYNTAX, 22, "',' or ')'");
	check_error_part("AT_LEAST(1, ALARM, (a, ))", IAMW_ESYNTAX, 23, "an alarm name");
	check_error_part("AT_LEAST(1, ALARM, (a)", IAMW_ESYNTAX, 22, "')' closing AT_LEAST");
	check_error_part("at_least(1, ALARM, (a))", IAMW_ESYNTAX, 0, "unknown keyword 'at_least'");
	/* commas now separate: a name holding one must be quoted */
	check_error_part("ALARM(a,b)", IAMW_ESYNTAX, 7, "quote names that contain commas");
	check_dump("ALARM(\"a,b\")", "(alarm \"a,b\")");

	/* triggering children: those that satisfy a holding AT_LEAST */
	iamw__rule *r = compile_ok("AT_LEAST(2, ALARM, (a, b, c))");
	iamw_alarm_state st[3] = {IAMW_STATE_ALARM, IAMW_STATE_OK, IAMW_STATE_ALARM};
	int64_t t[3] = {10, 30, 20};
	size_t idx[3], n = 99;
	ck_assert_int_eq(iamw__rule_witnesses(r, st, t, 3, idx, &n), IAMW_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(idx[0], 2);
	ck_assert_uint_eq(idx[1], 0);
	/* and those that do not, when it fails */
	st[0] = IAMW_STATE_OK;
	ck_assert_int_eq(iamw__rule_witnesses(r, st, t, 3, idx, &n), IAMW_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(idx[0], 1);
	ck_assert_uint_eq(idx[1], 0);
	iamw__rule_free(r);
}
END_TEST

/* --------------------------------------------------------- suppression */

static iamw__composite_alarm_def supp_def(int64_t wait, int64_t ext)
{
	iamw__composite_alarm_def d;
	memset(&d, 0, sizeof d);
	d.actions_suppressor = (char *)"Maintenance";
	d.actions_suppressor_wait_period_s = wait;
	d.actions_suppressor_extension_period_s = ext;
	return d;
}

START_TEST(test_suppress_by_alarm)
{
	iamw__composite_alarm_def d = supp_def(120, 180);
	iamw__suppression s;
	iamw__suppression_result r;
	iamw__suppression_init(&s, &d, IAMW_STATE_ALARM);
	ck_assert_int_eq(s.by, IAMW__SUPPRESSED_ALARM);
	iamw__suppression_on_composite_change(&s, IAMW_STATE_ALARM, 0, &r);
	ck_assert_int_eq(r.run_actions, 0);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_ALARM);
	ck_assert_str_eq(iamw__suppressed_by_name(r.suppressed_by), "Alarm");
	ck_assert_str_eq(iamw__suppressed_reason(r.suppressed_by), "Actions suppressed by Alarm");
	ck_assert_int_eq(iamw__suppression_deadline(&s, NULL), 0);
	/* suppressor leaves ALARM: extension period of 180 s */
	iamw__suppression_on_suppressor_change(&s, IAMW_STATE_OK, 10000, &r);
	ck_assert_int_eq(r.run_actions, 0);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_EXTENSION_PERIOD);
	int64_t dl = 0;
	ck_assert_int_eq(iamw__suppression_deadline(&s, &dl), 1);
	ck_assert(dl == 190000);
	iamw__suppression_tick(&s, 189999, &r);
	ck_assert_int_eq(r.run_actions, 0);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_EXTENSION_PERIOD);
	iamw__suppression_tick(&s, 190000, &r);
	ck_assert_int_eq(r.run_actions, 1);
	ck_assert_int_eq(r.state, IAMW_STATE_ALARM);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_NONE);
	ck_assert_ptr_null(iamw__suppressed_by_name(r.suppressed_by));
	/* nothing pending: a second tick does nothing */
	iamw__suppression_tick(&s, 500000, &r);
	ck_assert_int_eq(r.run_actions, 0);
	/* now unsuppressed: an OK change acts at once */
	iamw__suppression_on_composite_change(&s, IAMW_STATE_OK, 600000, &r);
	ck_assert_int_eq(r.run_actions, 1);
	ck_assert_int_eq(r.state, IAMW_STATE_OK);
}
END_TEST

START_TEST(test_suppress_wait_expiry)
{
	iamw__composite_alarm_def d = supp_def(120, 180);
	iamw__suppression s;
	iamw__suppression_result r;
	iamw__suppression_init(&s, &d, IAMW_STATE_OK);
	iamw__suppression_on_composite_change(&s, IAMW_STATE_ALARM, 1000, &r);
	ck_assert_int_eq(r.run_actions, 0);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_WAIT_PERIOD);
	ck_assert_str_eq(iamw__suppressed_by_name(r.suppressed_by), "WaitPeriod");
	ck_assert_str_eq(iamw__suppressed_reason(r.suppressed_by),
	                 "Actions suppressed by WaitPeriod");
	int64_t dl = 0;
	ck_assert_int_eq(iamw__suppression_deadline(&s, &dl), 1);
	ck_assert(dl == 121000);
	iamw__suppression_tick(&s, 120999, &r);
	ck_assert_int_eq(r.run_actions, 0);
	iamw__suppression_tick(&s, 121000, &r);
	ck_assert_int_eq(r.run_actions, 1);
	ck_assert_int_eq(r.state, IAMW_STATE_ALARM);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_NONE);
	/* OK does not start a wait */
	iamw__suppression_on_composite_change(&s, IAMW_STATE_OK, 200000, &r);
	ck_assert_int_eq(r.run_actions, 1);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_NONE);
}
END_TEST

START_TEST(test_suppress_wait_then_alarm_then_extension)
{
	iamw__composite_alarm_def d = supp_def(120, 180);
	iamw__suppression s;
	iamw__suppression_result r;
	iamw__suppression_init(&s, &d, IAMW_STATE_OK);
	iamw__suppression_on_composite_change(&s, IAMW_STATE_ALARM, 0, &r);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_WAIT_PERIOD);
	/* suppressor enters ALARM during the wait: cancels it, suppresses */
	iamw__suppression_on_suppressor_change(&s, IAMW_STATE_ALARM, 60000, &r);
	ck_assert_int_eq(r.run_actions, 0);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_ALARM);
	ck_assert_int_eq(iamw__suppression_deadline(&s, NULL), 0);
	iamw__suppression_tick(&s, 120000, &r);
	ck_assert_int_eq(r.run_actions, 0);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_ALARM);
	/* suppressor back to OK: extension until 480 s */
	iamw__suppression_on_suppressor_change(&s, IAMW_STATE_OK, 300000, &r);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_EXTENSION_PERIOD);
	/* the composite recovers during the extension: held, period not restarted */
	iamw__suppression_on_composite_change(&s, IAMW_STATE_OK, 400000, &r);
	ck_assert_int_eq(r.run_actions, 0);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_EXTENSION_PERIOD);
	int64_t dl = 0;
	ck_assert_int_eq(iamw__suppression_deadline(&s, &dl), 1);
	ck_assert(dl == 480000);
	/* at the end it acts on its current state */
	iamw__suppression_tick(&s, 480000, &r);
	ck_assert_int_eq(r.run_actions, 1);
	ck_assert_int_eq(r.state, IAMW_STATE_OK);
}
END_TEST

START_TEST(test_suppress_wait_restart)
{
	iamw__composite_alarm_def d = supp_def(120, 180);
	iamw__suppression s;
	iamw__suppression_result r;
	iamw__suppression_init(&s, &d, IAMW_STATE_OK);
	iamw__suppression_on_composite_change(&s, IAMW_STATE_ALARM, 0, &r);
	iamw__suppression_on_composite_change(&s, IAMW_STATE_OK, 100000, &r);
	ck_assert_int_eq(r.run_actions, 0);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_WAIT_PERIOD);
	int64_t dl = 0;
	ck_assert_int_eq(iamw__suppression_deadline(&s, &dl), 1);
	ck_assert(dl == 220000);
	iamw__suppression_tick(&s, 120000, &r);
	ck_assert_int_eq(r.run_actions, 0);
	iamw__suppression_tick(&s, 220000, &r);
	ck_assert_int_eq(r.run_actions, 1);
	ck_assert_int_eq(r.state, IAMW_STATE_OK);

	/* a late event closes an expired period first */
	iamw__suppression_on_composite_change(&s, IAMW_STATE_ALARM, 300000, &r);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_WAIT_PERIOD);
	iamw__suppression_on_composite_change(&s, IAMW_STATE_OK, 500000, &r);
	ck_assert_int_eq(r.run_expired, 1);
	ck_assert_int_eq(r.expired_state, IAMW_STATE_ALARM);
	ck_assert_int_eq(r.run_actions, 1);
	ck_assert_int_eq(r.state, IAMW_STATE_OK);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_NONE);
}
END_TEST

START_TEST(test_suppress_edge_cases)
{
	iamw__suppression s;
	iamw__suppression_result r;
	/* no suppressor: always act */
	iamw__suppression_init(&s, NULL, IAMW_STATE_ALARM);
	iamw__suppression_on_composite_change(&s, IAMW_STATE_ALARM, 0, &r);
	ck_assert_int_eq(r.run_actions, 1);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_NONE);
	iamw__suppression_on_suppressor_change(&s, IAMW_STATE_ALARM, 1, &r);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_NONE);
	/* zero periods: no wait; leaving ALARM releases held actions at once */
	iamw__composite_alarm_def d = supp_def(0, 0);
	iamw__suppression_init(&s, &d, IAMW_STATE_OK);
	iamw__suppression_on_composite_change(&s, IAMW_STATE_ALARM, 0, &r);
	ck_assert_int_eq(r.run_actions, 1);
	iamw__suppression_on_suppressor_change(&s, IAMW_STATE_ALARM, 10, &r);
	iamw__suppression_on_composite_change(&s, IAMW_STATE_OK, 20, &r);
	ck_assert_int_eq(r.run_actions, 0);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_ALARM);
	iamw__suppression_on_suppressor_change(&s, IAMW_STATE_INSUFFICIENT_DATA, 30, &r);
	ck_assert_int_eq(r.run_actions, 1);
	ck_assert_int_eq(r.state, IAMW_STATE_OK);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_NONE);
	/* suppressor ALARM -> ALARM is not a change */
	iamw__suppression_on_suppressor_change(&s, IAMW_STATE_ALARM, 40, &r);
	iamw__suppression_on_suppressor_change(&s, IAMW_STATE_ALARM, 50, &r);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_ALARM);
	/* suppressor entering ALARM during an extension */
	d = supp_def(60, 60);
	iamw__suppression_init(&s, &d, IAMW_STATE_ALARM);
	iamw__suppression_on_suppressor_change(&s, IAMW_STATE_OK, 0, &r);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_EXTENSION_PERIOD);
	iamw__suppression_on_suppressor_change(&s, IAMW_STATE_ALARM, 30000, &r);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_ALARM);
	iamw__suppression_tick(&s, 60000, &r);
	ck_assert_int_eq(r.suppressed_by, IAMW__SUPPRESSED_ALARM);
	ck_assert_str_eq(iamw__suppressed_by_name(IAMW__SUPPRESSED_EXTENSION_PERIOD),
	                 "ExtensionPeriod");
	ck_assert_str_eq(iamw__suppressed_reason(IAMW__SUPPRESSED_EXTENSION_PERIOD),
	                 "Actions suppressed by ExtensionPeriod");
	ck_assert_ptr_null(iamw__suppressed_reason(IAMW__SUPPRESSED_NONE));
}
END_TEST

/* ----------------------------------------------------- PutCompositeAlarm */

static int def_from(const char *json, iamw__composite_alarm_def *d, iamw_error *err)
{
	cJSON *o = cJSON_Parse(json);
	ck_assert_ptr_nonnull(o);
	int rc = iamw__composite_alarm_def_from_json(o, d, err);
	cJSON_Delete(o);
	return rc;
}

static void def_error(const char *json, int code, const char *msg)
{
	iamw__composite_alarm_def d;
	iamw_error err;
	int rc = def_from(json, &d, &err);
	ck_assert_msg(rc == code, "%s: expected %s got %s (%s)", json, iamw_status_name(code),
	              iamw_status_name(rc), err.text);
	ck_assert_ptr_null(d.name);
	ck_assert_ptr_null(d.alarm_rule);
	if (msg)
		ck_assert_str_eq(err.text, msg);
}

START_TEST(test_def_from_json)
{
	iamw__composite_alarm_def d;
	iamw_error err;
	ck_assert_int_eq(
	    def_from(
	        "{\"AlarmName\":\"ServiceAggregatedAlarm\",\"AlarmDescription\":\"Aggregated\","
	        "\"AlarmRule\":\"ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)\","
	        "\"ActionsEnabled\":false,\"AlarmActions\":[\"arn:aws:sns:us-east-1:"
	        "123456789012:t\"],\"OKActions\":[],\"ActionsSuppressor\":"
	        "\"ServiceMaintenanceAlarm\",\"ActionsSuppressorWaitPeriod\":120,"
	        "\"ActionsSuppressorExtensionPeriod\":180,\"Tags\":[]}",
	        &d, &err),
	    IAMW_OK);
	ck_assert_str_eq(d.name, "ServiceAggregatedAlarm");
	ck_assert_str_eq(d.description, "Aggregated");
	ck_assert_str_eq(d.alarm_rule,
	                 "ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)");
	ck_assert_int_eq(d.actions_enabled, 0);
	ck_assert_uint_eq(d.alarm_actions.n, 1);
	ck_assert_str_eq(d.alarm_actions.items[0], "arn:aws:sns:us-east-1:123456789012:t");
	ck_assert_uint_eq(d.ok_actions.n, 0);
	ck_assert_uint_eq(d.insufficient_data_actions.n, 0);
	ck_assert_str_eq(d.actions_suppressor, "ServiceMaintenanceAlarm");
	ck_assert(d.actions_suppressor_wait_period_s == 120);
	ck_assert(d.actions_suppressor_extension_period_s == 180);
	iamw__composite_alarm_def_free(&d);
	ck_assert_ptr_null(d.name);
	iamw__composite_alarm_def_free(NULL);

	/* defaults */
	ck_assert_int_eq(def_from("{\"AlarmName\":\"a\",\"AlarmRule\":\"TRUE\","
	                          "\"ActionsSuppressor\":\"s\"}",
	                          &d, &err),
	                 IAMW_OK);
	ck_assert_int_eq(d.actions_enabled, 1);
	ck_assert_ptr_null(d.description);
	ck_assert(d.actions_suppressor_wait_period_s == 60);
	ck_assert(d.actions_suppressor_extension_period_s == 60);
	iamw__composite_alarm_def_free(&d);
	ck_assert_int_eq(def_from("{\"AlarmName\":\"a\",\"AlarmRule\":\"TRUE\"}", &d, &err),
	                 IAMW_OK);
	ck_assert_ptr_null(d.actions_suppressor);
	ck_assert(d.actions_suppressor_wait_period_s == 0);
	iamw__composite_alarm_def_free(&d);

	def_error("[]", IAMW_EJSON, "PutCompositeAlarm input must be a JSON object");
	def_error("{\"AlarmRule\":\"TRUE\"}", IAMW_EVALIDATION, "AlarmName is required");
	def_error("{\"AlarmName\":\"a\"}", IAMW_EVALIDATION, "AlarmRule is required");
	def_error("{\"AlarmName\":5,\"AlarmRule\":\"TRUE\"}", IAMW_EJSON,
	          "AlarmName must be a string");
	def_error("{\"AlarmName\":\"\",\"AlarmRule\":\"TRUE\"}", IAMW_EVALIDATION,
	          "AlarmName must be 1 to 255 characters long");
	def_error("{\"AlarmName\":\"a\",\"AlarmRule\":\"TRUE\",\"ActionsEnabled\":\"yes\"}",
	          IAMW_EJSON, "ActionsEnabled must be a boolean");
	def_error("{\"AlarmName\":\"a\",\"AlarmRule\":\"TRUE\",\"ActionsSuppressorWaitPeriod\":60}",
	          IAMW_EVALIDATION, "ActionsSuppressorWaitPeriod requires ActionsSuppressor");
	def_error("{\"AlarmName\":\"a\",\"AlarmRule\":\"TRUE\","
	          "\"ActionsSuppressorExtensionPeriod\":60}",
	          IAMW_EVALIDATION, "ActionsSuppressorExtensionPeriod requires ActionsSuppressor");
	def_error("{\"AlarmName\":\"a\",\"AlarmRule\":\"TRUE\",\"ActionsSuppressor\":\"s\","
	          "\"ActionsSuppressorWaitPeriod\":-1}",
	          IAMW_EVALIDATION,
	          "ActionsSuppressorWaitPeriod must be an integer from 0 to 2147483647");
	def_error("{\"AlarmName\":\"a\",\"AlarmRule\":\"TRUE\",\"ActionsSuppressor\":\"s\","
	          "\"ActionsSuppressorWaitPeriod\":1.5}",
	          IAMW_EVALIDATION, NULL);
	def_error("{\"AlarmName\":\"a\",\"AlarmRule\":\"TRUE\",\"OKActions\":[\"1\",\"2\",\"3\","
	          "\"4\",\"5\",\"6\"]}",
	          IAMW_EVALIDATION, "OKActions can have at most 5 actions");
	def_error("{\"AlarmName\":\"a\",\"AlarmRule\":\"TRUE\",\"AlarmActions\":[1]}", IAMW_EJSON,
	          "AlarmActions must be an array of strings");
	def_error("{\"AlarmName\":\"a\",\"AlarmRule\":\"TRUE\",\"AlarmActions\":"
	          "[\"arn:aws:automate:us-east-1:ec2:stop\"]}",
	          IAMW_EVALIDATION,
	          "AlarmActions: composite alarms cannot have EC2 or Auto Scaling actions");
	def_error("{\"AlarmName\":\"a\",\"AlarmRule\":\"ALARM(b) AND OK(a)\"}", IAMW_EVALIDATION,
	          "composite alarm rule cycle: a -> a");

	/* rule errors come from the rule compiler */
	ck_assert_int_eq(
	    def_from("{\"AlarmName\":\"a\",\"AlarmRule\":\"ALARM(x) XOR OK(y)\"}", &d, &err),
	    IAMW_ESYNTAX);
	ck_assert_str_eq(err.source, "rule");
	ck_assert_uint_eq(err.offset, 9);
	ck_assert_ptr_null(d.name);
	ck_assert_int_eq(def_from("{\"AlarmName\":\"a\",\"AlarmRule\":\"\"}", &d, &err),
	                 IAMW_ESYNTAX);
	ck_assert_str_eq(err.text, "empty alarm rule");

	/* 256 characters */
	char json[700];
	int n = sprintf(json, "{\"AlarmRule\":\"TRUE\",\"AlarmName\":\"");
	memset(json + n, 'x', 256);
	strcpy(json + n + 256, "\"}");
	def_error(json, IAMW_EVALIDATION, "AlarmName must be 1 to 255 characters long");
	json[n + 255] = '"';
	strcpy(json + n + 256, "}");
	ck_assert_int_eq(def_from(json, &d, &err), IAMW_OK);
	iamw__composite_alarm_def_free(&d);
}
END_TEST

static Suite *composite_suite(void)
{
	Suite *s = suite_create("composite");
	TCase *tc = tcase_create("rule");
	tcase_add_test(tc, test_tokens);
	tcase_add_test(tc, test_dump_aws_examples);
	tcase_add_test(tc, test_dump_forms);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_refs);
	tcase_add_test(tc, test_syntax_errors);
	tcase_add_test(tc, test_paren_errors);
	tcase_add_test(tc, test_lexical_errors);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_eval_truth_tables);
	tcase_add_test(tc, test_eval_unknown_child);
	tcase_add_test(tc, test_cycles);
	suite_add_tcase(s, tc);
	tc = tcase_create("state");
	tcase_add_test(tc, test_reason_texts);
	tcase_add_test(tc, test_evaluate_aws_sample);
	tcase_add_test(tc, test_evaluate_ok_lists_all);
	tcase_add_test(tc, test_witnesses);
	tcase_add_test(tc, test_at_least);
	tcase_add_test(tc, test_suppress_by_alarm);
	tcase_add_test(tc, test_suppress_wait_expiry);
	tcase_add_test(tc, test_suppress_wait_then_alarm_then_extension);
	tcase_add_test(tc, test_suppress_wait_restart);
	tcase_add_test(tc, test_suppress_edge_cases);
	tcase_add_test(tc, test_def_from_json);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(composite_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
