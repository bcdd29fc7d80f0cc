/* SPDX-License-Identifier: MIT */
/*
 * test-hostile.c - the hostile-input catalogue through the public API
 * (docs/security.md). Every case asserts the result (the exact status, the
 * error offset and source where one applies, and that valid input around a
 * bad one is still processed). Wall time and peak RSS are checked only as
 * generous guards against hangs and blow-ups, never as the property itself.
 *
 * Program-level cases (iamwatch scan / test) are in test_hostile_cli.py.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <check.h>

#include "iamwatch.h"

/* Generous guards (the properties under test are the results). */
#define GUARD_SECONDS (10.0 * guard_scale())
#define GUARD_RSS_KB (256L * 1024) /* 256 MiB growth */

/* ------------------------------------------------------------------ helpers */

/* IAMW_HOSTILE_GUARD_SCALE multiplies the time guards (e.g. 20 under valgrind). */
static double guard_scale(void)
{
	const char *v = getenv("IAMW_HOSTILE_GUARD_SCALE");
	double x = v ? atof(v) : 1.0;
	return x >= 1.0 ? x : 1.0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long maxrss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

#define GUARD_BEGIN()                                                                              \
	double guard_t0_ = now_s();                                                                \
	long guard_rss0_ = maxrss_kb()
#define GUARD_END()                                                                                \
	do {                                                                                       \
		double el_ = now_s() - guard_t0_;                                                  \
		long rss_ = maxrss_kb() - guard_rss0_;                                             \
		ck_assert_msg(el_ < GUARD_SECONDS, "took %.2f s (guard %.0f s)", el_, GUARD_SECONDS); \
		ck_assert_msg(rss_ < GUARD_RSS_KB, "peak RSS grew by %ld KiB", rss_);              \
	} while (0)

/* Compile text[0..len) and expect `code` at `offset`; returns nothing. */
static void expect_error(const char *text, size_t len, int code, size_t offset)
{
	iamw_pattern *p = (iamw_pattern *)1;
	iamw_error err;
	memset(&err, 0x55, sizeof err);
	int rc = iamw_pattern_compile(&p, text, len, 0, &err);
	ck_assert_msg(rc == code, "compile(%.60s...) = %s (%s), expected %s", text,
	              iamw_status_name(rc), rc ? err.text : "", iamw_status_name(code));
	ck_assert_ptr_null(p);
	ck_assert_int_eq(err.code, code);
	ck_assert_msg(err.offset == offset, "offset %zu, expected %zu (%s)", err.offset, offset,
	              err.text);
	ck_assert_str_eq(err.source, "pattern");
	ck_assert_msg(err.text[0] != '\0', "empty message");
}

static iamw_pattern *compile_ok(const char *text, size_t len)
{
	iamw_pattern *p = NULL;
	iamw_error err;
	int rc = iamw_pattern_compile(&p, text, len, 0, &err);
	ck_assert_msg(rc == IAMW_OK, "compile(%.60s...) = %s at %zu: %s", text, iamw_status_name(rc),
	              err.offset, err.text);
	return p;
}

static int match(const char *pattern, const char *event, size_t len)
{
	iamw_pattern *p = compile_ok(pattern, IAMW_NUL_TERMINATED);
	iamw_match *m;
	ck_assert_int_eq(iamw_match_new(&m), IAMW_OK);
	int r = iamw_pattern_match_text(p, event, len, m);
	iamw_match_free(m);
	iamw_pattern_free(p);
	return r;
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* A pattern of the given family padded with one repeated byte to exactly `len`. */
static char *pattern_of_length(int family, size_t len)
{
	char *s = malloc(len + 1);
	const char *pre, *post;
	switch (family) {
	case IAMW_PATTERN_TERMS: pre = ""; post = ""; break;
	case IAMW_PATTERN_JSON: pre = "{ $.a = \""; post = "\" }"; break;
	case IAMW_PATTERN_DELIMITED: pre = "[a = \""; post = "\"]"; break;
	default: pre = "%"; post = "%"; break;
	}
	size_t lp = strlen(pre), lq = strlen(post);
	memcpy(s, pre, lp);
	memset(s + lp, 'a', len - lp - lq);
	memcpy(s + len - lq, post, lq);
	s[len] = '\0';
	return s;
}

/* ------------------------------------------------------------------ patterns */

START_TEST(pattern_length_each_family)
{
	static const int fam[] = {IAMW_PATTERN_TERMS, IAMW_PATTERN_JSON, IAMW_PATTERN_DELIMITED,
	                          IAMW_PATTERN_REGEX};
	GUARD_BEGIN();
	for (size_t i = 0; i < 4; i++) {
		char *ok = pattern_of_length(fam[i], 1024);
		iamw_pattern *p = compile_ok(ok, IAMW_NUL_TERMINATED);
		ck_assert_int_eq(iamw_pattern_kind_of(p), fam[i]);
		iamw_pattern_free(p);
		char *bad = pattern_of_length(fam[i], 1025);
		expect_error(bad, IAMW_NUL_TERMINATED, IAMW_ETOOLONG, 1024);
		/* Explicit length, not NUL-terminated: the same verdict. */
		expect_error(bad, 1025, IAMW_ETOOLONG, 1024);
		free(ok);
		free(bad);
	}
	/* Far over the limit (1 MB): still ETOOLONG at 1024, quickly. */
	char *huge = repeat('a', 1 << 20);
	expect_error(huge, 1 << 20, IAMW_ETOOLONG, 1024);
	free(huge);
	/* Multi-byte characters count as bytes: 512 x "é" inside quotes. */
	char buf[1100];
	size_t n = 0;
	buf[n++] = '"';
	while (n < 1023) {
		buf[n++] = '\xc3';
		buf[n++] = '\xa9';
	}
	buf[n++] = '"'; /* 1024 bytes exactly */
	iamw_pattern_free(compile_ok(buf, n));
	GUARD_END();
}
END_TEST

static char *nested_json_pattern(size_t depth)
{
	char *s = malloc(2 * depth + 16);
	size_t n = 0;
	s[n++] = '{';
	for (size_t i = 0; i < depth; i++)
		s[n++] = '(';
	memcpy(s + n, "$.a=1", 5);
	n += 5;
	for (size_t i = 0; i < depth; i++)
		s[n++] = ')';
	s[n++] = '}';
	s[n] = '\0';
	return s;
}

START_TEST(pattern_nesting)
{
	GUARD_BEGIN();
	/* 64 deep compiles; the 65th '(' is EDEPTH at its offset: '{' is at 0,
	 * the k-th '(' at offset k, so the 65th is at 65. */
	char *s = nested_json_pattern(64);
	iamw_pattern_free(compile_ok(s, IAMW_NUL_TERMINATED));
	free(s);
	s = nested_json_pattern(65);
	expect_error(s, IAMW_NUL_TERMINATED, IAMW_EDEPTH, 65);
	free(s);
	/* 500 deep (1011 bytes, inside the length limit): still EDEPTH at 65. */
	s = nested_json_pattern(500);
	ck_assert_uint_le(strlen(s), 1024);
	expect_error(s, IAMW_NUL_TERMINATED, IAMW_EDEPTH, 65);
	free(s);
	/* 10 000 deep: the length limit is checked first, ETOOLONG at 1024. */
	s = nested_json_pattern(10000);
	expect_error(s, IAMW_NUL_TERMINATED, IAMW_ETOOLONG, 1024);
	/* A prefix of it given with an explicit length of 1024 has no closing
	 * '}': that check comes first (ESYNTAX at the end, 1024). */
	expect_error(s, 1024, IAMW_ESYNTAX, 1024);
	/* '{' + 1022 '(' + '}' (exactly 1024 bytes): EDEPTH at 65, no stack
	 * overflow. */
	s[1023] = '}';
	expect_error(s, 1024, IAMW_EDEPTH, 65);
	free(s);
	/* Delimited patterns group conditions with parentheses inside a slot:
	 * "[" + 999 '(' + "a=1]": the k-th '(' is at offset k, the 65th at 65. */
	char buf[1100];
	size_t n;
	n = 0;
	buf[n++] = '[';
	while (n < 1000)
		buf[n++] = '(';
	memcpy(buf + n, "a=1", 3);
	n += 3;
	buf[n++] = ']';
	buf[n] = '\0';
	expect_error(buf, IAMW_NUL_TERMINATED, IAMW_EDEPTH, 65);
	GUARD_END();
}
END_TEST

START_TEST(pattern_nul_and_invalid_utf8)
{
	GUARD_BEGIN();
	/* A NUL byte in a pattern given with an explicit length: ESYNTAX at the NUL. */
	expect_error("ERROR\0X", 7, IAMW_ESYNTAX, 5);
	expect_error("\0", 1, IAMW_ESYNTAX, 0);
	expect_error("{ $.a = x\0y }", 13, IAMW_ESYNTAX, 9);
	expect_error("{ $.a\0 = 1 }", 12, IAMW_ESYNTAX, 5);
	expect_error("[a, b\0]", 7, IAMW_ESYNTAX, 5);
	/* A NUL after the closing '}' is outside the pattern's object: the
	 * "must end with '}'" error at the end of input. */
	expect_error("{ $.a = 1 }\0", 12, IAMW_ESYNTAX, 11);
	/* An invalid UTF-8 byte outside quotes: ESYNTAX at that byte. */
	expect_error("ERR\xffOR", IAMW_NUL_TERMINATED, IAMW_ESYNTAX, 3);
	/* In a regex: every non-ASCII byte is EREGEX at its offset. */
	expect_error("%ab\xc3(%", IAMW_NUL_TERMINATED, IAMW_EREGEX, 3);
	expect_error("%ab\xff%", IAMW_NUL_TERMINATED, IAMW_EREGEX, 3);
	/* A quoted phrase with invalid UTF-8 compiles and matches those bytes. */
	ck_assert_int_eq(match("\"\xff\xfe\x80\"", "x \xff\xfe\x80 y", IAMW_NUL_TERMINATED), 1);
	ck_assert_int_eq(match("\"\xff\xfe\x80\"", "x \xff\xfe y", IAMW_NUL_TERMINATED), 0);
	/* A JSON value with invalid UTF-8 compares bytes with the (unvalidated)
	 * JSON string: cJSON keeps the bytes as they are. */
	ck_assert_int_eq(match("{ $.a = \"\xff\xfe\" }", "{\"a\":\"\xff\xfe\"}", IAMW_NUL_TERMINATED),
	                 1);
	ck_assert_int_eq(match("{ $.a = \"\xff\xfe\" }", "{\"a\":\"\xff\"}", IAMW_NUL_TERMINATED), 0);
	/* Delimited: bytes too. */
	ck_assert_int_eq(match("[a = \"\xff\xfe\", b]", "\xff\xfe x", IAMW_NUL_TERMINATED), 1);
	GUARD_END();
}
END_TEST

/* FINDING (docs/security.md F-1): inside a quoted string or a regex a NUL
 * byte ends the scan as if it were the end of the input, so the error is
 * "unterminated ..." at the opening quote / '%' instead of the NUL's offset. */
START_TEST(finding_nul_in_quoted_pattern)
{
	expect_error("{ $.a = \"x\0y\" }", 15, IAMW_ESYNTAX, 10);
	expect_error("[a = \"x\0\"]", 10, IAMW_ESYNTAX, 7);
	expect_error("\"ab\0c\"", 6, IAMW_ESYNTAX, 3);
	expect_error("%ab\0c%", 6, IAMW_ESYNTAX, 3);
}
END_TEST

/* FINDING (docs/security.md F-2): a JSON string holding U+0000 ("\u0000",
 * valid JSON) is compared only up to the NUL, so "x\u0000y" equals "x"
 * and `!=` patterns can be evaded. */
START_TEST(finding_json_string_with_nul)
{
	const size_t Z = IAMW_NUL_TERMINATED;
	ck_assert_int_eq(match("{ $.a = \"x\" }", "{\"a\":\"x\\u0000y\"}", Z), 0);
	ck_assert_int_eq(match("{ $.a != \"x\" }", "{\"a\":\"x\\u0000y\"}", Z), 1);
	ck_assert_int_eq(match("{ $.a = \"x*\" }", "{\"a\":\"x\\u0000y\"}", Z), 1);
	ck_assert_int_eq(match("{ $.a = \"*y\" }", "{\"a\":\"x\\u0000y\"}", Z), 1);
}
END_TEST

START_TEST(event_nul_and_invalid_utf8)
{
	GUARD_BEGIN();
	/* Terms match bytes, across and after NUL bytes. */
	ck_assert_int_eq(match("ERROR", "a\0b ERROR", 9), 1);
	ck_assert_int_eq(match("ERROR", "ERR\0OR", 6), 0);
	ck_assert_int_eq(match("\"\xc3\"", "caf\xc3", 4), 1);
	ck_assert_int_eq(match("%ERR.R%", "ERR\0R", 5), 1); /* '.' matches any byte, NUL included */
	ck_assert_int_eq(match("%ERR.R%", "ERR\xffR", 5), 1);
	/* JSON events: a raw NUL (or newline) inside a string is not strict
	 * JSON, but cJSON accepts raw control bytes in strings, so the event
	 * parses and the other members match. Must not crash. */
	static const char nul_json[] = "{\"a\":\"x\0y\",\"b\":1}";
	ck_assert_int_eq(match("{ $.b = 1 }", nul_json, sizeof nul_json - 1), 1);
	ck_assert_int_eq(match("{ $.b = 1 }", "{\"a\":\"x\ny\",\"b\":1}", IAMW_NUL_TERMINATED), 1);
	/* F-5: the string holding the raw NUL compares with its full length,
	 * as a \u0000 one does (it is not "x"); a key holding one is looked up
	 * up to the NUL, as cJSON stores it. Fast path and full path agree. */
	ck_assert_int_eq(match("{ $.a = \"x\" }", nul_json, sizeof nul_json - 1), 0);
	ck_assert_int_eq(match("{ $.a = \"x*\" }", nul_json, sizeof nul_json - 1), 1);
	ck_assert_int_eq(match("{ $.a = \"*y\" }", nul_json, sizeof nul_json - 1), 1);
	ck_assert_int_eq(match("{ $.a != \"x\" }", nul_json, sizeof nul_json - 1), 1);
	static const char nul_key[] = "{\"a\0z\":1}";
	ck_assert_int_eq(match("{ $.a = 1 }", nul_key, sizeof nul_key - 1), 1);
	/* A NUL after the object: trailing bytes, so not one JSON object. */
	ck_assert_int_eq(match("{ $.a = 1 }", "{\"a\":1}\0{\"b\":1}", 15), 0);
	int r;
	/* Invalid UTF-8 inside JSON strings: cJSON does not validate, so the
	 * event parses and matches by bytes. */
	ck_assert_int_eq(match("{ $.b = 1 }", "{\"a\":\"\xff\xc3(\",\"b\":1}", IAMW_NUL_TERMINATED),
	                 1);
	ck_assert_int_eq(match("{ $.a = \"*\xc3(\" }", "{\"a\":\"\xff\xc3(\",\"b\":1}",
	                       IAMW_NUL_TERMINATED),
	                 1);
	/* Invalid UTF-8 in a key. */
	ck_assert_int_eq(match("{ $.b = 1 }", "{\"\xff\":1,\"b\":1}", IAMW_NUL_TERMINATED), 1);
	/* A \u escape of a lone surrogate: cJSON refuses the document, so it
	 * is not JSON and no JSON pattern matches it; terms still do. */
	ck_assert_int_eq(match("{ $.b = 1 }", "{\"a\":\"\\ud800\",\"b\":1}", IAMW_NUL_TERMINATED),
	                 0);
	ck_assert_int_eq(match("ud800", "{\"a\":\"\\ud800\",\"b\":1}", IAMW_NUL_TERMINATED), 1);
	/* U+0000 escaped: see finding_json_string_with_nul. */
	r = match("{ $.a = \"x\" }", "{\"a\":\"x\\u0000y\"}", IAMW_NUL_TERMINATED);
	ck_assert_msg(r == 0 || r == 1, "r = %d", r);
	GUARD_END();
}
END_TEST

/* ------------------------------------------------------------------ events */

/* depth levels of {"a": ... } around 1, or of [ ... ]. */
static char *deep_json(size_t depth, int arrays, size_t *len)
{
	size_t cap = depth * 6 + 64;
	char *s = malloc(cap);
	size_t n = 0;
	n += (size_t)sprintf(s, "{\"eventTime\":\"2023-07-10T11:54:39Z\",\"x\":");
	for (size_t i = 0; i < depth; i++) {
		if (arrays)
			s[n++] = '[';
		else {
			memcpy(s + n, "{\"a\":", 5);
			n += 5;
		}
	}
	s[n++] = '1';
	for (size_t i = 0; i < depth; i++)
		s[n++] = arrays ? ']' : '}';
	s[n++] = '}';
	s[n] = '\0';
	*len = n;
	return s;
}

START_TEST(deep_json_event)
{
	GUARD_BEGIN();
	for (int arrays = 0; arrays <= 1; arrays++) {
		size_t len;
		char *ev = deep_json(100000, arrays, &len);
		/* JSON pattern: not parseable by cJSON (nesting limit 1000) -> no match. */
		ck_assert_int_eq(match("{ $.eventTime = * }", ev, len), 0);
		ck_assert_int_eq(match("{ $.x[0] NOT EXISTS }", ev, len), 0);
		/* Terms: bytes, so a present term matches and an absent one does not. */
		ck_assert_int_eq(match("eventTime", ev, len), 1);
		ck_assert_int_eq(match("ERROR", ev, len), 0);
		/* Delimited: one field (no blanks); [a] matches, [a, b] does not. */
		ck_assert_int_eq(match("[a]", ev, len), 1);
		ck_assert_int_eq(match("[a, b]", ev, len), 0);
		ck_assert_int_eq(match("[a = *eventTime*]", ev, len), 1);
		/* Regex: linear, finds the 1 in the middle. */
		ck_assert_int_eq(match("%[\\[:]1[\\]}]%", ev, len), 1);
		free(ev);
	}
	/* Depth 999 is within cJSON's limit: the JSON pattern sees the event. */
	size_t len;
	char *ev = deep_json(900, 0, &len);
	ck_assert_int_eq(match("{ $.eventTime = * }", ev, len), 1);
	free(ev);
	GUARD_END();
}
END_TEST

#define RULES_ONE_FILTER                                                                           \
	"{\"metricFilters\":[{\"filterName\":\"f\",\"filterPattern\":\"{ $.eventName = "           \
	"\\\"CreateUser\\\" }\",\"metricTransformations\":[{\"metricName\":\"m\","                  \
	"\"metricNamespace\":\"ns\",\"metricValue\":\"1\"}]}],\"metricAlarms\":[{\"AlarmName\":"     \
	"\"A\",\"MetricName\":\"m\",\"Namespace\":\"ns\",\"Statistic\":\"Sum\",\"Period\":60,"       \
	"\"EvaluationPeriods\":1,\"Threshold\":1,\"ComparisonOperator\":"                           \
	"\"GreaterThanOrEqualToThreshold\"}]}"

static iamw_engine *engine_from(const char *rules)
{
	iamw_engine *e;
	ck_assert_int_eq(iamw_engine_new(&e, NULL), IAMW_OK);
	iamw_error err;
	int rc = iamw_engine_load_rules(e, rules, IAMW_NUL_TERMINATED, &err);
	ck_assert_msg(rc == IAMW_OK, "load_rules: %s %s:%zu: %s", iamw_status_name(rc), err.source,
	              err.offset, err.text);
	return e;
}

static const char good_event[] =
    "{\"eventTime\":\"2023-07-10T11:54:39Z\",\"eventName\":\"CreateUser\"}";
#define T0 ((int64_t)1688989979000) /* 2023-07-10T11:52:59Z */

START_TEST(deep_json_engine)
{
	GUARD_BEGIN();
	iamw_engine *e = engine_from(RULES_ONE_FILTER);
	ck_assert_int_eq(iamw_engine_ingest_text(e, good_event, IAMW_NUL_TERMINATED, IAMW_NO_TIME), 1);
	size_t len;
	char *ev = deep_json(100000, 0, &len);
	/* Valid JSON, just deeper than cJSON's limit: the engine reads the
	 * top-level eventTime from the raw text, so the event is ingested with
	 * its own time (no filter matches it). */
	ck_assert_int_eq(iamw_engine_ingest_text(e, ev, len, IAMW_NO_TIME), 0);
	/* With a caller time too. */
	ck_assert_int_eq(iamw_engine_ingest_text(e, ev, len, T0), 0);
	free(ev);
	ev = deep_json(100000, 1, &len);
	ck_assert_int_eq(iamw_engine_ingest_text(e, ev, len, T0), 0);
	free(ev);
	iamw_engine_stats st;
	iamw_engine_get_stats(e, &st);
	/* No filter's literal occurs in them, so they were never parsed. */
	ck_assert_uint_eq(st.not_json, 0);
	ck_assert_uint_eq(st.untimed, 0);
	ck_assert_uint_eq(st.events, 4);
	/* The engine keeps working. */
	ck_assert_int_eq(iamw_engine_ingest_text(e, good_event, IAMW_NUL_TERMINATED, IAMW_NO_TIME), 1);
	uint64_t m, pts, sk;
	iamw_engine_filter_counts(e, 0, &m, &pts, &sk);
	ck_assert_uint_eq(m, 2);
	ck_assert_uint_eq(pts, 2);
	ck_assert_int_ge(iamw_engine_drain(e), 1);
	iamw_alarm_state s;
	ck_assert_int_eq(iamw_engine_alarm_state(e, "A", &s), 1);
	/* ingest_lines: the deep line is ingested like the good lines around it. */
	iamw_engine *e2 = engine_from(RULES_ONE_FILTER);
	ev = deep_json(100000, 0, &len);
	size_t blen = 2 * sizeof good_event + len + 8;
	char *buf = malloc(blen);
	size_t n = (size_t)sprintf(buf, "%s\n%s\n%s\n", good_event, ev, good_event);
	iamw_ingest_report rep;
	ck_assert_int_eq(iamw_engine_ingest_lines(e2, buf, n, 0, &rep), IAMW_OK);
	ck_assert_uint_eq(rep.lines, 3);
	ck_assert_uint_eq(rep.events, 3);
	ck_assert_uint_eq(rep.errors, 0);
	ck_assert_uint_eq(rep.matches, 2);
	free(buf);
	free(ev);
	iamw_engine_free(e2);
	iamw_engine_free(e);
	GUARD_END();
}
END_TEST

START_TEST(ten_megabyte_line)
{
	GUARD_BEGIN();
	size_t big = 10u << 20;
	char *ev = repeat('a', big);
	memcpy(ev + big / 2, " ERROR ", 7);
	iamw_pattern *p = compile_ok("ERROR", IAMW_NUL_TERMINATED);
	iamw_match *m;
	ck_assert_int_eq(iamw_match_new(&m), IAMW_OK);
	ck_assert_int_eq(iamw_pattern_match_text(p, ev, big, m), IAMW_ELIMIT);
	ck_assert_int_eq(iamw_pattern_match_text(p, ev, big, NULL), IAMW_ELIMIT);
	/* The boundary: 1 048 576 bytes are matched, 1 048 577 are ELIMIT. */
	char *one = repeat('a', IAMW_DEFAULT_MAX_EVENT_SIZE + 1);
	memcpy(one + 10, "ERROR", 5);
	ck_assert_int_eq(iamw_pattern_match_text(p, one, IAMW_DEFAULT_MAX_EVENT_SIZE, m), 1);
	ck_assert_int_eq(iamw_pattern_match_text(p, one, IAMW_DEFAULT_MAX_EVENT_SIZE + 1, m),
	                 IAMW_ELIMIT);
	/* The scratch object still works after ELIMIT. */
	ck_assert_int_eq(iamw_pattern_match_text(p, "x ERROR", IAMW_NUL_TERMINATED, m), 1);
	/* A JSON pattern too (the size check comes before parsing). */
	iamw_pattern *pj = compile_ok("{ $.a = 1 }", IAMW_NUL_TERMINATED);
	ck_assert_int_eq(iamw_pattern_match_text(pj, ev, big, m), IAMW_ELIMIT);
	/* scan_lines: the 10 MB line does not match and does not stop the scan. */
	size_t blen = big + 256;
	char *buf = malloc(blen);
	size_t n = 0;
	n += (size_t)sprintf(buf, "ERROR one\n");
	memcpy(buf + n, ev, big);
	n += big;
	n += (size_t)sprintf(buf + n, "\nERROR three\r\nnothing\nERROR five");
	size_t lines[8], nm = 0, nl = 0;
	ck_assert_int_eq(iamw_pattern_scan_lines(p, buf, n, m, lines, 8, &nm, &nl), IAMW_OK);
	ck_assert_uint_eq(nl, 5);
	ck_assert_uint_eq(nm, 3);
	ck_assert_uint_eq(lines[0], 0);
	ck_assert_uint_eq(lines[1], 2);
	ck_assert_uint_eq(lines[2], 4);
	/* The engine refuses it with ELIMIT and keeps going. */
	iamw_engine *e = engine_from(RULES_ONE_FILTER);
	ck_assert_int_eq(iamw_engine_ingest_text(e, ev, big, T0), IAMW_ELIMIT);
	ck_assert_int_eq(iamw_engine_ingest_text(e, good_event, IAMW_NUL_TERMINATED, IAMW_NO_TIME), 1);
	iamw_ingest_report rep;
	n = (size_t)sprintf(buf, "%s\n", good_event);
	memcpy(buf + n, ev, big);
	n += big;
	n += (size_t)sprintf(buf + n, "\n%s\n", good_event);
	ck_assert_int_eq(iamw_engine_ingest_lines(e, buf, n, 0, &rep), IAMW_OK);
	ck_assert_uint_eq(rep.events, 2);
	ck_assert_uint_eq(rep.errors, 1);
	ck_assert_uint_eq(rep.first_error_line, 1);
	ck_assert_int_eq(rep.first_error, IAMW_ELIMIT);
	ck_assert_uint_eq(rep.matches, 2);
	iamw_engine_free(e);
	free(buf);
	free(one);
	iamw_pattern_free(pj);
	iamw_pattern_free(p);
	iamw_match_free(m);
	free(ev);
	GUARD_END();
}
END_TEST

START_TEST(crlf_lines)
{
	iamw_pattern *p = compile_ok("{ $.eventName = \"CreateUser\" }", IAMW_NUL_TERMINATED);
	char buf[512];
	size_t n = (size_t)sprintf(buf, "%s\r\n%s\r\n\r\n%s", good_event, good_event, good_event);
	size_t lines[4], nm, nl;
	ck_assert_int_eq(iamw_pattern_scan_lines(p, buf, n, NULL, lines, 4, &nm, &nl), IAMW_OK);
	ck_assert_uint_eq(nl, 4);
	ck_assert_uint_eq(nm, 3);
	/* Delimited: the trailing CR is not part of the last field. */
	iamw_pattern *pd = compile_ok("[a, b = x]", IAMW_NUL_TERMINATED);
	ck_assert_int_eq(iamw_pattern_scan_lines(pd, "1 x\r\n2 x\r\n", 10, NULL, lines, 4, &nm, &nl),
	                 IAMW_OK);
	ck_assert_uint_eq(nm, 2);
	iamw_engine *e = engine_from(RULES_ONE_FILTER);
	iamw_ingest_report rep;
	ck_assert_int_eq(iamw_engine_ingest_lines(e, buf, n, 0, &rep), IAMW_OK);
	ck_assert_uint_eq(rep.events, 3);
	ck_assert_uint_eq(rep.errors, 0);
	ck_assert_uint_eq(rep.matches, 3);
	iamw_engine_free(e);
	iamw_pattern_free(pd);
	iamw_pattern_free(p);
}
END_TEST

/* ------------------------------------------------------------------ numbers */

START_TEST(hostile_numbers)
{
	/* Observed outcomes, consistent with docs/semantics.md:
	 * cJSON turns 1e999 into +inf (strtod), -0 into -0.0 (== 0), rejects
	 * NaN (not JSON), and holds 30-digit integers as doubles. */
	static const char inf[] = "{\"n\":1e999}";
	static const char ninf[] = "{\"n\":-1e999}";
	static const char mzero[] = "{\"n\":-0}";
	static const char zero[] = "{\"n\":0}";
	static const char nan_text[] = "{\"n\":NaN}";
	static const char nan_str[] = "{\"n\":\"NaN\"}";
	static const char big[] = "{\"n\":123456789012345678901234567890}";
	static const char big1[] = "{\"n\":123456789012345678901234567891}";
	const size_t Z = IAMW_NUL_TERMINATED;
	/* 1e999 is a JSON number (+inf after parsing): > 0 holds, = 0 does not. */
	ck_assert_int_eq(match("{ $.n > 0 }", inf, Z), 1);
	ck_assert_int_eq(match("{ $.n = 0 }", inf, Z), 0);
	ck_assert_int_eq(match("{ $.n < 0 }", ninf, Z), 1);
	/* A string literal against a JSON number compares with the number as
	 * written in the event: "1e999" equals 1e999. */
	ck_assert_int_eq(match("{ $.n = \"1e999\" }", inf, Z), 1);
	ck_assert_int_eq(match("{ $.n = \"inf\" }", inf, Z), 0);
	/* A numeric literal 1e999 (+inf) equals the event's 1e999 numerically. */
	ck_assert_int_eq(match("{ $.n = 1e999 }", inf, Z), 1);
	/* -0 equals 0 numerically both ways, and is not > 0 or < 0. */
	ck_assert_int_eq(match("{ $.n = 0 }", mzero, Z), 1);
	ck_assert_int_eq(match("{ $.n = -0 }", zero, Z), 1);
	ck_assert_int_eq(match("{ $.n = -0 }", mzero, Z), 1);
	ck_assert_int_eq(match("{ $.n > 0 }", mzero, Z), 0);
	ck_assert_int_eq(match("{ $.n < 0 }", mzero, Z), 0);
	/* ... but as text, "-0" is what the event says and "0" is not. */
	ck_assert_int_eq(match("{ $.n = \"-0\" }", mzero, Z), 1);
	ck_assert_int_eq(match("{ $.n = \"0\" }", mzero, Z), 0);
	/* NaN is not JSON: no JSON pattern matches it; a string "NaN" is never
	 * numeric. */
	ck_assert_int_eq(match("{ $.n > 0 }", nan_text, Z), 0);
	ck_assert_int_eq(match("{ $.n = 0 }", nan_text, Z), 0);
	ck_assert_int_eq(match("{ $.n NOT EXISTS }", nan_text, Z), 0);
	ck_assert_int_eq(match("{ $.n > 0 }", nan_str, Z), 0);
	ck_assert_int_eq(match("{ $.n = NaN }", nan_str, Z), 1); /* bare word: a string */
	/* 30-digit integers: doubles ("Numbers over 2^53"). */
	ck_assert_int_eq(match("{ $.n > 0 }", big, Z), 1);
	ck_assert_int_eq(match("{ $.n = 123456789012345678901234567890 }", big, Z), 1);
	ck_assert_int_eq(match("{ $.n = 123456789012345678901234567890 }", big1, Z), 1);
	ck_assert_int_eq(match("{ $.n = \"123456789012345678901234567890\" }", big1, Z), 0);
	/* Delimited numeric fields. */
	/* Delimited: "1e3" is a number, but "1e999" overflows and is not one,
	 * so > 0 is false there (unlike JSON, where cJSON yields +inf). */
	ck_assert_int_eq(match("[a > 0]", "1e3", Z), 1);
	ck_assert_int_eq(match("[a > 0]", "1e999", Z), 0);
	/* All doubles that overflow are +inf and equal each other. */
	ck_assert_int_eq(match("{ $.n = 1e999 }", "{\"n\":2e999}", Z), 1);
	ck_assert_int_eq(match("[a = 0]", "-0", Z), 1);
	ck_assert_int_eq(match("[a > 0]", "NaN", Z), 0);
}
END_TEST

START_TEST(non_finite_metric_value)
{
	iamw_aggregator *agg;
	ck_assert_int_eq(iamw_aggregator_new(&agg, 0, 0), IAMW_OK);
	ck_assert_int_eq(iamw_aggregator_add(agg, "ns", "m", NULL, 0, NULL, T0, INFINITY), IAMW_EINVAL);
	ck_assert_int_eq(iamw_aggregator_add(agg, "ns", "m", NULL, 0, NULL, T0, -INFINITY),
	                 IAMW_EINVAL);
	ck_assert_int_eq(iamw_aggregator_add(agg, "ns", "m", NULL, 0, NULL, T0, NAN), IAMW_EINVAL);
	/* PutMetricData's range is [-2^360, 2^360]: 1e300 is refused too. */
	ck_assert_int_eq(iamw_aggregator_add(agg, "ns", "m", NULL, 0, NULL, T0, 1e300), IAMW_EINVAL);
	ck_assert_int_eq(iamw_aggregator_add(agg, "ns", "m", NULL, 0, NULL, T0, 2.0), IAMW_OK);
	double v;
	ck_assert_int_eq(iamw_aggregator_get(agg, "ns", "m", NULL, 0, NULL, T0 - T0 % 60000, 60000,
	                                     "Sum", &v, NULL),
	                 1);
	ck_assert(v == 2.0);
	iamw_aggregator_free(agg);

	/* Through the engine: metricValue $.n with n = 1e999 is a match that
	 * publishes nothing (skipped); the finite values around it still count. */
	iamw_engine *e = engine_from(
	    "{\"metricFilters\":[{\"filterName\":\"f\",\"filterPattern\":\"{ $.n = * }\","
	    "\"metricTransformations\":[{\"metricName\":\"m\",\"metricNamespace\":\"ns\","
	    "\"metricValue\":\"$.n\"}]}],\"metricAlarms\":[{\"AlarmName\":\"A\",\"MetricName\":\"m\","
	    "\"Namespace\":\"ns\",\"Statistic\":\"Sum\",\"Period\":60,\"EvaluationPeriods\":1,"
	    "\"Threshold\":5,\"ComparisonOperator\":\"GreaterThanOrEqualToThreshold\"}]}");
	ck_assert_int_eq(iamw_engine_ingest_text(e, "{\"n\":2}", IAMW_NUL_TERMINATED, T0), 1);
	ck_assert_int_eq(iamw_engine_ingest_text(e, "{\"n\":1e999}", IAMW_NUL_TERMINATED, T0), 1);
	ck_assert_int_eq(iamw_engine_ingest_text(e, "{\"n\":-1e999}", IAMW_NUL_TERMINATED, T0), 1);
	ck_assert_int_eq(iamw_engine_ingest_text(e, "{\"n\":\"1e999\"}", IAMW_NUL_TERMINATED, T0), 1);
	ck_assert_int_eq(iamw_engine_ingest_text(e, "{\"n\":1e300}", IAMW_NUL_TERMINATED, T0), 1);
	ck_assert_int_eq(iamw_engine_ingest_text(e, "{\"n\":3}", IAMW_NUL_TERMINATED, T0), 1);
	uint64_t m, pts, sk;
	iamw_engine_filter_counts(e, 0, &m, &pts, &sk);
	ck_assert_uint_eq(m, 6);
	ck_assert_uint_eq(pts, 2);
	ck_assert_uint_eq(sk, 4);
	ck_assert_int_eq(iamw_aggregator_get(iamw_engine_aggregator(e), "ns", "m", NULL, 0, NULL,
	                                     T0 - T0 % 60000, 60000, "Sum", &v, NULL),
	                 1);
	ck_assert(v == 5.0);
	ck_assert_int_ge(iamw_engine_advance(e, T0 - T0 % 60000), 0);
	ck_assert_int_ge(iamw_engine_advance(e, T0 - T0 % 60000 + 60000), 1);
	iamw_alarm_state s;
	ck_assert_int_eq(iamw_engine_alarm_state(e, "A", &s), 1);
	ck_assert_int_eq(s, IAMW_STATE_ALARM);
	/* The saved state holds no inf / nan. */
	char *saved;
	size_t slen;
	ck_assert_int_eq(iamw_engine_save_state(e, &saved, &slen), IAMW_OK);
	ck_assert_ptr_null(strstr(saved, "inf"));
	ck_assert_ptr_null(strstr(saved, "nan"));
	cJSON *doc = cJSON_ParseWithLength(saved, slen);
	ck_assert_ptr_nonnull(doc);
	cJSON_Delete(doc);
	iamw_free(saved);
	iamw_engine_free(e);
}
END_TEST

/* ------------------------------------------------------------------ regex */

static double match_time(const iamw_pattern *p, const char *s, size_t n, iamw_match *m,
                         int expect)
{
	double best = 1e9;
	for (int rep = 0; rep < 5; rep++) {
		double t0 = now_s();
		int r = iamw_pattern_match_text(p, s, n, m);
		double el = now_s() - t0;
		ck_assert_int_eq(r, expect);
		if (el < best)
			best = el;
	}
	return best;
}

static void regex_linear(const char *pattern, char fill, const char *tail, int expect)
{
	iamw_pattern *p = compile_ok(pattern, IAMW_NUL_TERMINATED);
	iamw_match *m;
	ck_assert_int_eq(iamw_match_new(&m), IAMW_OK);
	size_t small = 64 << 10, big = 256 << 10, tl = strlen(tail);
	char *s = repeat(fill, big);
	memcpy(s + small - tl, tail, tl);
	double ts = match_time(p, s, small, m, expect);
	memset(s + small - tl, fill, tl);
	memcpy(s + big - tl, tail, tl);
	double tb = match_time(p, s, big, m, expect);
	/* Linear would be ~4; allow 8 over a 1 ms floor for timer noise. */
	double floor = ts > 1e-3 ? ts : 1e-3;
	ck_assert_msg(tb < 8 * floor, "%s: 64 KB %.4f s, 256 KB %.4f s (ratio %.1f)", pattern, ts, tb,
	              tb / (ts > 0 ? ts : 1e-9));
	ck_assert_msg(tb < GUARD_SECONDS, "%s: %.2f s", pattern, tb);
	free(s);
	iamw_match_free(m);
	iamw_pattern_free(p);
}

START_TEST(regex_backtracking_bombs)
{
	GUARD_BEGIN();
	/* Groups are not in the dialect: (a|a)* is EREGEX at the '('. */
	expect_error("%(a|a)*%", IAMW_NUL_TERMINATED, IAMW_EREGEX, 1);
	/* '!' is not an accepted character: EREGEX at offset 25. */
	expect_error("%[a-z]*[a-z]*[a-z]*[a-z]*!%", IAMW_NUL_TERMINATED, IAMW_EREGEX, 25);
	regex_linear("%a*a*a*a*a*a*a*a*a*a*b%", 'a', "", 0);
	regex_linear("%a*a*a*a*a*a*a*a*a*a*b%", 'a', "b", 1);
	regex_linear("%x+x+x+x+x+y%", 'x', "", 0);
	regex_linear("%x+x+x+x+x+y%", 'x', "y", 1);
	regex_linear("%a*a*a*a*$%", 'a', "", 1);
	regex_linear("%[a-z]*[a-z]*[a-z]*[a-z]*0%", 'a', "", 0);
	regex_linear("%.*.*.*.*.*=%", 'a', "", 0);
	regex_linear("%a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?aaaaaaaaaaaaaaaaaaaab%", 'a', "", 0);
	/* {m,n} expansion: 2 x 1000 states is within 4096 and stays linear... */
	regex_linear("%a{1,1000}a{1,1000}b%", 'a', "", 0);
	regex_linear("%a{1,1000}a{1,1000}b%", 'a', "b", 1);
	/* ... 5 x 1000 is over the 4096-state cap: ELIMIT at the quantifier. */
	expect_error("%a{1,1000}a{1,1000}a{1,1000}a{1,1000}a{1,1000}b%", IAMW_NUL_TERMINATED,
	             IAMW_ELIMIT, 38);
	/* Regexes inside JSON and delimited patterns, on a 256 KB value. */
	size_t big = 256 << 10;
	char *ev = malloc(big + 16);
	memcpy(ev, "{\"a\":\"", 6);
	memset(ev + 6, 'a', big - 8);
	memcpy(ev + big - 2, "\"}", 2);
	ck_assert_int_eq(match("{ $.a = %a*a*a*a*a*a*a*a*b% }", ev, big), 0);
	ck_assert_int_eq(match("{ $.a = %a*a*a*a*a*a*a*a*$% }", ev, big), 1);
	memset(ev, 'a', big);
	ck_assert_int_eq(match("[x = %a*a*a*a*a*a*a*a*b%]", ev, big), 0);
	ck_assert_int_eq(match("[x = %^a+a+a+a+$%]", ev, big), 1);
	free(ev);
	GUARD_END();
}
END_TEST

/* ------------------------------------------------------------------ composites */

#define TWO_ALARMS                                                                                 \
	"{\"metricAlarms\":[{\"AlarmName\":\"A\",\"MetricName\":\"m\",\"Namespace\":\"ns\","       \
	"\"Statistic\":\"Sum\",\"Period\":60,\"EvaluationPeriods\":1,\"Threshold\":1,"              \
	"\"ComparisonOperator\":\"GreaterThanOrEqualToThreshold\"},{\"AlarmName\":\"B\","          \
	"\"MetricName\":\"m\",\"Namespace\":\"ns\",\"Statistic\":\"Sum\",\"Period\":60,"            \
	"\"EvaluationPeriods\":1,\"Threshold\":1,\"ComparisonOperator\":"                           \
	"\"GreaterThanOrEqualToThreshold\"}]}"

static int put_composite(iamw_engine *e, const char *name, const char *rule, iamw_error *err)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "AlarmName", name);
	cJSON_AddStringToObject(o, "AlarmRule", rule);
	char *txt = cJSON_PrintUnformatted(o);
	memset(err, 0x55, sizeof *err);
	int rc = iamw_engine_put_composite_alarm(e, txt, strlen(txt), err);
	cJSON_free(txt);
	cJSON_Delete(o);
	return rc;
}

START_TEST(composite_hostile_rules)
{
	GUARD_BEGIN();
	iamw_engine *e = engine_from(TWO_ALARMS);
	iamw_error err;
	/* 5 000 nested parentheses (10 008 bytes, inside the 10 240-byte limit):
	 * EDEPTH at the 65th '(' (offset 64), source "rule". */
	size_t depth = 5000;
	char *rule = malloc(2 * 10000 + 32);
	size_t n = 0;
	for (size_t i = 0; i < depth; i++)
		rule[n++] = '(';
	memcpy(rule + n, "ALARM(A)", 8);
	n += 8;
	for (size_t i = 0; i < depth; i++)
		rule[n++] = ')';
	rule[n] = '\0';
	ck_assert_int_eq(put_composite(e, "C", rule, &err), IAMW_EDEPTH);
	ck_assert_uint_eq(err.offset, 64);
	ck_assert_str_eq(err.source, "rule");
	/* 10 000 nested parentheses (20 008 bytes): the length limit comes first. */
	depth = 10000;
	n = 0;
	for (size_t i = 0; i < depth; i++)
		rule[n++] = '(';
	memcpy(rule + n, "ALARM(A)", 8);
	n += 8;
	for (size_t i = 0; i < depth; i++)
		rule[n++] = ')';
	rule[n] = '\0';
	ck_assert_int_eq(put_composite(e, "C", rule, &err), IAMW_ETOOLONG);
	ck_assert_uint_eq(err.offset, 10240);
	ck_assert_str_eq(err.source, "rule");
	/* 5 000 NOTs (20 000 bytes > 10 240): ETOOLONG; 2 000 NOTs: EDEPTH at the
	 * 65th NOT (offset 64 * 4 = 256). */
	n = 0;
	for (int i = 0; i < 2000; i++) {
		memcpy(rule + n, "NOT ", 4);
		n += 4;
	}
	memcpy(rule + n, "ALARM(A)", 9);
	ck_assert_int_eq(put_composite(e, "C", rule, &err), IAMW_EDEPTH);
	ck_assert_uint_eq(err.offset, 256);
	ck_assert_uint_eq(iamw_engine_composite_count(e), 0);

	/* A rule naming itself: EVALIDATION, the cycle path in the message. */
	ck_assert_int_eq(put_composite(e, "C", "ALARM(A) OR ALARM(C)", &err), IAMW_EVALIDATION);
	ck_assert_msg(strstr(err.text, "C") && strstr(err.text, "cycle"), "message: %s", err.text);
	/* Through an ARN too. */
	ck_assert_int_eq(
	    put_composite(e, "C", "ALARM(\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:C\")", &err),
	    IAMW_EVALIDATION);
	/* An indirect cycle C -> D -> C. */
	ck_assert_int_eq(put_composite(e, "C", "ALARM(A)", &err), IAMW_OK);
	ck_assert_int_eq(put_composite(e, "D", "ALARM(C) AND OK(B)", &err), IAMW_OK);
	ck_assert_int_eq(put_composite(e, "C", "ALARM(A) OR NOT ALARM(D)", &err), IAMW_EVALIDATION);
	ck_assert_msg(strstr(err.text, "C") && strstr(err.text, "D"), "path in message: %s",
	              err.text);
	/* ... and nothing changed: C still has its old rule, D still exists. */
	ck_assert_uint_eq(iamw_engine_composite_count(e), 2);
	/* Unknown alarms: ENOTFOUND at the offset of the name in the rule. */
	ck_assert_int_eq(put_composite(e, "E", "ALARM(A) AND OK(Nope)", &err), IAMW_ENOTFOUND);
	ck_assert_uint_eq(err.offset, 16);
	ck_assert_str_eq(err.source, "rule");
	ck_assert_int_eq(put_composite(e, "E", "ALARM(A) OR ALARM(\"no such alarm\")", &err),
	                 IAMW_ENOTFOUND);
	ck_assert_uint_eq(err.offset, 18);
	ck_assert_uint_eq(iamw_engine_composite_count(e), 2);
	/* The engine keeps evaluating. */
	ck_assert_int_ge(iamw_engine_advance(e, T0), 0);
	ck_assert_int_ge(iamw_engine_advance(e, T0 + 120000), 0);
	iamw_alarm_state s;
	ck_assert_int_eq(iamw_engine_alarm_state(e, "D", &s), 1);
	free(rule);
	iamw_engine_free(e);
	GUARD_END();
}
END_TEST

/* ------------------------------------------------------------------ cardinality */

START_TEST(dimension_cardinality)
{
	GUARD_BEGIN();
	iamw_engine *e = engine_from(
	    "{\"metricFilters\":[{\"filterName\":\"f\",\"filterPattern\":\"{ $.eventName = * }\","
	    "\"metricTransformations\":[{\"metricName\":\"m\",\"metricNamespace\":\"ns\","
	    "\"metricValue\":\"1\",\"dimensions\":{\"Arn\":\"$.userIdentity.arn\"}}]}],"
	    "\"metricAlarms\":[{\"AlarmName\":\"first\",\"MetricName\":\"m\",\"Namespace\":\"ns\","
	    "\"Dimensions\":[{\"Name\":\"Arn\",\"Value\":\"arn:aws:iam::123456789012:user/u0\"}],"
	    "\"Statistic\":\"Sum\",\"Period\":60,\"EvaluationPeriods\":1,\"Threshold\":1,"
	    "\"ComparisonOperator\":\"GreaterThanOrEqualToThreshold\"},{\"AlarmName\":\"late\","
	    "\"MetricName\":\"m\",\"Namespace\":\"ns\",\"Dimensions\":[{\"Name\":\"Arn\",\"Value\":"
	    "\"arn:aws:iam::123456789012:user/u4999\"}],\"Statistic\":\"Sum\",\"Period\":60,"
	    "\"EvaluationPeriods\":1,\"Threshold\":1,\"ComparisonOperator\":"
	    "\"GreaterThanOrEqualToThreshold\",\"TreatMissingData\":\"notBreaching\"}]}");
	char ev[256];
	size_t save_at_1000 = 0;
	for (int i = 0; i < 5000; i++) {
		int len = snprintf(ev, sizeof ev,
		                   "{\"eventTime\":\"2023-07-10T11:54:%02dZ\",\"eventName\":\"X\","
		                   "\"userIdentity\":{\"arn\":\"arn:aws:iam::123456789012:user/u%d\"}}",
		                   i % 60, i);
		ck_assert_int_eq(iamw_engine_ingest_text(e, ev, (size_t)len, IAMW_NO_TIME), 1);
		if (i == 999) {
			char *s;
			ck_assert_int_eq(iamw_engine_save_state(e, &s, &save_at_1000), IAMW_OK);
			iamw_free(s);
		}
	}
	uint64_t m, pts, sk;
	iamw_engine_filter_counts(e, 0, &m, &pts, &sk);
	ck_assert_uint_eq(m, 5000);
	ck_assert_uint_eq(pts, 1000);
	ck_assert_uint_eq(sk, 4000);
	ck_assert_uint_eq(iamw_aggregator_overflow(iamw_engine_aggregator(e)), 4000);
	char *s;
	size_t slen;
	ck_assert_int_eq(iamw_engine_save_state(e, &s, &slen), IAMW_OK);
	/* Bounded: the state after 5 000 ARNs is no bigger than after the first
	 * 1 000 (plus counters). */
	ck_assert_msg(slen < save_at_1000 + 256, "state %zu bytes after 5000, %zu after 1000", slen,
	              save_at_1000);
	iamw_free(s);
	/* Alarms still evaluate: u0 (stored) goes to ALARM, u4999 (overflowed)
	 * has no data and is OK under notBreaching. */
	ck_assert_int_ge(iamw_engine_advance(e, (int64_t)1688990040000), 0); /* 11:54:00 */
	ck_assert_int_ge(iamw_engine_advance(e, (int64_t)1688990100000), 1); /* 11:55:00 */
	iamw_alarm_state st;
	ck_assert_int_eq(iamw_engine_alarm_state(e, "first", &st), 1);
	ck_assert_int_eq(st, IAMW_STATE_ALARM);
	ck_assert_int_eq(iamw_engine_alarm_state(e, "late", &st), 1);
	ck_assert_int_eq(st, IAMW_STATE_OK);
	iamw_engine_free(e);

	/* The aggregator alone, same cap. */
	iamw_aggregator *agg;
	ck_assert_int_eq(iamw_aggregator_new(&agg, 0, 0), IAMW_OK);
	char val[64];
	int refused = 0;
	for (int i = 0; i < 5000; i++) {
		snprintf(val, sizeof val, "v%d", i);
		iamw_dimension d = {"D", val};
		int rc = iamw_aggregator_add(agg, "ns", "m", &d, 1, NULL, T0, 1.0);
		ck_assert(rc == IAMW_OK || rc == IAMW_ELIMIT);
		refused += rc == IAMW_ELIMIT;
	}
	ck_assert_int_eq(refused, 4000);
	ck_assert_uint_eq(iamw_aggregator_overflow(agg), 4000);
	/* A known set still takes points after the cap. */
	iamw_dimension d0 = {"D", "v0"};
	ck_assert_int_eq(iamw_aggregator_add(agg, "ns", "m", &d0, 1, NULL, T0, 1.0), IAMW_OK);
	iamw_aggregator_free(agg);
	GUARD_END();
}
END_TEST

/* ------------------------------------------------------------------ saved state */

static iamw_engine *state_engine(void)
{
	iamw_engine *e = engine_from(
	    "{\"metricFilters\":[{\"filterName\":\"f\",\"filterPattern\":\"{ $.eventName = * }\","
	    "\"metricTransformations\":[{\"metricName\":\"m\",\"metricNamespace\":\"ns\","
	    "\"metricValue\":\"$.v\"}]}],\"metricAlarms\":[{\"AlarmName\":\"A\",\"MetricName\":\"m\","
	    "\"Namespace\":\"ns\",\"Statistic\":\"Sum\",\"Period\":60,\"EvaluationPeriods\":3,"
	    "\"Threshold\":10,\"ComparisonOperator\":\"GreaterThanOrEqualToThreshold\"},{"
	    "\"AlarmName\":\"P\",\"MetricName\":\"m\",\"Namespace\":\"ns\",\"ExtendedStatistic\":"
	    "\"p90\",\"Period\":60,\"EvaluationPeriods\":1,\"Threshold\":3,\"ComparisonOperator\":"
	    "\"GreaterThanThreshold\"}],\"compositeAlarms\":[{\"AlarmName\":\"C\",\"AlarmRule\":"
	    "\"ALARM(A) OR ALARM(P)\"}]}");
	char ev[200];
	for (int i = 0; i < 40; i++) {
		int len = snprintf(ev, sizeof ev,
		                   "{\"eventTime\":\"2023-07-10T11:%02d:%02dZ\",\"eventName\":\"X\","
		                   "\"v\":%d.5}",
		                   50 + i / 10, (i * 7) % 60, i % 6);
		ck_assert_int_ge(iamw_engine_ingest_text(e, ev, (size_t)len, IAMW_NO_TIME), 0);
		iamw_engine_advance(e, iamw_engine_latest_event_time(e) - 60000);
	}
	return e;
}

static void check_restore(iamw_engine *e, const char *orig, size_t olen, const char *bad,
                          size_t blen, int *n_ok, int *n_err)
{
	iamw_error err;
	memset(&err, 0, sizeof err);
	int rc = iamw_engine_restore_state(e, bad, blen, &err);
	ck_assert_msg(rc == IAMW_OK || rc == IAMW_ESTATE, "restore = %s (%s)", iamw_status_name(rc),
	              err.text);
	char *again;
	size_t alen;
	if (rc == IAMW_ESTATE) {
		(*n_err)++;
		ck_assert_int_eq(err.code, IAMW_ESTATE);
		ck_assert_msg(err.text[0], "ESTATE without a message");
		/* Nothing changed. */
		ck_assert_int_eq(iamw_engine_save_state(e, &again, &alen), IAMW_OK);
		ck_assert_msg(alen == olen && memcmp(again, orig, olen) == 0,
		              "engine changed by a failed restore (%s)", err.text);
		iamw_free(again);
	} else {
		(*n_ok)++;
		/* Accepted: the engine must still work and save; then put it back. */
		ck_assert_int_eq(iamw_engine_save_state(e, &again, &alen), IAMW_OK);
		iamw_free(again);
		ck_assert_int_ge(iamw_engine_advance(e, iamw_engine_clock(e) + 60000), 0);
		iamw_engine *fresh = state_engine();
		iamw_engine_free(fresh);
		ck_assert_int_eq(iamw_engine_restore_state(e, orig, olen, &err), IAMW_OK);
	}
}

START_TEST(saved_state_corruption)
{
	GUARD_BEGIN();
	iamw_engine *e = state_engine();
	char *orig;
	size_t olen;
	ck_assert_int_eq(iamw_engine_save_state(e, &orig, &olen), IAMW_OK);
	/* Round trip is the identity (the premise of the comparisons below). */
	iamw_engine *e2 = state_engine();
	iamw_error err;
	ck_assert_int_eq(iamw_engine_restore_state(e2, orig, olen, &err), IAMW_OK);
	char *again;
	size_t alen;
	ck_assert_int_eq(iamw_engine_save_state(e2, &again, &alen), IAMW_OK);
	ck_assert(alen == olen && memcmp(again, orig, olen) == 0);
	iamw_free(again);
	iamw_engine_free(e2);
	int n_ok = 0, n_err = 0;
	/* Truncated at every tenth of its length (0 included): all ESTATE. */
	for (int k = 0; k < 10; k++) {
		size_t cut = olen * (size_t)k / 10;
		int before = n_err;
		check_restore(e, orig, olen, orig, cut, &n_ok, &n_err);
		ck_assert_int_eq(n_err, before + 1);
	}
	/* Wrong version, wrong format. */
	char *bad = malloc(olen + 64);
	const char *v = strstr(orig, "\"version\":1");
	ck_assert_ptr_nonnull(v);
	size_t at = (size_t)(v - orig) + 10;
	static const char *versions[] = {"2", "0", "-1", "1.5", "\"1\"", "null", "1e999"};
	for (size_t i = 0; i < sizeof versions / sizeof *versions; i++) {
		size_t n = 0;
		memcpy(bad, orig, at);
		n = at;
		memcpy(bad + n, versions[i], strlen(versions[i]));
		n += strlen(versions[i]);
		memcpy(bad + n, orig + at + 1, olen - at - 1);
		n += olen - at - 1;
		int before = n_err;
		check_restore(e, orig, olen, bad, n, &n_ok, &n_err);
		ck_assert_msg(n_err == before + 1, "version %s accepted", versions[i]);
	}
	memcpy(bad, orig, olen);
	char *f = strstr(bad, "iamwatch-state");
	ck_assert_ptr_nonnull(f);
	f[0] = 'I';
	int before = n_err;
	check_restore(e, orig, olen, bad, olen, &n_ok, &n_err);
	ck_assert_int_eq(n_err, before + 1);
	/* Not JSON at all / other JSON values. */
	static const char *junk[] = {"", "null", "[]", "{}", "1", "\"x\"", "{\"format\":5}",
	                             "{\"format\":\"iamwatch-state\",\"version\":1}"};
	for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
		before = n_err;
		check_restore(e, orig, olen, junk[i], strlen(junk[i]), &n_ok, &n_err);
		ck_assert_msg(n_err == before + 1, "'%s' accepted", junk[i]);
	}
	/* 200 random byte flips with a fixed seed. */
	uint32_t seed = 20240611u;
	for (int i = 0; i < 200; i++) {
		memcpy(bad, orig, olen);
		int flips = 1 + i % 3;
		for (int j = 0; j < flips; j++) {
			seed = seed * 1103515245u + 12345u;
			size_t pos = (seed >> 8) % olen;
			seed = seed * 1103515245u + 12345u;
			bad[pos] ^= (char)(1u << ((seed >> 16) % 8));
		}
		check_restore(e, orig, olen, bad, olen, &n_ok, &n_err);
	}
	ck_assert_int_gt(n_err, 100);
	free(bad);
	iamw_free(orig);
	iamw_engine_free(e);
	GUARD_END();
}
END_TEST

START_TEST(aggregator_state_corruption)
{
	GUARD_BEGIN();
	iamw_aggregator *agg;
	ck_assert_int_eq(iamw_aggregator_new(&agg, 0, 0), IAMW_OK);
	for (int i = 0; i < 3000; i++) {
		iamw_dimension d = {"D", i % 2 ? "x" : "y"};
		ck_assert_int_eq(iamw_aggregator_add(agg, "ns", "m", &d, 1, i % 3 ? "Count" : NULL,
		                                     T0 + (int64_t)(i % 5) * 60000, (double)(i % 1500) / 7),
		                 IAMW_OK);
	}
	char *orig;
	size_t olen;
	ck_assert_int_eq(iamw_aggregator_save(agg, &orig, &olen), IAMW_OK);
	char *bad = malloc(olen + 1);
	uint32_t seed = 7u;
	int ok = 0, refused = 0;
	for (int i = 0; i < 210; i++) {
		size_t blen = olen;
		memcpy(bad, orig, olen);
		if (i < 10) {
			blen = olen * (size_t)i / 10;
		} else {
			seed = seed * 1103515245u + 12345u;
			size_t pos = (seed >> 8) % olen;
			seed = seed * 1103515245u + 12345u;
			bad[pos] ^= (char)(1u << ((seed >> 16) % 8));
		}
		iamw_aggregator *r = (iamw_aggregator *)1;
		iamw_error err;
		int rc = iamw_aggregator_restore(&r, bad, blen, &err);
		ck_assert_msg(rc == IAMW_OK || rc == IAMW_ESTATE, "restore = %s", iamw_status_name(rc));
		if (rc == IAMW_OK) {
			ok++;
			char *s2;
			size_t l2;
			ck_assert_int_eq(iamw_aggregator_save(r, &s2, &l2), IAMW_OK);
			iamw_free(s2);
			iamw_aggregator_free(r);
		} else {
			ck_assert_ptr_null(r);
			refused++;
			if (i < 10)
				ck_assert_int_eq(rc, IAMW_ESTATE);
		}
	}
	ck_assert_int_ge(refused, 10);
	free(bad);
	iamw_free(orig);
	iamw_aggregator_free(agg);
	GUARD_END();
}
END_TEST

/* ------------------------------------------------------------------ rules documents */

START_TEST(rules_documents)
{
	GUARD_BEGIN();
	/* 2 000 metric filters load (or are refused cleanly). */
	size_t cap = 2000 * 300 + 64, n = 0;
	char *doc = malloc(cap);
	n += (size_t)sprintf(doc, "{\"metricFilters\":[");
	for (int i = 0; i < 2000; i++)
		n += (size_t)sprintf(doc + n,
		                     "%s{\"filterName\":\"f%d\",\"filterPattern\":\"{ $.eventName = "
		                     "\\\"E%d\\\" }\",\"metricTransformations\":[{\"metricName\":\"m%d\","
		                     "\"metricNamespace\":\"ns\",\"metricValue\":\"1\"}]}",
		                     i ? "," : "", i, i, i);
	n += (size_t)sprintf(doc + n, "]}");
	iamw_engine *e;
	ck_assert_int_eq(iamw_engine_new(&e, NULL), IAMW_OK);
	iamw_error err;
	int rc = iamw_engine_load_rules(e, doc, n, &err);
	ck_assert_msg(rc == IAMW_OK, "2000 filters: %s %s", iamw_status_name(rc), err.text);
	ck_assert_uint_eq(iamw_engine_filter_count(e), 2000);
	ck_assert_int_eq(iamw_engine_ingest_text(e,
	                                         "{\"eventTime\":\"2023-07-10T11:54:39Z\","
	                                         "\"eventName\":\"E1999\"}",
	                                         IAMW_NUL_TERMINATED, IAMW_NO_TIME),
	                 1);
	/* A metric filter whose pattern is 1025 bytes: ETOOLONG, source "pattern",
	 * offset 1024 into the pattern; the engine is unchanged. */
	char *pat = pattern_of_length(IAMW_PATTERN_TERMS, 1025);
	n = (size_t)sprintf(doc,
	                    "{\"metricFilters\":[{\"filterName\":\"long\",\"filterPattern\":\"%s\","
	                    "\"metricTransformations\":[{\"metricName\":\"m\",\"metricNamespace\":"
	                    "\"ns\",\"metricValue\":\"1\"}]}]}",
	                    pat);
	memset(&err, 0x55, sizeof err);
	ck_assert_int_eq(iamw_engine_load_rules(e, doc, n, &err), IAMW_ETOOLONG);
	ck_assert_str_eq(err.source, "pattern");
	ck_assert_uint_eq(err.offset, 1024);
	ck_assert_uint_eq(iamw_engine_filter_count(e), 2000);
	iamw_metric_filter *mf = (iamw_metric_filter *)1;
	ck_assert_int_eq(iamw_metric_filter_from_json(&mf, doc + 18, n - 20, &err), IAMW_ETOOLONG);
	ck_assert_ptr_null(mf);
	ck_assert_str_eq(err.source, "pattern");
	ck_assert_uint_eq(err.offset, 1024);
	free(pat);
	/* An alarm with Period 7: EVALIDATION. */
	static const char period7[] =
	    "{\"metricAlarms\":[{\"AlarmName\":\"p7\",\"MetricName\":\"m\",\"Namespace\":\"ns\","
	    "\"Statistic\":\"Sum\",\"Period\":7,\"EvaluationPeriods\":1,\"Threshold\":1,"
	    "\"ComparisonOperator\":\"GreaterThanThreshold\"}]}";
	ck_assert_int_eq(iamw_engine_load_rules(e, period7, IAMW_NUL_TERMINATED, &err),
	                 IAMW_EVALIDATION);
	ck_assert_ptr_nonnull(strstr(err.text, "Period"));
	ck_assert_uint_eq(iamw_engine_alarm_count(e), 0);
	/* Wrong shapes: EJSON, engine unchanged. */
	static const char *shapes[] = {"", "null", "[]", "5", "{\"metricFilters\":5}",
	                               "{\"metricFilters\":[5]}", "{\"metricAlarms\":[null]}",
	                               "{\"compositeAlarms\":{}}"};
	for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
		rc = iamw_engine_load_rules(e, shapes[i], strlen(shapes[i]), &err);
		ck_assert_msg(rc < 0, "'%s' accepted", shapes[i]);
		ck_assert_msg(rc == IAMW_EJSON || rc == IAMW_EVALIDATION, "'%s': %s", shapes[i],
		              iamw_status_name(rc));
	}
	ck_assert_uint_eq(iamw_engine_filter_count(e), 2000);
	/* A 100 000-deep rules document: refused, no crash. */
	size_t len;
	char *deep = deep_json(100000, 1, &len);
	rc = iamw_engine_load_rules(e, deep, len, &err);
	ck_assert_int_lt(rc, 0);
	free(deep);
	free(doc);
	iamw_engine_free(e);
	GUARD_END();
}
END_TEST

static Suite *hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	struct {
		const char *name;
		const TTest *test;
	} cases[] = {
	    {"pattern_length", pattern_length_each_family},
	    {"pattern_nesting", pattern_nesting},
	    {"pattern_bytes", pattern_nul_and_invalid_utf8},
	    {"event_bytes", event_nul_and_invalid_utf8},
	    {"finding_nul_in_quoted_pattern", finding_nul_in_quoted_pattern},
	    {"finding_json_string_with_nul", finding_json_string_with_nul},
	    {"deep_json_event", deep_json_event},
	    {"deep_json_engine", deep_json_engine},
	    {"ten_megabyte_line", ten_megabyte_line},
	    {"crlf", crlf_lines},
	    {"numbers", hostile_numbers},
	    {"non_finite_metric_value", non_finite_metric_value},
	    {"regex_bombs", regex_backtracking_bombs},
	    {"composite", composite_hostile_rules},
	    {"cardinality", dimension_cardinality},
	    {"saved_state", saved_state_corruption},
	    {"aggregator_state", aggregator_state_corruption},
	    {"rules_documents", rules_documents},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_set_timeout(tc, 120);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hostile_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
