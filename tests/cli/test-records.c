/* SPDX-License-Identifier: MIT */
/*
 * test-records.c - tests for the record reader of `iamwatch scan`
 * (examples/iamwatch/records.c): every input format from the small files in
 * tests/cli/data/records/, the damaged inputs that must be reported and
 * survived (truncated gzip, malformed lines, deep nesting, huge lines), the
 * directory walk, and the real CloudTrail corpus, also re-wrapped at test
 * time into the other formats to show the same record bytes come out.
 *
 * Data directory: $IAMW_TEST_DATA_DIR, else data/records next to this file.
 * Corpus: $IAMW_CORPUS_DIR, else /work/shared/data/cloudtrail.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cli.h"
#include "records.h"

/* ---- helpers ----------------------------------------------------------- */

typedef struct item {
	char *json;
	size_t len;
	char *file;
	unsigned long long line, index;
	long long ts;
	int has_ts;
} item;

typedef struct prob {
	char *file;
	unsigned long long line;
	char message[256];
} prob;

typedef struct result {
	item *rec;
	size_t n_rec, cap_rec;
	prob *prob;
	size_t n_prob, cap_prob;
	unsigned long long files, bytes, records, problems;
} result;

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	ck_assert_ptr_nonnull(d);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* Read everything from paths; max_bytes 0 = the reader's default. The
 * iteration bound turns a hang into a failure. */
static void collect_limit(result *res, const char *const *paths, size_t n, size_t max_bytes)
{
	memset(res, 0, sizeof *res);
	record_reader r;
	ck_assert_int_eq(record_reader_open(&r, paths, n), 0);
	if (max_bytes)
		r.max_bytes = max_bytes;
	record rec;
	record_problem p;
	for (unsigned long iter = 0;; iter++) {
		ck_assert_uint_lt(iter, 10000000);
		int rc = record_reader_next(&r, &rec, &p);
		if (rc == 0)
			break;
		if (rc == 1) {
			if (res->n_rec == res->cap_rec) {
				res->cap_rec = res->cap_rec ? res->cap_rec * 2 : 64;
				res->rec = realloc(res->rec, res->cap_rec * sizeof *res->rec);
				ck_assert_ptr_nonnull(res->rec);
			}
			item *it = &res->rec[res->n_rec++];
			it->json = dup_n(rec.json, rec.len);
			it->len = rec.len;
			it->file = strdup(rec.file);
			it->line = rec.line;
			it->index = rec.index;
			it->ts = rec.log_timestamp_ms;
			it->has_ts = rec.has_log_timestamp;
		} else {
			ck_assert_int_eq(rc, -1);
			if (res->n_prob == res->cap_prob) {
				res->cap_prob = res->cap_prob ? res->cap_prob * 2 : 16;
				res->prob = realloc(res->prob, res->cap_prob * sizeof *res->prob);
				ck_assert_ptr_nonnull(res->prob);
			}
			prob *pr = &res->prob[res->n_prob++];
			pr->file = strdup(p.file ? p.file : "(null)");
			pr->line = p.line;
			memcpy(pr->message, p.message, sizeof pr->message);
		}
	}
	res->files = r.files;
	res->bytes = r.bytes;
	res->records = r.records;
	res->problems = r.problems;
	ck_assert_uint_eq(res->records, res->n_rec);
	ck_assert_uint_eq(res->problems, res->n_prob);
	record_reader_close(&r);
}

static void collect(result *res, const char *const *paths, size_t n)
{
	collect_limit(res, paths, n, 0);
}

static void collect1(result *res, const char *path)
{
	collect(res, &path, 1);
}

static void result_free(result *res)
{
	for (size_t i = 0; i < res->n_rec; i++) {
		free(res->rec[i].json);
		free(res->rec[i].file);
	}
	for (size_t i = 0; i < res->n_prob; i++)
		free(res->prob[i].file);
	free(res->rec);
	free(res->prob);
	memset(res, 0, sizeof *res);
}

static const char *data_dir(void)
{
	static char buf[4096];
	const char *env = getenv("IAMW_TEST_DATA_DIR");
	if (env && *env)
		return env;
	const char *slash = strrchr(__FILE__, '/');
	if (!slash)
		return "data/records";
	snprintf(buf, sizeof buf, "%.*s/data/records", (int)(slash - __FILE__), __FILE__);
	return buf;
}

static const char *corpus_dir(void)
{
	const char *env = getenv("IAMW_CORPUS_DIR");
	return env && *env ? env : "/work/shared/data/cloudtrail";
}

static void corpus_file(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", corpus_dir(), name);
	ck_assert(n > 0 && (size_t)n < size);
}

/* data_path() returns one of a few rotating buffers so that several can be
 * used in one expression. */
static const char *data_path(const char *name)
{
	static char bufs[8][4096];
	static int next;
	char *b = bufs[next++ % 8];
	struct stat st;
	ck_assert_msg(stat(data_dir(), &st) == 0,
	              "test data not found at %s: run from the source root or set IAMW_TEST_DATA_DIR",
	              data_dir());
	int n = snprintf(b, 4096, "%s/%s", data_dir(), name);
	ck_assert(n > 0 && n < 4096);
	return b;
}

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

static void expect_problem(const result *res, size_t i, unsigned long long line, const char *needle)
{
	ck_assert_uint_lt(i, res->n_prob);
	ck_assert_msg(res->prob[i].line == line, "problem %zu (%s) at line %llu, want %llu", i,
	              res->prob[i].message, res->prob[i].line, line);
	ck_assert_msg(strstr(res->prob[i].message, needle), "problem %zu: \"%s\" lacks \"%s\"", i,
	              res->prob[i].message, needle);
}

static int contains(const char *hay, size_t n, const char *needle, size_t m)
{
	for (size_t i = 0; m <= n && i <= n - m; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

/* Records from a file that was not unescaped must be exact byte spans of it. */
static void expect_spans_of(const result *res, const char *path)
{
	char *data, err[256];
	size_t len;
	ck_assert_msg(slurp_file(path, &data, &len, err, sizeof err) == 0, "%s", err);
	for (size_t i = 0; i < res->n_rec; i++) {
		const item *it = &res->rec[i];
		ck_assert_msg(contains(data, len, it->json, it->len),
		              "record %zu is not a byte span of %s", i, path);
		ck_assert(it->json[0] == '{' && it->json[it->len - 1] == '}');
	}
	free(data);
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void write_gz(const char *path, const char *data, size_t len)
{
	gzFile g = gzopen(path, "wb");
	ck_assert_ptr_nonnull(g);
	if (len)
		ck_assert_int_eq(gzwrite(g, data, (unsigned)len), (int)len);
	ck_assert_int_eq(gzclose(g), Z_OK);
}

static void remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (d) {
			struct dirent *de;
			while ((de = readdir(d))) {
				if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
					continue;
				char sub[4096];
				int n = snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
				if (n > 0 && (size_t)n < sizeof sub)
					remove_tree(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* A fresh scratch directory per test (tests may run in parallel processes). */
static char tmpdir[256];

static void tmp_setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/iamw-test-records-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
	remove_tree(tmpdir);
}

static const char *tmp_path(const char *name)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];
	int n = snprintf(b, 512, "%s/%s", tmpdir, name);
	ck_assert(n > 0 && n < 512);
	return b;
}

/* The lines of a (gzip) NDJSON file, via input.c's reader. */
typedef struct lines {
	char **line;
	size_t *len;
	size_t n;
} lines;

static void read_lines(lines *ls, const char *path)
{
	memset(ls, 0, sizeof *ls);
	line_reader lr;
	ck_assert_msg(line_reader_open(&lr, path) == 0, "%s", lr.errmsg);
	const char *l;
	size_t n, cap = 0;
	int rc;
	while ((rc = line_reader_next(&lr, &l, &n)) == 1) {
		if (ls->n == cap) {
			cap = cap ? cap * 2 : 1024;
			ls->line = realloc(ls->line, cap * sizeof *ls->line);
			ls->len = realloc(ls->len, cap * sizeof *ls->len);
			ck_assert(ls->line && ls->len);
		}
		ls->line[ls->n] = dup_n(l, n);
		ls->len[ls->n++] = n;
	}
	ck_assert_msg(rc == 0, "%s", lr.errmsg);
	line_reader_close(&lr);
}

static void lines_free(lines *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		free(ls->line[i]);
	free(ls->line);
	free(ls->len);
}

static void expect_same_records(const result *res, const lines *ls)
{
	ck_assert_uint_eq(res->n_rec, ls->n);
	for (size_t i = 0; i < ls->n; i++)
		ck_assert_msg(res->rec[i].len == ls->len[i] &&
		                  memcmp(res->rec[i].json, ls->line[i], ls->len[i]) == 0,
		              "record %zu differs from corpus line %zu", i, i + 1);
}

/* ---- CloudTrail S3 delivery files -------------------------------------- */

START_TEST(test_s3_pretty)
{
	const char *names[] = {"s3-pretty.json", "s3-pretty.json.gz"};
	for (int k = 0; k < 2; k++) {
		result res;
		collect1(&res, data_path(names[k]));
		ck_assert_uint_eq(res.n_prob, 0);
		ck_assert_uint_eq(res.n_rec, 3);
		ck_assert_uint_eq(res.files, 1);
		unsigned long long want_line[] = {3, 19, 32};
		for (size_t i = 0; i < 3; i++) {
			ck_assert_uint_eq(res.rec[i].line, want_line[i]);
			ck_assert_uint_eq(res.rec[i].index, i);
			ck_assert_int_eq(res.rec[i].has_ts, 0);
			ck_assert(strstr(res.rec[i].file, names[k]) != NULL);
		}
		expect_event_id(&res, 0, "id-1");
		expect_event_id(&res, 1, "id-2");
		expect_event_id(&res, 2, "id-3");
		/* braces and escaped quotes inside strings do not confuse the skipper */
		cJSON *j = parse_item(&res.rec[0]);
		const char *doc = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "requestParameters"),
		                                      "policyDocument")->valuestring;
		ck_assert_str_eq(doc, "{\"Statement\":[{\"Effect\":\"Allow\"}]} ]}\\");
		cJSON_Delete(j);
		expect_spans_of(&res, data_path(names[k]));
		result_free(&res);
	}
}
END_TEST

START_TEST(test_s3_compact)
{
	result res;
	collect1(&res, data_path("s3-compact.json"));
	ck_assert_uint_eq(res.n_prob, 0);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.rec[0].line, 1);
	ck_assert_uint_eq(res.rec[1].line, 1);
	ck_assert_uint_eq(res.rec[1].index, 1);
	expect_event_id(&res, 0, "id-4");
	expect_event_id(&res, 1, "id-5");
	expect_spans_of(&res, data_path("s3-compact.json"));
	result_free(&res);
}
END_TEST

START_TEST(test_s3_records_not_array)
{
	result res;
	collect1(&res, data_path("s3-records-5.json"));
	ck_assert_uint_eq(res.n_rec, 0);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 1, "\"Records\" is a number, not an array");
	result_free(&res);

	/* the same on one line, followed by a good file: reading goes on */
	write_file(tmp_path("r5.json"), "{\"Records\":5}", 13);
	const char *paths[] = {tmp_path("r5.json"), data_path("s3-compact.json")};
	collect(&res, paths, 2);
	ck_assert_uint_eq(res.n_prob, 1);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.files, 2);
	result_free(&res);
}
END_TEST

START_TEST(test_s3_bad_elements)
{
	result res;
	collect1(&res, data_path("s3-bad-elements.json"));
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
	result_free(&res);
}
END_TEST

START_TEST(test_s3_truncated_document)
{
	/* the records before the damage still come out, then one problem */
	result res;
	collect1(&res, data_path("s3-truncated.json"));
	ck_assert_uint_eq(res.n_rec, 2);
	expect_event_id(&res, 0, "id-9");
	expect_event_id(&res, 1, "id-10");
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 4, "unexpected end of input");
	result_free(&res);
}
END_TEST

START_TEST(test_bare_array)
{
	result res;
	collect1(&res, data_path("array.json"));
	ck_assert_uint_eq(res.n_prob, 0);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.rec[0].line, 2);
	ck_assert_uint_eq(res.rec[1].line, 15);
	expect_event_id(&res, 1, "id-13");
	expect_spans_of(&res, data_path("array.json"));
	result_free(&res);
}
END_TEST

START_TEST(test_one_element_per_line_document)
{
	/* "{"Records": [" then one complete record per line: still a document */
	const char *text = "{\"Records\": [\n{\"eventID\":\"a\"}\n]}\n";
	write_file(tmp_path("one.json"), text, strlen(text));
	const char *text2 = "{\"Records\": [\n{\"eventID\":\"a\"},\n{\"eventID\":\"b\"}\n]}\n";
	write_file(tmp_path("two.json"), text2, strlen(text2));
	const char *paths[] = {tmp_path("one.json"), tmp_path("two.json")};
	result res;
	collect(&res, paths, 2);
	ck_assert_uint_eq(res.n_prob, 0);
	ck_assert_uint_eq(res.n_rec, 3);
	ck_assert_uint_eq(res.rec[0].line, 2);
	ck_assert_uint_eq(res.rec[2].line, 3);
	expect_event_id(&res, 2, "b");
	result_free(&res);
}
END_TEST

/* ---- NDJSON ------------------------------------------------------------ */

START_TEST(test_ndjson_malformed_lines)
{
	const char *names[] = {"ndjson-mixed.ndjson", "ndjson-mixed.ndjson.gz"};
	for (int k = 0; k < 2; k++) {
		result res;
		collect1(&res, data_path(names[k]));
		ck_assert_uint_eq(res.n_rec, 5);
		unsigned long long want_line[] = {1, 3, 5, 8, 12};
		const char *want_id[] = {"id-20", "id-21", "id-22", "id-23", "id-24"};
		for (size_t i = 0; i < 5; i++) {
			ck_assert_uint_eq(res.rec[i].line, want_line[i]);
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
		expect_problem(&res, 2, 9, "not a JSON object: found a number");
		expect_problem(&res, 3, 10, "unterminated string");
		expect_problem(&res, 4, 11, "unexpected text after it at column 9");
		expect_spans_of(&res, data_path(names[k]));
		result_free(&res);
	}
}
END_TEST

START_TEST(test_ndjson_crlf)
{
	result res;
	collect1(&res, data_path("ndjson-crlf.ndjson"));
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
	const char *paths[] = {data_path("empty.json"), data_path("bom.ndjson"),
	                       data_path("blank.ndjson")};
	result res;
	collect(&res, paths, 3);
	ck_assert_uint_eq(res.n_prob, 0);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.files, 3);
	ck_assert(res.rec[0].json[0] == '{');
	ck_assert_uint_eq(res.rec[1].line, 2);
	expect_event_id(&res, 0, "id-33");
	result_free(&res);
}
END_TEST

START_TEST(test_ndjson_broken_first_line)
{
	/* an unterminated first line must not turn the file into one bad document */
	const char *text = "{\"eventID\":\"a\",\"x\":\"unterminated\n{\"eventID\":\"b\"}\n{\"eventID\":\"c\"}\n";
	write_file(tmp_path("b.ndjson"), text, strlen(text));
	result res;
	collect1(&res, tmp_path("b.ndjson"));
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 1, "unterminated string at column 20");
	ck_assert_uint_eq(res.n_rec, 2);
	expect_event_id(&res, 0, "b");
	ck_assert_uint_eq(res.rec[1].line, 3);
	result_free(&res);

	/* a garbage first line, then records */
	const char *text2 = "garbage\n{\"eventID\":\"d\"}\n";
	write_file(tmp_path("g.ndjson"), text2, strlen(text2));
	collect1(&res, tmp_path("g.ndjson"));
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 1, "not a JSON object");
	ck_assert_uint_eq(res.n_rec, 1);
	result_free(&res);

	/* an unterminated string in a document */
	const char *text3 = "[\n{\"eventID\":\"e\"},\n{\"eventID\":\"f\n}]\n";
	write_file(tmp_path("u.json"), text3, strlen(text3));
	collect1(&res, tmp_path("u.json"));
	ck_assert_uint_eq(res.n_rec, 1);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 3, "unterminated string");
	result_free(&res);
}
END_TEST

START_TEST(test_not_json_file)
{
	/* a README or a binary in a directory is one problem, not one per line */
	const char *text = "# notes\nsome text\nmore text\n";
	write_file(tmp_path("README.md"), text, strlen(text));
	write_file(tmp_path("bin"), "\x7f" "ELF\n\x01\x02\n\x03", 9);
	const char *paths[] = {tmp_path("README.md"), tmp_path("bin")};
	result res;
	collect(&res, paths, 2);
	ck_assert_uint_eq(res.n_rec, 0);
	ck_assert_uint_eq(res.n_prob, 2);
	expect_problem(&res, 0, 1, "not JSON objects (starts with '#'); file skipped");
	expect_problem(&res, 1, 1, "starts with byte 0x7f");
	result_free(&res);
}
END_TEST

START_TEST(test_nul_and_invalid_utf8)
{
	/* passed through as-is: the JSON parser downstream decides */
	static const char text[] = "{\"a\":\"x\0y\xff\xfe\"}\n{\"b\":\0}\n{\"eventID\":\"ok\"}\n";
	write_file(tmp_path("nul.ndjson"), text, sizeof text - 1);
	result res;
	collect1(&res, tmp_path("nul.ndjson"));
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.rec[0].len, 13);
	ck_assert(memcmp(res.rec[0].json, "{\"a\":\"x\0y\xff\xfe\"}", 13) == 0);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 2, "byte 0x00");
	ck_assert_uint_eq(res.rec[1].line, 3);
	result_free(&res);
}
END_TEST

START_TEST(test_huge_line)
{
	/* a 10 MB record on one line, then a normal one */
	size_t big = 10u << 20;
	char *text = malloc(big + 64);
	ck_assert_ptr_nonnull(text);
	size_t n = (size_t)sprintf(text, "{\"eventID\":\"big\",\"pad\":\"");
	memset(text + n, 'x', big);
	n += big;
	n += (size_t)sprintf(text + n, "\"}\n{\"eventID\":\"after\"}\n");
	write_file(tmp_path("big.ndjson"), text, n);
	write_gz(tmp_path("big.ndjson.gz"), text, n);
	free(text);
	const char *paths[] = {tmp_path("big.ndjson"), tmp_path("big.ndjson.gz")};
	result res;
	collect(&res, paths, 2);
	ck_assert_uint_eq(res.n_prob, 0);
	ck_assert_uint_eq(res.n_rec, 4);
	ck_assert_uint_eq(res.rec[0].len, big + 26);
	expect_event_id(&res, 1, "after");
	ck_assert_uint_eq(res.rec[3].line, 2);
	result_free(&res);

	/* with a 1 MB limit the long line is reported and skipped, not buffered */
	collect_limit(&res, paths, 2, 1u << 20);
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.n_prob, 2);
	expect_problem(&res, 0, 1, "line is longer than");
	expect_problem(&res, 1, 1, "line is longer than");
	expect_event_id(&res, 0, "after");
	ck_assert_uint_eq(res.rec[0].line, 2);
	result_free(&res);

	/* and a document over the limit is one problem */
	collect_limit(&res, (const char *[]){data_path("s3-pretty.json")}, 1, 100);
	ck_assert_uint_eq(res.n_rec, 0);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 0, "file is larger than 100 bytes");
	result_free(&res);
}
END_TEST

START_TEST(test_deep_nesting)
{
	size_t depth = 100000;
	char *text = malloc(3 * depth + 256);
	ck_assert_ptr_nonnull(text);
	/* line 1: valid, 100000 deep; line 2: unclosed; line 3: a record */
	size_t n = (size_t)sprintf(text, "{\"eventID\":\"deep\",\"a\":");
	memset(text + n, '[', depth);
	n += depth;
	memset(text + n, ']', depth);
	n += depth;
	n += (size_t)sprintf(text + n, "}\n");
	write_file(tmp_path("deep.ndjson"), text, n);
	FILE *f = fopen(tmp_path("deep.ndjson"), "ab");
	ck_assert_ptr_nonnull(f);
	fputs("{\"a\":", f);
	for (size_t i = 0; i < depth; i++)
		fputs("{\"b\":[", f);
	fputs("\n{\"eventID\":\"last\"}\n", f);
	fclose(f);
	result res;
	collect1(&res, tmp_path("deep.ndjson"));
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_uint_eq(res.rec[0].len, n - 1);
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
	write_file(tmp_path("deep.json"), text, n);
	free(text);
	collect1(&res, tmp_path("deep.json"));
	ck_assert_uint_eq(res.n_rec, 1);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 4, "unexpected end of input");
	result_free(&res);
}
END_TEST

/* ---- CloudWatch Logs and EventBridge -------------------------------------- */

START_TEST(test_cwl_filter_log_events)
{
	result res;
	collect1(&res, data_path("cwl-filter-log-events.json"));
	ck_assert_uint_eq(res.n_rec, 2);
	ck_assert_int_eq(res.rec[0].has_ts, 1);
	ck_assert_int_eq(res.rec[0].ts, 1690000000000LL);
	ck_assert_int_eq(res.rec[1].ts, 1690000002000LL);
	ck_assert_uint_eq(res.rec[0].line, 6);
	ck_assert_uint_eq(res.rec[1].index, 2);
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
	const char *paths[] = {data_path("cwl-events.ndjson"), data_path("cwl-eventbridge.ndjson")};
	result res;
	collect(&res, paths, 2);
	ck_assert_uint_eq(res.n_prob, 0);
	ck_assert_uint_eq(res.n_rec, 3);
	ck_assert_int_eq(res.rec[1].ts, 1690000003001LL);
	ck_assert_uint_eq(res.rec[1].line, 2);
	expect_event_id(&res, 1, "id-43");
	/* a message holding an EventBridge envelope yields its detail */
	ck_assert_int_eq(res.rec[2].ts, 1690000010000LL);
	expect_event_id(&res, 2, "id-56");
	cJSON *j = parse_item(&res.rec[2]);
	ck_assert_ptr_null(cJSON_GetObjectItem(j, "detail-type"));
	cJSON_Delete(j);
	result_free(&res);
}
END_TEST

START_TEST(test_cwl_subscription)
{
	const char *paths[] = {data_path("cwl-subscription.json"), data_path("cwl-subscription.json.gz"),
	                       data_path("cwl-control.json"), data_path("cwl-firehose.json")};
	result res;
	collect(&res, paths, 4);
	ck_assert_uint_eq(res.n_prob, 0);
	ck_assert_uint_eq(res.n_rec, 6);
	ck_assert_uint_eq(res.files, 4);
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(res.rec[2 * k].ts, 1690000005000LL);
		ck_assert_int_eq(res.rec[2 * k + 1].ts, 1690000006000LL);
		ck_assert_uint_eq(res.rec[2 * k + 1].index, 1);
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
	const char *paths[] = {data_path("eventbridge.ndjson"), data_path("eventbridge-single.json"),
	                       data_path("eventbridge-array.json")};
	result res;
	collect(&res, paths, 3);
	ck_assert_uint_eq(res.n_rec, 6);
	const char *ids[] = {"id-50", "id-51", "id-52", "id-53", "id-54", "id-55"};
	for (size_t i = 0; i < 6; i++) {
		expect_event_id(&res, i, ids[i]);
		ck_assert_int_eq(res.rec[i].has_ts, 0);
		cJSON *j = parse_item(&res.rec[i]);
		ck_assert_ptr_null(cJSON_GetObjectItem(j, "detail"));
		cJSON_Delete(j);
	}
	ck_assert_uint_eq(res.rec[2].line, 4);
	ck_assert_uint_eq(res.rec[3].line, 10);
	ck_assert_uint_eq(res.rec[5].index, 1);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 3, "not from CloudTrail");
	result_free(&res);
	collect1(&res, data_path("eventbridge-array.json"));
	expect_spans_of(&res, data_path("eventbridge-array.json"));
	result_free(&res);
}
END_TEST

/* ---- gzip damage ------------------------------------------------------- */

START_TEST(test_gzip_damage)
{
	/* a 0-byte .gz, a valid gzip of nothing, a header only */
	write_file(tmp_path("empty.gz"), "", 0);
	write_gz(tmp_path("nothing.gz"), "", 0);
	write_file(tmp_path("header.gz"), "\x1f\x8b\x08\x00\x00", 5);
	const char *paths[] = {tmp_path("empty.gz"), tmp_path("nothing.gz"), tmp_path("header.gz")};
	result res;
	collect(&res, paths, 3);
	ck_assert_uint_eq(res.n_rec, 0);
	ck_assert_uint_eq(res.n_prob, 2);
	expect_problem(&res, 0, 0, "unexpected end of compressed data");
	ck_assert(strstr(res.prob[0].file, "empty.gz"));
	expect_problem(&res, 1, 0, "unexpected end of compressed data");
	ck_assert(strstr(res.prob[1].file, "header.gz"));
	result_free(&res);

	/* an NDJSON .gz cut in half: the lines before the cut, then one problem */
	char path[4096];
	corpus_file(path, sizeof path, "stratus_red_team_detonation_logs.ndjson.gz");
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	static char raw[1 << 20];
	size_t len = fread(raw, 1, sizeof raw, f);
	fclose(f);
	ck_assert_uint_gt(len, 1000);
	write_file(tmp_path("cut.ndjson.gz"), raw, len / 2);
	const char *cut[] = {tmp_path("cut.ndjson.gz"), data_path("s3-compact.json")};
	collect(&res, cut, 2);
	ck_assert_uint_gt(res.n_rec, 10 + 2);
	ck_assert_uint_lt(res.n_rec, 310);
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 0, "unexpected end of compressed data");
	/* and the file after it is still read */
	expect_event_id(&res, res.n_rec - 1, "id-5");
	result_free(&res);

	/* a whole-document .gz cut: the problem names the cause */
	f = fopen(data_path("s3-pretty.json.gz"), "rb");
	ck_assert_ptr_nonnull(f);
	len = fread(raw, 1, sizeof raw, f);
	fclose(f);
	write_file(tmp_path("cut.json.gz"), raw, len - 30);
	collect1(&res, tmp_path("cut.json.gz"));
	ck_assert_uint_eq(res.n_prob, 1);
	expect_problem(&res, 0, 0, "unexpected end of compressed data");
	result_free(&res);
}
END_TEST

/* ---- paths and directories ---------------------------------------------- */

START_TEST(test_directory_order)
{
	result res;
	collect1(&res, data_path("tree"));
	ck_assert_uint_eq(res.n_prob, 0);
	ck_assert_uint_eq(res.n_rec, 4);
	ck_assert_uint_eq(res.files, 4);
	const char *want[] = {"tree/B.ndjson", "tree/a/x.ndjson", "tree/a/y/z.json.gz", "tree/b.ndjson"};
	const char *ids[] = {"id-60", "id-61", "id-62", "id-63"};
	for (size_t i = 0; i < 4; i++) {
		size_t fl = strlen(res.rec[i].file), wl = strlen(want[i]);
		ck_assert_msg(fl >= wl && strcmp(res.rec[i].file + fl - wl, want[i]) == 0,
		              "file %zu is %s, want %s", i, res.rec[i].file, want[i]);
		expect_event_id(&res, i, ids[i]);
	}
	ck_assert_uint_eq(res.rec[2].line, 3);
	result_free(&res);
}
END_TEST

START_TEST(test_directory_walk_tmp)
{
	/* tmp/
	 *   a.ndjson
	 *   d/ e.json  loop -> ..  dangling -> nowhere  fifo
	 *   z.ndjson */
	char sub[512];
	ck_assert((size_t)snprintf(sub, sizeof sub, "%s", tmp_path("d")) < sizeof sub);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	const char *rec = "{\"eventID\":\"tmp\"}\n";
	write_file(tmp_path("a.ndjson"), rec, strlen(rec));
	write_file(tmp_path("z.ndjson"), rec, strlen(rec));
	write_file(tmp_path("d/e.json"), "[{\"eventID\":\"e\"}]", 17);
	ck_assert_int_eq(symlink("..", tmp_path("d/loop")), 0);
	ck_assert_int_eq(symlink("nowhere", tmp_path("d/dangling")), 0);
	ck_assert_int_eq(mkfifo(tmp_path("d/fifo"), 0644), 0);
	const char *paths[] = {tmpdir, "/nonexistent/iamw", data_path("s3-compact.json")};
	result res;
	collect(&res, paths, 3);
	ck_assert_uint_eq(res.n_rec, 5);
	ck_assert(strstr(res.rec[0].file, "/a.ndjson"));
	ck_assert(strstr(res.rec[1].file, "/d/e.json"));
	ck_assert(strstr(res.rec[2].file, "/z.ndjson"));
	ck_assert_uint_eq(res.files, 4);
	/* d/ entries in byte order: dangling, e.json, fifo, loop */
	ck_assert_uint_eq(res.n_prob, 4);
	expect_problem(&res, 0, 0, "No such file");
	ck_assert(strstr(res.prob[0].file, "/d/dangling"));
	expect_problem(&res, 1, 0, "not a regular file");
	expect_problem(&res, 2, 0, "directory loop");
	ck_assert(strstr(res.prob[2].file, "/d/loop"));
	expect_problem(&res, 3, 0, "No such file");
	ck_assert_str_eq(res.prob[3].file, "/nonexistent/iamw");
	result_free(&res);

	/* Starting in d/, loop -> .. is not a loop yet: the parent is read
	 * through it, until it leads back into d. A trailing slash does not
	 * double. */
	char slashed[600];
	ck_assert((size_t)snprintf(slashed, sizeof slashed, "%s/", tmp_path("d")) < sizeof slashed);
	collect1(&res, slashed);
	ck_assert_uint_eq(res.n_rec, 3);
	ck_assert(strstr(res.rec[0].file, "/d/e.json") && !strstr(res.rec[0].file, "//"));
	ck_assert(strstr(res.rec[1].file, "/d/loop/a.ndjson"));
	ck_assert(strstr(res.rec[2].file, "/d/loop/z.ndjson"));
	ck_assert_uint_eq(res.n_prob, 3);
	expect_problem(&res, 2, 0, "directory loop");
	ck_assert(strstr(res.prob[2].file, "/d/loop/d"));
	result_free(&res);
}
END_TEST

/* ---- the real corpus --------------------------------------------------- */

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
		char path[4096];
		corpus_file(path, sizeof path, files[k].name);
		result res;
		collect1(&res, path);
		ck_assert_uint_eq(res.n_prob, 0);
		ck_assert_uint_eq(res.n_rec, files[k].records);
		lines ls;
		read_lines(&ls, path);
		expect_same_records(&res, &ls);
		for (size_t i = 0; i < res.n_rec; i++) {
			ck_assert_uint_eq(res.rec[i].line, i + 1);
			ck_assert_uint_eq(res.rec[i].index, i);
		}
		ck_assert_uint_gt(res.bytes, 0);
		lines_free(&ls);
		result_free(&res);
	}
}
END_TEST

/* Re-wrap the corpus lines as a Records file (plain and gzip), a CloudWatch
 * Logs export and EventBridge NDJSON: the same record bytes must come out. */
START_TEST(test_corpus_rewrapped)
{
	char path[4096];
	corpus_file(path, sizeof path, "stratus_red_team_detonation_logs.ndjson.gz");
	lines ls;
	read_lines(&ls, path);
	ck_assert_uint_eq(ls.n, 310);

	FILE *rec = fopen(tmp_path("records.json"), "wb");
	FILE *cwl = fopen(tmp_path("cwl.json"), "wb");
	FILE *eb = fopen(tmp_path("eb.ndjson"), "wb");
	ck_assert(rec && cwl && eb);
	fputs("{\"Records\":[\n", rec);
	fputs("{\n  \"events\": [\n", cwl);
	for (size_t i = 0; i < ls.n; i++) {
		fwrite(ls.line[i], 1, ls.len[i], rec);
		fputs(i + 1 < ls.n ? ",\n" : "\n", rec);
		fprintf(cwl, "    {\"logStreamName\":\"s\",\"timestamp\":%zu,\"message\":", 1690000000000 + i);
		fput_json_string(cwl, ls.line[i], ls.len[i]);
		fprintf(cwl, ",\"ingestionTime\":1,\"eventId\":\"%zu\"}%s\n", i, i + 1 < ls.n ? "," : "");
		fputs("{\"version\":\"0\",\"id\":\"x\",\"detail-type\":\"AWS API Call via CloudTrail\","
		      "\"source\":\"aws.iam\",\"detail\":", eb);
		fwrite(ls.line[i], 1, ls.len[i], eb);
		fputs("}\n", eb);
	}
	fputs("]}\n", rec);
	fputs("  ],\n  \"searchedLogStreams\": []\n}\n", cwl);
	ck_assert_int_eq(fclose(rec), 0);
	ck_assert_int_eq(fclose(cwl), 0);
	ck_assert_int_eq(fclose(eb), 0);

	char *data, err[256];
	size_t len;
	ck_assert(slurp_file(tmp_path("records.json"), &data, &len, err, sizeof err) == 0);
	write_gz(tmp_path("records.json.gz"), data, len);
	free(data);

	const char *names[] = {"records.json", "records.json.gz", "cwl.json", "eb.ndjson"};
	for (size_t k = 0; k < 4; k++) {
		result res;
		collect1(&res, tmp_path(names[k]));
		ck_assert_msg(res.n_prob == 0, "%s: %s", names[k], res.n_prob ? res.prob[0].message : "");
		expect_same_records(&res, &ls);
		for (size_t i = 0; i < res.n_rec; i++) {
			ck_assert_uint_eq(res.rec[i].index, i);
			if (k < 2)
				ck_assert_uint_eq(res.rec[i].line, i + 2);
			else if (k == 2)
				ck_assert_uint_eq(res.rec[i].line, i + 3);
			else
				ck_assert_uint_eq(res.rec[i].line, i + 1);
			ck_assert_int_eq(res.rec[i].has_ts, k == 2);
			if (k == 2)
				ck_assert_int_eq(res.rec[i].ts, 1690000000000LL + (long long)i);
		}
		result_free(&res);
	}
	lines_free(&ls);
}
END_TEST

/* ---- runner ------------------------------------------------------------- */

static Suite *records_suite(void)
{
	Suite *s = suite_create("records");
	TCase *tc = tcase_create("formats");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
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
	tcase_add_test(tc, test_huge_line);
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_cwl_filter_log_events);
	tcase_add_test(tc, test_cwl_ndjson_events);
	tcase_add_test(tc, test_cwl_subscription);
	tcase_add_test(tc, test_eventbridge);
	tcase_add_test(tc, test_gzip_damage);
	tcase_add_test(tc, test_directory_order);
	tcase_add_test(tc, test_directory_walk_tmp);
	suite_add_tcase(s, tc);
	TCase *corpus = tcase_create("corpus");
	tcase_set_timeout(corpus, 600);
	tcase_add_checked_fixture(corpus, tmp_setup, tmp_teardown);
	tcase_add_test(corpus, test_corpus);
	tcase_add_test(corpus, test_corpus_rewrapped);
	suite_add_tcase(s, corpus);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(records_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
