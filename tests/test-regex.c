/* SPDX-License-Identifier: MIT */
/*
 * test-regex.c - unit tests for the %...% regex dialect (libiamwatch/regex.c):
 * the spec's conformance rows, error codes and offsets, the automaton size
 * cap, inputs that would make a backtracking engine blow up, the prefilter
 * literals, and a randomised comparison against a tiny backtracking
 * reference matcher.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/private.h"
#include "iamw-test.h"
#include "lang/regex.h"

/* Compile the body re (no '%' delimiters), or fail the test. */
static iamw__regex *compile_ok(const char *re)
{
	iamw__regex *rx = NULL;
	iamw_error err;
	int rc = iamw__regex_compile(&rx, re, strlen(re), 0, &err);
	ck_assert_msg(rc == IAMW_OK, "compiling \"%s\" failed: %d at %zu: %s", re, rc, err.offset,
	              err.text);
	ck_assert_ptr_nonnull(rx);
	ck_assert_int_eq(err.code, IAMW_OK);
	return rx;
}

static int search_n(const char *re, const char *subject, size_t len)
{
	iamw__regex *rx = compile_ok(re);
	int r = iamw__regex_search(rx, subject, len);
	iamw__regex_free(rx);
	return r;
}

static int search(const char *re, const char *subject)
{
	return search_n(re, subject, strlen(subject));
}

#define MATCH(re, s)    ck_assert_msg(search(re, s) == 1, "%%%s%% should match \"%s\"", re, s)
#define NO_MATCH(re, s) ck_assert_msg(search(re, s) == 0, "%%%s%% should not match \"%s\"", re, s)

/* Expect compiling re with base_offset base to fail with code at offset. */
static void check_error(const char *re, size_t base, int code, size_t offset)
{
	iamw__regex *rx = (iamw__regex *)&rx; /* must be reset to NULL */
	iamw_error err;
	int rc = iamw__regex_compile(&rx, re, strlen(re), base, &err);
	ck_assert_msg(rc == code, "\"%s\": expected %d, got %d (%s)", re, code, rc, err.text);
	ck_assert_ptr_null(rx);
	ck_assert_int_eq(err.code, code);
	ck_assert_msg(err.offset == offset, "\"%s\": expected offset %zu, got %zu (%s)", re, offset,
	              err.offset, err.text);
	ck_assert_str_eq(err.source, "pattern");
	ck_assert(err.text[0] != '\0');
}

#define BAD(re, off) check_error(re, 0, IAMW_EREGEX, off)

/* ---------------------------------------------------------------- spec table */

START_TEST(spec_rows)
{
	/* filter-patterns.md §5.2, rows 34-53 */
	MATCH("AUTHORIZED", "[ERROR 401] UNAUTHORIZED REQUEST");
	MATCH("AUTHORIZED", "[SUCCESS 200] AUTHORIZED REQUEST");
	MATCH("^[hc]at", "hat trick");
	NO_MATCH("^[hc]at", "the hat");
	MATCH("[hc]at$", "the cat");
	MATCH("colou?r", "colour");
	MATCH("ab*c", "ac");
	NO_MATCH("ab+c", "ac");
	MATCH(".at", " at");
	MATCH("\\[.\\]", "[]]");
	MATCH("10.10.0.1", "10010,051");
	NO_MATCH("10\\.10\\.0\\.1", "10010,051");
	NO_MATCH("^starting|^initializing|^shutting down", "skipping initializing ...");
	MATCH("^starting|^initializing|^shutting down", "shutting down");
	MATCH("gra|ey", "grey");
	MATCH("\\x3A", "a:b");
	MATCH("[Ee]rror|[Ff]ail", "error");
	NO_MATCH("ERROR", "error");
	BAD("something!", 9);
	BAD("(ab)+", 0);
}
END_TEST

START_TEST(spec_more)
{
	/* R-2 */
	MATCH("/service/resource/[0-9]+$", "/service/resource/67");
	NO_MATCH("/service/resource/[0-9]+$", "/service/resource/67/part/111");
	/* R-4: '|' splits the whole regex */
	MATCH("gra|ey", "gray");
	MATCH("gra|ey", "gravel");
	MATCH("gra|ey", "key");
	NO_MATCH("gra|ey", "gry");
	/* R-5 and the docs' other examples */
	MATCH("10.10.0.1", "10.10.0.1");
	MATCH("10\\.10\\.0\\.1", "ip 10.10.0.1 ok");
	MATCH("val.{2}", "val12");
	NO_MATCH("val.{2}", "val1");
	MATCH("111\\.111\\.111\\.1[0-9]{1,2}", "from 111.111.111.15 port");
	MATCH("111\\.111\\.111\\.1[0-9]{1,2}", "111.111.111.199");
	NO_MATCH("111\\.111\\.111\\.1[0-9]{1,2}", "111.111.111.1");
	NO_MATCH("111\\.111\\.111\\.1[0-9]{1,2}", "111x111.111.15");
	MATCH("127\\.0\\.0\\.[1-9]", "127.0.0.1");
	MATCH("Task timed out after|^REPORT\\s.+\\sStatus: timeout",
	      "REPORT RequestId: 1 Duration: 3000 ms Status: timeout");
	MATCH("Task timed out after|^REPORT\\s.+\\sStatus: timeout", "x Task timed out after 3s");
	NO_MATCH("Task timed out after|^REPORT\\s.+\\sStatus: timeout",
	         " REPORT RequestId: 1 Status: timeout");
	MATCH("abcc|ab[^c]$", "xabd");
	NO_MATCH("abcc|ab[^c]$", "xabdd");
	MATCH("[hc]at", "cat");
	NO_MATCH("[hc]at", "bat");
	MATCH("colou?r", "color");
	NO_MATCH("colou?r", "colouur");
	MATCH("ab*c", "abbbc");
	MATCH("ab+c", "abc");
}
END_TEST

/* ---------------------------------------------------------------- syntax */

START_TEST(escapes_and_classes)
{
	MATCH("\\d\\d", "a12");
	NO_MATCH("\\d\\d", "a1b2");
	MATCH("\\D", "1a");
	NO_MATCH("\\D", "123");
	MATCH("\\w", "--x--");
	MATCH("\\w", "_");
	NO_MATCH("\\w", "-.:/ ");
	MATCH("\\W", "abc-");
	NO_MATCH("\\W", "ab_9Z");
	MATCH("a\\sb", "a b");
	MATCH("a\\sb", "a\tb");
	MATCH("a\\sb", "a\nb");
	NO_MATCH("a\\sb", "a\rb"); /* \s is what AWS lists: tab, space, newline */
	MATCH("a\\Sb", "a-b");
	NO_MATCH("a\\Sb", "a b");
	MATCH("\\S", "\xc3\xa9");
	MATCH("\\x28\\x29", "f()");
	MATCH("\\x7e", "~");
	MATCH("\\x7E", "~");
	MATCH("\\xC3\\xA9", "caf\xc3\xa9");
	ck_assert_int_eq(search_n("a\\x00b", "a\0b", 3), 1);
	ck_assert_int_eq(search_n("a.b", "a\0b", 3), 1);
	MATCH("a.b", "a\nb"); /* '.' is any byte, newline included */
	MATCH("a.b", "a\377b");
	MATCH("a..b", "a\303\251b"); /* bytes, not characters */
	NO_MATCH("a.b", "a\303\251b");
	MATCH("\\.\\*\\+\\?\\[\\]\\{\\}\\|\\\\\\^\\$", ".*+?[]{}|\\^$");
	MATCH("\\-\\/\\:\\_\\#\\=\\@\\;\\,\\ ", "-/:_#=@;, ");
	MATCH("a:b_c#d=e@f/g;h,i-j k\tl", "a:b_c#d=e@f/g;h,i-j k\tl");
	MATCH("[a-c]x", "bx");
	NO_MATCH("[a-c]x", "dx");
	MATCH("[^a-c]x", "dx");
	NO_MATCH("[^a-c]x", "ax");
	MATCH("[^a]", "\xc3");
	MATCH("[-a]", "-");
	MATCH("[a-]", "-");
	MATCH("[^-]", "a");
	NO_MATCH("[^-]", "---");
	MATCH("[\\]]", "]");
	MATCH("[\\[]", "[");
	MATCH("[\\-z]", "-");
	NO_MATCH("[\\-z]", "y");
	MATCH("[\\x41-\\x43]+", "xxBxx");
	NO_MATCH("[\\x41-\\x43]", "D");
	MATCH("[\\d_]", "_");
	MATCH("[\\s]", " ");
	MATCH("[\\W]", "!");
	MATCH("[$.*+?{}|^]", "^");
	MATCH("[x^]", "^");
	MATCH("[.]", ".");
	NO_MATCH("[.]", "a");
	MATCH("[+--]", ",");
	MATCH("[a-cx-z]", "y");
	NO_MATCH("[a-cx-z]", "m");
}
END_TEST

START_TEST(quantifiers)
{
	MATCH("^a{3}$", "aaa");
	NO_MATCH("^a{3}$", "aa");
	NO_MATCH("^a{3}$", "aaaa");
	MATCH("^a{2,}$", "aa");
	MATCH("^a{2,}$", "aaaaaaa");
	NO_MATCH("^a{2,}$", "a");
	MATCH("^a{,2}$", "");
	MATCH("^a{,2}$", "aa");
	NO_MATCH("^a{,2}$", "aaa");
	MATCH("^a{1,3}$", "aaa");
	NO_MATCH("^a{1,3}$", "aaaa");
	NO_MATCH("^a{1,3}$", "");
	MATCH("^a{,}$", "");
	MATCH("^a{,}$", "aaaa");
	MATCH("^xa{0}y$", "xy");
	NO_MATCH("^xa{0}y$", "xay");
	MATCH("^xa{0,0}y$", "xy");
	MATCH("^a*$", "");
	MATCH("^a+$", "a");
	NO_MATCH("^a+$", "");
	MATCH("^a?$", "");
	MATCH("^[ab]{2}c?$", "bac");
	MATCH("x\\d{3}", "x123");
	NO_MATCH("x\\d{3}", "x12a");
	MATCH("^a{007}$", "aaaaaaa");
}
END_TEST

START_TEST(anchors)
{
	MATCH("^abc", "abc");
	NO_MATCH("^abc", "xabc");
	MATCH("abc$", "xabc");
	NO_MATCH("abc$", "abcx");
	NO_MATCH("abc$", "abc\n"); /* '$' is the end of the subject only */
	NO_MATCH("^abc", "x\nabc");
	MATCH("^$", "");
	NO_MATCH("^$", "a");
	MATCH("^", "anything");
	MATCH("$", "anything");
	MATCH("^", "");
	MATCH("x?^y", "y");
	NO_MATCH("x?^y", "xy");
	NO_MATCH("a^b", "ab");
	NO_MATCH("a$b", "ab");
	MATCH("a$b?", "xa");
	MATCH("^a$|^b$", "b");
	NO_MATCH("^a$|^b$", "ab");
	MATCH("^$|x", "");
	MATCH("^^a$$", "a");
	MATCH("a*", "");
	MATCH("a*", "bbb");
	MATCH("a{0}", "q");
	ck_assert_int_eq(search_n("^a$", "", 0), 0);
	ck_assert_int_eq(search_n("a", NULL, 0), 0);
}
END_TEST

/* ---------------------------------------------------------------- errors */

START_TEST(invalid_characters)
{
	check_error("ab(c", 5, IAMW_EREGEX, 7);
	BAD("(ab)+", 0);
	BAD("a)", 1);
	BAD("\\(", 1); /* escaping does not help (MoJ PR #5137) */
	BAD("\\)", 1);
	BAD("[(]", 1);
	BAD("[a-)]", 3);
	const char *bad = "!\"'%&<>~`";
	for (const char *c = bad; *c; c++) {
		char re[4] = {'a', *c, 'b', '\0'};
		BAD(re, 1);
	}
	BAD("caf\xc3\xa9", 3);
	BAD("a\x01", 1);
	BAD("a\nb", 1);
	BAD("a\rb", 1);
	BAD("a\x7f", 1);
	char nul[3] = {'a', '\0', 'b'};
	iamw__regex *rx = NULL;
	iamw_error err;
	ck_assert_int_eq(iamw__regex_compile(&rx, nul, 3, 10, &err), IAMW_EREGEX);
	ck_assert_uint_eq(err.offset, 11);
	ck_assert_ptr_null(rx);
	/* the message points to the \xhh escape */
	check_error("something!", 100, IAMW_EREGEX, 109);
	ck_assert_int_eq(iamw__regex_compile(&rx, "x!", 2, 0, &err), IAMW_EREGEX);
	ck_assert_ptr_nonnull(strstr(err.text, "\\x21"));
	ck_assert_uint_eq(err.length, 1);
	ck_assert_int_eq(iamw__regex_compile(&rx, "(", 1, 0, &err), IAMW_EREGEX);
	ck_assert_ptr_nonnull(strstr(err.text, "Invalid character(s) in term"));
	ck_assert_ptr_nonnull(strstr(err.text, "\\x28"));
}
END_TEST

START_TEST(invalid_syntax)
{
	check_error("", 5, IAMW_EREGEX, 5);
	BAD("|a", 0);
	BAD("a|", 1);
	BAD("a||b", 2);
	/* quantifiers */
	BAD("*a", 0);
	BAD("+", 0);
	BAD("a|?b", 2);
	BAD("{2}", 0);
	BAD("a**", 2);
	BAD("a+?", 2);
	BAD("a*+", 2);
	BAD("a{2}{3}", 4);
	BAD("a?{0,30}", 2);
	BAD("^*", 1);
	BAD("x$+", 2);
	BAD("a|^{2}", 3);
	BAD("a{", 1);
	BAD("a{x}", 1);
	BAD("a{}", 1);
	BAD("a{1,2", 1);
	BAD("a{1, 2}", 1);
	BAD("a{ 1}", 1);
	BAD("a{-1}", 1);
	check_error("ab{3,2}", 5, IAMW_EREGEX, 7);
	BAD("a}", 1);
	BAD("a]", 1);
	/* classes */
	check_error("ab[cd", 5, IAMW_EREGEX, 7);
	BAD("[", 0);
	BAD("[^", 0);
	BAD("[a-", 0);
	BAD("[\\]", 0);
	BAD("[]", 0);
	BAD("[]a]", 0);
	BAD("[^]", 0);
	BAD("x[z-a]", 2);
	BAD("[a-\\d]", 3);
	BAD("[\\d-z]", 3);
	BAD("[a-c-e]", 4);
	BAD("[a[b]", 2);
	BAD("[\\q]", 1);
	/* escapes */
	BAD("\\x4", 0);
	BAD("ab\\xZZ", 2);
	BAD("\\x", 0);
	BAD("\\q", 0);
	BAD("a\\t", 1);
	BAD("a\\n", 1);
	BAD("\\b", 0);
	BAD("\\1", 0);
	BAD("ab\\", 2);
	BAD("\\\xc3\xa9", 1);

	/* lengths cover the offending token */
	iamw__regex *rx = NULL;
	iamw_error err;
	ck_assert_int_eq(iamw__regex_compile(&rx, "ab\\q", 4, 0, &err), IAMW_EREGEX);
	ck_assert_uint_eq(err.offset, 2);
	ck_assert_uint_eq(err.length, 2);
	ck_assert_ptr_nonnull(strstr(err.text, "\\q"));
	ck_assert_int_eq(iamw__regex_compile(&rx, "x[ab", 4, 0, &err), IAMW_EREGEX);
	ck_assert_uint_eq(err.offset, 1);
	ck_assert_uint_eq(err.length, 3);
	ck_assert_int_eq(iamw__regex_compile(&rx, "a{3,2}b", 7, 0, &err), IAMW_EREGEX);
	ck_assert_uint_eq(err.length, 5);
	ck_assert_int_eq(iamw__regex_compile(&rx, "^+", 2, 0, &err), IAMW_EREGEX);
	ck_assert_ptr_nonnull(strstr(err.text, "'^'"));
	ck_assert_int_eq(iamw__regex_compile(&rx, "a]", 2, 0, &err), IAMW_EREGEX);
	ck_assert_ptr_nonnull(strstr(err.text, "\\]"));
	ck_assert_int_eq(iamw__regex_compile(&rx, "\xc3", 1, 0, &err), IAMW_EREGEX);
	ck_assert_ptr_nonnull(strstr(err.text, "\\xC3"));
	ck_assert_ptr_null(rx);
}
END_TEST

START_TEST(size_cap)
{
	iamw__regex *rx = NULL;
	/* 4095 copies plus the accepting state is exactly the cap */
	rx = compile_ok("a{4095}");
	iamw__regex_free(rx);
	check_error("a{4096}", 0, IAMW_ELIMIT, 1);
	check_error("xy[a-z]{5000}", 3, IAMW_ELIMIT, 10);
	check_error("a{1000}b{1000}c{1000}d{1000}e{1000}", 0, IAMW_ELIMIT, 29);
	check_error("a{1000}|b{1000}|c{1000}|d{1000}|e{1000}", 0, IAMW_ELIMIT, 33);
	check_error("a{99999999999999999999999999}", 0, IAMW_ELIMIT, 1);
	check_error("a{2,99999999999999999999999999}", 0, IAMW_ELIMIT, 1);
	check_error("a{1000,}b{1000,}c{1000,}d{1000,}e{1000,}", 0, IAMW_ELIMIT, 33);
	/* refused at parse time, before anything is expanded */
	check_error("a{1000}{1000}", 0, IAMW_EREGEX, 7);

	/* A 1024-byte pattern of plain bytes is well under the cap. */
	char big[1025];
	memset(big, 'q', 1024);
	big[1024] = '\0';
	rx = compile_ok(big);
	ck_assert_int_eq(iamw__regex_search(rx, big, 1024), 1);
	ck_assert_int_eq(iamw__regex_search(rx, big, 1023), 0);
	iamw__regex_free(rx);

	/* a large expansion still matches correctly */
	char *s = malloc(5000);
	ck_assert_ptr_nonnull(s);
	memset(s, 'a', 5000);
	rx = compile_ok("ba{4000}c");
	ck_assert_int_eq(iamw__regex_search(rx, s, 5000), 0);
	s[100] = 'b';
	s[4101] = 'c';
	ck_assert_int_eq(iamw__regex_search(rx, s, 5000), 1);
	s[4101] = 'a';
	s[4102] = 'c';
	ck_assert_int_eq(iamw__regex_search(rx, s, 5000), 0);
	iamw__regex_free(rx);
	free(s);
}
END_TEST

/* ---------------------------------------------------------------- linear time */

#define BIG (256 * 1024)

START_TEST(pathological)
{
	char *s = malloc(BIG);
	ck_assert_ptr_nonnull(s);
	memset(s, 'a', BIG);
	iamw__regex *rx;

	rx = compile_ok("a*a*a*a*a*a*a*a*b");
	ck_assert_int_eq(iamw__regex_search(rx, s, BIG), 0);
	s[BIG - 1] = 'b';
	ck_assert_int_eq(iamw__regex_search(rx, s, BIG), 1);
	s[BIG - 1] = 'a';
	iamw__regex_free(rx);

	/* (a?){30}a{30} written out, the classic backtracking killer */
	char re[200] = "^";
	for (int i = 0; i < 30; i++)
		strcat(re, "a?");
	strcat(re, "a{30}$");
	rx = compile_ok(re);
	ck_assert_int_eq(iamw__regex_search(rx, s, 30), 1);
	ck_assert_int_eq(iamw__regex_search(rx, s, 45), 1);
	ck_assert_int_eq(iamw__regex_search(rx, s, 60), 1);
	ck_assert_int_eq(iamw__regex_search(rx, s, 29), 0);
	ck_assert_int_eq(iamw__regex_search(rx, s, 61), 0);
	ck_assert_int_eq(iamw__regex_search(rx, s, BIG), 0);
	iamw__regex_free(rx);
	rx = compile_ok(re + 1); /* unanchored: any 30 a's */
	ck_assert_int_eq(iamw__regex_search(rx, s, BIG), 1);
	iamw__regex_free(rx);

	rx = compile_ok("a{0,1000}a{1000}b");
	ck_assert_int_eq(iamw__regex_search(rx, s, BIG), 0);
	iamw__regex_free(rx);

	rx = compile_ok("\\w*\\w*\\w*\\w*\\w*x$|.*.*.*b|a+a+a+a+c");
	ck_assert_int_eq(iamw__regex_search(rx, s, BIG), 0);
	iamw__regex_free(rx);

	/* Its DFA has ~2^20 states, far over budget: the bit-set simulation runs. */
	rx = compile_ok("[ab]*a[ab]{20}$");
	memset(s, 'b', BIG);
	ck_assert_int_eq(iamw__regex_search(rx, s, BIG), 0);
	s[BIG - 21] = 'a';
	ck_assert_int_eq(iamw__regex_search(rx, s, BIG), 1);
	s[BIG - 21] = 'b';
	s[BIG - 20] = 'a';
	ck_assert_int_eq(iamw__regex_search(rx, s, BIG), 0);
	s[BIG - 20] = 'b';
	iamw__regex_free(rx);

	/* a wide automaton (many words per state set) */
	rx = compile_ok("a[ab]{2000}c|b{1500}d");
	ck_assert_int_eq(iamw__regex_search(rx, s, BIG), 0);
	s[BIG - 1] = 'd';
	ck_assert_int_eq(iamw__regex_search(rx, s, BIG), 1);
	iamw__regex_free(rx);

	free(s);
}
END_TEST

/* ---------------------------------------------------------------- literals */

/* Expect the required literals of re to be exactly the '\n'-separated list
 * want, in order ("" when none). */
static void check_literals(const char *re, const char *want)
{
	iamw__regex *rx = compile_ok(re);
	const char *lit[8];
	size_t len[8];
	size_t n = iamw__regex_required_literals(rx, lit, len, 8);
	char got[256] = "";
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(got, "\n");
		strncat(got, lit[i], len[i]);
	}
	ck_assert_msg(strcmp(got, want) == 0, "%%%s%%: literals \"%s\", expected \"%s\"", re, got,
	              want);
	iamw__regex_free(rx);
}

START_TEST(literals)
{
	check_literals("AUTHORIZED", "AUTHORIZED");
	check_literals("[Ee]rror|[Ff]ail", "rror\nail");
	check_literals("colou?r", "colo");
	check_literals("ab+c", "ab");
	check_literals("ab*c", "a");
	check_literals("xa{3}b", "xaaab");
	check_literals("x{2,}y", "xx");
	check_literals("x{2,5}yz", "xx");
	check_literals("^starting|^initializing|^shutting down",
	               "starting\ninitializing\nshutting down");
	check_literals("gra|ey", "gra\ney");
	check_literals("10.10.0.1", "10");
	check_literals("10\\.10\\.0\\.1", "10.10.0.1");
	check_literals("\\x3A", ":");
	check_literals("\\[.\\]", "[");
	check_literals("[a]b[c]", "abc");
	check_literals("/service/resource/[0-9]+$", "/service/resource/");
	check_literals("^abc$", "abc");
	check_literals("foo|foobar|xfoo", "foo");
	check_literals("abc|abc", "abc");
	check_literals("\\d+", "");
	check_literals("abc|.*", "");
	check_literals("abc|x?", "");
	check_literals("a?", "");
	check_literals("^$", "");
	check_literals("[ab]", "");
	check_literals("a{0}b", "b");

	/* every literal must be returned, or none */
	iamw__regex *rx = compile_ok("a|b|c");
	const char *lit[3];
	size_t len[3];
	ck_assert_uint_eq(iamw__regex_required_literals(rx, lit, len, 2), 0);
	ck_assert_uint_eq(iamw__regex_required_literals(rx, lit, len, 3), 3);
	iamw__regex_free(rx);

	rx = compile_ok("x\\x00y");
	ck_assert_uint_eq(iamw__regex_required_literals(rx, lit, len, 3), 1);
	ck_assert_uint_eq(len[0], 3);
	ck_assert_int_eq(memcmp(lit[0], "x\0y", 3), 0);
	iamw__regex_free(rx);
}
END_TEST

/* ---------------------------------------------------------------- reference */

/* A deliberately naive backtracking matcher over a structured regex, used
 * to cross-check the automaton on small random cases. */
struct ref_piece {
	int kind; /* 0 byte set, 1 '^', 2 '$' */
	unsigned char set[256];
	int min, max; /* max < 0: unbounded */
};

struct ref_regex {
	struct ref_piece p[3][6];
	int n[3];
	int nbranches;
};

static int ref_here(const struct ref_piece *p, int n, const char *s, int pos, int len)
{
	if (n == 0)
		return 1;
	if (p->kind == 1)
		return pos == 0 && ref_here(p + 1, n - 1, s, pos, len);
	if (p->kind == 2)
		return pos == len && ref_here(p + 1, n - 1, s, pos, len);
	int maxc = p->max < 0 ? len - pos : p->max;
	for (int c = 0; c <= maxc; c++) {
		if (c >= p->min && ref_here(p + 1, n - 1, s, pos + c, len))
			return 1;
		if (pos + c >= len || !p->set[(unsigned char)s[pos + c]])
			break;
	}
	return 0;
}

static int ref_search(const struct ref_regex *r, const char *s, int len)
{
	for (int b = 0; b < r->nbranches; b++)
		for (int pos = 0; pos <= len; pos++)
			if (ref_here(r->p[b], r->n[b], s, pos, len))
				return 1;
	return 0;
}

static uint32_t rnd(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return (uint32_t)(*state >> 11);
}

static void random_regex(uint64_t *st, struct ref_regex *r, char *text)
{
	static const char *const atoms[] = {"a",     "b",     "c",   ".",   "[ab]", "[^a]",
	                                    "\\x61", "[b-c]", "\\w", "\\d", "^",    "$"};
	static const struct {
		const char *text;
		int min, max;
	} quants[] = {{"", 1, 1},      {"", 1, 1},     {"", 1, 1},      {"?", 0, 1},
	              {"*", 0, -1},    {"+", 1, -1},   {"{2}", 2, 2},   {"{0,2}", 0, 2},
	              {"{1,}", 1, -1}, {"{,2}", 0, 2}, {"{1,3}", 1, 3}, {"{0}", 0, 0}};
	text[0] = '\0';
	r->nbranches = 1 + (int)(rnd(st) % 3);
	for (int b = 0; b < r->nbranches; b++) {
		if (b)
			strcat(text, "|");
		r->n[b] = 1 + (int)(rnd(st) % 6);
		for (int i = 0; i < r->n[b]; i++) {
			struct ref_piece *p = &r->p[b][i];
			size_t a = rnd(st) % (sizeof atoms / sizeof atoms[0]);
			memset(p->set, 0, sizeof p->set);
			p->kind = 0;
			p->min = p->max = 1;
			strcat(text, atoms[a]);
			switch (a) {
			case 0:
			case 6: p->set['a'] = 1; break;
			case 1: p->set['b'] = 1; break;
			case 2: p->set['c'] = 1; break;
			case 3: memset(p->set, 1, sizeof p->set); break;
			case 4: p->set['a'] = p->set['b'] = 1; break;
			case 5:
				memset(p->set, 1, sizeof p->set);
				p->set['a'] = 0;
				break;
			case 7: p->set['b'] = p->set['c'] = 1; break;
			case 8: p->set['a'] = p->set['b'] = p->set['c'] = p->set['1'] = 1; break;
			case 9: p->set['1'] = 1; break;
			case 10: p->kind = 1; continue;
			default: p->kind = 2; continue;
			}
			size_t q = rnd(st) % (sizeof quants / sizeof quants[0]);
			p->min = quants[q].min;
			p->max = quants[q].max;
			strcat(text, quants[q].text);
		}
	}
}

START_TEST(random_vs_reference)
{
	uint64_t st = UINT64_C(0x243F6A8885A308D3);
	char text[256], subject[16];
	const char alphabet[] = "abc1 ";
	for (int iter = 0; iter < 3000; iter++) {
		struct ref_regex r;
		random_regex(&st, &r, text);
		iamw__regex *rx = compile_ok(text);
		const char *lit[4];
		size_t litlen[4];
		size_t nlit = iamw__regex_required_literals(rx, lit, litlen, 4);
		for (int k = 0; k < 20; k++) {
			int len = (int)(rnd(&st) % 12);
			for (int i = 0; i < len; i++)
				subject[i] = alphabet[rnd(&st) % 5];
			subject[len] = '\0';
			int want = ref_search(&r, subject, len);
			int got = iamw__regex_search(rx, subject, (size_t)len);
			ck_assert_msg(got == want, "%%%s%% on \"%s\": got %d, expected %d", text,
			              subject, got, want);
			if (!got || !nlit)
				continue;
			int found = 0;
			for (size_t l = 0; l < nlit && !found; l++)
				for (int i = 0; i + (int)litlen[l] <= len && !found; i++)
					found = !memcmp(subject + i, lit[l], litlen[l]);
			ck_assert_msg(found, "%%%s%% matched \"%s\" which has none of its literals",
			              text, subject);
		}
		iamw__regex_free(rx);
	}
}
END_TEST

START_TEST(shared_compiled)
{
	/* The same compiled regex gives the same answers when reused: no state
	 * is kept between searches. */
	iamw__regex *rx = compile_ok("ab+c|^x");
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(iamw__regex_search(rx, "zabbc", 5), 1);
		ck_assert_int_eq(iamw__regex_search(rx, "zab", 3), 0);
		ck_assert_int_eq(iamw__regex_search(rx, "xy", 2), 1);
		ck_assert_int_eq(iamw__regex_search(rx, "yx", 2), 0);
	}
	iamw__regex_free(rx);
	iamw__regex_free(NULL);
}
END_TEST

static Suite *regex_suite(void)
{
	Suite *s = suite_create("regex");
	TCase *tc;

	tc = tcase_create("spec");
	tcase_add_test(tc, spec_rows);
	tcase_add_test(tc, spec_more);
	suite_add_tcase(s, tc);

	tc = tcase_create("syntax");
	tcase_add_test(tc, escapes_and_classes);
	tcase_add_test(tc, quantifiers);
	tcase_add_test(tc, anchors);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, invalid_characters);
	tcase_add_test(tc, invalid_syntax);
	tcase_add_test(tc, size_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("linear");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, pathological);
	suite_add_tcase(s, tc);

	tc = tcase_create("literals");
	tcase_add_test(tc, literals);
	suite_add_tcase(s, tc);

	tc = tcase_create("reference");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, random_vs_reference);
	tcase_add_test(tc, shared_compiled);
	suite_add_tcase(s, tc);

	return s;
}

IAMW_TEST_MAIN(regex_suite)
