/* SPDX-License-Identifier: MIT */
/*
 * test-records.c - the CloudTrail record decoder (iamwatch/records.h) and
 * its replay through the engine: every input format from the small files in
 * tests/data/records/, the damaged inputs that must be reported and survived
 * (truncated documents and gzip streams, malformed lines, deep nesting,
 * over-long lines and values, invalid UTF-8, NUL bytes, wrong shapes), the
 * real CloudTrail corpus, also re-wrapped at test time into the other
 * formats to show the same record bytes come out, and the streaming
 * contract: results never depend on how the bytes are split into feeds.
 *
 * Every decode here goes through decode_all(), which decodes the input in
 * one feed, one byte per feed and in random pieces, requires identical
 * records and problems from all of them, and checks that every position
 * (offset, line, column) points where it says.
 *
 * Data: $IAMW_RECORDS_DATA_DIR, else data/records next to this file.
 * Corpus: $IAMW_CORPUS_DIR, else /work/shared/data/cloudtrail.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "iamw-test.h"
#include "iamwatch.h"

/* ---- collecting what a decoder hands out ---------------------------------- */

/* An assertion for hot loops: Check writes a mark for every passing
 * ck_assert, which per fed byte would cost more than the decoding. */
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			ck_abort_msg(__VA_ARGS__);                                                 \
	} while (0)

typedef struct item {
	char *json;
	size_t len;
	uint64_t line, index, offset;
	int64_t ts;
	int container;
	uint32_t flags;
} item;

typedef struct prob {
	int code, fatal, refused;
	uint64_t line, column, offset;
	char message[256];
} prob;

typedef struct result {
	item *rec;
	size_t n_rec, cap_rec;
	prob *prob;
	size_t n_prob, cap_prob;
	int stop_after; /* stop the feed (return 7) at this record, 1-based; 0 never */
	iamw_decoder_stats stats;
} result;

static int on_rec(const iamw_record *r, void *payload)
{
	result *res = payload;
	if (res->n_rec == res->cap_rec) {
		res->cap_rec = res->cap_rec ? res->cap_rec * 2 : 64;
		res->rec = realloc(res->rec, res->cap_rec * sizeof *res->rec);
		CHECK(res->rec, "out of memory");
	}
	item *it = &res->rec[res->n_rec++];
	it->json = malloc(r->len + 1);
	CHECK(it->json, "out of memory");
	memcpy(it->json, r->json, r->len);
	it->json[r->len] = '\0';
	it->len = r->len;
	it->line = r->line;
	it->index = r->index;
	it->offset = r->offset;
	it->ts = r->log_timestamp_ms;
	it->container = (int)r->container;
	it->flags = r->flags;
	return res->stop_after && res->n_rec == (size_t)res->stop_after ? 7 : 0;
}

static int on_prob(const iamw_record_problem *p, void *payload)
{
	result *res = payload;
	if (res->n_prob == res->cap_prob) {
		res->cap_prob = res->cap_prob ? res->cap_prob * 2 : 16;
		res->prob = realloc(res->prob, res->cap_prob * sizeof *res->prob);
		CHECK(res->prob, "out of memory");
	}
	prob *pr = &res->prob[res->n_prob++];
	CHECK(p->message && p->message[0], "a problem without a message");
	CHECK(p->code < 0, "a problem with status %d", p->code);
	pr->code = p->code;
	pr->fatal = p->fatal;
	pr->refused = p->record != NULL;
	pr->line = p->line;
	pr->column = p->column;
	pr->offset = p->offset;
	snprintf(pr->message, sizeof pr->message, "%s", p->message);
	return 0;
}

static void result_free(result *res)
{
	for (size_t i = 0; i < res->n_rec; i++)
		free(res->rec[i].json);
	free(res->rec);
	free(res->prob);
	memset(res, 0, sizeof *res);
}

static iamw_decoder *new_decoder(size_t max_bytes)
{
	iamw_decoder_options o;
	ck_assert_iamw_ok(iamw_decoder_options_init(&o, IAMW_DECODER_OPTIONS_VERSION), NULL);
	if (max_bytes)
		o.max_bytes = max_bytes;
	iamw_decoder *d;
	ck_assert_iamw_ok(iamw_decoder_new(&d, &o), NULL);
	return d;
}

/* A small deterministic generator for split sizes (tests are reproducible). */
static unsigned next_rand(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

/* Feed data[0..len) to d as one stream: split 0 = one feed, 1 = a byte per
 * feed, larger = random pieces of 1..split bytes; then end it (fail with
 * cause when cause is not NULL). */
static void feed_stream(iamw_decoder *d, result *res, const char *data, size_t len, size_t split,
                        unsigned seed, const char *cause)
{
	ck_assert_iamw_ok(iamw_decoder_set_callbacks(d, on_rec, on_prob, res), NULL);
	size_t i = 0;
	while (i < len) {
		size_t n = split == 0 ? len : split == 1 ? 1 : 1 + next_rand(&seed) % split;
		if (n > len - i)
			n = len - i;
		int rc = iamw_decoder_feed(d, data + i, n);
		CHECK(rc == IAMW_OK, "feed at %zu: %s", i, iamw_strerror(rc));
		i += n;
	}
	if (cause)
		ck_assert_iamw_ok(iamw_decoder_fail(d, cause), NULL);
	else
		ck_assert_iamw_ok(iamw_decoder_finish(d), NULL);
}

static void decode(result *res, const char *data, size_t len, size_t max_bytes, size_t split,
                   unsigned seed, const char *cause)
{
	memset(res, 0, sizeof *res);
	iamw_decoder *d = new_decoder(max_bytes);
	feed_stream(d, res, data, len, split, seed, cause);
	ck_assert_iamw_ok(iamw_decoder_get_stats(d, &res->stats), NULL);
	ck_assert_uint_eq(res->stats.records, res->n_rec);
	ck_assert_uint_eq(res->stats.problems, res->n_prob);
	ck_assert_uint_eq(res->stats.bytes, len);
	ck_assert_uint_eq(res->stats.streams, 1);
	iamw_decoder_free(d);
}

static void same_results(const result *a, const result *b, const char *how)
{
	ck_assert_msg(a->n_rec == b->n_rec, "%s: %zu records, one feed gave %zu", how, b->n_rec,
	              a->n_rec);
	ck_assert_msg(a->n_prob == b->n_prob, "%s: %zu problems, one feed gave %zu", how, b->n_prob,
	              a->n_prob);
	for (size_t i = 0; i < a->n_rec; i++) {
		const item *x = &a->rec[i], *y = &b->rec[i];
		CHECK(x->len == y->len && memcmp(x->json, y->json, x->len) == 0 &&
		          x->line == y->line && x->index == y->index && x->offset == y->offset &&
		          x->ts == y->ts && x->container == y->container && x->flags == y->flags,
		      "%s: record %zu differs", how, i);
	}
	for (size_t i = 0; i < a->n_prob; i++) {
		const prob *x = &a->prob[i], *y = &b->prob[i];
		CHECK(x->code == y->code && x->fatal == y->fatal && x->line == y->line &&
		          x->column == y->column && x->offset == y->offset &&
		          strcmp(x->message, y->message) == 0,
		      "%s: problem %zu differs: \"%s\" at %llu:%llu vs \"%s\" at %llu:%llu", how, i,
		      x->message, (unsigned long long)x->line, (unsigned long long)x->column,
		      y->message, (unsigned long long)y->line, (unsigned long long)y->column);
	}
}

/* The line of data[offset]; offsets are asked for mostly in increasing
 * order, so a cursor keeps this linear. */
typedef struct line_cursor {
	uint64_t pos, line;
} line_cursor;

static uint64_t line_of(line_cursor *c, const char *data, uint64_t offset)
{
	if (offset < c->pos) {
		c->pos = 0;
		c->line = 1;
	}
	for (; c->pos < offset; c->pos++)
		c->line += data[c->pos] == '\n';
	return c->line;
}

/* Positions point where they say: a record's bytes are at its offset (unless
 * unescaped from a log message), and lines and columns agree with offsets. */
static void check_positions(const result *res, const char *data, size_t len)
{
	int bom = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0;
	line_cursor cur = {0, 1};
	for (size_t i = 0; i < res->n_rec; i++) {
		const item *it = &res->rec[i];
		CHECK(it->offset <= len, "record %zu: offset %llu", i,
		      (unsigned long long)it->offset);
		CHECK(it->line == line_of(&cur, data, it->offset), "record %zu: line %llu", i,
		      (unsigned long long)it->line);
		CHECK(it->len >= 2 && it->json[0] == '{' && it->json[it->len - 1] == '}',
		      "record %zu: not an object", i);
		if (!(it->flags & IAMW_RECORD_LOG_MESSAGE)) {
			CHECK(it->offset + it->len <= len, "record %zu: past the end", i);
			CHECK(memcmp(data + it->offset, it->json, it->len) == 0,
			      "record %zu is not the input's bytes at its offset", i);
		} else {
			CHECK(data[it->offset] == '"', "record %zu: not at its message", i);
		}
	}
	for (size_t i = 0; i < res->n_prob; i++) {
		const prob *p = &res->prob[i];
		CHECK(p->offset <= len, "problem %zu: offset %llu", i,
		      (unsigned long long)p->offset);
		if (p->line == 0 || p->refused)
			continue;
		CHECK(p->line == line_of(&cur, data, p->offset), "problem %zu (%s): line %llu", i,
		      p->message, (unsigned long long)p->line);
		if (p->column) {
			uint64_t bol = p->offset;
			while (bol > 0 && data[bol - 1] != '\n')
				bol--;
			if (bol == 0 && bom)
				bol = 3;
			CHECK(p->column == p->offset - bol + 1, "problem %zu (%s): column %llu", i,
			      p->message, (unsigned long long)p->column);
		}
	}
}

/* Under valgrind (IAMW_RECORDS_QUICK set by the test setup) fewer ways of
 * splitting are tried, and tiny pieces only for small inputs: the full set
 * runs in the plain and sanitizer builds. */
static int quick(void)
{
	const char *q = getenv("IAMW_RECORDS_QUICK");
	return q && *q && strcmp(q, "0") != 0;
}

/* Decode in one feed, byte by byte and in random pieces: all must agree. */
static void decode_all_cause(result *res, const char *data, size_t len, size_t max_bytes,
                             const char *cause)
{
	decode(res, data, len, max_bytes, 0, 0, cause);
	check_positions(res, data, len);
	static const struct {
		size_t split;
		unsigned seed;
		int quick;
	} ways[] = {{1, 0, 1},  {2, 1, 0},    {7, 2, 1},    {13, 3, 0},
	            {64, 4, 0}, {4096, 5, 1}, {65536, 6, 0}};
	for (size_t k = 0; k < sizeof ways / sizeof ways[0]; k++) {
		if (quick() && (!ways[k].quick || (ways[k].split < 64 && len > (1u << 14))))
			continue;
		result other;
		char how[64];
		snprintf(how, sizeof how, "pieces of up to %zu bytes", ways[k].split);
		decode(&other, data, len, max_bytes, ways[k].split, ways[k].seed, cause);
		same_results(res, &other, how);
		result_free(&other);
	}
}

static void decode_all(result *res, const char *data, size_t len, size_t max_bytes)
{
	decode_all_cause(res, data, len, max_bytes, NULL);
}

/* ---- files ------------------------------------------------------------------ */

static const char *data_dir(void)
{
	static char buf[4096];
	const char *env = getenv("IAMW_RECORDS_DATA_DIR");
	if (env && *env)
		return env;
	const char *slash = strrchr(__FILE__, '/');
	if (!slash)
		return "data/records";
	snprintf(buf, sizeof buf, "%.*s/data/records", (int)(slash - __FILE__), __FILE__);
	return buf;
}

static const char *data_path(const char *name)
{
	static char bufs[8][4096];
	static int next;
	char *b = bufs[next++ % 8];
	int n = snprintf(b, 4096, "%s/%s", data_dir(), name);
	ck_assert(n > 0 && n < 4096);
	return b;
}

static const char *corpus_path(const char *name)
{
	static char buf[4096];
	const char *env = getenv("IAMW_CORPUS_DIR");
	int n = snprintf(buf, sizeof buf, "%s/%s",
	                 env && *env ? env : "/work/shared/data/cloudtrail", name);
	ck_assert(n > 0 && (size_t)n < sizeof buf);
	return buf;
}

/* The (decompressed) bytes of a file; *cause is set when gzip data ends
 * early (NULL otherwise), as the program reports it. */
typedef struct blob {
	char *data;
	size_t len;
	const char *cause;
} blob;

static void load(blob *b, const char *path)
{
	memset(b, 0, sizeof *b);
	gzFile g = gzopen(path, "rb");
	ck_assert_msg(g != NULL, "%s: %s", path, strerror(errno));
	size_t cap = 1 << 16;
	b->data = malloc(cap);
	ck_assert_ptr_nonnull(b->data);
	for (;;) {
		if (b->len == cap) {
			cap *= 2;
			b->data = realloc(b->data, cap);
			ck_assert_ptr_nonnull(b->data);
		}
		int n = gzread(g, b->data + b->len, (unsigned)(cap - b->len));
		if (n < 0) {
			b->cause = "unexpected end of compressed data";
			break;
		}
		if (n == 0) {
			int zerr;
			gzerror(g, &zerr);
			if (zerr == Z_BUF_ERROR)
				b->cause = "unexpected end of compressed data";
			break;
		}
		b->len += (size_t)n;
	}
	gzclose(g);
}

static void blob_free(blob *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

static void collect_limit(result *res, const char *path, size_t max_bytes)
{
	blob b;
	load(&b, path);
	decode_all_cause(res, b.data, b.len, max_bytes, b.cause);
	blob_free(&b);
}

static void collect1(result *res, const char *name)
{
	collect_limit(res, data_path(name), 0);
}

static void collect_text(result *res, const char *text, size_t len)
{
	decode_all(res, text, len, 0);
}

/* Several files through one decoder, one stream each (and each also through
 * decode_all: the concatenated results must be the same). */
static void collect_files(result *res, const char *const *names, size_t n)
{
	memset(res, 0, sizeof *res);
	iamw_decoder *d = new_decoder(0);
	result parts;
	memset(&parts, 0, sizeof parts);
	size_t bytes = 0;
	for (size_t i = 0; i < n; i++) {
		blob b;
		load(&b, data_path(names[i]));
		feed_stream(d, res, b.data, b.len, 4096, (unsigned)i, b.cause);
		result one;
		decode_all_cause(&one, b.data, b.len, 0, b.cause);
		for (size_t k = 0; k < one.n_rec; k++)
			on_rec(&(iamw_record){one.rec[k].json, one.rec[k].len, one.rec[k].line,
			                      one.rec[k].index, one.rec[k].offset, one.rec[k].ts,
			                      (iamw_record_container)one.rec[k].container,
			                      one.rec[k].flags},
			       &parts);
		for (size_t k = 0; k < one.n_prob; k++)
			on_prob(&(iamw_record_problem){one.prob[k].code, one.prob[k].fatal,
			                               one.prob[k].line, one.prob[k].column,
			                               one.prob[k].offset, one.prob[k].message,
			                               NULL},
			        &parts);
		result_free(&one);
		bytes += b.len;
		blob_free(&b);
	}
	same_results(&parts, res, "one decoder for every stream");
	result_free(&parts);
	ck_assert_iamw_ok(iamw_decoder_get_stats(d, &res->stats), NULL);
	ck_assert_uint_eq(res->stats.streams, n);
	ck_assert_uint_eq(res->stats.bytes, bytes);
	ck_assert_uint_eq(res->stats.records, res->n_rec);
	ck_assert_uint_eq(res->stats.problems, res->n_prob);
	iamw_decoder_free(d);
}

/* ---- expectations ------------------------------------------------------------ */

static cJSON *parse_item(const item *it)
{
	cJSON *j = cJSON_ParseWithLength(it->json, it->len);
	ck_assert_msg(j && cJSON_IsObject(j), "record is not a JSON object: %.80s", it->json);
	return j;
}

static const char *str_field(cJSON *j, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The eventID of record i, which the data files number. */
static void expect_event_id(const result *res, size_t i, const char *id)
{
	ck_assert_uint_lt(i, res->n_rec);
	cJSON *j = parse_item(&res->rec[i]);
	const char *got = str_field(j, "eventID");
	ck_assert_msg(got && strcmp(got, id) == 0, "record %zu: eventID %s, want %s", i,
	              got ? got : "(none)", id);
	cJSON_Delete(j);
}

static void expect_problem(const result *res, size_t i, uint64_t line, const char *needle)
{
	ck_assert_uint_lt(i, res->n_prob);
	ck_assert_msg(res->prob[i].line == line, "problem %zu (%s) at line %llu, want %llu", i,
	              res->prob[i].message, (unsigned long long)res->prob[i].line,
	              (unsigned long long)line);
	ck_assert_msg(strstr(res->prob[i].message, needle), "problem %zu: \"%s\" lacks \"%s\"", i,
	              res->prob[i].message, needle);
}

/* The lines of NDJSON text, without "\n" / "\r\n". */
typedef struct lines {
	const char **line;
	size_t *len;
	size_t n;
} lines;

static void split_lines(lines *ls, const char *data, size_t len)
{
	memset(ls, 0, sizeof *ls);
	size_t cap = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (data + i)) : len - i;
		if (ls->n == cap) {
			cap = cap ? cap * 2 : 1024;
			ls->line = realloc(ls->line, cap * sizeof *ls->line);
			ls->len = realloc(ls->len, cap * sizeof *ls->len);
			ck_assert(ls->line && ls->len);
		}
		ls->line[ls->n] = data + i;
		ls->len[ls->n++] = n && data[i + n - 1] == '\r' ? n - 1 : n;
		i += n + 1;
	}
}

static void lines_free(lines *ls)
{
	free(ls->line);
	free(ls->len);
}

static void expect_same_records(const result *res, const lines *ls)
{
	ck_assert_uint_eq(res->n_rec, ls->n);
	for (size_t i = 0; i < ls->n; i++)
		CHECK(res->rec[i].len == ls->len[i] &&
		          memcmp(res->rec[i].json, ls->line[i], ls->len[i]) == 0,
		      "record %zu differs from corpus line %zu", i, i + 1);
}

/* ---- CloudTrail S3 delivery files -------------------------------------------------- */

START_TEST(test_s3_pretty)
{
	const char *names[] = {"s3-pretty.json", "s3-pretty.json.gz"};
	for (int k = 0; k < 2; k++) {
		result res;
		collect1(&res, names[k]);
		ck_assert_uint_eq(res.n_prob, 0);
		ck_assert_uint_eq(res.n_rec, 3);
		uint64_t want_line[] = {3, 19, 32};
		for (size_t i = 0; i < 3; i++) {
			ck_assert_uint_eq(res.rec[i].line, want_line[i]);
			ck_assert_uint_eq(res.rec[i].index, i);
			ck_assert_int_eq(res.rec[i].ts, IAMW_NO_TIME);
			ck_assert_int_eq(res.rec[i].container, IAMW_CONTAINER_RECORDS);
			ck_assert_uint_eq(res.rec[i].flags, 0);
		}
		expect_event_id(&res, 0, "id-1");
		expect_event_id(&res, 1, "id-2");
		expect_event_id(&res, 2, "id-3");
		/* braces and escaped quotes inside strings do not confuse the skipper */
		cJSON *j = parse_item(&res.rec[0]);
		const char *doc = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "requestParameters"),
		                                      "policyDocument")
		                      ->valuestring;
		ck_assert_str_eq(doc, "{\"Statement\":[{\"Effect\":\"Allow\"}]} ]}\\");
		cJSON_Delete(j);
		result_free(&res);
	}
}
END_TEST

START_TEST(test_s3_compact)
{
	result res;
	collect1(&res, "s3-compact.json");
	ck_assert_uint_eq(res.n_prob, 0);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.rec[0].line, 1);
	ck_assert_uint_eq(res.rec[1].line, 1);
	ck_assert_uint_eq(res.rec[1].index, 1);
	expect_event_id(&res, 0, "id-4");
	expect_event_id(&res, 1, "id-5");
	result_free(&res);
}
END_TEST

START_TEST(test_s3_records_not_array)
{
	result res;
	collect1(&res, "s3-records-5.json");
	ck_assert_uint_eq(res.n_rec, 0);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 1, "\"Records\" is a number, not an array");
	ck_assert_int_eq(res.prob[0].code, IAMW_EJSON);
	ck_assert_int_eq(res.prob[0].fatal, 0);
	result_free(&res);

	/* on one line, then a good stream through the same decoder: reading goes on */
	const char *names[] = {"s3-records-5.json", "s3-compact.json"};
	collect_files(&res, names, 2);
	ck_assert_uint_eq(res.n_prob, 1);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.rec[0].line, 1); /* positions start again with each stream */
	ck_assert_uint_eq(res.rec[0].index, 0);
	result_free(&res);
}
END_TEST

START_TEST(test_s3_bad_elements)
{
	result res;
	collect1(&res, "s3-bad-elements.json");
	ck_assert_uint_eq(res.n_rec, 3);
	ck_assert_uint_eq(res.n_prob, 4);
	expect_event_id(&res, 0, "id-6");
	expect_event_id(&res, 1, "id-7");
	expect_event_id(&res, 2, "id-8");
	ck_assert_uint_eq(res.rec[0].line, 3);
	ck_assert_uint_eq(res.rec[1].line, 6);
	ck_assert_uint_eq(res.rec[2].line, 9);
	ck_assert_uint_eq(res.rec[1].index, 3);
	ck_assert_uint_eq(res.rec[2].index, 6);
	expect_problem(&res, 0, 4, "Records[1] is a number");
	expect_problem(&res, 1, 5, "Records[2] is a string");
	expect_problem(&res, 2, 7, "Records[4] is an array");
	expect_problem(&res, 3, 8, "Records[5] is null");
	for (size_t i = 0; i < 4; i++)
		ck_assert_int_eq(res.prob[i].fatal, 0);
	result_free(&res);
}
END_TEST

START_TEST(test_s3_truncated_document)
{
	/* the records before the damage still come out, then one fatal problem */
	result res;
	collect1(&res, "s3-truncated.json");
	ck_assert_uint_eq(res.n_rec, 2);
	expect_event_id(&res, 0, "id-9");
	expect_event_id(&res, 1, "id-10");
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 4, "truncated JSON document: unexpected end of input");
	ck_assert_int_eq(res.prob[0].fatal, 1);
	ck_assert_int_eq(res.prob[0].code, IAMW_EJSON);
	result_free(&res);
}
END_TEST

START_TEST(test_bare_array)
{
	result res;
	collect1(&res, "array.json");
	ck_assert_uint_eq(res.n_prob, 0);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.rec[0].line, 2);
	ck_assert_uint_eq(res.rec[1].line, 15);
	ck_assert_int_eq(res.rec[1].container, IAMW_CONTAINER_ARRAY);
	expect_event_id(&res, 1, "id-13");
	result_free(&res);
}
END_TEST

START_TEST(test_one_element_per_line_document)
{
	/* "{"Records": [" then one complete record per line: still a document */
	const char *text = "{\"Records\": [\n{\"eventID\":\"a\"}\n]}\n"
	                   "{\"Records\": [\n{\"eventID\":\"a\"},\n{\"eventID\":\"b\"}\n]}\n";
	result res;
	collect_text(&res, text, strlen(text));
	ck_assert_uint_eq(res.n_prob, 0);
	ck_assert_uint_eq(res.n_rec, 3);
	ck_assert_uint_eq(res.rec[0].line, 2);
	ck_assert_uint_eq(res.rec[2].line, 6);
	ck_assert_uint_eq(res.rec[2].index, 1);
	expect_event_id(&res, 2, "b");
	result_free(&res);
}
END_TEST

/* ---- NDJSON ----------------------------------------------------------------------- */

START_TEST(test_ndjson_malformed_lines)
{
	const char *names[] = {"ndjson-mixed.ndjson", "ndjson-mixed.ndjson.gz"};
	for (int k = 0; k < 2; k++) {
		result res;
		collect1(&res, names[k]);
		ck_assert_uint_eq(res.n_rec, 5);
		uint64_t want_line[] = {1, 3, 5, 8, 12};
		const char *want_id[] = {"id-20", "id-21", "id-22", "id-23", "id-24"};
		for (size_t i = 0; i < 5; i++) {
			ck_assert_uint_eq(res.rec[i].line, want_line[i]);
			ck_assert_int_eq(res.rec[i].container, IAMW_CONTAINER_NONE);
			expect_event_id(&res, i, want_id[i]);
		}
		/* index counts non-blank lines */
		ck_assert_uint_eq(res.rec[1].index, 1);
		ck_assert_uint_eq(res.rec[4].index, 9);
		/* trailing blanks are not part of the record */
		ck_assert(res.rec[4].json[res.rec[4].len - 1] == '}');
		ck_assert_uint_eq(res.n_prob, 5);
		expect_problem(&res, 0, 4, "not a JSON object");
		expect_problem(&res, 1, 6, "not a JSON object: invalid literal at column 27");
		ck_assert_uint_eq(res.prob[1].column, 27);
		expect_problem(&res, 2, 9, "not a JSON object: found a number");
		expect_problem(&res, 3, 10, "unterminated string");
		expect_problem(&res, 4, 11, "unexpected text after it at column 9");
		for (size_t i = 0; i < 5; i++)
			ck_assert_int_eq(res.prob[i].fatal, 0);
		result_free(&res);
	}
}
END_TEST

START_TEST(test_ndjson_crlf)
{
	result res;
	collect1(&res, "ndjson-crlf.ndjson");
	ck_assert_uint_eq(res.n_rec, 3);
	ck_assert_uint_eq(res.rec[0].line, 1);
	ck_assert_uint_eq(res.rec[1].line, 3);
	ck_assert_uint_eq(res.rec[2].line, 5);
	for (size_t i = 0; i < 3; i++)
		ck_assert(res.rec[i].json[res.rec[i].len - 1] == '}');
	expect_event_id(&res, 2, "id-32");
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 4, "not a JSON object");
	result_free(&res);
}
END_TEST

START_TEST(test_ndjson_bom_empty_blank)
{
	const char *names[] = {"empty.json", "bom.ndjson", "blank.ndjson"};
	result res;
	collect_files(&res, names, 3);
	ck_assert_uint_eq(res.n_prob, 0);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert(res.rec[0].json[0] == '{');
	ck_assert_uint_eq(res.rec[0].offset, 3); /* after the byte order mark */
	ck_assert_uint_eq(res.rec[1].line, 2);
	expect_event_id(&res, 0, "id-33");
	result_free(&res);

	/* a lone or partial byte order mark is not one */
	collect_text(&res, "\xEF\xBB", 2);
	ck_assert_uint_eq(res.n_rec, 0);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 1, "starts with byte 0xef");
	result_free(&res);
}
END_TEST

START_TEST(test_ndjson_broken_first_line)
{
	/* an unterminated first line must not turn the stream into one bad document */
	const char *text =
	    "{\"eventID\":\"a\",\"x\":\"unterminated\n{\"eventID\":\"b\"}\n{\"eventID\":\"c\"}\n";
	result res;
	collect_text(&res, text, strlen(text));
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 1, "unterminated string at column 20");
	ck_assert_uint_eq(res.n_rec, 2);
	expect_event_id(&res, 0, "b");
	ck_assert_uint_eq(res.rec[1].line, 3);
	result_free(&res);

	/* the same without a final newline: the second line still decides */
	collect_text(&res, text, strlen(text) - 17);
	ck_assert_uint_eq(res.n_prob, 1);
	ck_assert_uint_eq(res.n_rec, 1);
	result_free(&res);

	/* a garbage first line, then records */
	const char *text2 = "garbage\n{\"eventID\":\"d\"}\n";
	collect_text(&res, text2, strlen(text2));
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 1, "not a JSON object");
	ck_assert_uint_eq(res.n_rec, 1);
	result_free(&res);

	/* an unterminated string in a document */
	const char *text3 = "[\n{\"eventID\":\"e\"},\n{\"eventID\":\"f\n}]\n";
	collect_text(&res, text3, strlen(text3));
	ck_assert_uint_eq(res.n_rec, 1);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 3,
	               "invalid JSON: unterminated string at column 12; rest of file skipped");
	ck_assert_int_eq(res.prob[0].fatal, 1);
	result_free(&res);
}
END_TEST

START_TEST(test_not_json_file)
{
	/* a README or a binary is one problem, not one per line */
	const char *text = "# notes\nsome text\nmore text\n";
	result res;
	collect_text(&res, text, strlen(text));
	ck_assert_uint_eq(res.n_rec, 0);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 1, "not JSON objects (starts with '#'); file skipped");
	ck_assert_int_eq(res.prob[0].fatal, 0);
	result_free(&res);
	collect_text(&res,
	             "\x7f"
	             "ELF\n\x01\x02\n\x03",
	             9);
	ck_assert_uint_eq(res.n_rec, 0);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 1, "starts with byte 0x7f");
	result_free(&res);
	/* blank lines first: the line of the first byte */
	collect_text(&res, "\n\n  null\n", 9);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 3, "not JSON objects (starts with 'n')");
	ck_assert_uint_eq(res.prob[0].column, 3);
	result_free(&res);
}
END_TEST

START_TEST(test_nul_and_invalid_utf8)
{
	/* passed through as-is: the JSON parser downstream decides */
	static const char text[] = "{\"a\":\"x\0y\xff\xfe\"}\n{\"b\":\0}\n{\"eventID\":\"ok\"}\n";
	result res;
	collect_text(&res, text, sizeof text - 1);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.rec[0].len, 13);
	ck_assert(memcmp(res.rec[0].json, "{\"a\":\"x\0y\xff\xfe\"}", 13) == 0);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 2, "byte 0x00");
	ck_assert_uint_eq(res.rec[1].line, 3);
	result_free(&res);
	/* and in a document */
	static const char doc[] = "[{\"a\":\"\xc3\x28\0\"},\n{\"b\":\x01}]";
	collect_text(&res, doc, sizeof doc - 1);
	ck_assert_uint_eq(res.n_rec, 1);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 2, "invalid JSON: unexpected character (byte 0x01) at column 6");
	result_free(&res);
}
END_TEST

START_TEST(test_wrong_shapes)
{
	static const struct {
		const char *text;
		size_t records;
		const char *problems[3];
	} cases[] = {
	    {"{\"Records\": 5}", 0, {"\"Records\" is a number, not an array"}},
	    {"{\"Records\": [1, \"x\", null, {\"eventID\":\"v\"}]}",
	     1,
	     {"Records[0] is a number", "Records[1] is a string", "Records[2] is null"}},
	    {"[]", 0, {NULL}},
	    {"{}", 1, {NULL}}, /* a record; the engine refuses it for lack of a time */
	    {"[1, 2, 3]",
	     0,
	     {"array[0] is a number", "array[1] is a number", "array[2] is a number"}},
	    {"[[1]]", 0, {"array[0] is an array, not a JSON object"}},
	    {"{\"events\": [{\"message\": 5}, {\"nomessage\": 1}]}",
	     0,
	     {"events[0] has no \"message\" string", "events[1] has no \"message\" string"}},
	    {"{\"events\": {}}", 0, {"\"events\" is an object, not an array"}},
	    {"{\"messageType\": \"DATA_MESSAGE\"}",
	     0,
	     {"CloudWatch Logs subscription message has no \"logEvents\""}},
	    {"{\"messageType\": \"CONTROL_MESSAGE\", \"logEvents\": [{\"message\": \"x\"}]}",
	     0,
	     {NULL}},
	    {"{\"logEvents\": [{\"message\": \"\\\"s\\\"\"}]}",
	     0,
	     {"logEvents[0]: message is not a JSON object: found a string"}},
	    {"{\"message\": \"[1]\", \"timestamp\": 5}",
	     0,
	     {"message is not a JSON object: found an array"}},
	    {"{\"message\": \"{\\\"Records\\\":[]}\"}",
	     0,
	     {"message holds a container of records"}},
	    {"{\"message\": \"  \"}", 0, {"message is not a JSON object: it is empty"}},
	    {"{\"message\": \"{\\\"a\\\":1} x\"}", 0, {"unexpected text after it at byte 9"}},
	    {"{\"message\": \"{\\\"a\\\":}\"}",
	     0,
	     {"message is not a JSON object: unexpected character '}' at byte 6"}},
	    {"{\"message\": \"[1,]\"}",
	     0,
	     {"message is not a JSON object: unexpected character ']' at byte 4"}},
	    {"{\"detail-type\": \"Scheduled Event\", \"detail\": {}}", 0, {"not from CloudTrail"}},
	    {"{\"detail-type\": \"AWS API Call via CloudTrail\", \"detail\": 1}",
	     0,
	     {"EventBridge \"detail\" is a number, not a JSON object"}},
	    {"[{\"Records\":[{\"Records\":[{\"Records\":[{\"Records\":[{\"a\":1}]}]}]}]}]",
	     0,
	     {"containers nested too deeply; skipped"}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t want = 0;
		while (want < 3 && cases[i].problems[want])
			want++;
		/* as a document on its own, and as a line of NDJSON after a record */
		for (int form = 0; form < 2; form++) {
			char text[512];
			int n = snprintf(text, sizeof text, "%s%s\n",
			                 form ? "{\"eventID\":\"first\"}\n" : "", cases[i].text);
			ck_assert(n > 0 && (size_t)n < sizeof text);
			result res;
			collect_text(&res, text, (size_t)n);
			ck_assert_msg(res.n_rec == cases[i].records + (size_t)form,
			              "case %zu form %d: %zu records", i, form, res.n_rec);
			ck_assert_msg(res.n_prob == want, "case %zu form %d: %zu problems", i, form,
			              res.n_prob);
			for (size_t k = 0; k < want; k++) {
				expect_problem(&res, k, form ? 2 : 1, cases[i].problems[k]);
				ck_assert_int_eq(res.prob[k].fatal, 0);
			}
			result_free(&res);
		}
	}
	/* null: a stream of it is not JSON objects; a line of it is not an object */
	result res;
	collect_text(&res, "null\n", 5);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 1, "not JSON objects (starts with 'n'); file skipped");
	result_free(&res);
	collect_text(&res, "{}\nnull\n", 8);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 2, "not a JSON object: found null");
	result_free(&res);
}
END_TEST

START_TEST(test_concatenated_values)
{
	/* Firehose-style values back to back, and scalars between them */
	const char *text = "{\"eventID\":\"a\"}{\"eventID\":\"b\"} 12 \"s\"\n"
	                   "{\"Records\":[{\"eventID\":\"c\"}]}true{\"eventID\":\"d\"}";
	result res;
	collect_text(&res, text, strlen(text));
	ck_assert_uint_eq(res.n_rec, 4);
	expect_event_id(&res, 3, "d");
	ck_assert_uint_eq(res.rec[1].index, 1);
	ck_assert_uint_eq(res.rec[2].index, 0); /* Records[0] */
	ck_assert_uint_eq(res.rec[3].index, 6); /* the 7th top-level value */
	ck_assert_uint_eq(res.rec[3].line, 2);
	ck_assert_uint_eq(res.n_prob, 3);
	expect_problem(&res, 0, 1, "not a JSON object: found a number");
	ck_assert_uint_eq(res.prob[0].column, 32);
	expect_problem(&res, 1, 1, "not a JSON object: found a string");
	expect_problem(&res, 2, 2, "not a JSON object: found a boolean");
	result_free(&res);

	/* garbage between values: the rest of the stream cannot be trusted */
	const char *text2 = "{\"a\":1} {\"eventID\":\"b\"}\n xyz {\"eventID\":\"c\"}";
	collect_text(&res, text2, strlen(text2));
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 2,
	               "invalid JSON: unexpected character 'x' at column 2; rest of file skipped");
	ck_assert_int_eq(res.prob[0].fatal, 1);
	result_free(&res);

	/* broken scalars: named by the strict skipper, wherever the pieces end */
	static const struct {
		const char *text, *problem;
	} broken[] = {
	    {"[{\"a\":1}] -x", "invalid JSON: invalid number at column 11"},
	    {"[{\"a\":1}] 1.e5", "invalid JSON: invalid number at column 11"},
	    {"[{\"a\":1}] nul", "truncated JSON document: incomplete literal at column 11"},
	    {"[{\"a\":1}] trve", "invalid JSON: invalid literal at column 11"},
	    {"[{\"a\":1}] 01", NULL},
	    {"[{\"a\":1}] ]", "invalid JSON: unexpected character ']' at column 11"},
	    {"[{\"a\":1}] \"ab\\q\"", "invalid JSON: invalid escape in string at column 14"},
	    {"[{\"a\":1}] -", "truncated JSON document: incomplete number at column 11"},
	};
	for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
		collect_text(&res, broken[i].text, strlen(broken[i].text));
		ck_assert_uint_eq(res.n_rec, 1);
		if (broken[i].problem) {
			ck_assert_uint_eq(res.n_prob, 1);
			expect_problem(&res, 0, 1, broken[i].problem);
		} else { /* "0" then "1": two numbers */
			ck_assert_uint_eq(res.n_prob, 2);
			expect_problem(&res, 1, 1, "found a number");
			ck_assert_uint_eq(res.prob[1].column, 12);
		}
		result_free(&res);
	}
}
END_TEST

/* {"eventID":"<id>","pad":"xxx...x"} with pad bytes of padding */
static size_t padded(char *buf, const char *id, size_t pad)
{
	size_t n = (size_t)sprintf(buf, "{\"eventID\":\"%s\",\"pad\":\"", id);
	memset(buf + n, 'x', pad);
	n += pad;
	memcpy(buf + n, "\"}", 2);
	return n + 2;
}

START_TEST(test_huge_line)
{
	/* a 10 MB record on one line, then a normal one */
	size_t big = 10u << 20;
	char *text = malloc(big + 128);
	ck_assert_ptr_nonnull(text);
	size_t n = padded(text, "big", big);
	size_t big_len = n;
	n += (size_t)sprintf(text + n, "\n{\"eventID\":\"after\"}\n");
	result res, other;
	decode(&res, text, n, 0, 0, 0, NULL);
	decode(&other, text, n, 0, 65536, 9, NULL);
	same_results(&res, &other, "64 KiB pieces");
	result_free(&other);
	ck_assert_uint_eq(res.n_prob, 0);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.rec[0].len, big_len);
	expect_event_id(&res, 1, "after");
	ck_assert_uint_eq(res.rec[1].line, 2);
	result_free(&res);
	/* with a 1 MB limit the long line is reported and skipped, not held */
	decode(&res, text, n, 1u << 20, 0, 0, NULL);
	decode(&other, text, n, 1u << 20, 4096, 9, NULL);
	same_results(&res, &other, "4 KiB pieces");
	result_free(&other);
	ck_assert_uint_eq(res.n_rec, 1);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 1, "line is longer than 1048576 bytes; skipped");
	result_free(&res);
	free(text);

	/* the same at a size every split can be tried on: 300 kB, limit 100 kB */
	text = malloc(400000);
	ck_assert_ptr_nonnull(text);
	n = padded(text, "big", 300000);
	big_len = n;
	n += (size_t)sprintf(text + n, "\n{\"eventID\":\"after\"}\n");
	decode_all(&res, text, n, 100000);
	ck_assert_uint_eq(res.n_rec, 1);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 1, "line is longer than 100000 bytes; skipped");
	ck_assert_int_eq(res.prob[0].code, IAMW_ELIMIT);
	ck_assert_int_eq(res.prob[0].fatal, 0);
	ck_assert_uint_eq(res.prob[0].column, 0);
	expect_event_id(&res, 0, "after");
	ck_assert_uint_eq(res.rec[0].line, 2);
	ck_assert_uint_eq(res.rec[0].index, 0); /* the skipped line is no value */
	result_free(&res);
	/* exactly at the limit is fine; one byte more is not */
	decode_all(&res, text, n, big_len);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.n_prob, 0);
	result_free(&res);
	decode_all(&res, text, n, big_len - 1);
	ck_assert_uint_eq(res.n_rec, 1);
	ck_assert_uint_eq(res.n_prob, 1);
	result_free(&res);
	/* the long line second, and last without a newline */
	n = (size_t)sprintf(text, "{\"eventID\":\"before\"}\n");
	n += padded(text + n, "big", 300000);
	decode_all(&res, text, n, 100000);
	ck_assert_uint_eq(res.n_rec, 1);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 2, "line is longer than 100000 bytes");
	result_free(&res);
	free(text);

	/* a document over the limit: the values before it and the records of its
	 * first max_bytes bytes come out, then the rest of the stream is skipped */
	blob b;
	load(&b, data_path("s3-pretty.json"));
	decode_all(&res, b.data, b.len, 100);
	ck_assert_uint_eq(res.n_rec, 0);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 1, "JSON value is larger than 100 bytes; rest of file skipped");
	ck_assert_int_eq(res.prob[0].code, IAMW_ELIMIT);
	ck_assert_int_eq(res.prob[0].fatal, 1);
	result_free(&res);
	decode_all(&res, b.data, b.len, 900);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 1, "JSON value is larger than 900 bytes");
	result_free(&res);
	decode_all(&res, b.data, b.len, b.len - 1); /* the document fits (not its newline) */
	ck_assert_uint_eq(res.n_rec, 3);
	ck_assert_uint_eq(res.n_prob, 0);
	result_free(&res);
	blob_free(&b);
	const char *text2 =
	    "[{\"eventID\":\"a\"}]\n[{\"eventID\":\"b\"},{\"eventID\":\"c\",\"pad\":\"....\"}]\n"
	    "[{\"eventID\":\"d\"}]\n";
	decode_all(&res, text2, strlen(text2), 40);
	ck_assert_uint_eq(res.n_rec, 2);
	expect_event_id(&res, 1, "b");
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 2, "JSON value is larger than 40 bytes");
	ck_assert_uint_eq(res.prob[0].column, 1);
	result_free(&res);
	/* and a lone string or number over the limit */
	decode_all(&res, "[] \"abcdefghij\" [{\"a\":1}]", 25, 8);
	ck_assert_uint_eq(res.n_rec, 0);
	expect_problem(&res, 0, 1, "larger than 8 bytes");
	result_free(&res);
	decode_all(&res, "[] 12345678 [{\"a\":1}]", 21, 8);
	ck_assert_uint_eq(res.n_rec, 1);
	expect_problem(&res, 0, 1, "found a number");
	result_free(&res);
	decode_all(&res, "[] 123456789 [{\"a\":1}]", 22, 8);
	ck_assert_uint_eq(res.n_rec, 0);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 1, "larger than 8 bytes");
	ck_assert_uint_eq(res.prob[0].column, 4);
	result_free(&res);
}
END_TEST

START_TEST(test_deep_nesting)
{
	size_t depth = 100000;
	char *text = malloc(8 * depth + 256);
	ck_assert_ptr_nonnull(text);
	/* line 1: valid, 100000 deep; line 2: unclosed; line 3: a record */
	size_t n = (size_t)sprintf(text, "{\"eventID\":\"deep\",\"a\":");
	memset(text + n, '[', depth);
	n += depth;
	memset(text + n, ']', depth);
	n += depth;
	n += (size_t)sprintf(text + n, "}\n{\"a\":");
	size_t first = n - 6;
	for (size_t i = 0; i < depth; i++)
		n += (size_t)sprintf(text + n, "{\"b\":[");
	n += (size_t)sprintf(text + n, "\n{\"eventID\":\"last\"}\n");
	result res;
	decode_all(&res, text, n, 0);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.rec[0].len, first);
	ck_assert_uint_eq(res.rec[1].line, 3);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 2, "unexpected end of input");
	result_free(&res);

	/* the same nesting in a pretty-printed document, and unclosed at the end */
	n = (size_t)sprintf(text, "{\n\"Records\": [{\"eventID\":\"d\",\"a\":");
	memset(text + n, '[', depth);
	n += depth;
	memset(text + n, ']', depth);
	n += depth;
	n += (size_t)sprintf(text + n, "}]\n}\n");
	memset(text + n, '[', depth);
	n += depth;
	decode_all(&res, text, n, 0);
	ck_assert_uint_eq(res.n_rec, 1);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 4, "truncated JSON document: unexpected end of input");
	result_free(&res);
	free(text);
}
END_TEST

/* ---- CloudWatch Logs and EventBridge ------------------------------------------------- */

START_TEST(test_cwl_filter_log_events)
{
	result res;
	collect1(&res, "cwl-filter-log-events.json");
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_int_eq(res.rec[0].ts, 1690000000000LL);
	ck_assert_int_eq(res.rec[1].ts, 1690000002000LL);
	ck_assert_uint_eq(res.rec[0].line, 6);
	ck_assert_uint_eq(res.rec[1].index, 2);
	ck_assert_int_eq(res.rec[1].container, IAMW_CONTAINER_EVENTS);
	ck_assert_uint_eq(res.rec[1].flags, IAMW_RECORD_LOG_MESSAGE);
	expect_event_id(&res, 1, "id-41");
	/* \u escapes, including a surrogate pair, decode to UTF-8 */
	cJSON *j = parse_item(&res.rec[1]);
	ck_assert_str_eq(str_field(j, "note"), "snow \xe2\x98\x83 \xf0\x9f\x98\x80");
	cJSON_Delete(j);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 13, "events[1]: message is not a JSON object");
	result_free(&res);
}
END_TEST

START_TEST(test_cwl_ndjson_events)
{
	const char *names[] = {"cwl-events.ndjson", "cwl-eventbridge.ndjson"};
	result res;
	collect_files(&res, names, 2);
	ck_assert_uint_eq(res.n_prob, 0);
	ck_assert_uint_eq(res.n_rec, 3);
	ck_assert_int_eq(res.rec[1].ts, 1690000003001LL);
	ck_assert_uint_eq(res.rec[1].line, 2);
	ck_assert_int_eq(res.rec[1].container, IAMW_CONTAINER_NONE);
	expect_event_id(&res, 1, "id-43");
	/* a message holding an EventBridge envelope yields its detail */
	ck_assert_int_eq(res.rec[2].ts, 1690000010000LL);
	ck_assert_uint_eq(res.rec[2].flags, IAMW_RECORD_LOG_MESSAGE | IAMW_RECORD_EVENTBRIDGE);
	expect_event_id(&res, 2, "id-56");
	cJSON *j = parse_item(&res.rec[2]);
	ck_assert_ptr_null(cJSON_GetObjectItem(j, "detail-type"));
	cJSON_Delete(j);
	result_free(&res);
}
END_TEST

START_TEST(test_cwl_subscription)
{
	const char *names[] = {"cwl-subscription.json", "cwl-subscription.json.gz",
	                       "cwl-control.json", "cwl-firehose.json"};
	result res;
	collect_files(&res, names, 4);
	ck_assert_uint_eq(res.n_prob, 0);
	ck_assert_uint_eq(res.n_rec, 6);
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(res.rec[2 * k].ts, 1690000005000LL);
		ck_assert_int_eq(res.rec[2 * k + 1].ts, 1690000006000LL);
		ck_assert_uint_eq(res.rec[2 * k + 1].index, 1);
		ck_assert_int_eq(res.rec[2 * k].container, IAMW_CONTAINER_LOG_EVENTS);
		expect_event_id(&res, 2 * (size_t)k + 1, "id-46");
	}
	/* CONTROL_MESSAGE yields nothing; Firehose's concatenated objects both */
	expect_event_id(&res, 4, "id-47");
	expect_event_id(&res, 5, "id-48");
	ck_assert_int_eq(res.rec[5].ts, 1690000009000LL);
	result_free(&res);
}
END_TEST

START_TEST(test_eventbridge)
{
	const char *names[] = {"eventbridge.ndjson", "eventbridge-single.json",
	                       "eventbridge-array.json"};
	result res;
	collect_files(&res, names, 3);
	ck_assert_uint_eq(res.n_rec, 6);
	const char *ids[] = {"id-50", "id-51", "id-52", "id-53", "id-54", "id-55"};
	for (size_t i = 0; i < 6; i++) {
		expect_event_id(&res, i, ids[i]);
		ck_assert_int_eq(res.rec[i].ts, IAMW_NO_TIME);
		ck_assert_uint_eq(res.rec[i].flags, IAMW_RECORD_EVENTBRIDGE);
		cJSON *j = parse_item(&res.rec[i]);
		ck_assert_ptr_null(cJSON_GetObjectItem(j, "detail"));
		cJSON_Delete(j);
	}
	ck_assert_uint_eq(res.rec[2].line, 4);
	ck_assert_uint_eq(res.rec[3].line, 10);
	ck_assert_uint_eq(res.rec[5].index, 1);
	ck_assert_int_eq(res.rec[5].container, IAMW_CONTAINER_ARRAY);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 3, "not from CloudTrail");
	result_free(&res);
}
END_TEST

START_TEST(test_log_timestamps)
{
	static const struct {
		const char *ts;
		int64_t want;
	} cases[] = {
	    {"1690000000000", 1690000000000LL},
	    {"-5", -5},
	    {"0", 0},
	    {"1.69e12", 1690000000000LL},
	    {"12.9", 12},
	    {"\"1690000000000\"", IAMW_NO_TIME},
	    {"null", IAMW_NO_TIME},
	    {"99999999999999999999", IAMW_NO_TIME},
	    {"1e300", IAMW_NO_TIME},
	    {"9223372036854775807", INT64_MAX},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[256];
		int n = snprintf(text, sizeof text,
		                 "{\"timestamp\":%s,\"message\":\"{\\\"eventID\\\":\\\"t\\\"}\"}\n",
		                 cases[i].ts);
		result res;
		collect_text(&res, text, (size_t)n);
		ck_assert_uint_eq(res.n_rec, 1);
		ck_assert_msg(res.rec[0].ts == cases[i].want, "%s: %lld", cases[i].ts,
		              (long long)res.rec[0].ts);
		result_free(&res);
	}
}
END_TEST

/* ---- streams that fail, streams that stop ---------------------------------------------- */

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_source_failure)
{
	/* an NDJSON .gz cut in half: the complete records before the cut, then the
	 * cause, once, as a problem of the whole stream */
	FILE *f = fopen(corpus_path("stratus_red_team_detonation_logs.ndjson.gz"), "rb");
	ck_assert_ptr_nonnull(f);
	static char raw[1 << 20];
	size_t len = fread(raw, 1, sizeof raw, f);
	fclose(f);
	ck_assert_uint_gt(len, 1000);
	char tmp[] = "/tmp/iamw-test-records-XXXXXX";
	int fd = mkstemp(tmp);
	ck_assert_int_ge(fd, 0);
	write_bytes(tmp, raw, len / 2);
	result res;
	collect_limit(&res, tmp, 0);
	ck_assert_uint_gt(res.n_rec, 10);
	ck_assert_uint_lt(res.n_rec, 310);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 0, "unexpected end of compressed data");
	ck_assert_int_eq(res.prob[0].fatal, 1);
	ck_assert_uint_eq(res.prob[0].column, 0);
	result_free(&res);

	/* a whole-document .gz cut: the records before the cut, one problem that
	 * names the cause (not "truncated JSON document") */
	f = fopen(data_path("s3-pretty.json.gz"), "rb");
	ck_assert_ptr_nonnull(f);
	len = fread(raw, 1, sizeof raw, f);
	fclose(f);
	write_bytes(tmp, raw, len - 30);
	collect_limit(&res, tmp, 0);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 0, "unexpected end of compressed data");
	ck_assert_uint_le(res.n_rec, 3);
	result_free(&res);
	/* a gzip header only */
	write_bytes(tmp, "\x1f\x8b\x08\x00\x00", 5);
	collect_limit(&res, tmp, 0);
	ck_assert_uint_eq(res.n_rec, 0);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 0, "unexpected end of compressed data");
	result_free(&res);
	close(fd);
	unlink(tmp);

	/* the cause after a syntax error, after "not JSON", after nothing */
	const char *texts[] = {"[{\"a\":1}, x",
	                       "hello\n",
	                       "",
	                       "{\"eventID\":\"a\"}\n",
	                       "{\"eventID\":\"a\"}\n{\"eventID\":",
	                       "[{\"eventID\":\"a\"},{\"b"};
	const size_t want_prob[] = {2, 2, 1, 1, 1, 1};
	const size_t want_rec[] = {1, 0, 0, 1, 1, 1};
	for (size_t i = 0; i < 6; i++) {
		decode_all_cause(&res, texts[i], strlen(texts[i]), 0, "read error");
		ck_assert_msg(res.n_prob == want_prob[i], "%zu: %zu problems", i, res.n_prob);
		ck_assert_uint_eq(res.n_rec, want_rec[i]);
		expect_problem(&res, res.n_prob - 1, 0, "read error");
		ck_assert_uint_eq(res.prob[res.n_prob - 1].offset, strlen(texts[i]));
		result_free(&res);
	}
	/* no cause given */
	iamw_decoder *d = new_decoder(0);
	memset(&res, 0, sizeof res);
	ck_assert_iamw_ok(iamw_decoder_set_callbacks(d, on_rec, on_prob, &res), NULL);
	ck_assert_iamw_ok(iamw_decoder_fail(d, NULL), NULL);
	ck_assert_uint_eq(res.n_prob, 1);
	ck_assert_str_eq(res.prob[0].message, "the input ended before its end");
	result_free(&res);
	iamw_decoder_free(d);
}
END_TEST

START_TEST(test_callback_stops)
{
	const char *text = "{\"eventID\":\"a\"}\n{\"eventID\":\"b\"}\n{\"eventID\":\"c\"}\n";
	iamw_decoder *d = new_decoder(0);
	result res;
	memset(&res, 0, sizeof res);
	res.stop_after = 2;
	ck_assert_iamw_ok(iamw_decoder_set_callbacks(d, on_rec, on_prob, &res), NULL);
	ck_assert_int_eq(iamw_decoder_feed(d, text, strlen(text)), 7);
	ck_assert_uint_eq(res.n_rec, 2);
	/* the stream is abandoned: feeds are refused, finish ends it quietly */
	ck_assert_int_eq(iamw_decoder_feed(d, text, 5), IAMW_EINVAL);
	ck_assert_int_eq(iamw_decoder_finish(d), IAMW_OK);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.n_prob, 0);
	/* and a new stream starts afresh */
	res.stop_after = 0;
	ck_assert_iamw_ok(iamw_decoder_feed(d, text, strlen(text)), NULL);
	ck_assert_iamw_ok(iamw_decoder_finish(d), NULL);
	ck_assert_uint_eq(res.n_rec, 5);
	ck_assert_uint_eq(res.rec[2].line, 1);
	iamw_decoder_stats st;
	ck_assert_iamw_ok(iamw_decoder_get_stats(d, &st), NULL);
	ck_assert_uint_eq(st.streams, 2);
	ck_assert_uint_eq(st.records, 5);
	result_free(&res);
	/* a stop during finish: the decoder is ready for a new stream anyway */
	memset(&res, 0, sizeof res);
	res.stop_after = 1;
	ck_assert_iamw_ok(iamw_decoder_set_callbacks(d, on_rec, on_prob, &res), NULL);
	ck_assert_iamw_ok(iamw_decoder_feed(d, text, 10), NULL);
	ck_assert_iamw_ok(iamw_decoder_feed(d, text + 10, 5), NULL);
	ck_assert_int_eq(iamw_decoder_finish(d), 7);
	ck_assert_iamw_ok(iamw_decoder_feed(d, text, strlen(text)), NULL);
	result_free(&res);
	iamw_decoder_free(d);
}
END_TEST

static int reenter(const iamw_record *r, void *payload)
{
	iamw_decoder *d = payload;
	(void)r;
	ck_assert_int_eq(iamw_decoder_feed(d, "{}", 2), IAMW_EBUSY);
	ck_assert_int_eq(iamw_decoder_finish(d), IAMW_EBUSY);
	ck_assert_int_eq(iamw_decoder_fail(d, "x"), IAMW_EBUSY);
	ck_assert_int_eq(iamw_decoder_set_callbacks(d, NULL, NULL, NULL), IAMW_EBUSY);
	return 0;
}

START_TEST(test_api_misuse)
{
	iamw_decoder_options o;
	iamw_decoder *d = (iamw_decoder *)&o;
	ck_assert_int_eq(iamw_decoder_options_init(NULL, 1), IAMW_EINVAL);
	ck_assert_int_eq(iamw_decoder_options_init(&o, 2), IAMW_EINVAL);
	ck_assert_int_eq(iamw_decoder_options_init(&o, 0), IAMW_EINVAL);
	ck_assert_iamw_ok(iamw_decoder_options_init(&o, 1), NULL);
	ck_assert_uint_eq(o.max_bytes, IAMW_DECODER_DEFAULT_MAX_BYTES);
	ck_assert_int_eq(iamw_decoder_new(NULL, &o), IAMW_EINVAL);
	o.version = 2;
	ck_assert_int_eq(iamw_decoder_new(&d, &o), IAMW_EINVAL);
	ck_assert_ptr_null(d);
	o.version = 1;
	o.max_bytes = SIZE_MAX;
	ck_assert_int_eq(iamw_decoder_new(&d, &o), IAMW_EINVAL);
	ck_assert_iamw_ok(iamw_decoder_new(&d, NULL), NULL);
	ck_assert_int_eq(iamw_decoder_feed(NULL, "x", 1), IAMW_EINVAL);
	ck_assert_int_eq(iamw_decoder_feed(d, NULL, 1), IAMW_EINVAL);
	ck_assert_iamw_ok(iamw_decoder_feed(d, NULL, 0), NULL);
	ck_assert_int_eq(iamw_decoder_finish(NULL), IAMW_EINVAL);
	ck_assert_int_eq(iamw_decoder_fail(NULL, "x"), IAMW_EINVAL);
	ck_assert_int_eq(iamw_decoder_set_callbacks(NULL, NULL, NULL, NULL), IAMW_EINVAL);
	ck_assert_int_eq(iamw_decoder_get_stats(d, NULL), IAMW_EINVAL);
	ck_assert_int_eq(iamw_decoder_get_stats(NULL, &(iamw_decoder_stats){0}), IAMW_EINVAL);
	/* no callbacks: counted only */
	ck_assert_iamw_ok(iamw_decoder_feed(d, "{\"a\":1}\nx\n", 10), NULL);
	ck_assert_iamw_ok(iamw_decoder_finish(d), NULL);
	iamw_decoder_stats st;
	ck_assert_iamw_ok(iamw_decoder_get_stats(d, &st), NULL);
	ck_assert_uint_eq(st.records, 1);
	ck_assert_uint_eq(st.problems, 1);
	/* calls from a callback */
	ck_assert_iamw_ok(iamw_decoder_set_callbacks(d, reenter, NULL, d), NULL);
	ck_assert_iamw_ok(iamw_decoder_feed(d, "{\"a\":1}\n", 8), NULL);
	ck_assert_iamw_ok(iamw_decoder_finish(d), NULL);
	iamw_decoder_free(d);
	iamw_decoder_free(NULL);
}
END_TEST

START_TEST(test_streaming)
{
	/* a complete NDJSON line comes out during the feed that completes it */
	iamw_decoder *d = new_decoder(0);
	result res;
	memset(&res, 0, sizeof res);
	ck_assert_iamw_ok(iamw_decoder_set_callbacks(d, on_rec, on_prob, &res), NULL);
	ck_assert_iamw_ok(iamw_decoder_feed(d, "{\"eventID\":\"a\"}\n{\"even", 22), NULL);
	ck_assert_uint_eq(res.n_rec, 1);
	ck_assert_iamw_ok(iamw_decoder_feed(d, "tID\":\"b\"}", 9), NULL);
	ck_assert_uint_eq(res.n_rec, 1);
	ck_assert_iamw_ok(iamw_decoder_feed(d, "\n", 1), NULL);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_iamw_ok(iamw_decoder_feed(d, "bad\n", 4), NULL);
	ck_assert_uint_eq(res.n_prob, 1);
	ck_assert_iamw_ok(iamw_decoder_finish(d), NULL);
	result_free(&res);

	/* a document: each top-level value as soon as it is complete */
	memset(&res, 0, sizeof res);
	ck_assert_iamw_ok(iamw_decoder_set_callbacks(d, on_rec, on_prob, &res), NULL);
	const char *v1 =
	    "{\n  \"Records\": [\n    {\"eventID\": \"a\"},\n    {\"eventID\": \"b\"}\n  ]\n}\n";
	ck_assert_iamw_ok(iamw_decoder_feed(d, v1, strlen(v1) - 3), NULL);
	ck_assert_uint_eq(res.n_rec, 0); /* the value is not complete */
	ck_assert_iamw_ok(iamw_decoder_feed(d, v1 + strlen(v1) - 3, 3), NULL);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_iamw_ok(iamw_decoder_feed(d, "{\"Records\": [{\"eventID\": \"c\"}]}", 31), NULL);
	ck_assert_uint_eq(res.n_rec, 3);
	ck_assert_uint_eq(res.rec[2].line, 7);
	ck_assert_iamw_ok(iamw_decoder_feed(d, " {\"Records\": [", 14), NULL);
	ck_assert_iamw_ok(iamw_decoder_finish(d), NULL);
	ck_assert_uint_eq(res.n_rec, 3);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 7, "truncated JSON document");
	result_free(&res);
	iamw_decoder_free(d);
}
END_TEST

/* Inputs made by damaging the data files at deterministic random places:
 * whatever they hold, every way of splitting them must give the same
 * records and problems, at the default and at small limits. */
START_TEST(test_chunking_invariance)
{
	static const char *names[] = {
	    "array.json",
	    "blank.ndjson",
	    "bom.ndjson",
	    "cwl-control.json",
	    "cwl-eventbridge.ndjson",
	    "cwl-events.ndjson",
	    "cwl-filter-log-events.json",
	    "cwl-firehose.json",
	    "cwl-subscription.json",
	    "eventbridge-array.json",
	    "eventbridge-single.json",
	    "eventbridge.ndjson",
	    "ndjson-crlf.ndjson",
	    "ndjson-mixed.ndjson",
	    "s3-bad-elements.json",
	    "s3-compact.json",
	    "s3-pretty.json",
	    "s3-records-5.json",
	    "s3-truncated.json",
	};
	static const char noise[] = "{}[]\",:\n\\ \rax0-.e\x00\xfftfn";
	unsigned seed = 20240730;
	size_t total = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		blob b;
		load(&b, data_path(names[i]));
		for (int k = 0; k < (quick() ? 3 : 12); k++) {
			char *m = malloc(b.len + 40);
			ck_assert_ptr_nonnull(m);
			memcpy(m, b.data, b.len);
			size_t len = b.len;
			int edits = 1 + (int)(next_rand(&seed) % 3);
			for (int e = 0; e < edits && len; e++) {
				size_t at = next_rand(&seed) % len;
				switch (next_rand(&seed) % 4) {
				case 0: len = at; break;
				case 1: m[at] = noise[next_rand(&seed) % (sizeof noise - 1)]; break;
				case 2:
					memmove(m + at + 1, m + at, len - at);
					m[at] = noise[next_rand(&seed) % (sizeof noise - 1)];
					len++;
					break;
				default: {
					size_t cut = 1 + next_rand(&seed) % 16;
					if (cut > len - at)
						cut = len - at;
					memmove(m + at, m + at + cut, len - at - cut);
					len -= cut;
					break;
				}
				}
			}
			static const size_t limits[] = {0, 60, 7};
			for (size_t l = 0; l < 3; l++) {
				result res;
				decode_all(&res, m, len, limits[l]);
				total += res.n_rec + res.n_prob;
				result_free(&res);
			}
			free(m);
		}
		blob_free(&b);
	}
	ck_assert_uint_gt(total, quick() ? 100 : 500);
}
END_TEST

/* ---- the real corpus ---------------------------------------------------------------- */

START_TEST(test_corpus)
{
	static const struct {
		const char *name;
		size_t records;
	} files[] = {
	    {"stratus_red_team_detonation_logs.ndjson.gz", 310},
	    {"invictus_ir_aws_dataset_2023.ndjson.gz", 2900},
	};
	for (size_t k = 0; k < 2; k++) {
		blob b;
		load(&b, corpus_path(files[k].name));
		ck_assert_ptr_null(b.cause);
		result res;
		decode_all(&res, b.data, b.len, 0);
		ck_assert_uint_eq(res.n_prob, 0);
		ck_assert_uint_eq(res.n_rec, files[k].records);
		lines ls;
		split_lines(&ls, b.data, b.len);
		expect_same_records(&res, &ls);
		for (size_t i = 0; i < res.n_rec; i++) {
			ck_assert_uint_eq(res.rec[i].line, i + 1);
			ck_assert_uint_eq(res.rec[i].index, i);
		}
		lines_free(&ls);
		result_free(&res);
		blob_free(&b);
	}
}
END_TEST

typedef struct sbuf {
	char *p;
	size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_adds(sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* s as a JSON string literal */
static void sb_add_json_string(sbuf *b, const char *s, size_t n)
{
	sb_adds(b, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			sb_add(b, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			sb_adds(b, esc);
		} else {
			sb_add(b, (const char *)&c, 1);
		}
	}
	sb_adds(b, "\"");
}

/* Re-wrap the corpus lines as an S3 Records file (pretty and on one line),
 * a CloudWatch Logs export, a subscription message, EventBridge NDJSON and a
 * JSON array: the same record bytes must come out. */
START_TEST(test_corpus_rewrapped)
{
	blob src;
	load(&src, corpus_path("stratus_red_team_detonation_logs.ndjson.gz"));
	lines ls;
	split_lines(&ls, src.data, src.len);
	ck_assert_uint_eq(ls.n, 310);

	enum { PRETTY, ONE_LINE, CWL, SUBSCRIPTION, EVENTBRIDGE, ARRAY, FORMS };
	sbuf doc[FORMS];
	memset(doc, 0, sizeof doc);
	sb_adds(&doc[PRETTY], "{\"Records\":[\n");
	sb_adds(&doc[ONE_LINE], "{\"Records\":[");
	sb_adds(&doc[CWL], "{\n  \"events\": [\n");
	sb_adds(&doc[SUBSCRIPTION], "{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"123456789012\","
	                            "\"logGroup\":\"CloudTrail/logs\",\"logEvents\":[");
	sb_adds(&doc[ARRAY], "[\n");
	for (size_t i = 0; i < ls.n; i++) {
		const char *sep = i + 1 < ls.n ? "," : "";
		char head[160];
		sb_add(&doc[PRETTY], ls.line[i], ls.len[i]);
		sb_adds(&doc[PRETTY], i + 1 < ls.n ? ",\n" : "\n");
		sb_add(&doc[ONE_LINE], ls.line[i], ls.len[i]);
		sb_adds(&doc[ONE_LINE], sep);
		snprintf(head, sizeof head,
		         "    {\"logStreamName\":\"s\",\"timestamp\":%llu,\"message\":",
		         1690000000000ULL + i);
		sb_adds(&doc[CWL], head);
		sb_add_json_string(&doc[CWL], ls.line[i], ls.len[i]);
		snprintf(head, sizeof head, ",\"ingestionTime\":1,\"eventId\":\"%zu\"}%s\n", i,
		         sep);
		sb_adds(&doc[CWL], head);
		snprintf(head, sizeof head, "{\"id\":\"%zu\",\"timestamp\":%llu,\"message\":", i,
		         1690000000000ULL + i);
		sb_adds(&doc[SUBSCRIPTION], head);
		sb_add_json_string(&doc[SUBSCRIPTION], ls.line[i], ls.len[i]);
		sb_adds(&doc[SUBSCRIPTION], "}");
		sb_adds(&doc[SUBSCRIPTION], sep);
		sb_adds(&doc[EVENTBRIDGE],
		        "{\"version\":\"0\",\"id\":\"x\",\"detail-type\":\"AWS API Call "
		        "via CloudTrail\",\"source\":\"aws.iam\",\"detail\":");
		sb_add(&doc[EVENTBRIDGE], ls.line[i], ls.len[i]);
		sb_adds(&doc[EVENTBRIDGE], "}\n");
		sb_adds(&doc[ARRAY], "  ");
		sb_add(&doc[ARRAY], ls.line[i], ls.len[i]);
		sb_adds(&doc[ARRAY], i + 1 < ls.n ? ",\n" : "\n");
	}
	sb_adds(&doc[PRETTY], "]}\n");
	sb_adds(&doc[ONE_LINE], "]}");
	sb_adds(&doc[CWL], "  ],\n  \"searchedLogStreams\": []\n}\n");
	sb_adds(&doc[SUBSCRIPTION], "]}\n");
	sb_adds(&doc[ARRAY], "]\n");

	static const int container[FORMS] = {IAMW_CONTAINER_RECORDS, IAMW_CONTAINER_RECORDS,
	                                     IAMW_CONTAINER_EVENTS,  IAMW_CONTAINER_LOG_EVENTS,
	                                     IAMW_CONTAINER_NONE,    IAMW_CONTAINER_ARRAY};
	for (int k = 0; k < FORMS; k++) {
		result res;
		decode_all(&res, doc[k].p, doc[k].len, 0);
		ck_assert_msg(res.n_prob == 0, "form %d: %s", k,
		              res.n_prob ? res.prob[0].message : "");
		expect_same_records(&res, &ls);
		for (size_t i = 0; i < res.n_rec; i++) {
			ck_assert_uint_eq(res.rec[i].index, i);
			ck_assert_int_eq(res.rec[i].container, container[k]);
			uint64_t want_line = k == PRETTY || k == ARRAY ? i + 2
			                     : k == CWL                ? i + 3
			                     : k == EVENTBRIDGE        ? i + 1
			                                               : 1;
			ck_assert_uint_eq(res.rec[i].line, want_line);
			int timed = k == CWL || k == SUBSCRIPTION;
			ck_assert_int_eq(res.rec[i].ts,
			                 timed ? 1690000000000LL + (int64_t)i : IAMW_NO_TIME);
		}
		result_free(&res);
	}
	/* and the Records file gzip-compressed, decompressed by the caller */
	char tmp[] = "/tmp/iamw-test-records-XXXXXX";
	int fd = mkstemp(tmp);
	ck_assert_int_ge(fd, 0);
	gzFile g = gzdopen(fd, "wb");
	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(gzwrite(g, doc[PRETTY].p, (unsigned)doc[PRETTY].len),
	                 (int)doc[PRETTY].len);
	ck_assert_int_eq(gzclose(g), Z_OK);
	result res;
	collect_limit(&res, tmp, 0);
	ck_assert_uint_eq(res.n_prob, 0);
	expect_same_records(&res, &ls);
	result_free(&res);
	unlink(tmp);
	for (int k = 0; k < FORMS; k++)
		free(doc[k].p);
	lines_free(&ls);
	blob_free(&src);
}
END_TEST

/* The ready-made counting callback: the records of every layout that match
 * a pattern are the matching lines of the NDJSON original. */
START_TEST(test_count_matching_records)
{
	blob src;
	load(&src, corpus_path("stratus_red_team_detonation_logs.ndjson.gz"));
	lines ls;
	split_lines(&ls, src.data, src.len);
	sbuf doc;
	memset(&doc, 0, sizeof doc);
	sb_adds(&doc, "{\"Records\": [\n");
	for (size_t i = 0; i < ls.n; i++) {
		sb_add(&doc, ls.line[i], ls.len[i]);
		sb_adds(&doc, i + 1 < ls.n ? ",\n" : "\n]}\n");
	}
	static const char *patterns[] = {"{ $.eventSource = \"iam.amazonaws.com\" }", "AssumeRole",
	                                 "{ $.errorCode = \"AccessDenied*\" }", "%Get[A-Z]%"};
	iamw_match *m;
	ck_assert_iamw_ok(iamw_match_new(&m), NULL);
	for (size_t k = 0; k < 4; k++) {
		iamw_pattern *p;
		iamw_error err;
		ck_assert_iamw_ok(
		    iamw_pattern_compile(&p, patterns[k], IAMW_NUL_TERMINATED, 0, &err), &err);
		size_t want, n_lines;
		ck_assert_iamw_ok(
		    iamw_pattern_scan_lines(p, src.data, src.len, m, NULL, 0, &want, &n_lines),
		    NULL);
		ck_assert_uint_gt(want, 0);
		const char *texts[] = {src.data, doc.p};
		const size_t lens[] = {src.len, doc.len};
		for (int t = 0; t < 2; t++) {
			iamw_record_matches c = {p, k % 2 ? m : NULL, 0, 0, 0};
			iamw_decoder *d = new_decoder(0);
			ck_assert_iamw_ok(
			    iamw_decoder_set_callbacks(d, iamw_pattern_count_record, NULL, &c),
			    NULL);
			for (size_t i = 0; i < lens[t]; i += 65536)
				ck_assert_iamw_ok(
				    iamw_decoder_feed(d, texts[t] + i,
				                      lens[t] - i < 65536 ? lens[t] - i : 65536),
				    NULL);
			ck_assert_iamw_ok(iamw_decoder_finish(d), NULL);
			ck_assert_uint_eq(c.records, 310);
			ck_assert_uint_eq(c.matched, want);
			ck_assert_uint_eq(c.too_large, 0);
			iamw_decoder_free(d);
		}
		iamw_pattern_free(p);
	}
	/* a record over the match object's limit is counted apart, and the feed goes on */
	iamw_pattern *p;
	iamw_error err;
	ck_assert_iamw_ok(iamw_pattern_compile(&p, "eventID", IAMW_NUL_TERMINATED, 0, &err), &err);
	ck_assert_iamw_ok(iamw_match_set_max_event_size(m, 20), NULL);
	iamw_record_matches c = {p, m, 0, 0, 0};
	iamw_decoder *d = new_decoder(0);
	ck_assert_iamw_ok(iamw_decoder_set_callbacks(d, iamw_pattern_count_record, NULL, &c), NULL);
	const char *text = "{\"eventID\":\"a\"}\n{\"eventID\":\"much too long\"}\n{\"x\":1}\n";
	ck_assert_iamw_ok(iamw_decoder_feed(d, text, strlen(text)), NULL);
	ck_assert_iamw_ok(iamw_decoder_finish(d), NULL);
	ck_assert_uint_eq(c.records, 3);
	ck_assert_uint_eq(c.matched, 1);
	ck_assert_uint_eq(c.too_large, 1);
	c.pattern = NULL;
	ck_assert_int_eq(iamw_decoder_feed(d, text, strlen(text)), IAMW_EINVAL);
	ck_assert_int_eq(iamw_pattern_count_record(NULL, &c), IAMW_EINVAL);
	iamw_decoder_free(d);
	iamw_pattern_free(p);
	iamw_match_free(m);
	free(doc.p);
	lines_free(&ls);
	blob_free(&src);
}
END_TEST

/* ---- replay through the engine ------------------------------------------------------- */

typedef struct notes {
	sbuf text;
	size_t n;
} notes;

static void on_note(const iamw_notification *n, void *payload)
{
	notes *ns = payload;
	char *t;
	size_t len;
	ck_assert_iamw_ok(iamw_notification_render(n, IAMW_RENDER_TEXT, &t, &len), NULL);
	sb_add(&ns->text, t, len);
	sb_adds(&ns->text, "\n");
	iamw_free(t);
	ns->n++;
}

static iamw_engine *new_engine(notes *ns, int64_t delay_ms)
{
	iamw_engine_options eo;
	ck_assert_iamw_ok(iamw_engine_options_init(&eo, IAMW_ENGINE_OPTIONS_VERSION), NULL);
	eo.replay_delay_ms = delay_ms;
	iamw_engine *e;
	ck_assert_iamw_ok(iamw_engine_new(&e, &eo), NULL);
	iamw_error err;
	ck_assert_iamw_ok(iamw_engine_load_pack(e, "iam-changes", &err), &err);
	ck_assert_iamw_ok(iamw_engine_load_pack(e, "cis", &err), &err);
	memset(ns, 0, sizeof *ns);
	ck_assert_iamw_ok(iamw_engine_set_notify_cb(e, on_note, ns), NULL);
	return e;
}

typedef struct per_record {
	iamw_engine *e;
	size_t refused;
} per_record;

static int ingest_each(const iamw_record *r, void *payload)
{
	per_record *pr = payload;
	int m = iamw_engine_ingest_record(pr->e, r, IAMW_INGEST_ADVANCE);
	if (m == IAMW_EJSON || m == IAMW_ELIMIT)
		pr->refused++;
	else
		ck_assert_int_ge(m, 0);
	return 0;
}

START_TEST(test_replay)
{
	blob src;
	load(&src, corpus_path("stratus_red_team_detonation_logs.ndjson.gz"));
	lines ls;
	split_lines(&ls, src.data, src.len);
	ck_assert_uint_eq(ls.n, 310);
	/* a damaged copy: a record without a time first, a broken line and a
	 * wrong shape after 155 records */
	sbuf in;
	memset(&in, 0, sizeof in);
	sb_adds(&in, "{\"no\":\"time\"}\n");
	for (size_t i = 0; i < ls.n; i++) {
		if (i == 155)
			sb_adds(&in, "not json\n[1]\n");
		sb_add(&in, ls.line[i], ls.len[i]);
		sb_adds(&in, "\n");
	}

	for (int delay = 0; delay < 2; delay++) {
		int64_t delay_ms = delay ? 300000 : 0;
		/* reference: the NDJSON path of the engine */
		notes ref;
		iamw_engine *e = new_engine(&ref, delay_ms);
		iamw_ingest_report lr;
		ck_assert_iamw_ok(
		    iamw_engine_ingest_lines(e, in.p, in.len, IAMW_INGEST_ADVANCE, &lr), NULL);
		ck_assert_int_ge(iamw_engine_drain(e), 0);
		iamw_engine_free(e);
		ck_assert_uint_gt(ref.n, 5);
		ck_assert_uint_eq(lr.events, 310);
		ck_assert_uint_eq(lr.errors, 3);

		/* record by record, as `iamwatch scan` does */
		notes one;
		e = new_engine(&one, delay_ms);
		iamw_decoder *d = new_decoder(0);
		per_record pr = {e, 0};
		ck_assert_iamw_ok(iamw_decoder_set_callbacks(d, ingest_each, NULL, &pr), NULL);
		ck_assert_iamw_ok(iamw_decoder_feed(d, in.p, in.len), NULL);
		ck_assert_iamw_ok(iamw_decoder_finish(d), NULL);
		ck_assert_int_ge(iamw_engine_drain(e), 0);
		ck_assert_uint_eq(pr.refused, 1);
		ck_assert_str_eq(one.text.p, ref.text.p);
		iamw_engine_free(e);

		/* a block at a time through iamw_engine_ingest_bytes */
		notes blk;
		e = new_engine(&blk, delay_ms);
		result probs;
		memset(&probs, 0, sizeof probs);
		ck_assert_iamw_ok(iamw_decoder_set_callbacks(d, NULL, on_prob, &probs), NULL);
		iamw_replay_report tot, r;
		memset(&tot, 0, sizeof tot);
		for (size_t i = 0; i <= in.len; i += 4096) {
			size_t n = in.len - i < 4096 ? in.len - i : 4096;
			if (i < in.len)
				ck_assert_iamw_ok(iamw_engine_ingest_bytes(e, d, in.p + i, n,
				                                           IAMW_INGEST_ADVANCE, &r),
				                  NULL);
			else
				ck_assert_iamw_ok(
				    iamw_engine_ingest_finish(e, d, IAMW_INGEST_ADVANCE, NULL, &r),
				    NULL);
			if (tot.first_code == IAMW_OK && r.first_code != IAMW_OK) {
				tot.first_code = r.first_code;
				tot.first_line = r.first_line;
				snprintf(tot.first_message, sizeof tot.first_message, "%s",
				         r.first_message);
			}
			tot.records += r.records;
			tot.events += r.events;
			tot.refused += r.refused;
			tot.problems += r.problems;
			tot.fatal += r.fatal;
			tot.matches += r.matches;
			tot.notifications += r.notifications;
		}
		int drained = iamw_engine_drain(e);
		ck_assert_int_ge(drained, 0);
		ck_assert_str_eq(blk.text.p, ref.text.p);
		ck_assert_uint_eq(tot.notifications + (size_t)drained, blk.n);
		ck_assert_uint_eq(tot.events, 310);
		ck_assert_uint_eq(tot.records, 311);
		ck_assert_uint_eq(tot.refused, 1);
		ck_assert_uint_eq(tot.problems, 2);
		ck_assert_uint_eq(tot.fatal, 0);
		ck_assert_uint_eq(tot.matches, lr.matches);
		ck_assert_int_eq(tot.first_code, IAMW_EJSON);
		ck_assert_uint_eq(tot.first_line, 1);
		ck_assert_str_eq(tot.first_message, "not a CloudTrail record with an eventTime");
		/* refused records and problems reach the decoder's problem callback */
		ck_assert_uint_eq(probs.n_prob, 3);
		ck_assert_int_eq(probs.prob[0].refused, 1);
		ck_assert_uint_eq(probs.prob[0].line, 1);
		ck_assert_int_eq(probs.prob[1].refused, 0);
		expect_problem(&probs, 1, 157, "not a JSON object: invalid literal at column 1");
		expect_problem(&probs, 2, 158, "array[0] is a number");
		result_free(&probs);
		iamw_engine_free(e);
		iamw_decoder_free(d);
		free(ref.text.p);
		free(one.text.p);
		free(blk.text.p);
	}
	free(in.p);
	lines_free(&ls);
	blob_free(&src);
}
END_TEST

static void busy_note(const iamw_notification *n, void *payload)
{
	(void)n;
	void **args = payload;
	iamw_engine *e = args[0];
	iamw_decoder *d = args[1];
	iamw_record rec = {"{}", 2, 1, 0, 0, IAMW_NO_TIME, IAMW_CONTAINER_NONE, 0};
	ck_assert_int_eq(iamw_engine_ingest_record(e, &rec, 0), IAMW_EBUSY);
	ck_assert_int_eq(iamw_engine_ingest_bytes(e, d, "{}", 2, 0, NULL), IAMW_EBUSY);
	ck_assert_int_eq(iamw_engine_ingest_finish(e, d, 0, NULL, NULL), IAMW_EBUSY);
	args[2] = (void *)1;
}

START_TEST(test_replay_edges)
{
	notes ns;
	iamw_engine *e = new_engine(&ns, 300000);
	iamw_decoder *d = new_decoder(0);
	iamw_record rec = {"{\"eventTime\":\"2024-01-01T00:00:00Z\"}",
	                   36,
	                   1,
	                   0,
	                   0,
	                   IAMW_NO_TIME,
	                   IAMW_CONTAINER_NONE,
	                   0};
	iamw_replay_report rep;
	ck_assert_int_eq(iamw_engine_ingest_record(NULL, &rec, 0), IAMW_EINVAL);
	ck_assert_int_eq(iamw_engine_ingest_record(e, NULL, 0), IAMW_EINVAL);
	ck_assert_int_eq(iamw_engine_ingest_record(e, &rec, 1u << 5), IAMW_EINVAL);
	ck_assert_int_eq(iamw_engine_ingest_bytes(NULL, d, "", 0, 0, &rep), IAMW_EINVAL);
	ck_assert_int_eq(iamw_engine_ingest_bytes(e, NULL, "", 0, 0, &rep), IAMW_EINVAL);
	ck_assert_int_eq(iamw_engine_ingest_bytes(e, d, "", 0, 1u << 5, &rep), IAMW_EINVAL);
	ck_assert_int_eq(iamw_engine_ingest_finish(e, NULL, 0, NULL, &rep), IAMW_EINVAL);
	/* the record's log timestamp places it when the engine asks for caller time */
	ck_assert_int_eq(iamw_engine_ingest_record(e, &rec, IAMW_INGEST_ADVANCE), 0);
	ck_assert_int_eq(iamw_engine_latest_event_time(e), 1704067200000LL);
	ck_assert_int_eq(iamw_engine_clock(e), 1704067200000LL - 300000);
	rec.json = "{}";
	rec.len = 2;
	ck_assert_int_eq(iamw_engine_ingest_record(e, &rec, IAMW_INGEST_ADVANCE), IAMW_EJSON);
	rec.log_timestamp_ms = 1704067260000LL;
	ck_assert_int_eq(iamw_engine_ingest_record(e, &rec, IAMW_INGEST_ADVANCE), 0);
	ck_assert_int_eq(iamw_engine_latest_event_time(e), 1704067260000LL);
	/* a source failure through the engine: reported once, records before it count */
	const char *text = "{\"eventTime\":\"2024-01-01T00:02:00Z\"}\n{\"eventTime\":";
	ck_assert_iamw_ok(iamw_engine_ingest_bytes(e, d, text, strlen(text), 0, &rep), NULL);
	ck_assert_uint_eq(rep.events, 1);
	ck_assert_iamw_ok(iamw_engine_ingest_finish(e, d, 0, "cut", &rep), NULL);
	ck_assert_uint_eq(rep.events, 0);
	ck_assert_uint_eq(rep.problems, 1);
	ck_assert_uint_eq(rep.fatal, 1);
	ck_assert_int_eq(rep.first_fatal, 1);
	ck_assert_uint_eq(rep.first_line, 0);
	ck_assert_str_eq(rep.first_message, "cut");
	/* from a notification callback: EBUSY, nothing fed */
	void *args[3] = {e, d, NULL};
	ck_assert_iamw_ok(iamw_engine_set_notify_cb(e, busy_note, args), NULL);
	rec.json = "{\"eventTime\":\"2024-01-01T00:10:00Z\",\"eventSource\":\"iam.amazonaws.com\","
	           "\"eventName\":\"CreateUser\"}";
	rec.len = strlen(rec.json);
	rec.log_timestamp_ms = IAMW_NO_TIME;
	ck_assert_int_ge(iamw_engine_ingest_record(e, &rec, 0), 1);
	ck_assert_int_ge(iamw_engine_advance(e, 1704068400000LL), 1);
	ck_assert_ptr_nonnull(args[2]);
	iamw_decoder_free(d);
	iamw_engine_free(e);
	free(ns.text.p);
}
END_TEST

/* ---- runner --------------------------------------------------------------------------- */

static Suite *records_suite(void)
{
	Suite *s = suite_create("records");
	TCase *tc = tcase_create("formats");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_s3_pretty);
	tcase_add_test(tc, test_s3_compact);
	tcase_add_test(tc, test_s3_records_not_array);
	tcase_add_test(tc, test_s3_bad_elements);
	tcase_add_test(tc, test_s3_truncated_document);
	tcase_add_test(tc, test_bare_array);
	tcase_add_test(tc, test_one_element_per_line_document);
	tcase_add_test(tc, test_ndjson_malformed_lines);
	tcase_add_test(tc, test_ndjson_crlf);
	tcase_add_test(tc, test_ndjson_bom_empty_blank);
	tcase_add_test(tc, test_ndjson_broken_first_line);
	tcase_add_test(tc, test_not_json_file);
	tcase_add_test(tc, test_nul_and_invalid_utf8);
	tcase_add_test(tc, test_wrong_shapes);
	tcase_add_test(tc, test_concatenated_values);
	tcase_add_test(tc, test_huge_line);
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_cwl_filter_log_events);
	tcase_add_test(tc, test_cwl_ndjson_events);
	tcase_add_test(tc, test_cwl_subscription);
	tcase_add_test(tc, test_eventbridge);
	tcase_add_test(tc, test_log_timestamps);
	suite_add_tcase(s, tc);
	TCase *st = tcase_create("stream");
	tcase_set_timeout(st, 300);
	tcase_add_test(st, test_source_failure);
	tcase_add_test(st, test_callback_stops);
	tcase_add_test(st, test_api_misuse);
	tcase_add_test(st, test_streaming);
	tcase_add_test(st, test_chunking_invariance);
	suite_add_tcase(s, st);
	TCase *corpus = tcase_create("corpus");
	tcase_set_timeout(corpus, 600);
	tcase_add_test(corpus, test_corpus);
	tcase_add_test(corpus, test_corpus_rewrapped);
	tcase_add_test(corpus, test_count_matching_records);
	tcase_add_test(corpus, test_replay);
	tcase_add_test(corpus, test_replay_edges);
	suite_add_tcase(s, corpus);
	return s;
}

IAMW_TEST_MAIN(records_suite)
