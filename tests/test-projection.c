/* SPDX-License-Identifier: MIT */
/*
 * test-projection.c - partial parsing of JSON events (libiamwatch/projection.c):
 *  - iamw__project() on hand-written texts: value spans and projected text,
 *    first occurrence wins, nested strings / containers skipped, cJSON's
 *    whitespace rule (any byte <= 0x20), the cases that must give up
 *    (escaped or control-byte keys, broken structure, output over cap);
 *    iamw__project_member();
 *  - iamw__projection_build(): which patterns get a projection, and the
 *    names collected (nested paths, whole values);
 *  - iamw__projection_decide(): 0 / 1 / -1 (undecided) on chosen texts, and
 *    the engine's projection set;
 *  - a differential table of (pattern, event) pairs where a projection could
 *    plausibly go wrong: iamw_pattern_match_text() with flags 0 and with
 *    IAMW_COMPILE_NO_PREFILTER (each also with IAMW_COMPILE_JSON_EXTRACT)
 *    must agree on the result and the extracted values, and decide() must
 *    never contradict the full path; the same events and mutated copies
 *    through two pairs of engines (default and IAMW_ENGINE_NO_PREFILTER),
 *    one with the CIS 7.0 and IAM-change packs and one with filters reading
 *    nested members and taking values and dimensions from the event, must
 *    agree on every ingest result, the statistics, the per-filter counters
 *    and the metrics;
 *  - a random mutation differential: the first events of $IAMW_SAMPLE, each
 *    with mutants from a fixed-seed generator (bytes deleted or inserted,
 *    members duplicated or injected, keys \u-escaped, values replaced,
 *    truncation), against every pattern of the CIS 7.0 and IAM-change packs
 *    ($IAMW_PACKS_DIR) and a few more, and through the engines.
 *
 * For text cJSON accepts, every mutant's projection (top-level members, and
 * a nested projection) is also compared with cJSON's tree: the same first
 * members, and projected text that parses.
 *
 * Mismatches are collected and printed (pattern and escaped event) before
 * the test fails, so that one run shows all of them. IAMW_PROJECTION_MUTANTS
 * sets the mutants per event (default 20, 5 under valgrind) for longer runs
 * by hand.
 */
#define _GNU_SOURCE
#include <check.h>
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "lang/ast.h"
#include "iamw-same-values.h"
#include "iamw-test.h"
#include "match/eval.h"
#include "match/projected.h"

/* A string literal with its length (for texts holding NUL bytes). */
#define LIT(s) s, sizeof(s) - 1

/* ------------------------------------------------------------------ helpers */

/* The text with backslashes, control bytes and non-ASCII escaped, for
 * messages (static buffer, cut at 600 bytes). */
static const char *show(const char *s, size_t n)
{
	static char out[4 * 600 + 64];
	size_t o = 0;
	for (size_t i = 0; i < n && i < 600; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	if (n > 600)
		o += (size_t)snprintf(out + o, sizeof out - o, "...(%zu bytes)", n);
	out[o] = '\0';
	return out;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0, r;
	char *buf = malloc(cap + 1);
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap)
			buf = realloc(buf, (cap *= 2) + 1);
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* The source tree when the environment does not say: IAMW_SOURCE_ROOT as
 * compiled in, else the directory above this file as the compiler saw it. */
static const char *source_root(void)
{
#ifdef IAMW_SOURCE_ROOT
	return IAMW_SOURCE_ROOT;
#else
	static char root[4096];
	snprintf(root, sizeof root, "%s", __FILE__);
	char *slash = strrchr(root, '/');
	if (!slash)
		return ".."; /* compiled in tests/ */
	*slash = '\0';
	slash = strrchr(root, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(root, sizeof root, ".");
	return root;
#endif
}

/* $IAMW_PACKS_DIR/file (libiamwatch/packs/rules by default). */
static char *pack_path(const char *file)
{
	const char *dir = getenv("IAMW_PACKS_DIR");
	static char path[4096];
	if (dir)
		snprintf(path, sizeof path, "%s/%s", dir, file);
	else
		snprintf(path, sizeof path, "%s/libiamwatch/packs/rules/%s", source_root(), file);
	return path;
}

/* $IAMW_SAMPLE (the bundled Stratus Red Team sample by default). */
static const char *sample_path(void)
{
	const char *env = getenv("IAMW_SAMPLE");
	static char path[4096];
	if (env)
		return env;
	snprintf(path, sizeof path, "%s/examples/data/stratus-red-team-detonation-logs.ndjson.gz",
	         source_root());
	return path;
}

/* Fixed-seed xorshift64*. */
typedef struct rng {
	uint64_t s;
} rng;

static uint64_t rnd(rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

static size_t rnd_below(rng *r, size_t n)
{
	return n ? (size_t)(rnd(r) % n) : 0;
}

/* ------------------------------------------------------------------ iamw__project */

typedef struct proj_result {
	int ok;
	char out[512];
	size_t out_len;
	iamw__pspan spans[8];
} proj_result;

/* Project text on the names in list (NULL-terminated, at most 8). */
static proj_result project(const char *text, size_t len, const char *const *list, size_t cap)
{
	iamw__pname names[8];
	size_t k = 0;
	for (; list[k]; k++)
		names[k] = (iamw__pname){.s = list[k], .len = strlen(list[k])};
	proj_result r;
	memset(&r, 0, sizeof r);
	ck_assert_uint_le(cap, sizeof r.out);
	r.ok = iamw__project(text, len, names, k, r.out, cap, &r.out_len, r.spans);
	if (r.ok)
		r.out[r.out_len < sizeof r.out ? r.out_len : sizeof r.out - 1] = '\0';
	return r;
}

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* A string literal projected (ok) with exactly the expected text. */
#define CHECK_PROJ(lit, names, expected)                                                           \
	do {                                                                                       \
		const char text[] = lit;                                                           \
		size_t len = sizeof text - 1;                                                      \
		proj_result r_ = project(text, len, names, 512);                                   \
		ck_assert_msg(r_.ok == 1, "not projected: %s", show(text, len));                   \
		ck_assert_msg(r_.out_len == strlen(expected) &&                                    \
		                  memcmp(r_.out, expected, r_.out_len) == 0,                       \
		              "projection of %s\n  got      %s\n  expected %s", show(text, len),   \
		              r_.out, expected);                                                   \
	} while (0)

#define CHECK_NO_PROJ(lit, names)                                                                  \
	do {                                                                                       \
		const char text[] = lit;                                                           \
		size_t len = sizeof text - 1;                                                      \
		proj_result r_ = project(text, len, names, 512);                                   \
		ck_assert_msg(r_.ok == 0, "projected (%s) but must give up: %s", r_.out,           \
		              show(text, len));                                                    \
	} while (0)

START_TEST(project_simple)
{
	const char t[] = "{\"a\":1,\"b\":\"x\",\"c\":[1,2],\"d\":{\"e\":null}}";
	proj_result r = project(LIT(t), NAMES("c", "a", "zz", "d"), 512);
	ck_assert_int_eq(r.ok, 1);
	/* in the order of the names, absent ones left out */
	ck_assert_str_eq(r.out, "{\"c\":[1,2],\"a\":1,\"d\":{\"e\":null}}");
	ck_assert_uint_eq(r.out_len, strlen(r.out));
	ck_assert_uint_eq(r.spans[0].off, (size_t)(strstr(t, "[1,2]") - t));
	ck_assert_uint_eq(r.spans[0].len, 5);
	ck_assert_uint_eq(r.spans[1].off, 5);
	ck_assert_uint_eq(r.spans[1].len, 1);
	ck_assert_uint_eq(r.spans[2].len, 0);
	ck_assert_uint_eq(r.spans[3].off, (size_t)(strstr(t, "{\"e\"") - t));
	ck_assert_uint_eq(r.spans[3].len, strlen("{\"e\":null}"));
	/* every scalar kind */
	CHECK_PROJ("{\"t\":true,\"f\":false,\"n\":null,\"x\":-1.5e+3,\"s\":\"\"}",
	           NAMES("n", "x", "t", "f", "s"),
	           "{\"n\":null,\"x\":-1.5e+3,\"t\":true,\"f\":false,\"s\":\"\"}");
	/* no names: nothing to find */
	CHECK_PROJ("{\"a\":1}", ((const char *const[]){NULL}), "{}");
	/* spans may be NULL */
	iamw__pname nm = {.s = "b", .len = 1};
	char out[64];
	size_t n = 0;
	ck_assert_int_eq(iamw__project(LIT("{\"a\":1,\"b\":2}"), &nm, 1, out, sizeof out, &n, NULL),
	                 1);
	ck_assert_uint_eq(n, 7);
	ck_assert_int_eq(memcmp(out, "{\"b\":2}", 7), 0);
	/* more names than one scan compares */
	iamw__pname many[IAMW__PROJECTION_MAX_NAMES + 1];
	for (size_t i = 0; i <= IAMW__PROJECTION_MAX_NAMES; i++)
		many[i] = nm;
	ck_assert_int_eq(iamw__project(LIT("{\"b\":2}"), many, IAMW__PROJECTION_MAX_NAMES + 1, out,
	                               sizeof out, &n, NULL),
	                 0);
}
END_TEST

START_TEST(project_first_occurrence)
{
	const char t[] = "{\"a\":1,\"b\":2,\"a\":3,\"b\":{\"x\":4}}";
	proj_result r = project(LIT(t), NAMES("a", "b"), 512);
	ck_assert_int_eq(r.ok, 1);
	ck_assert_str_eq(r.out, "{\"a\":1,\"b\":2}");
	ck_assert_uint_eq(r.spans[0].off, 5);
	ck_assert_uint_eq(r.spans[1].off, 11);
	/* a repeated name does not count as another one found */
	CHECK_PROJ("{\"a\":1,\"a\":2,\"b\":3}", NAMES("a", "b"), "{\"a\":1,\"b\":3}");
	CHECK_PROJ("{\"a\":1,\"a\":2,\"a\":3,\"b\":4}", NAMES("b", "a"), "{\"b\":4,\"a\":1}");
	/* a name inside a nested object does not count */
	CHECK_PROJ("{\"x\":{\"a\":0},\"a\":[{\"a\":9}],\"a\":1}", NAMES("a"),
	           "{\"a\":[{\"a\":9}]}");
	/* keys that are prefixes or extensions of a name */
	CHECK_PROJ("{\"eventNam\":1,\"eventNameX\":2,\"EventName\":3,\"eventName\":4}",
	           NAMES("eventName"), "{\"eventName\":4}");
}
END_TEST

START_TEST(project_skips_nested)
{
	/* braces, brackets, quotes and escaped quotes inside strings and
	 * containers of members that are not wanted */
	CHECK_PROJ("{\"x\":{\"a\":\"}\\\"]\",\"b\":[{\"c\":\"{[\"}]},\"s\":\"a\\\"b}\","
	           "\"a\":\"ok\"}",
	           NAMES("a"), "{\"a\":\"ok\"}");
	/* a string ending in an escaped backslash */
	CHECK_PROJ("{\"s\":\"x\\\\\",\"a\":1}", NAMES("a"), "{\"a\":1}");
	/* three backslashes: an escaped backslash and an escaped quote */
	CHECK_PROJ("{\"s\":\"\\\\\\\",\\\"a\\\":2\",\"a\":1}", NAMES("a"), "{\"a\":1}");
	/* the wanted value itself holds all of that, copied as written */
	CHECK_PROJ("{\"a\":[\"]\",{\"}\":\"\\\"[\"},[[]],\"\\\\\"],\"b\":0}", NAMES("a"),
	           "{\"a\":[\"]\",{\"}\":\"\\\"[\"},[[]],\"\\\\\"]}");
	/* a key that looks like a wanted one inside a string value */
	CHECK_PROJ("{\"s\":\"\\\",\\\"a\\\":\\\"no\",\"a\":\"yes\"}", NAMES("a"),
	           "{\"a\":\"yes\"}");
	/* raw non-ASCII and U+0000 escapes are copied as they are */
	CHECK_PROJ("{\"a\":\"\xc3\xa9\\u0000\"}", NAMES("a"), "{\"a\":\"\xc3\xa9\\u0000\"}");
}
END_TEST

START_TEST(project_whitespace)
{
	/* cJSON's whitespace: every byte <= 0x20, NUL included */
	CHECK_PROJ("\x01{\x02\"a\"\x1f:\x20\"v\"\x01,\"b\"\t:\n2\r}\x01", NAMES("a", "b"),
	           "{\"a\":\"v\",\"b\":2}");
	CHECK_PROJ(" {\"a\":1\x10,\x0b\"b\"\x0c:\x1e[ 1 , 2 ]\x1d}", NAMES("b", "a"),
	           "{\"b\":[ 1 , 2 ],\"a\":1}");
	/* ... but cJSON reads a key or a string only up to a NUL byte: text
	 * holding one is not projected at all */
	CHECK_NO_PROJ(" {\"a\":1\x00,\x00\"b\"\x00:\x00[ 1 , 2 ]\x00}", NAMES("b", "a"));
	CHECK_NO_PROJ("{\"a\":1,\"b\":\"\x00\"}", NAMES("a"));
	/* a scalar ends at whitespace, a comma or a bracket */
	CHECK_PROJ("{\"a\":true\x01,\"b\":12\x7f}", NAMES("a"), "{\"a\":true}");
	CHECK_PROJ("{ }", NAMES("a"), "{}");
	CHECK_PROJ("\n{}\n", NAMES("a"), "{}");
}
END_TEST

START_TEST(project_gives_up)
{
	/* keys that could spell a name with escapes, or hold control bytes */
	CHECK_NO_PROJ("{\"\\u0065ventName\":\"x\",\"eventName\":\"y\"}", NAMES("eventName"));
	CHECK_NO_PROJ("{\"a\\\"b\":1,\"a\":2}", NAMES("a"));
	CHECK_NO_PROJ("{\"a\x01\":1,\"a\":2}", NAMES("a"));
	CHECK_NO_PROJ("{\"a\tb\":1,\"a\":2}", NAMES("a"));
	CHECK_NO_PROJ("{\"\x00\":1,\"a\":2}", NAMES("a"));
	/* not an object */
	CHECK_NO_PROJ("", NAMES("a"));
	CHECK_NO_PROJ("   ", NAMES("a"));
	CHECK_NO_PROJ("[{\"a\":1}]", NAMES("a"));
	CHECK_NO_PROJ("\"{\\\"a\\\":1}\"", NAMES("a"));
	CHECK_NO_PROJ("1", NAMES("a"));
	CHECK_NO_PROJ("x{\"a\":1}", NAMES("a"));
	/* truncated, unterminated, broken members */
	CHECK_NO_PROJ("{", NAMES("a"));
	CHECK_NO_PROJ("{\"a\":1", NAMES("b"));
	CHECK_NO_PROJ("{\"a\":1,", NAMES("b"));
	CHECK_NO_PROJ("{\"a\":\"unterminated}", NAMES("a"));
	CHECK_NO_PROJ("{\"a", NAMES("a"));
	CHECK_NO_PROJ("{\"a\":[1,{\"b\":2}", NAMES("a"));
	CHECK_NO_PROJ("{\"a\"}", NAMES("a"));
	CHECK_NO_PROJ("{\"a\":}", NAMES("a"));
	CHECK_NO_PROJ("{\"a\":,\"b\":1}", NAMES("b"));
	CHECK_NO_PROJ("{\"a\" 1}", NAMES("a"));
	CHECK_NO_PROJ("{\"a\":1 \"b\":2}", NAMES("b"));
	CHECK_NO_PROJ("{a:1}", NAMES("a"));
	CHECK_NO_PROJ("{,}", NAMES("a"));
	/* the output does not fit */
	const char t[] = "{\"a\":\"0123456789\",\"b\":\"x\"}";
	proj_result r = project(LIT(t), NAMES("a"), 10);
	ck_assert_int_eq(r.ok, 0);
	r = project(LIT(t), NAMES("a"), 1);
	ck_assert_int_eq(r.ok, 0);
	r = project(LIT(t), NAMES("a"), 0);
	ck_assert_int_eq(r.ok, 0);
	/* len + 1 bytes always suffice (projection.h) */
	r = project(LIT(t), NAMES("b", "a"), sizeof t);
	ck_assert_int_eq(r.ok, 1);
	ck_assert_str_eq(r.out, "{\"b\":\"x\",\"a\":\"0123456789\"}");
	r = project(LIT(t), NAMES("b", "a"), r.out_len - 1);
	ck_assert_int_eq(r.ok, 0);
}
END_TEST

START_TEST(project_early_stop)
{
	/* once every name is found the rest is not read: broken structure,
	 * escaped keys, truncation */
	CHECK_PROJ("{\"a\":1,\"b\":2,\"\\u0061\":3,garbage", NAMES("b", "a"), "{\"b\":2,\"a\":1}");
	CHECK_PROJ("{\"a\":1,", NAMES("a"), "{\"a\":1}");
	CHECK_PROJ("{\"a\":\"x\"}}}", NAMES("a"), "{\"a\":\"x\"}");
	/* ... but not while a name is missing */
	CHECK_NO_PROJ("{\"a\":1,\"b\":2,\"\\u0061\":3,garbage", NAMES("a", "zz"));
	CHECK_NO_PROJ("{\"a\":1,", NAMES("a", "zz"));
	/* the value of the last wanted member must itself be complete */
	CHECK_NO_PROJ("{\"a\":[1,2", NAMES("a"));
	CHECK_NO_PROJ("{\"a\":\"x", NAMES("a"));
}
END_TEST

START_TEST(project_member)
{
	iamw__pspan sp;
	const char t[] = "{\"x\":{\"eventTime\":1},\"eventTime\":\"T\",\"eventTime\":2}";
	ck_assert_int_eq(iamw__project_member(LIT(t), "eventTime", &sp), 1);
	ck_assert_uint_eq(sp.off, (size_t)(strstr(t, "\"T\"") - t));
	ck_assert_uint_eq(sp.len, 3);
	ck_assert_int_eq(iamw__project_member(LIT(t), "x", &sp), 1);
	ck_assert_uint_eq(sp.len, strlen("{\"eventTime\":1}"));
	ck_assert_int_eq(iamw__project_member(LIT(t), "eventName", &sp), 0);
	ck_assert_int_eq(
	    iamw__project_member(LIT("{\"\\u0065ventTime\":1,\"eventTime\":2}"), "eventTime", &sp),
	    0);
	ck_assert_int_eq(iamw__project_member(LIT("[\"eventTime\",1]"), "eventTime", &sp), 0);
	ck_assert_int_eq(
	    iamw__project_member(LIT("{\"eventTime\"\n:\x01\"T\",x"), "eventTime", &sp), 1);
	ck_assert_uint_eq(sp.off, 15);
}
END_TEST

/* Containers and strings longer than a vector step, with the characters the
 * scanner stops at placed at every offset. */
START_TEST(project_long_values)
{
	char t[512], want[256], pad[80];
	for (size_t p = 0; p < 70; p++) {
		memset(pad, 'a', p);
		pad[p] = '\0';
		for (int shape = 0; shape < 4; shape++) {
			static const char *const fmt[] = {
			    "{\"x\":{\"p\":\"%s}]\\\"[{\",\"q\":[\"%s\"]},\"a\":\"%s\"}",
			    "{\"x\":[\"%s\\\\\",{\"%s\":\"]\"}],\"a\":\"%s\"}",
			    "{\"x\":\"%s\\\"}\",\"y\":[[{\"%s\":{}}]],\"a\":\"%s\"}",
			    "{\"x\":{\"%s\":[]},\"y\":\"%s\",\"a\":[\"%s\",{\"]\":\"}\"}]}",
			};
			int n = snprintf(t, sizeof t, fmt[shape], pad, pad, pad);
			if (shape == 3)
				snprintf(want, sizeof want, "{\"a\":[\"%s\",{\"]\":\"}\"}]}", pad);
			else
				snprintf(want, sizeof want, "{\"a\":\"%s\"}", pad);
			proj_result r = project(t, (size_t)n, NAMES("a"), 512);
			ck_assert_msg(r.ok == 1, "not projected: %s", t);
			ck_assert_msg(strcmp(r.out, want) == 0, "%s\n  got      %s\n  expected %s",
			              t, r.out, want);
			/* cJSON agrees on the text */
			cJSON *tree = cJSON_ParseWithLength(t, (size_t)n);
			ck_assert_msg(tree != NULL, "test text is not JSON: %s", t);
			cJSON_Delete(tree);
		}
	}
}
END_TEST

/* A random JSON value: containers nested up to depth 4, strings full of
 * the bytes the scanner stops at (brackets, quotes, backslashes, control
 * bytes, printed as escapes by cJSON). */
static cJSON *random_value(rng *r, int depth, int escapes)
{
	size_t kind = rnd_below(r, depth >= 4 ? 3 : 5);
	if (kind == 0)
		return cJSON_CreateNumber((double)rnd_below(r, 100000) / 7.0);
	if (kind == 1 || kind == 2) {
		/* without escapes the 64-byte scan covers whole containers */
		static const char with[] = "ab{}[]\",:\\ \n\t\x01xyz";
		static const char without[] = "ab{}[],: xyz";
		const char *alphabet = escapes ? with : without;
		size_t na = escapes ? sizeof with - 1 : sizeof without - 1;
		char str[200];
		size_t n = rnd_below(r, sizeof str - 1);
		for (size_t i = 0; i < n; i++)
			str[i] = alphabet[rnd_below(r, na)];
		str[n] = '\0';
		return cJSON_CreateString(str);
	}
	cJSON *c = kind == 3 ? cJSON_CreateObject() : cJSON_CreateArray();
	size_t members = rnd_below(r, 6);
	for (size_t i = 0; i < members; i++) {
		cJSON *v = random_value(r, depth + 1, escapes);
		if (kind == 3) {
			char key[32];
			snprintf(key, sizeof key, "k%zu]", i);
			cJSON_AddItemToObject(c, key, v);
		} else {
			cJSON_AddItemToArray(c, v);
		}
	}
	return c;
}

/* Values as cJSON prints them, skipped by the 64-byte container scan and its
 * byte-by-byte fallback: the member after them is found, and the value's
 * own span is exactly its printed text. */
START_TEST(project_random_containers)
{
	rng r = {0x5DEECE66DULL};
	static char doc[1 << 16], out[1 << 16];
	for (int round = 0; round < 4000; round++) {
		cJSON *v = random_value(&r, 0, round % 2);
		char *text = cJSON_PrintUnformatted(v);
		ck_assert_ptr_nonnull(text);
		size_t tl = strlen(text);
		size_t pad = rnd_below(&r, 64);
		int n = snprintf(doc, sizeof doc, "{\"%.*s\":1,\"x\":%s,\"a\":true}", (int)pad,
		                 "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp",
		                 text);
		ck_assert(n > 0 && (size_t)n < sizeof doc);
		iamw__pspan span;
		ck_assert_msg(iamw__project_member(doc, (size_t)n, "a", &span) == 1, "%s", doc);
		ck_assert_uint_eq(span.len, 4);
		ck_assert_int_eq(memcmp(doc + span.off, "true", 4), 0);
		ck_assert_int_eq(iamw__project_member(doc, (size_t)n, "x", &span), 1);
		ck_assert_uint_eq(span.len, tl);
		ck_assert_int_eq(memcmp(doc + span.off, text, tl), 0);
		iamw__pname names[] = {{"a", 1, 1, NULL}, {"x", 1, 1, NULL}};
		size_t ol;
		ck_assert_int_eq(iamw__project(doc, (size_t)n, names, 2, out, sizeof out, &ol, NULL), 1);
		ck_assert_uint_eq(ol, tl + 15); /* {"a":true,"x":...} */
		cJSON_free(text);
		cJSON_Delete(v);
	}
}
END_TEST

/* ------------------------------------------------------------------ build */

/* "a,b{c,d{e}}": names wanted whole, or with the members read inside. */
static void render_names(char *buf, size_t cap, size_t *o, const iamw__pname *names, size_t n)
{
	buf[*o] = '\0';
	for (size_t i = 0; i < n && *o < cap; i++) {
		*o += (size_t)snprintf(buf + *o, cap - *o, "%s%.*s", i ? "," : "",
		                       (int)names[i].len, names[i].s);
		if (!names[i].whole && names[i].sub && *o < cap) {
			*o += (size_t)snprintf(buf + *o, cap - *o, "{");
			render_names(buf, cap, o, names[i].sub->names, names[i].sub->n);
			if (*o < cap)
				*o += (size_t)snprintf(buf + *o, cap - *o, "}");
		} else if (!names[i].whole && *o < cap) {
			*o += (size_t)snprintf(buf + *o, cap - *o, "?"); /* neither */
		}
	}
}

static iamw__projection *build_of(const char *pattern, iamw_pattern **pp)
{
	iamw_error err;
	ck_assert_iamw_ok(iamw_pattern_compile(pp, pattern, IAMW_NUL_TERMINATED, 0, &err), &err);
	iamw__projection *pr = NULL;
	ck_assert_int_eq(iamw__projection_build(&pr, *pp), IAMW_OK);
	/* compile stores the same projection */
	const iamw__projection *stored = (*pp)->projection;
	ck_assert_int_eq(pr == NULL, stored == NULL);
	if (pr) {
		char a[1024], b[1024];
		size_t oa = 0, ob = 0;
		render_names(a, sizeof a, &oa, pr->names, pr->n);
		render_names(b, sizeof b, &ob, stored->names, stored->n);
		ck_assert_str_eq(a, b);
	}
	return pr;
}

/* The names of a pattern's projection (render_names; "-" for none). */
static char *names_of(const char *pattern)
{
	static char buf[1024];
	iamw_pattern *p = NULL;
	iamw__projection *pr = build_of(pattern, &p);
	if (!pr) {
		snprintf(buf, sizeof buf, "-");
	} else {
		size_t o = 0;
		render_names(buf, sizeof buf, &o, pr->names, pr->n);
	}
	iamw__projection_free(pr);
	iamw_pattern_free(p);
	return buf;
}

#define CHECK_NAMES(pattern, expected)                                                             \
	do {                                                                                       \
		const char *got_ = names_of(pattern);                                              \
		ck_assert_msg(strcmp(got_, expected) == 0,                                         \
		              "pattern %s\n  got      %s\n  expected %s", pattern, got_,           \
		              expected);                                                           \
	} while (0)

START_TEST(projection_build)
{
	/* not JSON patterns */
	CHECK_NAMES("ERROR", "-");
	CHECK_NAMES("\"eventName\"", "-");
	CHECK_NAMES("%eventName%", "-");
	CHECK_NAMES("[a, b = 1, ...]", "-");
	CHECK_NAMES("", "-");
	/* a selector not starting with a property name */
	CHECK_NAMES("{ $.* = 1 }", "-");
	CHECK_NAMES("{ $.*.b = 1 }", "-");
	CHECK_NAMES("{ $.a = 1 || $.* = 1 }", "-");
	CHECK_NAMES("{ $.a = 1 && ($.b = 2 || $.*.c NOT EXISTS) }", "-");
	iamw_pattern *p = NULL;
	if (iamw_pattern_compile(&p, "{ $[0] = 1 }", IAMW_NUL_TERMINATED, 0, NULL) == IAMW_OK) {
		ck_assert_ptr_null(p->projection);
		iamw_pattern_free(p);
	}
	if (iamw_pattern_compile(&p, "{ $[*].a = 1 }", IAMW_NUL_TERMINATED, 0, NULL) == IAMW_OK) {
		ck_assert_ptr_null(p->projection);
		iamw_pattern_free(p);
	}
	/* wildcards and indexes after the first step are fine */
	CHECK_NAMES("{ $.a[0] = 1 }", "a");
	CHECK_NAMES("{ $.a.* = 1 }", "a");
	CHECK_NAMES("{ $.a[*].b = 1 && $.c.*.d = 2 }", "a,c");
	/* names collected in order, without duplicates; paths of names keep
	 * only the members they lead to, a value read itself is wanted whole */
	CHECK_NAMES("{ ($.a.b = 1) && ($.a.c NOT EXISTS) || $.d IS NULL }", "a{b,c},d");
	CHECK_NAMES("{ $.eventName = \"Create*\" && $.userIdentity.type = \"Root\" }",
	            "eventName,userIdentity{type}");
	CHECK_NAMES("{ $.a.b = 1 || $.a = 2 }", "a");
	CHECK_NAMES("{ $.a = 2 || $.a.b = 1 }", "a");
	CHECK_NAMES("{ $.a.b = 1 || $.a NOT EXISTS }", "a");
	CHECK_NAMES("{ $.a.b = 1 || $.a.b.c = 2 }", "a{b}");
	CHECK_NAMES("{ $.a.b.c = 1 || $.a.d = 2 || $.a.b.e = 3 }", "a{b{c,e},d}");
	CHECK_NAMES("{ $.a.b[0] = 1 && $.a.c.* = 2 }", "a{b,c}");
	CHECK_NAMES("{ $.a.b = 1 || $.a.* = 2 }", "a");
	CHECK_NAMES("{ $.a.b = 1 || $.a[0] = 2 }", "a");
	CHECK_NAMES("{ $.b IS TRUE || $.a IS FALSE || $.b = %x% || $.a != \"y\" }", "b,a");
	/* no projection without the prefilter */
	ck_assert_int_eq(iamw_pattern_compile(&p, "{ $.a = 1 }", IAMW_NUL_TERMINATED,
	                                      IAMW_COMPILE_NO_PREFILTER, NULL),
	                 IAMW_OK);
	ck_assert_ptr_null(p->projection);
	iamw_pattern_free(p);
}
END_TEST

#define P_ROOT_EARLY "{ $.eventName = \"Create*\" && $.userIdentity.type = \"Root\" }"

#define CHECK_DECIDE(p, lit, expected)                                                             \
	do {                                                                                       \
		const char text_[] = lit;                                                          \
		int d_ = iamw__projection_decide(p, text_, sizeof text_ - 1);                      \
		ck_assert_msg(d_ == (expected), "decide on %s: %d, expected %d",                   \
		              show(text_, sizeof text_ - 1), d_, expected);                        \
	} while (0)

START_TEST(projection_decide_direct)
{
	iamw_pattern *p = NULL;
	ck_assert_int_eq(
	    iamw_pattern_compile(&p, "{ $.eventName = \"Create*\" }", IAMW_NUL_TERMINATED, 0, NULL),
	    IAMW_OK);
	/* 0: cannot match; 1: matches (strict JSON); -1: take the full path */
	CHECK_DECIDE(p, "{\"eventName\":\"GetUser\"}", 0);
	CHECK_DECIDE(p, "{\"eventName\":\"CreateUser\"}", 1);
	CHECK_DECIDE(p, " {\"eventName\" : \"CreateUser\", \"x\": [1, {\"y\": null}]}\n", 1);
	CHECK_DECIDE(p, "{\"x\":1}", 0);
	/* first occurrence */
	CHECK_DECIDE(p, "{\"eventName\":\"GetUser\",\"eventName\":\"CreateUser\"}", 0);
	CHECK_DECIDE(p, "{\"eventName\":\"CreateUser\",\"eventName\":\"GetUser\"}", 1);
	/* not projected */
	CHECK_DECIDE(p, "{\"\\u0065ventName\":\"GetUser\",\"eventName\":\"x\"}", -1);
	CHECK_DECIDE(p, "not json", -1);
	CHECK_DECIDE(p, "{\"eventName\":\"CreateUser\",\"x\":\"\0\"}", -1);
	/* a projection that does not parse */
	CHECK_DECIDE(p, "{\"eventName\":tru}", -1);
	/* a match on text the strict check does not vouch for */
	CHECK_DECIDE(p, "{\"eventName\":\"CreateUser\"", -1);
	CHECK_DECIDE(p, "{\"eventName\":\"CreateUser\",\"x\":}", -1);
	CHECK_DECIDE(p, "{\"eventName\":\"CreateUser\"}x", -1);
	CHECK_DECIDE(p, "{\"eventName\":\"CreateUser\"}\x01", -1);
	CHECK_DECIDE(p, "{\"eventName\":\"CreateUser\",\"x\":\"\\ud800\"}", -1);
	CHECK_DECIDE(p, "{\"eventName\":\"CreateUser\",\"x\":\"\\uZZZZ\"}", -1);
	CHECK_DECIDE(p, "{\"eventName\":\"CreateUser\",\"x\":\"\x01\"}", -1);
	CHECK_DECIDE(p, "{\"eventName\":\"CreateUser\",\"x\":01}", -1);
	CHECK_DECIDE(p, "{\"eventName\":\"CreateUser\",\"x\":1.}", -1);
	CHECK_DECIDE(p, "{\"eventName\":\"CreateUser\",\x01\"x\":1}", -1);
	CHECK_DECIDE(p, "{\"eventName\":\"CreateUser\",\"x\":[}", -1);
	/* nested projection */
	iamw_pattern_free(p);
	ck_assert_int_eq(iamw_pattern_compile(&p, P_ROOT_EARLY, IAMW_NUL_TERMINATED, 0, NULL),
	                 IAMW_OK);
	CHECK_DECIDE(
	    p, "{\"userIdentity\":{\"arn\":\"x\",\"type\":\"Root\"},\"eventName\":\"CreateX\"}", 1);
	CHECK_DECIDE(p,
	             "{\"userIdentity\":{\"type\":\"IAMUser\",\"type\":\"Root\"},\"eventName\":"
	             "\"CreateX\"}",
	             0);
	CHECK_DECIDE(p, "{\"userIdentity\":{\"typ\\u0065\":\"Root\"},\"eventName\":\"CreateX\"}",
	             1);
	CHECK_DECIDE(p,
	             "{\"userIdentity\":{\"typ\\u0065\":\"IAMUser\",\"type\":\"Root\"},"
	             "\"eventName\":\"CreateX\"}",
	             0);
	CHECK_DECIDE(p, "{\"userIdentity\":[{\"type\":\"Root\"}],\"eventName\":\"CreateX\"}", 0);
	iamw_pattern_free(p);

	/* the set of an engine agrees with the single patterns */
	const char *texts[] = {"{ $.a = 1 }", "{ $.b NOT EXISTS }", "ERROR", "{ $.* = 1 }",
	                       "{ $.a = 2 || $.c IS TRUE }"};
	iamw_pattern *ps[5];
	for (size_t i = 0; i < 5; i++)
		ck_assert_int_eq(
		    iamw_pattern_compile(&ps[i], texts[i], IAMW_NUL_TERMINATED, 0, NULL), IAMW_OK);
	iamw__projection_set *set = NULL;
	ck_assert_int_eq(
	    iamw__projection_set_build(&set, (const iamw_pattern *const *)ps, 5, "eventTime"),
	    IAMW_OK);
	ck_assert_ptr_nonnull(set);
	ck_assert_uint_eq(set->n_names, 4); /* a, b, c, eventTime */
	ck_assert_int_eq(set->extra_index, 3);
	const char ev[] = "{\"b\":0,\"eventTime\":\"2024-07-30T21:31:10Z\",\"a\":1}";
	uint8_t may[5] = {1, 1, 1, 1, 1};
	char buf[sizeof ev + 1];
	iamw__pspan et;
	int count = iamw__projection_set_refine(set, LIT(ev), buf, sizeof buf, may, 5, &et);
	ck_assert_int_eq(count, 3);
	ck_assert(may[0] && !may[1] && may[2] && may[3] && !may[4]);
	ck_assert_uint_eq(et.off, (size_t)(strstr(ev, "\"2024") - ev));
	ck_assert_uint_eq(et.len, 22);
	iamw__projection_set_free(set);
	for (size_t i = 0; i < 5; i++)
		iamw_pattern_free(ps[i]);
}
END_TEST

/* ------------------------------------------------------------------ differential */

typedef struct diff_stats {
	size_t cases, matched, mismatches;
} diff_stats;


static void report(diff_stats *st, const char *what, const char *pattern, const char *ev, size_t n,
                   int a, int b)
{
	st->mismatches++;
	if (st->mismatches <= 40)
		fprintf(stderr, "MISMATCH %s: pattern %s: default %d, NO_PREFILTER %d on [%s]\n",
		        what, pattern, a, b, show(ev, n));
}

/* Compare flags 0 and NO_PREFILTER (and both with JSON extraction) for one
 * event; returns the result without extraction. */
static int diff_case(diff_stats *st, const char *pattern, const char *ev, size_t n)
{
	int result = 0;
	for (int x = 0; x < 2; x++) {
		uint32_t fl = x ? IAMW_COMPILE_JSON_EXTRACT : 0;
		iamw_pattern *on = NULL, *off = NULL;
		iamw_error err;
		ck_assert_iamw_ok(iamw_pattern_compile(&on, pattern, IAMW_NUL_TERMINATED, fl, &err),
		                  &err);
		ck_assert_iamw_ok(iamw_pattern_compile(&off, pattern, IAMW_NUL_TERMINATED,
		                                       fl | IAMW_COMPILE_NO_PREFILTER, &err),
		                  &err);
		iamw_match *m1, *m2;
		ck_assert_int_eq(iamw_match_new(&m1), IAMW_OK);
		ck_assert_int_eq(iamw_match_new(&m2), IAMW_OK);
		int a = iamw_pattern_match_text(on, ev, n, m1);
		int b = iamw_pattern_match_text(off, ev, n, m2);
		int c = iamw_pattern_match_text(on, ev, n, NULL);
		if (a != b)
			report(st, x ? "result (extract)" : "result", pattern, ev, n, a, b);
		else if (!iamw_test_same_values(m1, m2))
			report(st, "extracted values", pattern, ev, n, a, b);
		if (c != a)
			report(st, "without a match object", pattern, ev, n, c, b);
		/* the projection's own verdict, where it gives one, is right */
		int d = iamw__projection_decide(on, ev, n);
		if (d == 0 && b == 1)
			report(st, "projection refuses a match", pattern, ev, n, d, b);
		if (d == 1 && b != 1)
			report(st, "projection accepts a non-match", pattern, ev, n, d, b);
		if (!x)
			result = b;
		iamw_match_free(m1);
		iamw_match_free(m2);
		iamw_pattern_free(on);
		iamw_pattern_free(off);
	}
	st->cases++;
	st->matched += result == 1;
	return result;
}

typedef struct tcase_ {
	const char *pattern;
	const char *event;
	size_t len; /* 0: strlen(event) */
	int expect; /* -1: not pinned */
} tcase_;

#define P_EN   "{ $.eventName = \"CreateUser\" }"
#define P_ROOT "{ $.eventName = \"Create*\" && $.userIdentity.type = \"Root\" }"
#define P_CIS51                                                                                    \
	"{ ($.errorCode =*UnauthorizedOperation) || ($.errorCode =AccessDenied*) && "              \
	"($.sourceIPAddress!=delivery.logs.amazonaws.com) && ($.eventName!=HeadBucket) }"
#define P_CIS53                                                                                    \
	"{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS && $.eventType "  \
	"!= \"AwsServiceEvent\" }"
#define CT_HEAD                                                                                    \
	"{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-07-30T21:31:10Z\",\"eventSource\":"       \
	"\"iam.amazonaws.com\","
#define CT_ROOT "\"userIdentity\":{\"type\":\"Root\",\"arn\":\"arn:aws:iam::123456789012:root\"}"
#define CT_TAIL                                                                                    \
	",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"203.0.113.5\",\"requestParameters\":{" \
	"\"userName\":\"bob\"},\"responseElements\":null,\"eventType\":\"AwsApiCall\"}"

/* Events with NUL bytes are given with LIT(); the others with len 0. */
static const tcase_ table[] = {
    /* duplicate keys: cJSON's lookup takes the first */
    {P_EN, "{\"eventName\":\"GetUser\",\"eventName\":\"CreateUser\"}", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\",\"eventName\":\"GetUser\"}", 0, 1},
    {"{ $.eventName != \"GetUser\" }", "{\"eventName\":\"GetUser\",\"eventName\":\"x\"}", 0, 0},
    {"{ $.a.b = 1 }", "{\"a\":{\"b\":2},\"a\":{\"b\":1}}", 0, 0},
    {"{ $.a.b = 1 }", "{\"a\":{\"b\":1,\"b\":2},\"a\":{}}", 0, 1},
    {"{ $.a.b = 1 }", "{\"a\":{\"b\":2,\"b\":1}}", 0, 0},
    {"{ $.a NOT EXISTS }", "{\"b\":1,\"b\":2}", 0, 1},
    /* escaped keys spelling the name */
    {P_EN, "{\"\\u0065ventName\":\"CreateUser\",\"eventName\":\"GetUser\"}", 0, 1},
    {P_EN, "{\"\\u0065ventName\":\"GetUser\",\"eventName\":\"CreateUser\"}", 0, 0},
    {P_EN, "{\"eventName\":\"GetUser\",\"\\u0065ventName\":\"CreateUser\"}", 0, 0},
    {P_EN, "{\"event\\u004eame\":\"CreateUser\"}", 0, 1},
    {P_EN, "{\"event\\u004Eame\":\"CreateUser\"}", 0, 1},
    {P_EN, "{\"\\u0061\":1,\"eventName\":\"CreateUser\"}", 0, 1},
    {P_EN, "{\"eventName\\u0000\":\"GetUser\",\"eventName\":\"CreateUser\"}", 0, -1},
    {P_EN, "{\"a\\\"b\":1,\"eventName\":\"CreateUser\"}", 0, 1},
    {P_EN, "{\"a\\\\\":1,\"eventName\":\"CreateUser\"}", 0, 1},
    {"{ $.a NOT EXISTS }", "{\"\\u0061\":1}", 0, 0},
    {"{ $.a NOT EXISTS }", "{\"b\":1,\"\\u0061\":null}", 0, 0},
    {"{ $.a IS NULL }", "{\"\\u0061\":null,\"a\":1}", 0, 1},
    {P_EN, "{\"eventName\":\"Create\\u0055ser\"}", 0, 1},
    {P_EN, "{\"eventName\":\"Create\\/User\"}", 0, 0},
    /* keys with control bytes */
    {P_EN, "{\"a\x01\":1,\"eventName\":\"CreateUser\"}", 0, 1},
    {P_EN, "{\"a\tb\":1,\"eventName\":\"CreateUser\"}", 0, 1},
    {P_EN, "{\"eventName\x7f\":\"GetUser\",\"eventName\":\"CreateUser\"}", 0, 1},
    /* number lexemes: a quoted value compares with the number as written */
    {"{ $.a = \"400.0\" }", "{\"a\":400.0}", 0, 1},
    {"{ $.a = \"400.0\" }", "{\"a\":400}", 0, 0},
    {"{ $.a = 400 }", "{\"a\":400.0}", 0, 1},
    {"{ $.a = 400 }", "{\"a\":4E2}", 0, 1},
    {"{ $.a = \"4E2\" }", "{\"a\":4E2}", 0, 1},
    {"{ $.a = \"4E2\" }", "{\"a\":400}", 0, 0},
    {"{ $.a = \"-0\" }", "{\"a\":-0}", 0, 1},
    {"{ $.a = \"1*\" }", "{\"a\":1.50}", 0, 1},
    {"{ $.a = \"*50\" }", "{\"a\":1.50}", 0, 1},
    {"{ $.a = \"400.0\" }", "{\"x\":1.50,\"s\":\"12 3.0\",\"a\":400.0,\"y\":[1,2.0]}", 0, 1},
    {"{ $.y[1] = \"2.0\" }", "{\"x\":1.50,\"a\":400.0,\"y\":[1,2.0]}", 0, 1},
    {"{ $.b = \"1.0\" && $.a = \"2.00\" }", "{\"a\":2.00,\"b\":1.0}", 0, 1},
    {"{ $.b = \"1.0\" && $.a = \"2.00\" }", "{\"a\":2.0,\"b\":1.0}", 0, 0},
    {"{ $.a = \"400.0\" }", "{\"a\":400.0,\"a\":400}", 0, 1},
    {"{ $.a = \"400.0\" }", "{\"a\":400,\"a\":400.0}", 0, 0},
    {"{ $.a = \"1e400\" }", "{\"a\":1e400}", 0, -1},
    {"{ $.a > 5 }", "{\"a\":\"10\"}", 0, -1},
    {"{ $.a = 0.1 }", "{\"a\":0.10000000000000001}", 0, 1},
    /* U+0000 in strings */
    {"{ $.a = \"x*\" }", "{\"a\":\"x\\u0000y\"}", 0, 1},
    {"{ $.a = \"*y\" }", "{\"a\":\"x\\u0000y\"}", 0, 1},
    {"{ $.a = \"x\" }", "{\"a\":\"x\\u0000y\"}", 0, 0},
    {"{ $.a = \"xy\" }", "{\"b\":\"\\u0000\",\"a\":\"xy\"}", 0, 1},
    {"{ $.a = \"*y\" }", "{\"a\":\"x\\u0000y\",\"b\":\"\\u0000\"}", 0, 1},
    {"{ $.a = \"x\\\\u0000y\" }", "{\"a\":\"x\\\\u0000y\"}", 0, -1},
    /* a raw NUL byte inside a string value */
    {"{ $.a = \"x\" }", LIT("{\"a\":\"x\0y\"}"), -1},
    {"{ $.a = \"x*\" }", LIT("{\"a\":\"x\0y\"}"), 1},
    {"{ $.a = \"*y\" }", LIT("{\"a\":\"x\0y\"}"), -1},
    {"{ $.a = \"*y\" }", LIT("{\"a\":\"x\0y\",\"b\":\"\\u0000\"}"), -1},
    {"{ $.a = \"x\" }", LIT("{\"a\":\"x\0y\",\"b\":\"\\u0000\"}"), -1},
    {"{ $.a = \"*y\" }", LIT("{\"b\":\"\\u0000\",\"a\":\"x\0y\"}"), -1},
    {"{ $.a = \"x*\" && $.b = \"*\" }", LIT("{\"b\":\"\\u0000\",\"a\":\"x\0y\"}"), -1},
    /* a raw NUL byte ends cJSON's copy of a key or a value */
    {"{ $.readOnly IS TRUE }", LIT("{\"readOnly\0\":true}"), -1},
    {"{ $.readOnly IS TRUE }", LIT("{\"readOnly\0x\":true}"), -1},
    {"{ $.errorCode = \"*UnauthorizedOperation\" }",
     LIT("{\"errorCode\":\"Client.UnauthorizedOperation\0\"}"), -1},
    {"{ $.errorCode = \"*UnauthorizedOperation\" }",
     LIT("{\"errorCode\":\"Client.UnauthorizedOperation\0\",\"x\":\"\\u0000\"}"), -1},
    /* a value that is an object, a string or an array */
    {"{ $.a.b = \"x\" }", "{\"a\":{\"b\":\"x\"}}", 0, 1},
    {"{ $.a.b = \"x\" }", "{\"a\":\"{\\\"b\\\":\\\"x\\\"}\"}", 0, 0},
    {"{ $.a.b = \"x\" }", "{\"a\":{\"b\":\"x\"},\"a\":\"s\"}", 0, 1},
    {"{ $.a.b = \"x\" }", "{\"a\":\"s\",\"a\":{\"b\":\"x\"}}", 0, 0},
    {"{ $.a.b = \"x\" }", "{\"a\":[{\"b\":\"x\"}]}", 0, 0},
    {"{ $.a.b NOT EXISTS }", "{\"a\":\"{\\\"b\\\":1}\"}", 0, 1},
    {"{ $.a.b NOT EXISTS }", "{\"a\":{\"b\":null}}", 0, 0},
    {"{ $.a = \"x\" }", "{\"a\":{\"b\":\"x\"}}", 0, 0},
    {"{ $.a != \"x\" }", "{\"a\":{\"b\":\"x\"}}", 0, 0},
    {"{ $.a != \"x\" }", "{\"a\":[\"y\"]}", 0, 0},
    {"{ $.a = * }", "{\"a\":{}}", 0, 0},
    {"{ $.a = * }", "{\"a\":\"\"}", 0, 1},
    {"{ $.a IS NULL }", "{\"a\":[null]}", 0, 0},
    {"{ $.a.* = \"x\" }", "{\"a\":{\"p\":1,\"q\":\"x\"}}", 0, 1},
    /* arrays */
    {"{ $.a[1] = \"y\" }", "{\"a\":[\"x\",\"y\"]}", 0, 1},
    {"{ $.a[1] = \"y\" }", "{\"a\":[\"x\",[\"y\"]]}", 0, 0},
    {"{ $.a[1] = \"y\" }", "{\"a\":[\"]\",\"y\"]}", 0, 1},
    {"{ $.a[1] = \"y\" }", "{\"a\":[{\"b\":\"]\"},\"y\"]}", 0, 1},
    {"{ $.a[1] = \"y\" }", "{\"a\":[[\"[\",\"y\"],\"y\"]}", 0, 1},
    {"{ $.a[1] = \"y\" }", "{\"a\":\"[\\\"x\\\",\\\"y\\\"]\"}", 0, 0},
    {"{ $.a[1] = \"y\" }", "{\"a\":[\"y\"]}", 0, 0},
    {"{ $.a[1] = \"y\" }", "{\"a\":{\"1\":\"y\"}}", 0, 0},
    {"{ $.a[1] = \"y\" }", "{\"a\":[\"x\" , \"y\" ] }", 0, 1},
    {"{ $.a[1].b = 2 }", "{\"a\":[{},{\"b\":2}]}", 0, 1},
    {"{ $.a[*] = \"y\" }", "{\"a\":[\"x\",\"y\"]}", 0, 1},
    {"{ $.a[0] = 1 }", "{\"a\":[1],\"a\":[2]}", 0, 1},
    {"{ $.a[0] = 1 }", "{\"a\":[2],\"a\":[1]}", 0, 0},
    /* invalid JSON whose first members match */
    {P_EN, "{\"eventName\":\"CreateUser\"", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\",", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\"}garbage", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\"} {}", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\"}}", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\",\"x\":}", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\",\"x\":tru}", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\",\"x\":nul}", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\",\"x\":[1,}", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\",\"x\"}", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\",}", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\",\"x\":1 \"y\":2}", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\",\"x\":\"\\q\"}", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\",\"x\":\"\\ud800\"}", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\",\"x\":01}", 0, -1},
    {P_EN, "{\"eventName\":\"CreateUser\",\"x\":1.}", 0, -1},
    {P_EN, "{\"eventName\":\"CreateUser\",\"x\":+1}", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\",\"eventName\":", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\"]", 0, 0},
    {P_EN, LIT("{\"eventName\":\"CreateUser\",\0\"x\":1}"), -1},
    {P_EN, LIT("{\"eventName\":\"CreateUser\"\0}"), -1},
    {P_EN, LIT("{\"eventName\":\"CreateUser\"}\0"), 0},
    {P_EN, LIT("{\"eventName\":\"CreateUser\",\"x\":\"a\0b\"}"), -1},
    {P_EN, LIT("{\"eventName\":\"Create\0User\"}"), -1},
    {"{ $.eventName = \"Create*\" }", LIT("{\"eventName\":\"Create\0User\"}"), -1},
    {P_EN, LIT("{\"eventName\":\"CreateUser\",\"x\":1\0,\"y\":2}"), -1},
    {"{ $.errorCode NOT EXISTS }", "{\"eventName\":\"x\"", 0, 0},
    {"{ $.errorCode NOT EXISTS }", "{\"eventName\":\"x\",\"errorCode\"", 0, 0},
    {"{ $.errorCode NOT EXISTS }", "{\"eventName\":\"x\"}x", 0, 0},
    {"{ $.errorCode != \"x\" }", "{\"errorCode\":\"y\",", 0, 0},
    {P_EN, "{\"eventName\":\"CreateUser\",\"\\u0065ventName\":\"x\",broken", 0, 0},
    /* leading and trailing whitespace */
    {P_EN, " \t\r\n{\"eventName\":\"CreateUser\"} \t\r\n", 0, 1},
    {P_EN, "\x01{\"eventName\":\"CreateUser\"}", 0, -1},
    {P_EN, "{\"eventName\":\"CreateUser\"}\x01", 0, -1},
    {P_EN, "\f{\"eventName\":\"CreateUser\"}", 0, -1},
    {P_EN, "{\"eventName\":\"CreateUser\"}\v", 0, -1},
    {P_EN, "\xef\xbb\xbf{\"eventName\":\"CreateUser\"}", 0, -1},
    {P_EN, "{\x01\"eventName\"\x1f:\x02\"CreateUser\"\x7f}", 0, -1},
    {P_EN, "{ \"eventName\"\n:\r\"CreateUser\"\t}", 0, 1},
    {P_EN, LIT("\0{\"eventName\":\"CreateUser\"}"), -1},
    /* IS NULL / NOT EXISTS / IS TRUE / IS FALSE */
    {"{ $.a IS NULL }", "{\"a\":null}", 0, 1},
    {"{ $.a IS NULL }", "{\"a\":\"null\"}", 0, 0},
    {"{ $.a IS NULL }", "{}", 0, 0},
    {"{ $.a IS NULL }", "{\"a\":null,\"a\":1}", 0, 1},
    {"{ $.a IS NULL }", "{\"a\":1,\"a\":null}", 0, 0},
    {"{ $.a IS NULL }", "{\"a\":nullx}", 0, 0},
    {"{ $.a NOT EXISTS }", "{}", 0, 1},
    {"{ $.a NOT EXISTS }", "{\"b\":{\"a\":1}}", 0, 1},
    {"{ $.a NOT EXISTS }", "{\"a\":null}", 0, 0},
    {"{ $.a NOT EXISTS }", "{\"A\":1}", 0, 1},
    {"{ $.a NOT EXISTS }", "{\"b\":\"\\\"a\\\":1\"}", 0, 1},
    {"{ $.a NOT EXISTS }", "[]", 0, 0},
    {"{ $.a NOT EXISTS }", "", 0, 0},
    {"{ $.a NOT EXISTS && $.b NOT EXISTS }", "{\"c\":1}", 0, 1},
    {"{ $.a IS TRUE }", "{\"a\":true}", 0, 1},
    {"{ $.a IS TRUE }", "{\"a\":\"true\"}", 0, 0},
    {"{ $.a IS TRUE }", "{\"a\":true }", 0, 1},
    {"{ $.a IS TRUE }", "{\"a\":false,\"a\":true}", 0, 0},
    {"{ $.a IS FALSE }", "{\"a\":false}", 0, 1},
    {"{ $.a IS FALSE }", "{\"a\":0}", 0, 0},
    /* != on absent members */
    {"{ $.a != \"x\" }", "{}", 0, 0},
    {"{ $.a != \"x\" }", "{\"b\":\"y\"}", 0, 0},
    {"{ $.a != \"x\" }", "{\"a\":\"y\"}", 0, 1},
    {"{ $.a != \"x\" }", "{\"a\":null}", 0, 0},
    {"{ $.a != 1 }", "{\"a\":\"1\"}", 0, -1},
    {"{ $.a != 1 }", "{\"a\":1.0}", 0, 0},
    {"{ $.a != \"x\" || $.b NOT EXISTS }", "{\"a\":\"x\"}", 0, 1},
    {P_CIS51, "{\"errorCode\":\"AccessDenied\"}", 0, 0},
    {P_CIS51, "{\"errorCode\":\"AccessDenied\",\"sourceIPAddress\":\"1.2.3.4\"}", 0, 0},
    {P_CIS51,
     "{\"errorCode\":\"AccessDenied\",\"sourceIPAddress\":\"1.2.3.4\",\"eventName\":\"x\"}", 0, 1},
    {P_CIS51, "{\"errorCode\":\"Client.UnauthorizedOperation\"}", 0, 1},
    {P_CIS51,
     "{\"errorCode\":\"AccessDenied\",\"sourceIPAddress\":\"delivery.logs.amazonaws.com\","
     "\"eventName\":\"x\"}",
     0, 0},
    {P_CIS53, "{\"userIdentity\":{\"type\":\"Root\"},\"eventType\":\"AwsApiCall\"}", 0, 1},
    {P_CIS53, "{\"userIdentity\":{\"type\":\"Root\"}}", 0, 0},
    {P_CIS53, "{\"userIdentity\":{\"type\":\"Root\",\"invokedBy\":null},\"eventType\":\"x\"}", 0,
     0},
    {P_CIS53, "{\"userIdentity\":{\"type\":\"Root\"},\"eventType\":\"x\",\"userIdentity\":{}}", 0,
     1},
    /* real-looking CloudTrail records */
    {P_ROOT, CT_HEAD "\"eventName\":\"CreateUser\"," CT_ROOT CT_TAIL, 0, 1},
    {P_ROOT, CT_HEAD "\"eventName\":\"CreateUser\",\"userIdentity\":{\"type\":\"IAMUser\"}" CT_TAIL,
     0, 0},
    {P_ROOT, CT_HEAD "\"eventName\":\"GetUser\"," CT_ROOT CT_TAIL, 0, 0},
    {P_ROOT,
     CT_HEAD "\"eventName\":\"CreateUser\",\"userIdentity\":{\"sessionContext\":{\"sessionIssuer\":"
             "{\"type\":\"Root\"}},\"type\":\"AssumedRole\"}" CT_TAIL,
     0, 0},
    {P_ROOT,
     CT_HEAD "\"eventName\":\"CreateUser\",\"resources\":[{\"type\":\"Root\"}],\"userIdentity\":"
             "{\"type\":\"IAMUser\"}" CT_TAIL,
     0, 0},
    {P_ROOT,
     CT_HEAD "\"eventName\":\"CreateUser\",\"userIdentity\":{\"typ\\u0065\":\"Root\"}" CT_TAIL, 0,
     1},
    {P_ROOT, CT_HEAD "\"eventName\":\"CreateUser\"," CT_ROOT ",\"userIdentity\":{}" CT_TAIL, 0, 1},
    {P_ROOT, CT_HEAD "\"eventName\":\"CreateUser\",\"userIdentity\":{}," CT_ROOT CT_TAIL, 0, 0},
    {P_ROOT, CT_HEAD "\"eventName\":\"GetUser\",\"eventName\":\"CreateUser\"," CT_ROOT CT_TAIL, 0,
     0},
    {P_ROOT, CT_HEAD "\"eventName\":\"CreateUser\",\"eventName\":\"GetUser\"," CT_ROOT CT_TAIL, 0,
     1},
    {P_ROOT,
     "{\"userIdentity\":{\"type\":\"Root\",\"type\":\"x\",\"arn\":1},\"eventName\":\"CreateX\"}", 0,
     1},
    {P_ROOT,
     CT_HEAD "\"\\u0065ventName\":\"CreateUser\",\"eventName\":\"GetUser\"," CT_ROOT CT_TAIL, 0, 1},
    {P_ROOT, CT_HEAD "\"eventName\":\"CreateUser\"," CT_ROOT CT_TAIL "\n", 0, 1},
    {P_ROOT, CT_HEAD "\"eventName\":\"CreateUser\"," CT_ROOT ",\"x\":", 0, 0},
    {P_ROOT,
     CT_HEAD
     "\"eventName\":\"CreateUser\",\"s\":\"\\\"userIdentity\\\":{\\\"type\\\":\\\"Root\\\"}\","
     "\"userIdentity\":{\"type\":\"IAMUser\"}" CT_TAIL,
     0, 0},
    {P_ROOT, "{\"userIdentity\":{\"type\":\"Root\"},\"eventName\":\"CreateAccessKey\"}", 0, 1},
    {P_ROOT, "{\"userIdentity\":{\"type\":\"Root\"},\"eventName\":\"CreateAccessKey\"", 0, 0},
    {P_ROOT, "{\"userIdentity\":{\"type\":\"Root\"},\"eventName\":\"CreateAccessKey\"}x", 0, 0},
    {P_ROOT, "{\"userIdentity\":{\"type\":\"Root\"},\"eventName\":[\"CreateAccessKey\"]}", 0, 0},
    /* members inside a partially projected object */
    {P_ROOT,
     "{\"eventName\":\"CreateX\",\"userIdentity\":{\"type\":\"IAMUser\",\"type\":\"Root\"}}", 0, 0},
    {P_ROOT,
     "{\"eventName\":\"CreateX\",\"userIdentity\":{\"\\u0074ype\":\"Root\",\"type\":\"IAMUser\"}}",
     0, 1},
    {P_ROOT,
     "{\"eventName\":\"CreateX\",\"userIdentity\":{\"type\":\"Root\",\"\\u0074ype\":\"IAMUser\"}}",
     0, 1},
    {P_ROOT, "{\"eventName\":\"CreateX\",\"userIdentity\":{\"t\x01\":1,\"type\":\"Root\"}}", 0, 1},
    {P_ROOT, "{\"eventName\":\"CreateX\",\"userIdentity\":{\"type\\u0000x\":\"Root\"}}", 0, -1},
    {P_ROOT, "{\"eventName\":\"CreateX\",\"userIdentity\":{\x01\"type\"\x01:\x01\"Root\"\x01}}", 0,
     1},
    {P_ROOT, "{\"eventName\":\"CreateX\",\"userIdentity\":{\"type\":\"Root\",broken}}", 0, 0},
    {P_ROOT, "{\"eventName\":\"CreateX\",\"userIdentity\":{\"type\":\"Root\"}", 0, 0},
    {P_ROOT, "{\"eventName\":\"CreateX\",\"userIdentity\":\"{\\\"type\\\":\\\"Root\\\"}\"}", 0, 0},
    {P_ROOT,
     "{\"eventName\":\"CreateX\",\"userIdentity\":{\"x\":{\"type\":\"Root\"},\"type\":\"Root\"}}",
     0, 1},
    {P_ROOT, "{\"eventName\":\"CreateX\",\"userIdentity\":{\"x\":{\"type\":\"Root\"}}}", 0, 0},
    {P_CIS53,
     "{\"userIdentity\":{\"type\":\"Root\",\"invokedBy\":null,\"invokedBy\":1},\"eventType\":"
     "\"x\"}",
     0, 0},
    {P_CIS53, "{\"userIdentity\":{\"type\":\"Root\",\"invoked\\u0042y\":1},\"eventType\":\"x\"}", 0,
     0},
    {P_CIS53,
     "{\"userIdentity\":{\"type\":\"Root\"},\"eventType\":\"x\",\"eventType\":\"AwsServiceEvent\"}",
     0, 1},
    {"{ $.a.b = \"x*\" }", "{\"a\":{\"b\":\"x\\u0000y\"}}", 0, 1},
    {"{ $.a.b = \"x\" }", "{\"a\":{\"b\":\"x\"},\"c\":\"\\u0000\"}", 0, 1},
    {"{ $.a.b = \"1.0\" }", "{\"x\":[1,2.50],\"a\":{\"c\":3.0,\"b\":1.0}}", 0, 1},
    {"{ $.a.b = \"1.0\" && $.x[1] = \"2.50\" }", "{\"x\":[1,2.50],\"a\":{\"c\":3.0,\"b\":1.0}}", 0,
     1},
    {"{ $.a.b = \"1\" }", "{\"a\":{\"c\":3.0,\"b\":1.0}}", 0, 0},
    {"{ $.a.b[1] = \"y\" }", "{\"a\":{\"b\":[\"x\",\"y\"],\"b\":[\"y\"]}}", 0, 1},
    {"{ $.a.b = 1 }", "{\"a\":[{\"b\":1}]}", 0, 0},
    {"{ $.a.b NOT EXISTS && $.a.c = 1 }", "{\"a\":{\"c\":1}}", 0, 1},
    {"{ $.a.b NOT EXISTS && $.a.c = 1 }", "{\"a\":{\"c\":1,\"b\":null}}", 0, 0},
    {"{ $.a.b NOT EXISTS }", "{\"a\":{}}", 0, 1},
    {"{ $.a.b IS NULL }", "{\"a\":{\"b\":null}}", 0, 1},
    {"{ $.a.b.c = 1 || $.a.d = 2 }",
     "{\"a\":{\"d\":[2],\"b\":{\"c\":[1]},\"d\":2,\"b\":{\"c\":1}}}", 0, 0},
    {"{ $.a.b.c = 1 || $.a.d = 2 }", "{\"a\":{\"d\":3,\"b\":{\"e\":1,\"c\":1}}}", 0, 1},
    {"{ $.a.b = 1 || $.a.* = 2 }", "{\"a\":{\"b\":0,\"c\":2}}", 0, 1},
    {"{ $.a.b = 1 || $.a[0] = 2 }", "{\"a\":[2]}", 0, 1},
    /* strict JSON, where a match on the projection is final */
    {"{ $.a = \"x\" }",
     "{\"a\":\"x\",\"b\":\"\\ud83d\\ude00\",\"c\":1e999,\"d\":[true,false,null,{}],\"e\":"
     "\"\\b\\f\\n\\r\\t\\/\\\\\\\"\",\"f\":-0.0e-0,\"g\":\"\xc3\xa9\x7f\"}",
     0, 1},
    {"{ $.a = \"x\" }",
     "{\"a\":\"x\",\"n\":123456789012345678901234567890123456789012345678901234567890123}", 0, 1},
    {"{ $.a = \"x\" }",
     "{\"a\":\"x\",\"n\":1234567890123456789012345678901234567890123456789012345678901234}", 0,
     -1}, /* 64 characters: older cJSON refuses, newer accepts */
    {"{ $.a = \"x\" }",
     "{\"a\":\"x\",\"n\":-0.12345678901234567890123456789012345678901234567890123456789e1}", 0, 1},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":\"\\uD83D\\uDE00\",\"c\":\"\\u00e9\"}", 0, 1},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":\"\\ude00\\ud83d\"}", 0, 0},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":\"\\ud83d\"}", 0, 0},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":\"\\ud83dx\\ude00\"}", 0, 0},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":\"\\u12\"}", 0, 0},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":\"\\uZZZZ\"}", 0, -1},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":\"\x1f\"}", 0, -1},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":tRue}", 0, 0},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":[1,]}", 0, 0},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":{\"c\":1,}}", 0, 0},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":[1 2]}", 0, 0},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":{\"c\"}}", 0, 0},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":-}", 0, 0},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":.5}", 0, 0},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":1e5.5}", 0, 0},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":[}]}", 0, 0},
    {"{ $.a = \"x\" }", "{\"a\":\"x\",\"b\":{]}", 0, 0},
    {"{ $.a = \"x\" }", "{\"a\":\"x\"}\r\n", 0, 1},
    {"{ $.a = \"x\" }", "{\"a\":\"x\"}{}", 0, 0},
};

/* An event with a member nested `depth` levels deep before or after a
 * matching eventName. */
static char *deep_event(size_t depth, int before, size_t *len)
{
	size_t cap = 2 * depth + 128;
	char *s = malloc(cap);
	size_t o = 0;
	o += (size_t)snprintf(s + o, cap - o,
	                      "{%s\"x\":", before ? "" : "\"eventName\":\"CreateUser\",");
	memset(s + o, '[', depth);
	o += depth;
	memset(s + o, ']', depth);
	o += depth;
	o += (size_t)snprintf(s + o, cap - o, "%s}", before ? ",\"eventName\":\"CreateUser\"" : "");
	*len = o;
	return s;
}

/* A pattern reading more names than one projection scan compares. */
static char *many_names_pattern(void)
{
	static char buf[4096];
	size_t o = (size_t)snprintf(buf, sizeof buf, "{ ");
	for (int i = 0; i <= IAMW__PROJECTION_MAX_NAMES; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s$.n%d = 1", i ? " || " : "", i);
	snprintf(buf + o, sizeof buf - o, " }");
	return buf;
}

START_TEST(differential_table)
{
	diff_stats st = {0};
	size_t pinned_wrong = 0;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		const tcase_ *t = &table[i];
		size_t n = t->len ? t->len : strlen(t->event);
		int r = diff_case(&st, t->pattern, t->event, n);
		if (t->expect >= 0 && r != t->expect) {
			pinned_wrong++;
			fprintf(stderr, "table %zu: pattern %s on [%s]: %d, expected %d\n", i,
			        t->pattern, show(t->event, n), r, t->expect);
		}
	}
	/* nesting past cJSON's limit (1000) and just under it */
	const size_t depths[] = {511, 512, 600, 998, 2000};
	const char *deep_patterns[] = {P_EN, "{ $.x NOT EXISTS }", "{ $.x[0][0] NOT EXISTS }",
	                               "{ $.eventName NOT EXISTS }", "{ $.x IS NULL }"};
	for (size_t d = 0; d < sizeof depths / sizeof *depths; d++) {
		for (int before = 0; before < 2; before++) {
			size_t n;
			char *ev = deep_event(depths[d], before, &n);
			for (size_t k = 0; k < sizeof deep_patterns / sizeof *deep_patterns; k++) {
				int r = diff_case(&st, deep_patterns[k], ev, n);
				if (k == 0)
					ck_assert_int_eq(r, depths[d] < 1000);
			}
			free(ev);
		}
	}
	/* a projection larger than the single pattern's stack buffer */
	char big[6000];
	int bl = snprintf(big, sizeof big, "{\"eventName\":\"Create%05000d\"}", 7);
	ck_assert_int_eq(diff_case(&st, "{ $.eventName = \"Create*\" }", big, (size_t)bl), 1);
	ck_assert_int_eq(diff_case(&st, "{ $.eventName = \"*7\" }", big, (size_t)bl), 1);
	ck_assert_int_eq(diff_case(&st, "{ $.eventName = \"*8\" }", big, (size_t)bl), 0);
	/* more names than a scan compares */
	const char *mp = many_names_pattern();
	ck_assert_int_eq(diff_case(&st, mp, LIT("{\"n64\":1}")), 1);
	ck_assert_int_eq(diff_case(&st, mp, LIT("{\"n0\":2,\"n64\":2}")), 0);
	/* extraction: the values of the full tree (first occurrences) */
	iamw_pattern *p;
	iamw_match *m;
	ck_assert_int_eq(iamw_pattern_compile(&p, "{ $.a = \"400.0\" && $.b.c = * }",
	                                      IAMW_NUL_TERMINATED, IAMW_COMPILE_JSON_EXTRACT, NULL),
	                 IAMW_OK);
	ck_assert_int_eq(iamw_match_new(&m), IAMW_OK);
	ck_assert_int_eq(
	    iamw_pattern_match_text(
	        p, LIT("{\"b\":{\"c\":\"v\"},\"a\":400.0,\"a\":1,\"b\":{\"c\":\"w\"}}"), m),
	    1);
	const char *v;
	ck_assert_int_eq(iamw_match_get(m, "$.a", &v, NULL), 1);
	ck_assert_str_eq(v, "400");
	ck_assert_int_eq(iamw_match_get(m, "$.b.c", &v, NULL), 1);
	ck_assert_str_eq(v, "v");
	iamw_match_free(m);
	iamw_pattern_free(p);

	fprintf(stderr, "differential_table: %zu cases, %zu matched, %zu mismatches\n", st.cases,
	        st.matched, st.mismatches);
	ck_assert_uint_gt(st.matched, 60);
	ck_assert_msg(st.mismatches == 0, "%zu mismatches between flags 0 and NO_PREFILTER",
	              st.mismatches);
	ck_assert_msg(pinned_wrong == 0, "%zu results differ from the table", pinned_wrong);
}
END_TEST

/* ------------------------------------------------------------------ mutation */

typedef struct member {
	size_t start, end; /* "key":value */
	size_t key, key_len;
} member;

static size_t ws(const char *s, size_t n, size_t i)
{
	while (i < n && (unsigned char)s[i] <= ' ')
		i++;
	return i;
}

static size_t end_of_string(const char *s, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return n;
}

/* The top-level members of an object text, as far as they can be told apart
 * (mutants are broken: this only has to be good enough to mutate). */
static size_t top_members(const char *s, size_t n, member *out, size_t max)
{
	size_t i = ws(s, n, 0), k = 0;
	if (i >= n || s[i] != '{')
		return 0;
	i = ws(s, n, i + 1);
	while (i < n && s[i] == '"' && k < max) {
		member m = {i, 0, i + 1, 0};
		i = end_of_string(s, n, i);
		m.key_len = i - 1 - m.key;
		i = ws(s, n, i);
		if (i >= n || s[i] != ':')
			break;
		i = ws(s, n, i + 1);
		int depth = 0;
		while (i < n) {
			char c = s[i];
			if (c == '"') {
				i = end_of_string(s, n, i);
				if (depth == 0)
					break;
				continue;
			}
			if (c == '{' || c == '[')
				depth++;
			else if (c == '}' || c == ']')
				depth--;
			if (depth < 0 || (depth == 0 && c == ','))
				break;
			i++;
			if (depth == 0 && (c == '}' || c == ']'))
				break;
		}
		if (depth < 0)
			depth = 0;
		m.end = i;
		out[k++] = m;
		i = ws(s, n, i);
		if (i < n && s[i] == ',')
			i = ws(s, n, i + 1);
		else
			break;
	}
	return k;
}

typedef struct mbuf {
	char *s;
	size_t n, cap;
} mbuf;

static void splice(mbuf *t, size_t pos, size_t del, const char *ins, size_t ins_len)
{
	if (pos > t->n)
		pos = t->n;
	if (del > t->n - pos)
		del = t->n - pos;
	size_t need = t->n - del + ins_len + 1;
	if (need > t->cap)
		t->s = realloc(t->s, t->cap = need * 2);
	memmove(t->s + pos + ins_len, t->s + pos + del, t->n - pos - del);
	if (ins_len)
		memcpy(t->s + pos, ins, ins_len);
	t->n = t->n - del + ins_len;
}

static const char *const interesting_members[] = {
    "\"eventName\":\"CreateUser\"",
    "\"eventName\":\"GetUser\"",
    "\"eventName\":\"HeadBucket\"",
    "\"eventName\":\"ConsoleLogin\"",
    "\"eventName\":\"PutBucketPolicy\"",
    "\"eventName\":\"DeleteTrail\"",
    "\"eventSource\":\"iam.amazonaws.com\"",
    "\"eventSource\":\"s3.amazonaws.com\"",
    "\"userIdentity\":{\"type\":\"Root\"}",
    "\"userIdentity\":{\"type\":\"Root\",\"invokedBy\":\"x\"}",
    "\"userIdentity\":\"Root\"",
    "\"errorCode\":\"AccessDenied\"",
    "\"errorCode\":\"Client.UnauthorizedOperation\"",
    "\"errorCode\":null",
    "\"errorMessage\":\"Failed authentication\"",
    "\"sourceIPAddress\":\"delivery.logs.amazonaws.com\"",
    "\"additionalEventData\":{\"MFAUsed\":\"No\"}",
    "\"eventType\":\"AwsServiceEvent\"",
    "\"a\":400.0",
    "\"a\":\"x\\u0000y\"",
    "\"\\u0065ventName\":\"CreateUser\"",
    "\"eventTime\":\"2024-07-30T22:00:00Z\"",
};

static const char *const interesting_values[] = {
    "null",
    "true",
    "false",
    "400.0",
    "4E2",
    "-0",
    "\"\"",
    "\"\\u0000\"",
    "\"x\\u0000y\"",
    "{\"type\":\"Root\"}",
    "[1,\"y\"]",
    "\"Create\\u0055ser\"",
    "\"CreateUser\"",
    "{}",
    "[[[[]]]]",
    "\"AccessDenied\"",
    "\"iam.amazonaws.com\"",
    "\"}\\\"]\"",
};

static const char insert_bytes[] = "{}[]\",:\\ \x01\x00"
                                   "aeyzAZ09.-\n\t";

static void mutate_once(mbuf *t, rng *r)
{
	member mem[128];
	size_t k = top_members(t->s, t->n, mem, 128);
	switch (rnd_below(r, 9)) {
	case 0: /* delete a byte */
		if (t->n)
			splice(t, rnd_below(r, t->n), 1, NULL, 0);
		break;
	case 1: { /* insert a structural, control or letter byte */
		char c = insert_bytes[rnd_below(r, sizeof insert_bytes - 1)];
		splice(t, rnd_below(r, t->n + 1), 0, &c, 1);
		break;
	}
	case 2: /* duplicate a top-level member before another one or at the end */
		if (k) {
			const member *m = &mem[rnd_below(r, k)];
			size_t len = m->end - m->start;
			char *copy = malloc(len + 1);
			memcpy(copy, t->s + m->start, len);
			copy[len] = ',';
			size_t to = rnd_below(r, k + 1);
			if (to < k) {
				splice(t, mem[to].start, 0, copy, len + 1);
			} else {
				splice(t, mem[k - 1].end, 0, ",", 1);
				splice(t, mem[k - 1].end + 1, 0, copy, len);
			}
			free(copy);
		}
		break;
	case 3: { /* an interesting member at a member boundary */
		const char *im = interesting_members[rnd_below(r, sizeof interesting_members /
		                                                      sizeof *interesting_members)];
		size_t pos = k ? mem[rnd_below(r, k)].start : (t->n && t->s[0] == '{' ? 1 : 0);
		char buf[128];
		int len = snprintf(buf, sizeof buf, "%s%s", im, k ? "," : "");
		splice(t, pos, 0, buf, (size_t)len);
		break;
	}
	case 4: /* \u-escape one byte of a key, or all of it */
		if (k) {
			const member *m = &mem[rnd_below(r, k)];
			if (!m->key_len)
				break;
			int all = rnd_below(r, 4) == 0;
			size_t from = all ? 0 : rnd_below(r, m->key_len);
			size_t to = all ? m->key_len : from + 1;
			for (size_t j = to; j-- > from;) {
				unsigned char c = (unsigned char)t->s[m->key + j];
				if (c == '\\' || c == '"' || c >= 0x80)
					continue;
				char esc[8];
				snprintf(esc, sizeof esc, rnd(r) & 1 ? "\\u%04x" : "\\u%04X", c);
				splice(t, m->key + j, 1, esc, 6);
			}
		}
		break;
	case 5: /* truncate */ t->n = rnd_below(r, t->n + 1); break;
	case 6: { /* whitespace bytes between tokens */
		static const char wsb[] = " \t\n\r\x01\x1f\x00\x7f";
		char c = wsb[rnd_below(r, sizeof wsb - 1)];
		size_t pos =
		    k ? (rnd(r) & 1 ? mem[rnd_below(r, k)].start : mem[rnd_below(r, k)].end)
		      : rnd_below(r, t->n + 1);
		splice(t, pos, 0, &c, 1);
		break;
	}
	case 7: /* replace a member's value */
		if (k) {
			const member *m = &mem[rnd_below(r, k)];
			size_t colon = m->key + m->key_len + 1;
			while (colon < m->end && t->s[colon] != ':')
				colon++;
			if (colon >= m->end)
				break;
			const char *v = interesting_values[rnd_below(
			    r, sizeof interesting_values / sizeof *interesting_values)];
			splice(t, colon + 1, m->end - colon - 1, v, strlen(v));
		}
		break;
	default: /* trailing or leading bytes */
		if (rnd(r) & 1)
			splice(t, t->n, 0, "} x", 1 + rnd_below(r, 3));
		else
			splice(t, 0, 0, "\x01", 1);
		break;
	}
}

static void mutant(mbuf *t, const char *src, size_t n, rng *r)
{
	t->n = 0;
	splice(t, 0, 0, src, n);
	size_t times = 1 + rnd_below(r, 3);
	for (size_t i = 0; i < times; i++)
		mutate_once(t, r);
}

/* ------------------------------------------------------------------ engines */

/* Metric filters reading nested members (partial projections), wildcards
 * below a name, number lexemes, absent members, and values and dimensions
 * taken from the event. */
static const char custom_filters[] =
    "{\"metricFilters\":["
    "{\"filterName\":\"root\",\"filterPattern\":\"{ $.userIdentity.type = \\\"Root\\\" && "
    "$.userIdentity.invokedBy NOT EXISTS }\",\"metricTransformations\":[{\"metricName\":"
    "\"Root\",\"metricNamespace\":\"T\",\"metricValue\":\"1\"}]},"
    "{\"filterName\":\"user\",\"filterPattern\":\"{ $.userIdentity.type = \\\"IAMUser\\\" && "
    "$.userIdentity.userName = * }\",\"metricTransformations\":[{\"metricName\":\"ByUser\","
    "\"metricNamespace\":\"T\",\"metricValue\":\"1\",\"dimensions\":{\"User\":"
    "\"$.userIdentity.userName\"}}]},"
    "{\"filterName\":\"duration\",\"filterPattern\":\"{ $.requestParameters.durationSeconds > 0 "
    "}\",\"metricTransformations\":[{\"metricName\":\"Duration\",\"metricNamespace\":\"T\","
    "\"metricValue\":\"$.requestParameters.durationSeconds\"}]},"
    "{\"filterName\":\"akia\",\"filterPattern\":\"{ $.userIdentity.* = \\\"AKIA*\\\" }\","
    "\"metricTransformations\":[{\"metricName\":\"Akia\",\"metricNamespace\":\"T\","
    "\"metricValue\":\"1\"}]},"
    "{\"filterName\":\"tls\",\"filterPattern\":\"{ $.eventName = \\\"AssumeRole\\\" && "
    "$.tlsDetails.tlsVersion = \\\"TLSv1.*\\\" }\",\"metricTransformations\":[{\"metricName\":"
    "\"Tls\",\"metricNamespace\":\"T\",\"metricValue\":\"1\"}]},"
    "{\"filterName\":\"numbers\",\"filterPattern\":\"{ $.a = \\\"400.0\\\" || $.a = \\\"x*\\\" || "
    "$.requestParameters.durationSeconds = \\\"9*\\\" }\",\"metricTransformations\":[{"
    "\"metricName\":\"Num\",\"metricNamespace\":\"T\",\"metricValue\":\"1\"}]},"
    "{\"filterName\":\"elsewhere\",\"filterPattern\":\"{ $.eventName = \\\"AssumeRole\\\" }\","
    "\"metricTransformations\":[{\"metricName\":\"Elsewhere\",\"metricNamespace\":\"T\","
    "\"metricValue\":\"$.requestParameters.durationSeconds\",\"dimensions\":{\"Session\":"
    "\"$.requestParameters.roleSessionName\",\"Src\":\"$.sourceIPAddress\"}}]},"
    "{\"filterName\":\"absent\",\"filterPattern\":\"{ $.errorCode NOT EXISTS && $.eventSource = "
    "\\\"sts.amazonaws.com\\\" }\",\"metricTransformations\":[{\"metricName\":\"Absent\","
    "\"metricNamespace\":\"T\",\"metricValue\":\"1\"}]}"
    "]}";

/* Pairs of engines, default and IAMW_ENGINE_NO_PREFILTER: [0] with the CIS
 * 7.0 and IAM-change packs, [1] with custom_filters. */
typedef struct engines {
	iamw_engine *fast[2], *slow[2];
	size_t ingested, mismatches;
} engines;

static void load_doc(iamw_engine *e, const char *doc, size_t n, const char *what)
{
	iamw_error err;
	ck_assert_msg(iamw_engine_load_rules(e, doc, n, &err) == IAMW_OK, "%s: %s", what, err.text);
}

static void load_pack(iamw_engine *e, const char *file)
{
	size_t n;
	char *doc = slurp(pack_path(file), &n);
	ck_assert_msg(doc != NULL, "cannot read %s", pack_path(file));
	load_doc(e, doc, n, file);
	free(doc);
}

static void engines_init(engines *en)
{
	iamw_engine_options o;
	for (int k = 0; k < 2; k++) {
		iamw_engine_options_init(&o, IAMW_ENGINE_OPTIONS_VERSION);
		ck_assert_int_eq(iamw_engine_new(&en->fast[k], &o), IAMW_OK);
		o.flags = IAMW_ENGINE_NO_PREFILTER;
		ck_assert_int_eq(iamw_engine_new(&en->slow[k], &o), IAMW_OK);
	}
	const char *packs[] = {"cis-7.0.json", "iam-changes.json"};
	for (size_t i = 0; i < 2; i++) {
		load_pack(en->fast[0], packs[i]);
		load_pack(en->slow[0], packs[i]);
	}
	load_doc(en->fast[1], LIT(custom_filters), "custom_filters");
	load_doc(en->slow[1], LIT(custom_filters), "custom_filters");
	en->ingested = en->mismatches = 0;
}

/* Ingest one event into every engine, with its own time and with a fixed
 * timestamp. */
static void engines_ingest(engines *en, const char *ev, size_t n)
{
	static const int64_t ts[2] = {IAMW_NO_TIME, 1722375070000};
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < 2; i++) {
			int a = iamw_engine_ingest_text(en->fast[k], ev, n, ts[i]);
			int b = iamw_engine_ingest_text(en->slow[k], ev, n, ts[i]);
			en->ingested++;
			if (a != b) {
				en->mismatches++;
				if (en->mismatches <= 20)
					fprintf(stderr,
					        "MISMATCH engine %d ingest (ts %s): default %d, "
					        "NO_PREFILTER %d on [%s]\n",
					        k, i ? "given" : "none", a, b, show(ev, n));
			}
		}
	}
}

/* Compare one pair: counters, statistics, metrics. Returns the number of
 * differences (printed) and adds the filter matches to *total. */
static size_t engine_pair_diff(iamw_engine *fast, iamw_engine *slow, const char *where,
                               uint64_t *total)
{
	size_t bad = 0;
	ck_assert_uint_eq(iamw_engine_filter_count(fast), iamw_engine_filter_count(slow));
	for (size_t i = 0; i < iamw_engine_filter_count(fast); i++) {
		uint64_t m1, p1, s1, m2, p2, s2;
		ck_assert_str_eq(iamw_engine_filter_name(fast, i),
		                 iamw_engine_filter_name(slow, i));
		iamw_engine_filter_counts(fast, i, &m1, &p1, &s1);
		iamw_engine_filter_counts(slow, i, &m2, &p2, &s2);
		if (m1 != m2 || p1 != p2 || s1 != s2) {
			bad++;
			fprintf(
			    stderr,
			    "%s: filter %s: default %llu/%llu/%llu, NO_PREFILTER %llu/%llu/%llu\n",
			    where, iamw_engine_filter_name(fast, i), (unsigned long long)m1,
			    (unsigned long long)p1, (unsigned long long)s1, (unsigned long long)m2,
			    (unsigned long long)p2, (unsigned long long)s2);
		}
		*total += m2;
	}
	iamw_engine_stats sa, sb;
	iamw_engine_get_stats(fast, &sa);
	iamw_engine_get_stats(slow, &sb);
	if (sa.events != sb.events || sa.untimed != sb.untimed || sa.late != sb.late) {
		bad++;
		fprintf(stderr, "%s: events %llu/%llu, untimed %llu/%llu, late %llu/%llu\n", where,
		        (unsigned long long)sa.events, (unsigned long long)sb.events,
		        (unsigned long long)sa.untimed, (unsigned long long)sb.untimed,
		        (unsigned long long)sa.late, (unsigned long long)sb.late);
	}
	char *ja, *jb;
	ck_assert_int_eq(iamw_aggregator_save(iamw_engine_aggregator(fast), &ja, NULL), IAMW_OK);
	ck_assert_int_eq(iamw_aggregator_save(iamw_engine_aggregator(slow), &jb, NULL), IAMW_OK);
	if (strcmp(ja, jb) != 0) {
		bad++;
		fprintf(stderr, "%s: the aggregators differ\n", where);
	}
	iamw_free(ja);
	iamw_free(jb);
	return bad;
}

/* Same counters, statistics and metrics in each pair; frees the engines. */
static void engines_finish(engines *en, const char *where)
{
	uint64_t total[2] = {0, 0};
	size_t bad = 0;
	for (int k = 0; k < 2; k++) {
		bad += engine_pair_diff(en->fast[k], en->slow[k], where, &total[k]);
		iamw_engine_free(en->fast[k]);
		iamw_engine_free(en->slow[k]);
	}
	fprintf(stderr, "%s: %zu ingests, %llu + %llu filter matches, %zu ingest mismatches\n",
	        where, en->ingested, (unsigned long long)total[0], (unsigned long long)total[1],
	        en->mismatches);
	ck_assert_msg(en->mismatches == 0, "%s: %zu ingest results differ", where, en->mismatches);
	ck_assert_msg(bad == 0, "%s: %zu differences in counters, statistics or metrics", where,
	              bad);
	ck_assert_uint_gt(total[0], 0);
	ck_assert_uint_gt(total[1], 0);
}

/* CloudTrail-like events aimed at the engine's own use of the projection:
 * eventTime read from the projected span when every filter is ruled out. */
#define ALL_NAMES_NO_MATCH                                                                         \
	"\"eventName\":\"HeadBucket\",\"errorCode\":\"AccessDenied\",\"eventSource\":\"s3."        \
	"amazonaws.com\","                                                                         \
	"\"sourceIPAddress\":\"1.2.3.4\",\"userIdentity\":{\"type\":\"IAMUser\"},\"eventType\":"   \
	"\"AwsApiCall\",\"errorMessage\":\"x\",\"additionalEventData\":{}"
static const char *const engine_events[] = {
    "{\"eventTime\":\"2024-07-30T21:31:10Z\"," ALL_NAMES_NO_MATCH "}",
    "{\"eventTime\":\"2024-07-30T21:31:10Z\"," ALL_NAMES_NO_MATCH ",broken",
    "{\"eventTime\":\"2024-07-30T21:31:10Z\"," ALL_NAMES_NO_MATCH "}}",
    "{\"eventTime\"\n:\"2024-07-30T21:31:10Z\"," ALL_NAMES_NO_MATCH "}",
    "{\"eventTime\"\n:\"2024-07-30T21:31:10Z\"," ALL_NAMES_NO_MATCH ",broken",
    "{\"eventTime\":\r\"2024-07-30T21:31:10Z\"," ALL_NAMES_NO_MATCH ",\"x\":}",
    "{\"eventTime\"\x01:\"2024-07-30T21:31:10Z\"," ALL_NAMES_NO_MATCH ",\"x\":}",
    "{\"s\":\"eventTime\",\"eventTime\":\"2024-07-30T21:31:10Z\"," ALL_NAMES_NO_MATCH ",\"x\":}",
    "{\"s\":\"eventTime\",\"eventTime\":\"2024-07-30T21:31:10Z\"," ALL_NAMES_NO_MATCH "}",
    "{\"eventTime\":\"2024-07-30T21:31:10Z\",\"eventTime\":\"2024-07-30T23:00:"
    "00Z\"," ALL_NAMES_NO_MATCH "}",
    "{\"\\u0065ventTime\":\"2024-07-30T23:00:00Z\",\"eventTime\":\"2024-07-30T21:31:"
    "10Z\"," ALL_NAMES_NO_MATCH "}",
    "{\"eventTime\":\"2024-07-30T21:31:10Z\"," ALL_NAMES_NO_MATCH ",\"\\u0065ventTime\":\"x\"}",
    "{\"eventTime\":\"2024\\u002d07-30T21:31:10Z\"," ALL_NAMES_NO_MATCH "}",
    "{" ALL_NAMES_NO_MATCH ",\"eventTime\":\"2024-07-30T21:31:10Z\"}",
    "{" ALL_NAMES_NO_MATCH ",\"eventTime\":\"2024-07-30T21:31:10Z\"",
    "{" ALL_NAMES_NO_MATCH ",\"eventTime\":\"2024-07-30T21:31:10Z\",\"eventName\":\"CreateUser\"}",
    "{\"eventTime\":\"2024-07-30T21:31:10Z\",\"eventName\":\"CreateUser\",\"eventSource\":"
    "\"iam.amazonaws.com\"}",
    "{\"eventTime\":\"2024-07-30T21:31:10Z\",\"eventName\":\"CreateUser\",\"eventSource\":"
    "\"iam.amazonaws.com\"",
    "{\"eventTime\":\"2024-07-30T21:31:10Z\",\"errorCode\":\"AccessDenied\"}",
    "{\"eventTime\":\"2024-07-30T21:31:10Z\",\"eventTime\":1," ALL_NAMES_NO_MATCH "}",
    "{\"eventTime\":1,\"eventTime\":\"2024-07-30T21:31:10Z\"," ALL_NAMES_NO_MATCH "}",
};

/* The same with NUL bytes. */
static const struct {
	const char *s;
	size_t n;
} engine_nul_events[] = {
    {LIT("{\"eventTime\":\"2024-07-30T21:31:10Z\",\"errorCode\":\"Client."
         "UnauthorizedOperation\0\"}")},
    {LIT("{\"eventTime\":\"2024-07-30T21:31:10Z\",\"errorCode\":\"AccessDenied\",\"eventName\":"
         "\"x\0\","
         "\"sourceIPAddress\":\"1.2.3.4\"}")},
    {LIT("{\"eventTime\":\"2024-07-30T21:31:10Z\",\"eventSource\":\"iam.amazonaws.com\0\","
         "\"eventName\":\"CreateUser\"}")},
    {LIT("{\"eventTime\":\"2024-07-30T21:31:10Z\",\"eventSource\0\":\"iam.amazonaws.com\","
         "\"eventName\":\"CreateUser\"}")},
    {LIT("{\"eventTime\":\"2024-07-30T21:31:10Z\",\"eventSource\":\"iam.amazonaws.com\","
         "\"eventName\":\"CreateUser\0x\"}")},
    {LIT("{\"eventTime\":\"2024-07-30T21:31:10Z\",\"eventSource\":\"iam.amazonaws.com\","
         "\"eventName\":\"CreateUser\0x\",\"x\":\"\\u0000\"}")},
    {LIT("{\"eventTime\0\":\"2024-07-30T21:31:10Z\",\"eventSource\":\"iam.amazonaws.com\","
         "\"eventName\":\"GetUser\"}")},
    {LIT("{\"eventTime\":\"2024-07-30T21:31:10Z\0\",\"eventSource\":\"iam.amazonaws.com\","
         "\"eventName\":\"GetUser\"}")},
    {LIT("{\"eventTime\":\"2024-07-30T21:31:10Z\",\0\"eventName\":\"HeadBucket\",\"errorCode\":"
         "\"AccessDenied\"}")},
};

START_TEST(differential_engine)
{
	engines en;
	engines_init(&en);
	rng r = {0x9E3779B97F4A7C15ULL};
	mbuf t = {0};
	for (int pass = 0; pass < 2; pass++) {
		const size_t nt = sizeof table / sizeof table[0];
		const size_t ne = sizeof engine_events / sizeof engine_events[0];
		const size_t nn = sizeof engine_nul_events / sizeof engine_nul_events[0];
		for (size_t i = 0; i < nt + ne + nn; i++) {
			const char *ev;
			size_t n;
			if (i < nt) {
				ev = table[i].event;
				n = table[i].len ? table[i].len : strlen(ev);
			} else if (i < nt + ne) {
				ev = engine_events[i - nt];
				n = strlen(ev);
			} else {
				ev = engine_nul_events[i - nt - ne].s;
				n = engine_nul_events[i - nt - ne].n;
			}
			if (pass == 0) {
				engines_ingest(&en, ev, n);
				continue;
			}
			for (int j = 0; j < 10; j++) {
				mutant(&t, ev, n, &r);
				engines_ingest(&en, t.s, t.n);
			}
		}
	}
	free(t.s);
	engines_finish(&en, "differential_engine");
}
END_TEST

/* ------------------------------------------------------------------ random mutants */

typedef struct pattern_pair {
	iamw_pattern *on, *off;
	uint64_t matches;
} pattern_pair;

typedef struct pattern_set {
	pattern_pair v[128];
	size_t n;
} pattern_set;

static void add_pattern(pattern_set *s, const char *text, uint32_t flags)
{
	ck_assert_uint_lt(s->n, 128);
	pattern_pair *pp = &s->v[s->n++];
	iamw_error err;
	ck_assert_iamw_ok(iamw_pattern_compile(&pp->on, text, IAMW_NUL_TERMINATED, flags, &err),
	                  &err);
	ck_assert_iamw_ok(iamw_pattern_compile(&pp->off, text, IAMW_NUL_TERMINATED,
	                                       flags | IAMW_COMPILE_NO_PREFILTER, &err),
	                  &err);
	pp->matches = 0;
}

static void add_pack_patterns(pattern_set *s, const char *file)
{
	char *doc = slurp(pack_path(file), NULL);
	ck_assert_msg(doc != NULL, "cannot read %s", pack_path(file));
	cJSON *root = cJSON_Parse(doc);
	ck_assert_ptr_nonnull(root);
	const cJSON *f;
	size_t before = s->n;
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(root, "metricFilters"))
	{
		const cJSON *fp = cJSON_GetObjectItemCaseSensitive(f, "filterPattern");
		if (cJSON_IsString(fp))
			add_pattern(s, fp->valuestring, 0);
	}
	ck_assert_uint_gt(s->n, before);
	cJSON_Delete(root);
	free(doc);
}

static const char *const own_patterns[] = {
    P_ROOT,
    P_EN,
    "{ $.userIdentity.type = \"IAMUser\" }",
    "{ $.errorCode = \"AccessDenied\" }",
    "{ $.eventName = \"AssumeRole\" && $.errorCode NOT EXISTS }",
    "{ $.requestParameters IS NULL }",
    "{ $.readOnly IS TRUE }",
    "{ $.managementEvent IS FALSE }",
    "{ $.eventVersion = \"1.08\" }",
    "{ $.eventVersion = 1.08 }",
    "{ $.a = \"400.0\" || $.a = \"x*\" || $.a = \"*y\" }",
    "{ $.tlsDetails.tlsVersion = \"TLSv1.*\" }",
    "{ $.resources[0].type = \"AWS::*\" }",
    "{ $.userAgent != \"x\" }",
    "{ $.eventName != \"AssumeRole\" }",
    "{ $.recipientAccountId = 457448411975 }",
    "{ $.eventSource = %^s[a-z]+\\.amazonaws% }",
    "{ $.errorCode NOT EXISTS || $.userIdentity.accountId = \"457448411975\" }",
    "{ $.userIdentity.* = \"IAMUser\" }",
};

static int read_sample(char ***lines_out, size_t **lens_out, size_t max)
{
	const char *path = sample_path();
	gzFile gz = gzopen(path, "rb");
	ck_assert_msg(gz != NULL, "cannot open %s", path);
	static char buf[1 << 20];
	char **lines = calloc(max, sizeof *lines);
	size_t *lens = calloc(max, sizeof *lens);
	size_t n = 0;
	while (n < max && gzgets(gz, buf, sizeof buf)) {
		size_t l = strlen(buf);
		while (l && (buf[l - 1] == '\n' || buf[l - 1] == '\r'))
			l--;
		if (!l)
			continue;
		lines[n] = malloc(l + 1);
		memcpy(lines[n], buf, l);
		lines[n][l] = '\0';
		lens[n++] = l;
	}
	gzclose(gz);
	*lines_out = lines;
	*lens_out = lens;
	return (int)n;
}

/* Top-level names of CloudTrail records (and of the patterns above). */
static const char *const ct_names[] = {"eventVersion",
                                       "userIdentity",
                                       "eventTime",
                                       "eventSource",
                                       "eventName",
                                       "awsRegion",
                                       "sourceIPAddress",
                                       "userAgent",
                                       "errorCode",
                                       "errorMessage",
                                       "requestParameters",
                                       "responseElements",
                                       "additionalEventData",
                                       "requestID",
                                       "eventID",
                                       "readOnly",
                                       "resources",
                                       "eventType",
                                       "managementEvent",
                                       "recipientAccountId",
                                       "eventCategory",
                                       "tlsDetails",
                                       "a"};

/* Paths of names whose projection keeps only the members read: compared
 * level by level with cJSON's first-occurrence lookups. */
#define NESTED_PATTERN                                                                             \
	"{ $.userIdentity.type = 1 || $.userIdentity.sessionContext.sessionIssuer.type = 1 || "    \
	"$.userIdentity.sessionContext.attributes.mfaAuthenticated = 1 || "                        \
	"$.requestParameters.userName = 1 || $.requestParameters.filterSet.items[0] = 1 || "       \
	"$.tlsDetails.tlsVersion = 1 || $.eventName = 1 || $.a.b = 1 || $.resources[0].ARN = 1 }"

static void compare_level(diff_stats *st, const cJSON *full, const cJSON *proj,
                          const iamw__pname *names, size_t k, const char *ev, size_t n)
{
	for (size_t j = 0; j < k; j++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(full, names[j].s);
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(proj, names[j].s);
		if ((a == NULL) != (b == NULL)) {
			report(st, "nested member present on one side only", names[j].s, ev, n, !b,
			       !a);
		} else if (a && (names[j].whole || !names[j].sub || !cJSON_IsObject(a))) {
			if (!cJSON_Compare(a, b, 1))
				report(st, "nested member differs from cJSON's", names[j].s, ev, n,
				       0, 1);
		} else if (a) {
			if (!cJSON_IsObject(b))
				report(st, "nested object projected as something else", names[j].s,
				       ev, n, 0, 1);
			else
				compare_level(st, a, b, names[j].sub->names, names[j].sub->n, ev,
				              n);
		}
	}
}

static void check_nested(diff_stats *st, const cJSON *full, const char *ev, size_t n, char *buf)
{
	static iamw_pattern *p;
	if (!p)
		ck_assert_int_eq(
		    iamw_pattern_compile(&p, NESTED_PATTERN, IAMW_NUL_TERMINATED, 0, NULL),
		    IAMW_OK);
	if (!ev) { /* the end */
		iamw_pattern_free(p);
		p = NULL;
		return;
	}
	const iamw__projection *pr = p->projection;
	ck_assert_ptr_nonnull(pr);
	size_t len;
	if (!iamw__project(ev, n, pr->names, pr->n, buf, n + 2, &len, NULL))
		return;
	cJSON *proj = iamw__parse_event_json(buf, len);
	if (!proj) {
		report(st, "nested projection of valid JSON does not parse", "-", ev, n, 0, 1);
		return;
	}
	compare_level(st, full, proj, pr->names, pr->n, ev, n);
	cJSON_Delete(proj);
}

/* For text cJSON accepts, each projected member is the subtree of the
 * first member of that name, and the projected text parses (projection.h). */
static void check_against_cjson(diff_stats *st, const char *ev, size_t n)
{
	cJSON *full = iamw__parse_event_json(ev, n);
	if (!full)
		return;
	enum { K = sizeof ct_names / sizeof *ct_names };
	iamw__pname names[K];
	for (size_t j = 0; j < K; j++)
		names[j] = (iamw__pname){.s = ct_names[j], .len = strlen(ct_names[j])};
	char *buf = malloc(n + 2);
	size_t len;
	iamw__pspan spans[K];
	int ok = iamw__project(ev, n, names, K, buf, n + 2, &len, spans);
	if (!ok) {
		/* only escaped or control-byte keys make valid text unprojectable */
		if (!memchr(ev, '\\', n)) {
			int ctl = 0;
			for (size_t i = 0; i < n; i++)
				ctl |= (unsigned char)ev[i] < 0x20;
			if (!ctl)
				report(st, "valid JSON not projected", "-", ev, n, 0, 1);
		}
		goto out;
	}
	cJSON *proj = iamw__parse_event_json(buf, len);
	if (!proj) {
		report(st, "projection of valid JSON does not parse", "-", ev, n, 0, 1);
		goto out;
	}
	for (size_t j = 0; j < K; j++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(full, ct_names[j]);
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(proj, ct_names[j]);
		if ((a == NULL) != (b == NULL) || (a && !cJSON_Compare(a, b, 1)))
			report(st, "projected member differs from cJSON's", ct_names[j], ev, n, 0,
			       1);
		if (a &&
		    (spans[j].len == 0 || spans[j].off >= n || spans[j].len > n - spans[j].off))
			report(st, "bad span", ct_names[j], ev, n, 0, 1);
	}
	cJSON_Delete(proj);
	check_nested(st, full, ev, n, buf);
out:
	free(buf);
	cJSON_Delete(full);
}

START_TEST(differential_mutants)
{
	pattern_set ps = {.n = 0};
	add_pack_patterns(&ps, "cis-7.0.json");
	add_pack_patterns(&ps, "iam-changes.json");
	for (size_t i = 0; i < sizeof own_patterns / sizeof *own_patterns; i++)
		add_pattern(&ps, own_patterns[i], 0);
	add_pattern(&ps, P_ROOT, IAMW_COMPILE_JSON_EXTRACT);
	add_pattern(&ps, "{ $.userIdentity.type = * && $.eventName = * }",
	            IAMW_COMPILE_JSON_EXTRACT);
	add_pattern(&ps, "{ $.a = \"400.0\" || $.a = \"x*\" || $.errorCode = * }",
	            IAMW_COMPILE_JSON_EXTRACT);

	/* IAMW_PROJECTION_MUTANTS=N: N mutants per event instead of 20 (5
	 * under valgrind), for longer runs by hand */
	const char *scale = getenv("IAMW_PROJECTION_MUTANTS");
	const size_t max_events = 300;
	const size_t per_event = scale && atoi(scale) > 0 ? (size_t)atoi(scale)
	                         : RUNNING_ON_VALGRIND    ? 5
	                                                  : 20;
	char **lines;
	size_t *lens;
	size_t n_lines = (size_t)read_sample(&lines, &lens, max_events);
	ck_assert_uint_gt(n_lines, 100);

	iamw_match *m1, *m2;
	ck_assert_int_eq(iamw_match_new(&m1), IAMW_OK);
	ck_assert_int_eq(iamw_match_new(&m2), IAMW_OK);
	engines en;
	engines_init(&en);
	diff_stats st = {0};
	rng r = {0x2545F4914F6CDD1DULL};
	mbuf t = {0};
	size_t events = 0;
	for (size_t li = 0; li < n_lines; li++) {
		for (size_t j = 0; j <= per_event; j++) {
			if (j == 0) {
				t.n = 0;
				splice(&t, 0, 0, lines[li], lens[li]);
			} else {
				mutant(&t, lines[li], lens[li], &r);
			}
			events++;
			/* the engines see a quarter of the mutants */
			if (j == 0 || (j & 3) == 1)
				engines_ingest(&en, t.s, t.n);
			check_against_cjson(&st, t.s, t.n);
			for (size_t k = 0; k < ps.n; k++) {
				pattern_pair *pp = &ps.v[k];
				int a = iamw_pattern_match_text(pp->on, t.s, t.n, m1);
				int b = iamw_pattern_match_text(pp->off, t.s, t.n, m2);
				st.cases++;
				if (a != b)
					report(&st, "mutant", iamw_pattern_source(pp->on), t.s, t.n,
					       a, b);
				else if (!iamw_test_same_values(m1, m2))
					report(&st, "mutant values", iamw_pattern_source(pp->on),
					       t.s, t.n, a, b);
				if (b == 1) {
					st.matched++;
					pp->matches++;
				}
			}
		}
	}
	size_t patterns_matching = 0;
	for (size_t k = 0; k < ps.n; k++)
		patterns_matching += ps.v[k].matches > 0;
	fprintf(stderr,
	        "differential_mutants: %zu events x %zu patterns: %zu matches (%zu patterns "
	        "matched at least once), %zu mismatches\n",
	        events, ps.n, st.matched, patterns_matching, st.mismatches);
	for (size_t i = 0; i < n_lines; i++)
		free(lines[i]);
	free(lines);
	free(lens);
	free(t.s);
	iamw_match_free(m1);
	iamw_match_free(m2);
	check_nested(NULL, NULL, NULL, 0, NULL);
	for (size_t k = 0; k < ps.n; k++) {
		iamw_pattern_free(ps.v[k].on);
		iamw_pattern_free(ps.v[k].off);
	}
	engines_finish(&en, "differential_mutants engines");
	ck_assert_uint_gt(st.matched, 1000);
	ck_assert_uint_gt(patterns_matching, 12);
	ck_assert_msg(st.mismatches == 0, "%zu mismatches between flags 0 and NO_PREFILTER",
	              st.mismatches);
}
END_TEST

static Suite *projection_suite(void)
{
	Suite *s = suite_create("projection");
	TCase *tc = tcase_create("project");
	tcase_add_test(tc, project_simple);
	tcase_add_test(tc, project_first_occurrence);
	tcase_add_test(tc, project_skips_nested);
	tcase_add_test(tc, project_whitespace);
	tcase_add_test(tc, project_gives_up);
	tcase_add_test(tc, project_early_stop);
	tcase_add_test(tc, project_member);
	tcase_add_test(tc, project_long_values);
	tcase_add_test(tc, project_random_containers);
	tcase_add_test(tc, projection_build);
	tcase_add_test(tc, projection_decide_direct);
	suite_add_tcase(s, tc);
	TCase *td = tcase_create("differential");
	tcase_set_timeout(td, 300);
	tcase_add_test(td, differential_table);
	tcase_add_test(td, differential_engine);
	tcase_add_test(td, differential_mutants);
	suite_add_tcase(s, td);
	return s;
}

IAMW_TEST_MAIN(projection_suite)
