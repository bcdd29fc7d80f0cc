/* SPDX-License-Identifier: MIT */
/*
 * test-json-check.c - the strict JSON object check (libiamwatch/json_check.c).
 *
 * Its contract: never looser than the full parser. For every byte string,
 * iamw__json_check_object() == 1 implies iamw__parse_event_json() != NULL
 * (cJSON accepts the text as one object). It may refuse text that cJSON
 * accepts, but not real CloudTrail records.
 *  - hand-written valid objects: check 1 (and cJSON accepts them);
 *  - hand-written invalid or cJSON-doubtful texts: check 0;
 *  - every record of $IAMW_SAMPLE and of the .ndjson.gz files in
 *    $IAMW_CORPUS_DIR (skipped with a note when unset): check 1 and cJSON
 *    accepts it;
 *  - a mutation property test: mutants (fixed-seed PRNG) of the sample's
 *    records (topped up to 500 from the corpus' invictus file when
 *    $IAMW_CORPUS_DIR is set) and of the hand-written cases must satisfy
 *    the contract;
 *    mutants cJSON accepts but the check refuses are counted and printed.
 *
 * Every text is handed over in a buffer of its exact size, without a NUL, so
 * that valgrind or ASan catch reads past the end.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <check.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "iamw-test.h"
#include "common/json_check.h"
#include "match/eval.h"

/* ------------------------------------------------------------------ helpers */

typedef struct {
	const char *s;
	size_t len;
} text;

/* A literal with its exact length (may contain NUL bytes). */
#define T(lit)                                                                                     \
	{                                                                                          \
		lit, sizeof(lit) - 1                                                               \
	}

/* A printable rendering of at most 300 bytes of s (static buffer). */
static const char *esc(const char *s, size_t n)
{
	static char out[300 * 4 + 32];
	size_t o = 0;
	for (size_t i = 0; i < n && i < 300; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else if (c == '\\')
			o += (size_t)snprintf(out + o, sizeof out - o, "\\\\");
		else
			o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x", c);
	}
	if (n > 300)
		o += (size_t)snprintf(out + o, sizeof out - o, "...(%zu bytes)", n);
	out[o] = '\0';
	return out;
}

/* An exact-size heap copy (no trailing NUL), so that reading past the end
 * shows up under ASan and valgrind. */
static char *exact_copy(const char *s, size_t n)
{
	char *copy = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(copy);
	if (n)
		memcpy(copy, s, n);
	return copy;
}

/* check on an exact-size copy */
static int check_exact(const char *s, size_t n)
{
	char *copy = exact_copy(s, n);
	int r = iamw__json_check_object(copy, n);
	free(copy);
	return r;
}

/* 1 when the full parser accepts s[0..n) (exact-size copy) */
static int cjson_accepts(const char *s, size_t n)
{
	char *copy = exact_copy(s, n);
	cJSON *t = iamw__parse_event_json(copy, n);
	int ok = t != NULL;
	cJSON_Delete(t);
	free(copy);
	return ok;
}

/* A growable byte buffer. */
typedef struct {
	char *p;
	size_t n, cap;
} buf;

static void buf_reserve(buf *b, size_t extra)
{
	if (b->n + extra <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->n + extra)
		cap *= 2;
	b->p = realloc(b->p, cap);
	ck_assert_ptr_nonnull(b->p);
	b->cap = cap;
}

static void buf_add(buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void buf_adds(buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_repeat(buf *b, const char *s, size_t times)
{
	for (size_t i = 0; i < times; i++)
		buf_adds(b, s);
}

/* Insert s[0..n) at position at (<= b->n). */
static void buf_insert(buf *b, size_t at, const char *s, size_t n)
{
	buf_reserve(b, n);
	memmove(b->p + at + n, b->p + at, b->n - at);
	memcpy(b->p + at, s, n);
	b->n += n;
}

static void buf_erase(buf *b, size_t at, size_t n)
{
	memmove(b->p + at, b->p + at + n, b->n - at - n);
	b->n -= n;
}

/* {"a": followed by depth-1 '[' or {"k": (alternating when mixed), the
 * innermost value, and the closers: a text depth containers deep. */
static void nest(buf *b, size_t depth, int mixed, const char *inner)
{
	b->n = 0;
	buf_adds(b, "{\"a\":");
	for (size_t i = 1; i < depth; i++)
		buf_adds(b, mixed && i % 2 ? "{\"k\":" : "[");
	buf_adds(b, inner);
	for (size_t i = depth - 1; i >= 1; i--)
		buf_adds(b, mixed && i % 2 ? "}" : "]");
	buf_adds(b, "}");
}

/* ------------------------------------------------------------------ hand-written cases */

static const text valid_cases[] = {
    T("{}"),
    T("{ }"),
    T(" \t\r\n{}\n\r\t "),
    T("{\"\":0}"),
    T("{\"\":\"\"}"),
    T("{\"a\":1}"),
    T("{ \"a\" : 1 , \"b\" : [ 1 , 2 ] }"),
    T("{\r\n\t\"a\"\t:\r\n[\n]\r\n}"),
    T("{\"a\":[],\"b\":{},\"c\":[[]],\"d\":[{}],\"e\":{\"f\":{\"g\":[1,[2,[3,{\"h\":null}]]]}}}"),
    T("{\"t\":true,\"f\":false,\"n\":null,\"arr\":[true,false,null]}"),
    T("{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}"),
    T("{\"a\":\"\\u0041\\u00e9\\u20AC\\uFFFF\\u0000\\u001f\"}"),
    T("{\"a\":\"\\uD83D\\uDE00\",\"b\":\"x\\ud800\\udc00y\",\"c\":\"\\uDBFF\\uDFFF\"}"),
    T("{\"\\u0061\\uD834\\uDD1E\":\"key with escapes\"}"),
    T("{\"a\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 raw UTF-8\"}"),
    T("{\"a\":\"\x7f\xff\xfe bytes >= 0x7f\"}"),
    T("{\"a\":0,\"b\":-0,\"c\":0.5e-3,\"d\":1E+2,\"e\":-1.25e10,\"f\":123456789}"),
    T("{\"a\":0e0,\"b\":0E-0,\"c\":-0.0,\"d\":1e999,\"e\":-1e-999,\"f\":10.01}"),
    /* 63-character numbers: cJSON reads at most 63 */
    T("{\"a\":123456789012345678901234567890123456789012345678901234567890123}"),
    T("{\"a\":-12345678901234567890123456789012345678901234567890123456789012}"),
    T("{\"a\":0.0000000000000000000000000000000000000000000000000000000000001}"),
    T("{\"a\":1.00000000000000000000000000000000000000000000000000000000e+123}"),
    T("{\"a\":[123456789012345678901234567890123456789012345678901234567890123,1]}"),
    T("{\"a\":\"x\",\"a\":\"duplicate keys are fine\"}"),
    T("{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"Root\"},\"readOnly\":false}"),
};

static const text invalid_cases[] = {
    /* structure */
    T(""),
    T("   "),
    T("{"),
    T("}"),
    T("{\"a\":1,}"),
    T("{\"a\":[1,2,]}"),
    T("{,}"),
    T("{\"a\" 1}"),
    T("{\"a\"}"),
    T("{\"a\":}"),
    T("{a:1}"),
    T("{'a':1}"),
    T("{\"a\":'x'}"),
    T("{\"a\":1 \"b\":2}"),
    T("{\"a\":1}x"),
    T("{\"a\":1} x"),
    T("{\"a\":1}}"),
    T("{\"a\":1}{\"b\":2}"),
    T("{\"a\":1} {\"b\":2}"),
    T("{\"a\":[1}"),
    T("{\"a\":{\"b\":1]}"),
    T("[{\"a\":1}]"),
    T("[]"),
    T("\"{}\""),
    T("1"),
    T("null"),
    T("{\"a\":1"),
    T("{\"a\":\"x}"),
    T("{\"a\":\"x\\\"}"),
    T("{\"a\":\"x\\"),
    T("{\"a\":[1,2"),
    T("{\"a\":{}"),
    /* numbers */
    T("{\"a\":01}"),
    T("{\"a\":-01}"),
    T("{\"a\":00}"),
    T("{\"a\":1.}"),
    T("{\"a\":.5}"),
    T("{\"a\":+1}"),
    T("{\"a\":-}"),
    T("{\"a\":1e}"),
    T("{\"a\":1e+}"),
    T("{\"a\":1.e5}"),
    T("{\"a\":0x10}"),
    T("{\"a\":1..2}"),
    T("{\"a\":1-2}"),
    /* 64 characters: upstream cJSON 1.7.15 reads 63 and fails on the rest;
     * Debian's 1.7.15-1+deb12u4 (CVE-2023-26819 fix) reads any length */
    T("{\"a\":1234567890123456789012345678901234567890123456789012345678901234}"),
    T("{\"a\":-1234567890123456789012345678901234567890123456789012345678901234}"),
    T("{\"a\":0.00000000000000000000000000000000000000000000000000000000000001}"),
    T("{\"a\":NaN}"),
    T("{\"a\":nan}"),
    T("{\"a\":Infinity}"),
    T("{\"a\":-Infinity}"),
    T("{\"a\":inf}"),
    /* literals */
    T("{\"a\":tru}"),
    T("{\"a\":tru"),
    T("{\"a\":True}"),
    T("{\"a\":nul}"),
    T("{\"a\":fals}"),
    T("{\"a\":truex}"),
    T("{\"a\":nulll}"),
    /* strings and escapes */
    T("{\"a\":\"\\x41\"}"),
    T("{\"a\":\"\\a\"}"),
    T("{\"a\":\"\\'\"}"),
    T("{\"a\":\"\\U0041\"}"),
    T("{\"a\":\"\t\"}"),
    T("{\"a\":\"x\ty\"}"),
    T("{\"a\":\"\n\"}"),
    T("{\"a\":\"\x00\"}"),
    T("{\"a\":\"x\x1fy\"}"),
    T("{\"a\x01\":1}"),
    T("{\"a\":\"\\uD800\"}"),
    T("{\"a\":\"\\uDBFFx\"}"),
    T("{\"a\":\"\\uDC00\"}"),
    T("{\"a\":\"\\uDFFF\\uD800\"}"),
    T("{\"a\":\"\\uD800\\u0041\"}"),
    T("{\"a\":\"\\uD800\\uD800\"}"),
    T("{\"a\":\"\\uD800\\n\"}"),
    T("{\"a\":\"\\uD800\\uDC0\"}"),
    T("{\"a\":\"\\uD83D\\\"}"),
    T("{\"a\":\"\\u12\"}"),
    T("{\"a\":\"\\u123\"}"),
    T("{\"a\":\"\\u12\"}x"),
    T("{\"a\":\"\\uZZZZ\"}"),
    T("{\"a\":\"\\u00G0\"}"),
    T("{\"a\":\"\\u-123\"}"),
    T("{\"a\":\"\\u\"}"),
    T("{\"a\\uDC00\":1}"),
    T("{\"a\":\"x\"\"y\"}"),
    /* whitespace other than space, tab, CR, LF */
    T("{\"a\":\x0b"
      "1}"),
    T("\x0b{\"a\":1}"),
    T("{\"a\":1}\x0b"),
    T("{\x0c\"a\":1}"),
    T("{\"a\":1\x00}"),
    T("\x00{\"a\":1}"),
    T("{\"a\":1}\x00"),
    T("{\"a\"\x1f:1}"),
    T("{\"a\":1,\xa0\"b\":2}"),
    T("\xef\xbb\xbf{\"a\":1}"),
};

START_TEST(valid_objects)
{
	for (size_t i = 0; i < sizeof valid_cases / sizeof *valid_cases; i++) {
		const text *t = &valid_cases[i];
		ck_assert_msg(check_exact(t->s, t->len) == 1, "check refuses valid case %zu: %s", i,
		              esc(t->s, t->len));
		ck_assert_msg(cjson_accepts(t->s, t->len), "cJSON refuses valid case %zu: %s", i,
		              esc(t->s, t->len));
	}
	/* nesting: 512 containers pass, in arrays and alternating with objects */
	buf b = {0};
	const char *inners[] = {"", "1", "\"x\"", "{}", "[]"};
	for (int mixed = 0; mixed <= 1; mixed++) {
		for (size_t k = 0; k < sizeof inners / sizeof *inners; k++) {
			if (mixed && !*inners[k])
				continue; /* the innermost {"k": needs a value */
			/* "{}" and "[]" add a level of their own */
			size_t depth = IAMW__JSON_CHECK_MAX_DEPTH - (k >= 3);
			nest(&b, depth, mixed, inners[k]);
			ck_assert_msg(check_exact(b.p, b.n) == 1, "depth %zu refused: %s", depth,
			              esc(b.p, b.n));
			ck_assert(cjson_accepts(b.p, b.n));
		}
	}
	/* surrounding whitespace, a long string with escapes, a long array */
	b.n = 0;
	buf_adds(&b, "\r\n {\"k\":\"");
	buf_repeat(&b, "abcdefghij\\u00e9", 5000);
	buf_adds(&b, "\",\"n\":[");
	for (int i = 0; i < 2000; i++)
		buf_adds(&b, i ? ",-1.5e3" : "0");
	buf_adds(&b, "]}\t\t\n");
	ck_assert_int_eq(check_exact(b.p, b.n), 1);
	ck_assert(cjson_accepts(b.p, b.n));
	free(b.p);
}
END_TEST

START_TEST(invalid_or_doubtful)
{
	size_t cjson_only = 0;
	for (size_t i = 0; i < sizeof invalid_cases / sizeof *invalid_cases; i++) {
		const text *t = &invalid_cases[i];
		ck_assert_msg(check_exact(t->s, t->len) == 0, "check accepts invalid case %zu: %s",
		              i, esc(t->s, t->len));
		cjson_only += (size_t)cjson_accepts(t->s, t->len);
	}
	/* nesting 513 deep and more: refused (cJSON takes up to 1000) */
	static const size_t deep[] = {513, 514, 515, 520, 600, 999, 1000, 1001};
	buf b = {0};
	for (int mixed = 0; mixed <= 1; mixed++) {
		for (size_t k = 0; k < sizeof deep / sizeof *deep; k++) {
			nest(&b, deep[k], mixed, "1");
			ck_assert_msg(check_exact(b.p, b.n) == 0, "depth %zu accepted", deep[k]);
			cjson_only += (size_t)cjson_accepts(b.p, b.n);
		}
	}
	nest(&b, IAMW__JSON_CHECK_MAX_DEPTH, 0, "{}");
	ck_assert_int_eq(check_exact(b.p, b.n), 0);
	nest(&b, IAMW__JSON_CHECK_MAX_DEPTH, 1, "[[]]");
	ck_assert_int_eq(check_exact(b.p, b.n), 0);
	/* unterminated deep nesting */
	nest(&b, 600, 0, "1");
	b.n -= 300;
	ck_assert_int_eq(check_exact(b.p, b.n), 0);
	free(b.p);
	fprintf(stderr, "invalid_or_doubtful: %zu refused texts are accepted by cJSON\n",
	        cjson_only);
}
END_TEST

/* ------------------------------------------------------------------ real data */

/* The source tree: $IAMW_SOURCE_ROOT, else the directory above this file as
 * the compiler saw it ("../tests/x.c" -> "..", "tests/x.c" -> ".",
 * "x.c" -> ".."). */
static const char *source_root(void)
{
	static char root[4096];
	if (root[0])
		return root;
	const char *env = getenv("IAMW_SOURCE_ROOT");
	if (env) {
		snprintf(root, sizeof root, "%s", env);
		return root;
	}
	snprintf(root, sizeof root, "%s", __FILE__);
	char *slash = strrchr(root, '/');
	if (!slash) {
		snprintf(root, sizeof root, "..");
		return root;
	}
	*slash = '\0';
	slash = strrchr(root, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(root, sizeof root, ".");
	return root;
}

static const char *sample_path(void)
{
	static char path[4200];
	const char *env = getenv("IAMW_SAMPLE");
	if (env)
		return env;
	snprintf(path, sizeof path, "%s/examples/data/stratus-red-team-detonation-logs.ndjson.gz",
	         source_root());
	return path;
}

/* Calls fn(line, len, ctx) for each non-empty line of a gzip file, without
 * the line end; stops early when fn returns nonzero. Returns the number of
 * lines passed, or -1 when the file cannot be opened. */
typedef int (*line_fn)(const char *line, size_t len, size_t lineno, void *ctx);

static long for_each_line(const char *path, line_fn fn, void *ctx)
{
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return -1;
	gzbuffer(gz, 1 << 17);
	buf line = {0};
	long n = 0;
	size_t lineno = 0;
	char chunk[1 << 16];
	for (;;) {
		line.n = 0;
		int eof = 1;
		while (gzgets(gz, chunk, sizeof chunk)) {
			eof = 0;
			size_t l = strlen(chunk);
			buf_add(&line, chunk, l);
			if (l && chunk[l - 1] == '\n')
				break;
		}
		if (eof)
			break;
		lineno++;
		size_t l = line.n;
		while (l && (line.p[l - 1] == '\n' || line.p[l - 1] == '\r'))
			l--;
		if (!l)
			continue;
		/* hand over an exact-size copy */
		char *exact = malloc(l);
		ck_assert_ptr_nonnull(exact);
		memcpy(exact, line.p, l);
		int stop = fn(exact, l, lineno, ctx);
		free(exact);
		n++;
		if (stop)
			break;
	}
	int err;
	const char *msg = gzerror(gz, &err);
	ck_assert_msg(err == Z_OK || err == Z_STREAM_END, "%s: %s", path, msg);
	gzclose(gz);
	free(line.p);
	return n;
}

typedef struct {
	const char *path;
	size_t bad;
} real_ctx;

static int check_real(const char *line, size_t len, size_t lineno, void *vctx)
{
	real_ctx *c = vctx;
	int r = iamw__json_check_object(line, len);
	cJSON *t = iamw__parse_event_json(line, len);
	if (r != 1 || !t) {
		if (c->bad++ < 5)
			fprintf(stderr, "%s:%zu: check %d, cJSON %s: %s\n", c->path, lineno, r,
			        t ? "accepts" : "refuses", esc(line, len));
	}
	cJSON_Delete(t);
	return 0;
}

static long check_real_file(const char *path)
{
	real_ctx c = {path, 0};
	long n = for_each_line(path, check_real, &c);
	ck_assert_msg(n >= 0, "cannot open %s", path);
	ck_assert_msg(c.bad == 0, "%s: %zu of %ld records refused (first ones printed above)", path,
	              c.bad, n);
	return n;
}

START_TEST(real_sample)
{
	long n = check_real_file(sample_path());
	ck_assert_int_gt(n, 100);
}
END_TEST

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(real_corpus)
{
	const char *dir = getenv("IAMW_CORPUS_DIR");
	if (!dir) {
		fprintf(stderr, "real_corpus: IAMW_CORPUS_DIR unset: skipped\n");
		return;
	}
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "cannot open IAMW_CORPUS_DIR %s", dir);
	char *names[256];
	size_t nn = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL && nn < 256) {
		size_t l = strlen(de->d_name);
		if (l > 10 && strcmp(de->d_name + l - 10, ".ndjson.gz") == 0)
			names[nn++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, nn, sizeof *names, cmp_str);
	ck_assert_msg(nn > 0, "no .ndjson.gz file in %s", dir);
	long total = 0;
	for (size_t i = 0; i < nn; i++) {
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		total += check_real_file(path);
		free(names[i]);
	}
	fprintf(stderr, "real_corpus: %ld records in %zu files pass\n", total, nn);
}
END_TEST

/* ------------------------------------------------------------------ mutation property */

/* splitmix64: fixed seed, identical on every platform */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* uniform-enough in [0, n), n > 0 */
static size_t below(size_t n)
{
	return (size_t)(rnd() % n);
}

typedef struct {
	char **s;
	size_t *len;
	size_t n, cap;
} seed_set;

static void seeds_add(seed_set *ss, const char *s, size_t len)
{
	if (ss->n == ss->cap) {
		ss->cap = ss->cap ? ss->cap * 2 : 256;
		ss->s = realloc(ss->s, ss->cap * sizeof *ss->s);
		ss->len = realloc(ss->len, ss->cap * sizeof *ss->len);
		ck_assert(ss->s && ss->len);
	}
	ss->s[ss->n] = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(ss->s[ss->n]);
	if (len)
		memcpy(ss->s[ss->n], s, len);
	ss->len[ss->n++] = len;
}

static int add_seed_line(const char *line, size_t len, size_t lineno, void *vctx)
{
	(void)lineno;
	seed_set *ss = vctx;
	seeds_add(ss, line, len);
	return ss->n >= 500;
}

/* Bytes worth inserting: JSON punctuation, number and literal pieces,
 * whitespace good and bad, control and high bytes. */
static const char interesting[] = "{}[]\",:\\/ 0123456789.eE+-tfnulr\t\n\r\x0b\x0c\x00\x01\x1f"
                                  "\x7f\x80\xff"
                                  "aAzZuU";

static const char *const snippets[] = {
    "\\u",     "\\\"",         "\\\\",   "\\n",   "\\x",      "\\uD83D\\uDE00",
    "\\uDC00", "\\uD800",      "true",   "false", "null",     "nul",
    "tru",     "-0",           "0.5e-3", "1E+2",  "01",       "1.",
    ".5",      "+1",           "NaN",    "[]",    "{}",       "[[",
    "]]",      "{\"\":",       "\"k\":", ",",     "\"a\":1,", ":",
    "\"",      "\xef\xbb\xbf",
};

static void insert_hex_escape(buf *m, size_t at)
{
	char e[16];
	size_t n = 0;
	e[n++] = '\\';
	e[n++] = 'u';
	unsigned v;
	switch (below(6)) {
	case 0: v = 0xD800 + (unsigned)below(0x400); break; /* high surrogate */
	case 1: v = 0xDC00 + (unsigned)below(0x400); break; /* low surrogate */
	case 2: v = (unsigned)below(0x80); break;
	default: v = (unsigned)below(0x10000); break;
	}
	static const char hexl[] = "0123456789abcdef", hexu[] = "0123456789ABCDEF";
	const char *hex = below(2) ? hexl : hexu;
	size_t digits = below(8) ? 4 : below(4); /* sometimes too few */
	for (size_t k = 0; k < digits; k++)
		e[n++] = hex[(v >> (12 - 4 * k)) & 0xf];
	if (!below(8) && digits)
		e[n - 1 - below(digits)] = "gGxZ-\" "[below(7)]; /* a bad digit */
	if (v >= 0xD800 && v <= 0xDBFF && below(2)) {
		/* and a second escape: a low surrogate, or something else */
		e[n++] = '\\';
		e[n++] = 'u';
		unsigned w = below(3) ? 0xDC00 + (unsigned)below(0x400) : (unsigned)below(0x10000);
		for (size_t k = 0; k < 4; k++)
			e[n++] = hexu[(w >> (12 - 4 * k)) & 0xf];
	}
	buf_insert(m, at, e, n);
}

/* A position inside a string when one is near, else anywhere. */
static size_t string_pos(const buf *m)
{
	size_t at = below(m->n + 1);
	const char *q = at < m->n ? memchr(m->p + at, '"', m->n - at) : NULL;
	return q ? (size_t)(q - m->p) + 1 : at;
}

/* A number of exactly len characters (len >= 1) in d: mostly valid JSON
 * (-?int(.frac)?(e[+-]?exp)?), sometimes with a leading zero, an empty
 * fraction or exponent, or a '+' sign. */
static void make_number(char *d, size_t len)
{
	size_t i = 0;
	if (len > 1 && !below(3))
		d[i++] = below(8) ? '-' : '+';
	size_t rest = len - i;
	size_t frac = rest > 2 && below(2) ? 1 + below(rest - 2) : 0;
	size_t exp =
	    rest - frac > 2 && below(2) ? 1 + below(rest - frac - 2 < 4 ? rest - frac - 2 : 4) : 0;
	size_t intd = rest - frac - exp;
	for (size_t k = 0; k < intd; k++)
		d[i++] =
		    (char)((k == 0 && intd > 1 && below(16)) ? '1' + below(9) : '0' + below(10));
	if (frac) {
		d[i++] = '.';
		for (size_t k = 1; k < frac; k++)
			d[i++] = (char)('0' + below(10));
	}
	if (exp) {
		d[i++] = below(2) ? 'e' : 'E';
		for (size_t k = 1; k < exp; k++)
			d[i++] =
			    (char)(k == 1 && below(2) ? "+-"[below(2)] : (char)('0' + below(10)));
	}
}

static void mutate_once(buf *m)
{
	size_t n = m->n;
	switch (below(15)) {
	case 0: /* flip or replace a byte */
		if (n) {
			size_t at = below(n);
			m->p[at] = below(2) ? (char)(m->p[at] ^ (1 << below(8)))
			                    : interesting[below(sizeof interesting - 1)];
		}
		break;
	case 1: /* replace with a random byte */
		if (n)
			m->p[below(n)] = (char)below(256);
		break;
	case 2: /* delete a byte */
		if (n)
			buf_erase(m, below(n), 1);
		break;
	case 3: /* delete a short range */
		if (n) {
			size_t at = below(n), len = 1 + below(8);
			buf_erase(m, at, len < n - at ? len : n - at);
		}
		break;
	case 4: /* insert an interesting byte */
	{
		char c = interesting[below(sizeof interesting - 1)];
		buf_insert(m, below(n + 1), &c, 1);
		break;
	}
	case 5: /* insert a random byte */
	{
		char c = (char)below(256);
		buf_insert(m, below(n + 1), &c, 1);
		break;
	}
	case 6: /* duplicate a range */
		if (n) {
			size_t at = below(n), len = 1 + below(below(2) ? 4 : 64);
			if (len > n - at)
				len = n - at;
			char tmp[64];
			memcpy(tmp, m->p + at, len);
			buf_insert(m, below(n + 1), tmp, len);
		}
		break;
	case 7: /* a \u escape with random hex, often inside a string */
	case 8: insert_hex_escape(m, string_pos(m)); break;
	case 9: /* a control byte, often inside a string */
	{
		char c = (char)(below(4) ? below(0x20) : 0x7f);
		buf_insert(m, below(2) ? string_pos(m) : below(n + 1), &c, 1);
		break;
	}
	case 10: /* a snippet */
	{
		const char *s = snippets[below(sizeof snippets / sizeof *snippets)];
		buf_insert(m, below(2) ? string_pos(m) : below(n + 1), s, strlen(s));
		break;
	}
	case 11: /* a long run of digits: numbers around 63 characters */
	{
		char d[80];
		size_t len = 55 + below(14);
		for (size_t k = 0; k < len; k++)
			d[k] = (char)('0' + below(10));
		size_t at = below(n + 1);
		/* after a digit, to lengthen an existing number */
		for (size_t k = at; k < n && k < at + 200; k++)
			if (m->p[k] >= '1' && m->p[k] <= '9') {
				at = k + 1;
				break;
			}
		buf_insert(m, at, d, len);
		break;
	}
	case 12: /* a number value replaced by one of 1 to 70 characters */
	{
		size_t at = below(n + 1), k = at;
		while (k < n && m->p[k] != ':' && m->p[k] != '[' && m->p[k] != ',')
			k++;
		if (k == n)
			break;
		size_t end = ++k;
		while (end < n && memchr("0123456789+-.eE", m->p[end], 15))
			end++;
		char d[80];
		size_t len = below(4) ? 58 + below(9) : 1 + below(70);
		make_number(d, len);
		buf_erase(m, k, end - k);
		buf_insert(m, k, d, len);
		break;
	}
	case 13: /* truncate */
		if (n)
			m->n = below(n);
		break;
	default: /* deep nesting around the whole text */
	{
		static const size_t depths[] = {1,   2,   3,   500, 505, 508, 509,  510, 511,
		                                512, 513, 514, 600, 998, 999, 1000, 1001};
		size_t k = depths[below(sizeof depths / sizeof *depths)];
		int mixed = (int)below(2);
		buf w = {0};
		buf_adds(&w, "{\"w\":");
		for (size_t i = 1; i < k; i++)
			buf_adds(&w, mixed && i % 2 ? "{\"k\":" : "[");
		buf_add(&w, m->p, n);
		for (size_t i = k - 1; i >= 1; i--)
			buf_adds(&w, mixed && i % 2 ? "}" : "]");
		buf_adds(&w, "}");
		free(m->p);
		*m = w;
		break;
	}
	}
}

typedef struct {
	size_t mutants, check_ok, cjson_ok, refused_cjson_ok, violations;
} mut_stats;

static void property(mut_stats *st, const buf *m, size_t seed)
{
	char *exact = malloc(m->n ? m->n : 1);
	ck_assert_ptr_nonnull(exact);
	if (m->n)
		memcpy(exact, m->p, m->n);
	int r = iamw__json_check_object(exact, m->n);
	cJSON *t = iamw__parse_event_json(exact, m->n);
	st->mutants++;
	ck_assert_msg(r == 0 || r == 1, "check returned %d", r);
	st->check_ok += (size_t)r;
	st->cjson_ok += t != NULL;
	if (!r && t)
		st->refused_cjson_ok++;
	if (r && !t) {
		if (st->violations++ < 10)
			fprintf(stderr,
			        "VIOLATION (seed %zu, %zu bytes): check 1, cJSON refuses: %s\n",
			        seed, m->n, esc(m->p, m->n));
	}
	cJSON_Delete(t);
	free(exact);
}

START_TEST(mutation_property)
{
	seed_set ss = {0};
	long got = for_each_line(sample_path(), add_seed_line, &ss);
	ck_assert_msg(got > 100, "cannot read the sample %s", sample_path());
	/* the sample has 310 records: top up to 500 from the corpus when set */
	const char *dir = getenv("IAMW_CORPUS_DIR");
	if (dir && ss.n < 500) {
		char path[8192];
		snprintf(path, sizeof path, "%s/invictus_ir_aws_dataset_2023.ndjson.gz", dir);
		for_each_line(path, add_seed_line, &ss);
	}
	size_t n_sample = ss.n;
	for (size_t i = 0; i < sizeof valid_cases / sizeof *valid_cases; i++)
		seeds_add(&ss, valid_cases[i].s, valid_cases[i].len);
	for (size_t i = 0; i < sizeof invalid_cases / sizeof *invalid_cases; i++)
		seeds_add(&ss, invalid_cases[i].s, invalid_cases[i].len);
	size_t n_hand = ss.n - n_sample;

	rng_state = 0x6a736f6e2d636b31u; /* fixed */
	mut_stats st = {0};
	buf m = {0};
	/* IAMW_JSON_CHECK_MUTANTS=N: N mutants instead of 240000 (longer runs by hand) */
	const char *scale = getenv("IAMW_JSON_CHECK_MUTANTS");
	size_t total = scale && atol(scale) > 0 ? (size_t)atol(scale) : 240000;
	for (size_t i = 0; i < total; i++) {
		/* a third from the sample records (large), the rest from the hand cases */
		size_t seed = i % 3 == 0 ? below(n_sample) : n_sample + below(n_hand);
		m.n = 0;
		buf_add(&m, ss.s[seed], ss.len[seed]);
		size_t rounds = 1 + below(below(4) ? 2 : 6);
		for (size_t r = 0; r < rounds; r++)
			mutate_once(&m);
		if (!below(16)) {
			/* surrounding whitespace, good or bad */
			static const char *const ws[] = {" ",    "\t",   "\r\n", "\n ",
			                                 "\x0b", "\x0c", "\x00"};
			const char *pre = ws[below(sizeof ws / sizeof *ws)];
			buf_insert(&m, 0, pre, *pre ? strlen(pre) : 1);
			const char *post = ws[below(sizeof ws / sizeof *ws)];
			buf_add(&m, post, *post ? strlen(post) : 1);
		}
		property(&st, &m, seed);
	}
	free(m.p);
	for (size_t i = 0; i < ss.n; i++)
		free(ss.s[i]);
	free(ss.s);
	free(ss.len);
	fprintf(stderr,
	        "mutation_property: %zu mutants (%zu seeds: %zu sample, %zu hand): check accepts "
	        "%zu, cJSON accepts %zu, cJSON accepts but check refuses %zu\n",
	        st.mutants, n_sample + n_hand, n_sample, n_hand, st.check_ok, st.cjson_ok,
	        st.refused_cjson_ok);
	ck_assert_msg(st.violations == 0, "%zu mutants accepted by the check but refused by cJSON",
	              st.violations);
	ck_assert_uint_eq(st.mutants, total);
	/* the property is not vacuous */
	ck_assert_uint_gt(st.check_ok, st.mutants / 20);
}
END_TEST

static Suite *json_check_suite(void)
{
	Suite *s = suite_create("json-check");
	TCase *tc = tcase_create("hand");
	tcase_add_test(tc, valid_objects);
	tcase_add_test(tc, invalid_or_doubtful);
	suite_add_tcase(s, tc);
	TCase *tr = tcase_create("real");
	tcase_set_timeout(tr, 300);
	tcase_add_test(tr, real_sample);
	tcase_add_test(tr, real_corpus);
	suite_add_tcase(s, tr);
	TCase *tm = tcase_create("mutation");
	tcase_set_timeout(tm, 300);
	tcase_add_test(tm, mutation_property);
	suite_add_tcase(s, tm);
	return s;
}

IAMW_TEST_MAIN(json_check_suite)
